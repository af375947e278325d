"""A schedule due by meter has no calendar date: the PM Schedules list estimates its next due day
from the meter's use over the last 90 days, says it is an estimate, and the forecast agrees."""

from __future__ import annotations

import datetime as dt

from app.permissions import Actor
from app.services.assets import meters, register
from app.services.pm import forecast, run, schedules

TODAY = dt.date.today()


def _metered(admin: Actor, **fields: object) -> int:
    """A pump whose meter rose from 1,000 h thirty days ago to 1,300 h now (10 h a day), and a
    schedule every 500 h counted from 1,000 h: next due at 1,500 h, about 20 days away."""
    asset = register.add_asset(admin, "PMP-01", "Feed pump")
    meter = meters.add_meter(admin, asset.id, "Run hours", "h")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    meters.record_reading(admin, meter.id, "1000", at=now - dt.timedelta(days=30))
    meters.record_reading(admin, meter.id, "1300", at=now)
    values = dict(name="Service", asset_id=asset.id, meter_id=meter.id, meter_every="500",
                  meter_start="1000", start_date=(TODAY - dt.timedelta(days=60)).isoformat())
    values.update(fields)
    return schedules.create_schedule(admin, **values).id


def _row(admin: Actor) -> schedules.ScheduleRow:
    [row] = schedules.list_schedules(admin, today=TODAY)
    return row


def test_a_meter_schedule_shows_an_estimated_next_due_day(admin: Actor) -> None:
    schedule_id = _metered(admin)
    row = _row(admin)
    assert row.next_reading == "1,500 h"
    assert row.next_due_estimated and row.next_due == TODAY + dt.timedelta(days=20)
    [first, *_] = forecast.forecast_schedule(admin, schedule_id, TODAY,
                                                 TODAY + dt.timedelta(days=365), today=TODAY)
    assert (first.day, first.how) == (row.next_due, "meter")
    explained = schedules.explain_schedule(admin, schedule_id)
    assert explained.endswith(f"At its use over the last 90 days (10 h a day), the meter "
                              f"reaches it about {row.next_due:%a %d %b %Y}.")


def test_the_calendar_date_stands_when_it_comes_before_the_meter(admin: Actor) -> None:
    _metered(admin, time_unit="week", anchor="floating",
             start_date=(TODAY + dt.timedelta(days=3)).isoformat())
    row = _row(admin)
    assert not row.next_due_estimated and row.next_due == TODAY + dt.timedelta(days=3)


def test_no_estimate_while_its_order_is_open(admin: Actor) -> None:
    schedule_id = _metered(admin)
    meter_id = schedules.get_schedule(admin, schedule_id).values["meter_id"]
    meters.record_reading(admin, meter_id, "1510")
    assert len(run.generate_due_work_orders(admin, as_of=TODAY).created) == 1
    row = _row(admin)
    assert row.open_order and not row.next_due_estimated
    assert (row.next_due, row.next_reading) == (TODAY, "1,500 h")  # the open order's


def test_a_meter_schedules_grace_follows_the_meters_use(admin: Actor) -> None:
    """The meter rose 510 h in 30 days (17 h a day): 500 h is about 29 days, and 10 % of it,
    2 days, is the grace for on time."""
    from app.models import WorkOrder
    from app.services import settings

    schedule_id = _metered(admin)
    meter_id = schedules.get_schedule(admin, schedule_id).values["meter_id"]
    meters.record_reading(admin, meter_id, "1510")
    [created] = run.generate_due_work_orders(admin, as_of=TODAY).created
    later = TODAY + dt.timedelta(days=10)

    def completed_after(days: int) -> float | None:
        done = dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(12))
        WorkOrder.update(status="completed", completed_at=done).where(
            WorkOrder.number == created.number).execute()
        [row] = schedules.list_schedules(admin, today=later)
        return row.compliance

    assert completed_after(2) == 1.0
    assert completed_after(3) == 0.0
    settings.change_office_settings(admin, pm_compliance_grace="due_date")
    assert completed_after(1) == 0.0
