"""When a PM schedule is expected due over a period (the forecast and the schedule form's
preview): its calendar dates, and dates estimated from the meter's daily use, using the
engine's own rules (app/pm/engine.py) so that a forecast and a check never disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from itertools import islice

from app.pm.engine import Past, Plan, _floating_due, _floor, _meter, _series
from app.pm.recurrence import MAX_OCCURRENCES, next_floating

ONE_DAY = dt.timedelta(days=1)


def occurrences(plan: Plan, past: Past, first: dt.date, last: dt.date,
                daily_use: Decimal | None = None, today: dt.date | None = None,
                limit: int | None = None) -> list[tuple[dt.date, str]]:
    """The dates (at most `limit`) the schedule is expected due from `first` to `last`, with
    how each was found: "time" (the calendar), or "meter" (estimated from `daily_use`, units
    per day, counting from the latest reading on `today`). A floating schedule is projected as
    if each order were completed on its due date; whichever-first restarts both counts at each
    one."""
    if not plan.active or last < first:
        return []
    today = today or first
    use = daily_use if daily_use is not None and daily_use > 0 else None
    found: Iterator[tuple[dt.date, str]] = iter(())
    if plan.recurrence is not None and (plan.meter_every is None or use is None):
        found = ((d, "time") for d in _time_dates(plan, past, first, last, today))
    elif plan.recurrence is not None:
        found = _whichever_dates(plan, past, first, last, use, today)  # type: ignore[arg-type]
    elif plan.meter_every is not None and use is not None:
        found = ((d, "meter") for d in _meter_dates(plan, past, first, last, use, today))
    return list(islice(found, limit))


def _floating_from(plan: Plan, past: Past, today: dt.date) -> dt.date | None:
    """A floating schedule's next date to come. With its order open past its due date, the
    next counts from today at the earliest (the order cannot be completed before)."""
    assert plan.recurrence is not None
    due = _floating_due(plan, past)
    if past.open_order and past.last_due is not None and past.last_due < today:
        due = next_floating(plan.recurrence, today, plan.calendar)
        if due is not None and plan.end is not None and due > plan.end:
            return None
    return due


def _time_dates(plan: Plan, past: Past, first: dt.date, last: dt.date,
                today: dt.date) -> Iterator[dt.date]:
    """Dates not ordered yet (an order already made is on the Work Orders screen)."""
    assert plan.recurrence is not None
    if plan.anchor == "fixed":
        floor = _floor(past)
        for d in _series(plan, first if floor is None or floor < first else floor + ONE_DAY):
            if d > last:
                return
            yield d
        return
    due = _floating_from(plan, past, today)
    for _ in range(MAX_OCCURRENCES):
        if due is None or due > last:
            return
        if due >= first:
            yield due
        due = next_floating(plan.recurrence, due, plan.calendar)
        if due is not None and plan.end is not None and due > plan.end:
            return


def _reaches(reading: Decimal, target: Decimal, use: Decimal, since: dt.date) -> dt.date:
    """The day a meter at `reading` on `since`, rising `use` a day, reaches `target`."""
    return since + dt.timedelta(days=int(max(Decimal(0), (target - reading) / use)))


def _meter_dates(plan: Plan, past: Past, first: dt.date, last: dt.date, use: Decimal,
                 today: dt.date) -> Iterator[dt.date]:
    assert plan.meter_every is not None
    reading = past.reading if past.reading is not None else (plan.meter_start or Decimal(0))
    threshold = _meter(plan, replace(past, open_order="", reading=None), today).next_reading
    if threshold is None:
        return
    since = max(today, plan.start)
    tol = plan.tolerance or Decimal(0)
    for _ in range(MAX_OCCURRENCES):
        d = _reaches(reading, threshold - tol, use, since)
        if d > last or (plan.end is not None and d > plan.end):
            return
        if d >= first:
            yield d
        since, reading = d, max(reading, threshold - tol)
        threshold += plan.meter_every


def _whichever_dates(plan: Plan, past: Past, first: dt.date, last: dt.date, use: Decimal,
                     today: dt.date) -> Iterator[tuple[dt.date, str]]:
    assert plan.meter_every is not None and plan.recurrence is not None
    reading = past.reading if past.reading is not None else (plan.meter_start or Decimal(0))
    threshold = _meter(plan, replace(past, open_order="", reading=None), today).next_reading
    due = _floating_from(plan, past, today)
    since = max(today, plan.start)
    tol = plan.tolerance or Decimal(0)
    for _ in range(MAX_OCCURRENCES):
        by_meter = _reaches(reading, threshold - tol, use, since) if threshold else None
        if due is None and by_meter is None:
            return
        d, how = min((x for x in ((due, "time"), (by_meter, "meter")) if x[0] is not None),
                     key=lambda x: x[0])  # type: ignore[arg-type,return-value]
        assert d is not None
        if d > last or (plan.end is not None and d > plan.end):
            return
        if d >= first:
            yield d, how
        reading = reading + use * (d - since).days  # completed on the day: both restart
        since = d
        threshold = reading + plan.meter_every
        due = next_floating(plan.recurrence, d, plan.calendar)
