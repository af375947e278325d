"""Property tests of the PM engine (hypothesis): random schedules and completion histories,
played day by day as the background check would, must never order one occurrence twice; a fixed
series must be the series computed from its start (each date ordered or recorded missed); a
floating schedule's due dates must follow its completions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.pm.engine import Past, Plan, decide
from app.pm.next_check import check_after, next_check, past_after
from app.pm.recurrence import PlantCalendar, Recurrence, fixed_series, next_floating

START = dt.date(2027, 1, 1)

recurrences = st.one_of(
    st.builds(Recurrence, st.sampled_from(["day", "week", "month"]), st.integers(1, 4)),
    st.sampled_from([Recurrence("rrule", rrule="FREQ=MONTHLY;BYDAY=1MO"),
                     Recurrence("rrule", rrule="FREQ=WEEKLY;BYDAY=MO,TH"),
                     Recurrence("rrule", rrule="FREQ=MONTHLY;BYMONTHDAY=-1")]),
)
calendars = st.one_of(
    st.just(PlantCalendar()),
    st.builds(lambda a, b: PlantCalendar((a, b)), st.integers(1, 12), st.integers(1, 12)),
    st.builds(lambda days: PlantCalendar(skip_dates=frozenset(
        START + dt.timedelta(days=d) for d in days)), st.sets(st.integers(0, 200), max_size=30)),
)
plans = st.builds(
    lambda anchor, rule, cal, offset, lead: Plan(
        anchor=anchor, start=START + dt.timedelta(days=offset), recurrence=rule, calendar=cal,
        lead_days=lead, created_on=START),
    st.sampled_from(["fixed", "floating"]), recurrences, calendars, st.integers(0, 40),
    st.integers(0, 10),
)
# How many days after it is raised each order is completed (cycled through).
delays = st.lists(st.integers(0, 45), min_size=1, max_size=12)


def simulate(plan: Plan, completion_delays: list[int], days: int,
             skip_ahead: bool = False) -> dict[str, Any]:
    """Run the check every day for `days` days; complete each order after the next delay.
    `skip_ahead`: as the service does, look at the schedule only from its `next_check` on
    (cleared when an order is completed)."""
    past = Past()
    check_from: dt.date | None = None
    orders: list[dt.date] = []
    completions: list[dt.date] = []  # completion day of orders[i]
    missed: list[dt.date] = []
    raised_on: dt.date | None = None
    for n in range(days):
        today = START + dt.timedelta(days=n)
        if past.open_order and raised_on is not None:
            delay = completion_delays[(len(orders) - 1) % len(completion_delays)]
            if (today - raised_on).days >= delay:
                completions.append(today)
                past = replace(past, open_order="", last_completed_on=today)
                check_from = None
        if skip_ahead and check_from is not None and today < check_from:
            continue
        d = decide(plan, past, today)
        missed.extend(m.due_date for m in d.missed)
        if d.due is not None:
            orders.append(d.due)
            raised_on = today
        check_from = check_after(plan, past, d, today)  # as the service works it out
        past = past_after(past, d, f"WO-{len(orders)}")
        assert check_from == next_check(plan, past, today), "the short cut agrees"
    return dict(orders=orders, completions=completions, missed=missed,
                last_day=START + dt.timedelta(days=days - 1))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans, delays)
def test_no_occurrence_is_ordered_twice(plan: Plan, completion_delays: list[int]) -> None:
    run = simulate(plan, completion_delays, 160)
    assert len(run["orders"]) == len(set(run["orders"]))
    assert run["orders"] == sorted(run["orders"])
    assert not set(run["orders"]) & set(run["missed"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans.map(lambda p: replace(p, anchor="fixed")), delays)
def test_a_fixed_series_is_the_series_from_its_start(plan: Plan,
                                                     completion_delays: list[int]) -> None:
    run = simulate(plan, completion_delays, 160)
    assert plan.recurrence is not None
    series = []
    for d in fixed_series(plan.recurrence, plan.start, plan.calendar):
        if d > run["last_day"] + dt.timedelta(days=plan.lead_days):
            break
        series.append(d)
    seen = set(run["orders"]) | set(run["missed"])
    assert seen <= set(series), "every order and miss is a date of the series"
    passed = [d for d in series if d <= run["last_day"]]
    assert set(passed) <= seen, "every date of the series that passed was ordered or missed"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans.map(lambda p: replace(p, anchor="floating")), delays)
def test_floating_due_dates_follow_completions(plan: Plan, completion_delays: list[int]) -> None:
    run = simulate(plan, completion_delays, 160)
    assert plan.recurrence is not None
    assert not run["missed"], "a floating schedule has no series to miss"
    for k in range(1, len(run["orders"])):
        completed = run["completions"][k - 1]
        expected = next_floating(plan.recurrence, completed, plan.calendar)
        assert expected is not None
        if expected <= run["orders"][k - 1]:  # completed before the next was even due
            expected = next_floating(plan.recurrence, run["orders"][k - 1], plan.calendar)
        assert run["orders"][k] == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans, delays)
def test_skipping_ahead_to_next_check_changes_nothing(plan: Plan,
                                                      completion_delays: list[int]) -> None:
    """The service looks at a schedule only from its next_check on: the same orders and misses
    as looking every day."""
    assert simulate(plan, completion_delays, 160, skip_ahead=True) == simulate(
        plan, completion_delays, 160)


@settings(max_examples=200, deadline=None)
@given(plans, st.integers(0, 3000))
def test_a_series_read_from_a_later_day_is_the_same_series(plan: Plan, offset: int) -> None:
    """Checks read a series from where they need it, not from its start: same dates."""
    assert plan.recurrence is not None
    from_day = plan.start + dt.timedelta(days=offset)
    until = from_day + dt.timedelta(days=800)

    def upto(days: Any) -> list[dt.date]:
        out = []
        for d in days:
            if d > until:
                break
            out.append(d)
        return out

    whole = [d for d in upto(fixed_series(plan.recurrence, plan.start, plan.calendar))
             if d >= from_day]
    assert upto(fixed_series(plan.recurrence, plan.start, plan.calendar, from_day)) == whole
