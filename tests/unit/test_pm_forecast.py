"""The forecast agrees with the PM check: orders already raised and still open are work to do
(on their due date, or today once they are overdue), and a floating schedule whose order is
still open counts its next date from that order's completion, not from a date already gone."""

from __future__ import annotations

import datetime as dt

from app.permissions import Actor
from app.services.assets import register
from app.services.pm import forecast, run, schedules

TODAY = dt.date.today()


def _weekly_floating_overdue(admin: Actor) -> int:
    """A weekly floating walk-round first due ten days ago, its order raised and still open."""
    asset = register.add_asset(admin, "CHL-0002", "Chiller 2")
    schedule = schedules.create_schedule(
        admin, name="Weekly walk-round", asset_id=asset.id, time_unit="week",
        anchor="floating", start_date=(TODAY - dt.timedelta(days=10)).isoformat(),
        estimated_hours="0.5")
    [created] = run.generate_due_work_orders(admin, as_of=TODAY).created
    assert created.due == TODAY - dt.timedelta(days=10)
    return schedule.id


def test_an_overdue_open_order_is_work_for_today_and_the_next_counts_from_it(
        admin: Actor) -> None:
    schedule_id = _weekly_floating_overdue(admin)
    explained = schedules.explain_schedule(admin, schedule_id)
    assert "is still open; the next is counted from its completion" in explained

    found = forecast.forecast_schedule(admin, schedule_id, TODAY,
                                           TODAY + dt.timedelta(days=20), today=TODAY)
    [order, *to_come] = found
    assert (order.day, order.how, order.overdue_since) == (
        TODAY, "order", TODAY - dt.timedelta(days=10))
    assert forecast.expected_words(order.how, order.number, order.overdue_since) == (
        f"{order.number} (open, overdue since {TODAY - dt.timedelta(days=10):%d %b})")
    # Completed today at the earliest: a week after today, not a week after its due date.
    assert [(o.day, o.how) for o in to_come] == [
        (TODAY + dt.timedelta(days=7), "time"), (TODAY + dt.timedelta(days=14), "time")]

    items = forecast.forecast_all(admin, TODAY, TODAY + dt.timedelta(days=20), today=TODAY)
    assert [(i.day, i.how) for i in items] == [
        (TODAY, "order"), (TODAY + dt.timedelta(days=7), "time"),
        (TODAY + dt.timedelta(days=14), "time")]


def test_a_range_in_the_past_shows_the_open_order_on_its_due_date(admin: Actor) -> None:
    schedule_id = _weekly_floating_overdue(admin)
    due = TODAY - dt.timedelta(days=10)
    found = forecast.forecast_schedule(admin, schedule_id, due - dt.timedelta(days=1),
                                           TODAY, today=TODAY)
    assert [(o.day, o.how, o.overdue_since) for o in found][0] == (due, "order", due)
    later = forecast.forecast_all(admin, TODAY + dt.timedelta(days=1),
                                      TODAY + dt.timedelta(days=5), today=TODAY)
    assert later == []  # not work for a range that starts after today
