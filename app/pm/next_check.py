"""When a PM check next needs to look at a schedule: the day from which it could have
something to do, so that a check over thousands of schedules reads only those that may be due.

The day is never later than the truth (it may be earlier): anything that changes a schedule's
future (an edit, a status change of its order, a meter reading, its asset's status) clears it,
and the next check looks again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from app.pm.engine import (
    ONE_DAY,
    Decision,
    Past,
    Plan,
    _after_floor,
    _closed_day,
    _floating_due,
    _floor,
)
from app.pm.recurrence import PlantCalendar

NEVER = dt.date(9999, 12, 31)  # no check can do anything until something changes


def _next_open_day(calendar: PlantCalendar, after: dt.date) -> dt.date:
    """The first day after `after` in season and not a plant holiday."""
    day_ = after + ONE_DAY
    for _ in range(800):
        if not _closed_day(calendar, day_):
            return day_
        day_ += ONE_DAY
    return NEVER


def next_check(plan: Plan, past: Past, as_of: dt.date) -> dt.date:
    """The first day from `as_of` on when a check could have something to do for a schedule
    whose past (after this check's orders and misses) is `past`, assuming nothing else changes."""
    if not plan.active:
        return NEVER
    if plan.recurrence is None:  # meter triggers wait for a reading, or for the season
        if plan.meter_every is not None and _closed_day(plan.calendar, as_of):
            return _next_open_day(plan.calendar, as_of)
        return NEVER
    if plan.anchor == "fixed":
        due = next(_after_floor(plan, _floor(past)), None)
    elif past.open_order:
        return NEVER  # counted from its completion
    else:
        due = _floating_due(plan, past)
    if due is None:
        return NEVER
    return max(due - dt.timedelta(days=plan.lead_days), as_of)


def past_after(past: Past, decision: Decision, order: str = "(new)") -> Past:
    """The schedule's past once a check has written `decision` (`order`: the number of the
    order it raised)."""
    if not decision.create and not decision.missed:
        return past
    times = [m.due_date for m in decision.missed if m.due_reading is None]
    readings = [m.due_reading for m in decision.missed if m.due_reading is not None]
    return replace(
        past,
        last_due=decision.due if decision.due is not None else past.last_due,
        open_order=order if decision.create else past.open_order,
        last_missed=max([*times, past.last_missed] if past.last_missed else times,
                        default=None),
        last_missed_reading=max([*readings, past.last_missed_reading]
                                if past.last_missed_reading is not None else readings,
                                default=None))


def check_after(plan: Plan, past: Past, decision: Decision, as_of: dt.date) -> dt.date:
    """next_check once `decision` (made on `as_of` for `past`) is written. Most schedules a
    check looks at are not due and nothing changes: the decision already holds their next
    due date, and the series is not walked again."""
    if (not decision.create and not decision.missed and not past.open_order
            and plan.active and plan.recurrence is not None and decision.next_due is not None):
        return max(decision.next_due - dt.timedelta(days=plan.lead_days), as_of)
    return next_check(plan, past_after(past, decision), as_of)
