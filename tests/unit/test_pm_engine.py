"""The PM engine against the database: a table of schedule scenarios whose due dates are written
out by hand, each played as a sequence of checks and completions on given days. Run on SQLite
here and on PostgreSQL by tests/integration/test_pm_pg.py.

A scenario step is one of:
- ("check", day, [expected pm_due of the orders created], [expected missed occurrences])
- ("complete", day)            complete the schedule's open order on that day
- ("cancel", day)              cancel it
- ("reading", value)           record a meter reading
- ("deactivate",) / ("end", day)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from app.models import PmMissed, WorkOrder
from app.permissions import Actor
from app.services.assets import meters, register
from app.services.pm import forecast, run, schedules
from app.services.pm.state import OPEN_STATUSES
from app.services.work_orders import lifecycle

D = dt.date.fromisoformat


def _complete(actor: Actor, schedule_id: int, on: dt.date, monkeypatch: Any) -> None:
    wo = WorkOrder.get((WorkOrder.pm_schedule == schedule_id)
                       & WorkOrder.status.in_(OPEN_STATUSES))
    _freeze_today(monkeypatch, on)
    version = wo.version
    if wo.status == "open":
        version = lifecycle.transition(actor, wo.id, "assigned", version,
                                       assignee_id=actor.user_id).version
    version = lifecycle.transition(actor, wo.id, "in_progress", version).version
    lifecycle.transition(actor, wo.id, "completed", version)


def _freeze_today(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr(run, "local_today", lambda: day)


# name, schedule fields, steps
SCENARIOS: list[tuple[str, dict[str, Any], list[tuple]]] = [
    ("monthly fixed from 31 January never drifts",
     dict(time_unit="month", start_date="2026-01-31"),
     [("check", "2026-01-31", ["2026-01-31"], []),
      ("complete", "2026-02-01"),
      ("check", "2026-02-27", [], []),
      ("check", "2026-02-28", ["2026-02-28"], []),
      ("complete", "2026-03-02"),
      ("check", "2026-03-31", ["2026-03-31"], []),
      ("complete", "2026-03-31"),
      ("check", "2026-04-30", ["2026-04-30"], [])]),
    ("leap year: monthly from 31 January 2028 gives 29 February",
     dict(time_unit="month", start_date="2028-01-31"),
     [("check", "2028-01-31", ["2028-01-31"], []),
      ("complete", "2028-02-10"),
      ("check", "2028-02-29", ["2028-02-29"], [])]),
    ("fixed, completed late: the series keeps its dates; passed ones are missed",
     dict(time_unit="week", start_date="2026-03-02"),
     [("check", "2026-03-02", ["2026-03-02"], []),
      ("check", "2026-03-09", [], ["2026-03-09"]),
      ("check", "2026-03-16", [], ["2026-03-16"]),
      ("check", "2026-03-16", [], []),  # a second check records nothing twice
      ("complete", "2026-03-18"),
      ("check", "2026-03-18", [], []),
      ("check", "2026-03-23", ["2026-03-23"], [])]),
    ("fixed, completed early: the next is still the series' next date",
     dict(time_unit="month", start_date="2026-05-15", lead_days=10),
     [("check", "2026-05-05", ["2026-05-15"], []),
      ("complete", "2026-05-06"),
      ("check", "2026-06-04", [], []),
      ("check", "2026-06-05", ["2026-06-15"], [])]),
    ("start date in the past: one overdue order for the latest occurrence",
     dict(time_unit="month", start_date="2025-01-10", created="2026-04-20"),
     [("check", "2026-04-20", ["2026-04-10"], [])]),
    ("floating: due one interval after completion, early or late",
     dict(time_unit="month", anchor="floating", start_date="2026-01-10"),
     [("check", "2026-01-10", ["2026-01-10"], []),
      ("complete", "2026-01-25"),
      ("check", "2026-02-24", [], []),
      ("check", "2026-02-25", ["2026-02-25"], []),
      ("complete", "2026-02-20"),  # completed before its due date
      ("check", "2026-03-20", ["2026-03-20"], [])]),
    ("floating never records misses",
     dict(time_unit="day", every=7, anchor="floating", start_date="2026-01-01"),
     [("check", "2026-01-01", ["2026-01-01"], []),
      ("check", "2026-02-01", [], []),
      ("complete", "2026-02-01"),
      ("check", "2026-02-08", ["2026-02-08"], [])]),
    ("lead days: ordered a week before it is due",
     dict(time_unit="month", start_date="2026-06-01", lead_days=7),
     [("check", "2026-05-24", [], []),
      ("check", "2026-05-25", ["2026-06-01"], []),
      ("complete", "2026-06-01"),
      ("check", "2026-06-23", [], []),
      ("check", "2026-06-24", ["2026-07-01"], [])]),
    ("season window April-October: winter months are neither due nor missed",
     dict(time_unit="month", start_date="2026-09-15", season_from=4, season_to=10),
     [("check", "2026-09-15", ["2026-09-15"], []),
      ("complete", "2026-09-16"),
      ("check", "2026-10-15", ["2026-10-15"], []),
      ("complete", "2026-10-16"),
      ("check", "2027-03-31", [], []),
      ("check", "2027-04-15", ["2027-04-15"], [])]),
    ("skip dates move an occurrence to the next open day",
     dict(time_unit="year", start_date="2026-12-25", skip_dates="2026-12-25,2026-12-26"),
     [("check", "2026-12-26", [], []),
      ("check", "2026-12-27", ["2026-12-27"], [])]),
    ("end date: nothing after it",
     dict(time_unit="week", start_date="2026-03-02", end_date="2026-03-10"),
     [("check", "2026-03-02", ["2026-03-02"], []),
      ("complete", "2026-03-02"),
      ("check", "2026-03-09", ["2026-03-09"], []),
      ("complete", "2026-03-09"),
      ("check", "2026-03-20", [], [])]),
    ("deactivated: nothing at all",
     dict(time_unit="week", start_date="2026-03-02"),
     [("deactivate",),
      ("check", "2026-03-30", [], [])]),
    ("RRULE: first Monday of each quarter",
     dict(time_unit="rrule", rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO", start_date="2026-01-01"),
     [("check", "2026-01-05", ["2026-01-05"], []),
      ("complete", "2026-01-06"),
      ("check", "2026-04-05", [], []),
      ("check", "2026-04-06", ["2026-04-06"], [])]),
    ("cancelled order: the fixed series goes on",
     dict(time_unit="month", start_date="2026-02-01"),
     [("check", "2026-02-01", ["2026-02-01"], []),
      ("cancel", "2026-02-02"),
      ("check", "2026-02-15", [], []),
      ("check", "2026-03-01", ["2026-03-01"], [])]),
]

METER_SCENARIOS: list[tuple[str, dict[str, Any], list[tuple]]] = [
    ("meter fixed every 500 h with 50 h tolerance, from 1,000 h",
     dict(meter_every="500", meter_tolerance="50", start_date="2026-01-01"),
     [("reading", "1440"),
      ("check", "2026-01-10", [], []),
      ("reading", "1450"),
      ("check", "2026-01-11", ["2026-01-11@1500.00"], []),
      ("reading", "2100"),  # 2,000 passes while the order is open
      ("check", "2026-01-20", [], ["meter 2000.00"]),
      ("complete", "2026-01-21"),
      ("reading", "2460"),
      ("check", "2026-01-30", ["2026-01-30@2500.00"], [])]),
    ("meter floating: counted from the reading at completion",
     dict(meter_every="500", anchor="floating", start_date="2026-01-01"),
     [("reading", "1500"),
      ("check", "2026-01-05", ["2026-01-05@1500.00"], []),
      ("reading", "1620"),
      ("complete", "2026-01-06"),
      ("reading", "2100"),
      ("check", "2026-01-10", [], []),
      ("reading", "2120"),
      ("check", "2026-01-11", ["2026-01-11@2120.00"], [])]),
    ("meter in a season April-October: nothing in winter, ordered on the season's first day",
     dict(meter_every="500", start_date="2026-01-01", season_from=4, season_to=10),
     [("reading", "2100"),  # 1,500 and 2,000 both passed in January
      ("check", "2026-01-10", [], []),
      ("check", "2026-03-31", [], []),
      ("check", "2026-04-01", ["2026-04-01@2000.00"], [])]),
    ("whichever first: the meter wins, then the calendar restarts from completion",
     dict(time_unit="month", meter_every="500", anchor="floating", start_date="2026-01-01"),
     [("check", "2026-01-01", ["2026-01-01"], []),  # by the calendar: no meter threshold
      ("reading", "1200"),
      ("complete", "2026-01-02"),
      ("reading", "1700"),
      ("check", "2026-01-20", ["2026-01-20@1700.00"], []),
      ("complete", "2026-01-21"),
      ("check", "2026-02-20", [], []),
      ("check", "2026-02-21", ["2026-02-21"], [])]),
]


def _setup(actor: Actor, fields: dict[str, Any]) -> int:
    asset = register.add_asset(actor, "CMP-01", "Compressor")
    values = dict(fields)
    if "every" in values:
        values["time_every"] = values.pop("every")
    if "meter_every" in values:
        meter = meters.add_meter(actor, asset.id, "Run hours", "h")
        meters.record_reading(actor, meter.id, "1000")
        values["meter_id"] = meter.id
    values.pop("created", None)
    values.setdefault("tasks", [{"text": "Inspect"}, {"text": "Grease"}])
    return schedules.create_schedule(actor, name="PM", asset_id=asset.id, **values).id


def _play(actor: Actor, schedule_id: int, steps: list[tuple], monkeypatch: Any) -> None:
    for step in steps:
        kind = step[0]
        if kind == "check":
            _, on, expected, expected_missed = step
            result = run.generate_due_work_orders(actor, as_of=D(on))
            got = [c.due.isoformat() + (f"@{c.due_reading}" if c.due_reading is not None
                                        else "") for c in result.created]
            assert got == expected, f"check on {on}: {result.created} {result.skipped}"
            assert [m.occurrence for m in result.missed] == expected_missed, f"check on {on}"
        elif kind == "complete":
            _complete(actor, schedule_id, D(step[1]), monkeypatch)
        elif kind == "cancel":
            wo = WorkOrder.get((WorkOrder.pm_schedule == schedule_id)
                               & WorkOrder.status.in_(OPEN_STATUSES))
            lifecycle.transition(actor, wo.id, "cancelled", wo.version, reason="not needed")
        elif kind == "reading":
            meter_id = schedules.get_schedule(actor, schedule_id).values["meter_id"]
            meters.record_reading(actor, meter_id, step[1])
        elif kind == "deactivate":
            s = schedules.get_schedule(actor, schedule_id)
            schedules.update_schedule(actor, schedule_id, s.version, active=False)
        else:  # pragma: no cover - a typo in the table
            raise AssertionError(kind)


@pytest.mark.parametrize(("name", "fields", "steps"), SCENARIOS + METER_SCENARIOS,
                         ids=[s[0] for s in SCENARIOS + METER_SCENARIOS])
def test_scenario(admin: Actor, monkeypatch: pytest.MonkeyPatch, name: str,
                  fields: dict[str, Any], steps: list[tuple]) -> None:
    schedule_id = _setup(admin, fields)
    # Fixed occurrences before the schedule existed are ignored, not missed: the scenarios
    # play as if it was set up long ago.
    from app.models import PmSchedule
    created = D(fields.get("created", "2020-01-01"))
    PmSchedule.update(created_at=dt.datetime.combine(created, dt.time(8))).execute()
    _play(admin, schedule_id, steps, monkeypatch)
    orders = WorkOrder.select().where(WorkOrder.pm_schedule == schedule_id)
    keys = [(o.pm_schedule_id, o.pm_due) for o in orders]
    assert len(keys) == len(set(keys))


def test_a_generated_order_copies_the_schedule(admin: Actor, make_user: Any) -> None:
    tech = make_user("technician", "tina")
    schedule_id = _setup(admin, dict(time_unit="month", start_date="2026-01-31"))
    s = schedules.get_schedule(admin, schedule_id)
    schedules.update_schedule(admin, schedule_id, s.version, priority=2,
                                 tasks=[{"text": "Inspect"}, {"text": "Grease", "required": True}],
                                 estimated_hours="1.5", assignee_id=tech.user_id,
                                 description="Follow the OEM sheet")
    result = run.generate_due_work_orders(admin, as_of=D("2026-01-31"))
    wo = WorkOrder.get(WorkOrder.number == result.created[0].number)
    assert (wo.title, wo.type, wo.priority, wo.status, wo.assignee_id) == (
        "PM", "preventive", 2, "assigned", tech.user_id)
    assert (wo.estimated_hours, wo.description, wo.due_date) == (
        Decimal("1.5"), "Follow the OEM sheet", D("2026-01-31"))
    assert [(t.position, t.text, t.required) for t in wo.tasks.order_by("position")] == [
        (1, "Inspect", False), (2, "Grease", True)]


def test_a_dry_run_says_the_same_and_writes_nothing(admin: Actor) -> None:
    _setup(admin, dict(time_unit="week", start_date="2026-03-02"))
    dry = run.generate_due_work_orders(admin, as_of=D("2026-03-02"), dry_run=True)
    assert [c.due for c in dry.created] == [D("2026-03-02")] and dry.created[0].number == ""
    assert WorkOrder.select().count() == 0
    real = run.generate_due_work_orders(admin, as_of=D("2026-03-02"))
    assert [c.due for c in real.created] == [D("2026-03-02")]
    assert run.generate_due_work_orders(admin, as_of=D("2026-03-02")).created == []


def test_missed_occurrences_are_stored_once(admin: Actor) -> None:
    schedule_id = _setup(admin, dict(time_unit="day", start_date="2026-03-01"))
    from app.models import PmSchedule
    PmSchedule.update(created_at=dt.datetime(2020, 1, 1)).execute()
    run.generate_due_work_orders(admin, as_of=D("2026-03-01"))
    first = run.generate_due_work_orders(admin, as_of=D("2026-03-04"))
    assert [m.occurrence for m in first.missed] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert run.generate_due_work_orders(admin, as_of=D("2026-03-04")).missed == []
    assert PmMissed.select().where(PmMissed.schedule == schedule_id).count() == 3
    assert first.skipped[0].why.startswith("Not ordered: ") and "still open" in first.skipped[0].why


def test_explain_says_why_in_words(admin: Actor) -> None:
    schedule_id = _setup(admin, dict(meter_every="5000", meter_tolerance="100",
                                     start_date="2026-01-01"))
    s = schedules.get_schedule(admin, schedule_id)
    meters.record_reading(admin, s.values["meter_id"], "4820")
    schedules.update_schedule(admin, schedule_id, s.version, meter_start="0")
    text = schedules.explain_schedule(admin, schedule_id, as_of=D("2026-02-01"))
    assert text == ("Not due by meter: meter at 4,820 h; due at 5,000 h minus 100 h "
                    "tolerance.")
    meters.record_reading(admin, s.values["meter_id"], "4900")
    text = schedules.explain_schedule(admin, schedule_id, as_of=D("2026-02-02"))
    assert text.startswith("Due by meter: meter at 4,900 h")
    monthly = _second(admin, dict(time_unit="month", start_date="2026-06-01", lead_days=7))
    assert schedules.explain_schedule(admin, monthly, as_of=D("2026-05-01")) == (
        "Not due yet: next due Mon 01 Jun 2026, ordered from Mon 25 May 2026 (7 days' lead).")


def _second(actor: Actor, fields: dict[str, Any]) -> int:
    asset = register.add_asset(actor, "FAN-02", "Fan")
    return schedules.create_schedule(actor, name="Fan PM", asset_id=asset.id, **fields).id


def test_forecast_lists_a_years_dates(admin: Actor) -> None:
    schedule_id = _setup(admin, dict(time_unit="month", every=3, start_date="2026-01-31"))
    days = [o.day for o in forecast.forecast_schedule(
        admin, schedule_id, "2026-01-01", "2026-12-31")]
    assert days == [D("2026-01-31"), D("2026-04-30"), D("2026-07-31"), D("2026-10-31")]


@pytest.mark.parametrize(("fields", "field", "words"), [
    (dict(), "trigger", "needs a time trigger, a meter trigger or both"),
    (dict(time_unit="fortnight"), "time_unit", "must be one of"),
    (dict(time_unit="month", time_every=0), "time_every", "from 1 to 1000"),
    (dict(time_unit="rrule", rrule="FREQ=SOMETIMES"), "rrule", "not a valid RRULE"),
    (dict(time_unit="month", time_every=2, start_date="2027-01-01", season_from=2,
          season_to=2), "season_from", "it would never be due"),
    (dict(time_unit="week", season_from=4), "season_to", "a first and a last month"),
    (dict(time_unit="week", start_date="2026-05-01", end_date="2026-04-01"), "end_date",
     "is before the start date"),
    (dict(time_unit="week", lead_days=400), "lead_days", "from 0 to 365"),
    (dict(time_unit="week", skip_dates="2026-02-30"), "skip_dates", "is not a date"),
    (dict(time_unit="week", anchor="sometimes"), "anchor", "must be one of"),
    (dict(time_unit="week", tasks=[{"text": ""}]), "task_1", "text is required"),
])
def test_bad_schedules_are_refused_in_words(admin: Actor, fields: dict[str, Any], field: str,
                                            words: str) -> None:
    from app.errors import ValidationError
    from app.models import PmSchedule

    asset = register.add_asset(admin, "BAD-01", "Pump")
    with pytest.raises(ValidationError) as caught:
        schedules.create_schedule(admin, name="PM", asset_id=asset.id, **fields)
    assert words in caught.value.fields[field]
    assert words in str(caught.value)
    assert PmSchedule.select().count() == 0


def test_meter_triggers_are_checked(admin: Actor) -> None:
    from app.errors import ValidationError

    asset = register.add_asset(admin, "CMP-09", "Compressor")
    other = register.add_asset(admin, "CMP-10", "Compressor")
    meter = meters.add_meter(admin, other.id, "Run hours", "h")
    with pytest.raises(ValidationError) as caught:
        schedules.create_schedule(admin, name="PM", asset_id=asset.id, meter_id=meter.id,
                                     meter_every="500")
    assert caught.value.fields["meter"] == "Run hours is not a meter of CMP-09"
    own = meters.add_meter(admin, asset.id, "Run hours", "h")
    with pytest.raises(ValidationError) as caught:
        schedules.create_schedule(admin, name="PM", asset_id=asset.id, meter_id=own.id,
                                     meter_every="500", meter_tolerance="500")
    assert caught.value.fields["meter_tolerance"] == "must be less than the interval (500 h)"
    with pytest.raises(ValidationError) as caught:
        schedules.create_schedule(admin, name="PM", asset_id=asset.id, meter_id=own.id,
                                     meter_every="500", time_unit="month")
    assert "must be floating" in caught.value.fields["anchor"]


def test_a_retired_machines_schedule_can_be_switched_off_and_is_not_ordered(
        admin: Actor, make_user: Any) -> None:
    from app.errors import ValidationError
    from app.services.people import users

    tech = make_user("technician", "tom")
    schedule_id = _setup(admin, dict(time_unit="week", start_date="2026-03-02"))
    s = schedules.get_schedule(admin, schedule_id)
    s = schedules.update_schedule(admin, schedule_id, s.version, assignee_id=tech.user_id)
    users.deactivate_user(admin, tech.user_id)
    # A deactivated default assignee: the order is raised unassigned, the schedule still edits.
    result = run.generate_due_work_orders(admin, as_of=D("2026-03-02"))
    wo = WorkOrder.get(WorkOrder.number == result.created[0].number)
    assert (wo.assignee_id, wo.status) == (None, "open")
    s = schedules.update_schedule(admin, schedule_id, s.version, name="Weekly check")
    asset = register.get_asset(admin, s.values["asset_id"])
    register.update_asset(admin, asset.id, asset.version, status="retired")
    with pytest.raises(ValidationError) as caught:
        schedules.update_schedule(admin, schedule_id, s.version, name="Still on")
    assert "CMP-01 is retired: deactivate the schedule" in caught.value.fields["asset"]
    lifecycle.transition(admin, wo.id, "cancelled", wo.version, reason="machine retired")
    skipped = run.generate_due_work_orders(admin, as_of=D("2026-03-09"))
    assert skipped.created == [] and skipped.skipped[0].why == "Not ordered: CMP-01 is retired."
    assert run.generate_due_work_orders(admin, as_of=D("2026-03-10")).skipped == []
    off = schedules.update_schedule(admin, schedule_id, s.version, active=False)
    assert off.values["active"] is False


def test_schedules_sort_by_column(admin: Actor) -> None:
    from app.errors import ValidationError

    first = _setup(admin, dict(time_unit="week", start_date="2026-03-02"))
    second = _second(admin, dict(time_unit="month", start_date="2026-01-01"))
    schedules.update_schedule(admin, second, schedules.get_schedule(admin, second).version,
                                 name="Alpha")
    assert [r.id for r in schedules.list_schedules(admin, sort="name")] == [second, first]
    assert [r.id for r in schedules.list_schedules(admin, sort="start",
                                                      descending=True)] == [first, second]
    with pytest.raises(ValidationError):
        schedules.list_schedules(admin, sort="colour")


def test_compliance_counts_orders_completed_on_time_with_the_grace(
        admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """DESIGN.md section 11: on time is by the due date plus 10 % of the interval (3 days for
    a month), or by the due date itself under the stricter setting; misses count as late."""
    from app.db import write_transaction
    from app.services import settings

    schedule_id = _setup(admin, dict(time_unit="month", start_date="2026-01-10"))
    from app.models import PmSchedule
    PmSchedule.update(created_at=dt.datetime(2020, 1, 1)).execute()
    late_by = {"2026-01-10": 2, "2026-02-10": 10}  # days after the due date
    for due, days in late_by.items():
        run.generate_due_work_orders(admin, as_of=D(due))
        _complete(admin, schedule_id, D(due), monkeypatch)
        WorkOrder.update(completed_at=dt.datetime.combine(D(due), dt.time(12)) +
                         dt.timedelta(days=days)).where(WorkOrder.pm_due == D(due)).execute()
    run.generate_due_work_orders(admin, as_of=D("2026-03-10"))  # still open, in its grace
    run.generate_due_work_orders(admin, as_of=D("2026-04-10"))  # 10 Apr missed: 10 Mar open

    def rate() -> float | None:
        rows = schedules.list_schedules(admin, today=D("2026-04-11"))
        return rows[0].compliance

    assert rate() == pytest.approx(1 / 4)  # 10 Jan on time; 10 Feb late; 10 Mar open late; miss
    with write_transaction():
        settings.write_setting(admin, "pm_compliance_grace", "due_date")
    assert rate() == 0.0


def test_the_forecast_holds_orders_already_raised_and_those_to_come(admin: Actor) -> None:
    schedule_id = _setup(admin, dict(time_unit="week", start_date="2026-03-02", lead_days=3))
    result = run.generate_due_work_orders(admin, as_of=D("2026-02-27"))
    items = forecast.forecast_all(admin, "2026-03-01", "2026-03-20", today=D("2026-02-27"))
    assert [(i.day, i.how, i.number) for i in items] == [
        (D("2026-03-02"), "order", result.created[0].number),
        (D("2026-03-09"), "time", ""), (D("2026-03-16"), "time", "")]
    assert {i.schedule_id for i in items} == {schedule_id}


def test_a_saved_schedule_knows_when_the_check_must_look_at_it(admin: Actor) -> None:
    """Saving works out the day from which a check has something to do, as a check today
    would: the check does not read the schedule before then, and orders it on the day."""
    from app.models import PmSchedule

    today = dt.date.today()
    start = today + dt.timedelta(days=30)
    schedule_id = _setup(admin, dict(time_unit="month", start_date=start.isoformat(),
                                      lead_days=3))
    assert PmSchedule.get_by_id(schedule_id).next_check == start - dt.timedelta(days=3)
    before = run.generate_due_work_orders(admin, as_of=start - dt.timedelta(days=4))
    assert before.checked == 0 and before.created == []
    on_the_day = run.generate_due_work_orders(admin, as_of=start - dt.timedelta(days=3))
    assert [c.due for c in on_the_day.created] == [start]

    s = schedules.get_schedule(admin, schedule_id)
    later = start + dt.timedelta(days=60)
    schedules.update_schedule(admin, schedule_id, s.version, start_date=later.isoformat())
    # Moved on: the series now starts later (the order for `start` stays open meanwhile).
    assert PmSchedule.get_by_id(schedule_id).next_check == later - dt.timedelta(days=3)

    due_now = schedules.create_schedule(admin, name="Due now", asset_id=s.values["asset_id"],
                                           time_unit="week", start_date=today.isoformat())
    assert PmSchedule.get_by_id(due_now.id).next_check is None  # the next check orders it
    assert [c.due for c in run.generate_due_work_orders(admin, as_of=today).created] \
        == [today]
