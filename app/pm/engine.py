"""Whether a PM schedule is due, and why: the rules of DESIGN.md section 4 applied to one
schedule and what its past holds, with no database in it.

`decide(plan, past, as_of)` says what a check on `as_of` must do: the occurrence to order (if
any), the fixed occurrences to record as missed, and the reasons in the office's words. The
service layer loads `Plan` and `Past` from the database and writes what the decision says;
forecasting and the schedule form's preview use the same functions.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from app.pm.recurrence import (
    MAX_OCCURRENCES,
    PlantCalendar,
    Recurrence,
    fixed_series,
    next_floating,
)

ONE_DAY = dt.timedelta(days=1)
CENT = Decimal("0.01")  # meter values are kept to two decimals


@dataclass(frozen=True)
class Plan:
    """A schedule's rules. `recurrence` None: no time trigger; `meter_every` None: no meter."""

    anchor: str  # fixed or floating
    start: dt.date
    recurrence: Recurrence | None = None
    calendar: PlantCalendar = field(default_factory=PlantCalendar)
    end: dt.date | None = None
    lead_days: int = 0
    meter_every: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    meter_start: Decimal | None = None  # the reading the meter count starts from
    meter_unit: str = ""
    created_on: dt.date | None = None  # fixed occurrences before it are ignored, not missed
    active: bool = True


@dataclass(frozen=True)
class Past:
    """What has happened to a schedule so far."""

    last_due: dt.date | None = None  # the latest occurrence ordered (its orders' pm_due)
    last_due_reading: Decimal | None = None  # the highest meter threshold ordered
    last_missed: dt.date | None = None  # the latest occurrence recorded missed
    last_missed_reading: Decimal | None = None
    open_order: str = ""  # the number of its order still open
    last_completed_on: dt.date | None = None
    last_completed_reading: Decimal | None = None
    reading: Decimal | None = None  # the meter's latest reading


@dataclass(frozen=True)
class Missed:
    occurrence: str  # the key under which it is recorded: "2026-03-31", "meter 5000.00"
    due_date: dt.date
    due_reading: Decimal | None = None


@dataclass(frozen=True)
class Decision:
    due: dt.date | None  # the occurrence to order now (None: nothing to order)
    due_reading: Decimal | None  # the meter threshold the order serves
    missed: tuple[Missed, ...]
    next_due: dt.date | None  # the next date by time, for lists (ordered or not)
    next_reading: Decimal | None  # the next meter threshold
    reasons: tuple[str, ...]  # why, in words; the first line is the verdict

    @property
    def create(self) -> bool:
        return self.due is not None

    @property
    def words(self) -> str:
        return " ".join(self.reasons)


# --- words --------------------------------------------------------------------------------------


def amount(value: Decimal | None, unit: str = "") -> str:
    """4820 -> "4,820 h"; 12.5 -> "12.5 h"."""
    if value is None:
        return "no reading"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


@functools.lru_cache(maxsize=4096)
def day(value: dt.date | None) -> str:
    """Mon 02 Mar 2026 (a check words thousands of dates, most of them the same few)."""
    return "—" if value is None else f"{value:%a %d %b %Y}"


def trigger_words(plan: Plan) -> str:
    """"every 3 months (fixed)", "every 500 h", "every month or 500 h, whichever first"."""
    parts = []
    if plan.recurrence is not None:
        parts.append(plan.recurrence.words)
    if plan.meter_every is not None:
        parts.append(f"every {amount(plan.meter_every, plan.meter_unit)}")
    if not parts:
        return "no trigger"
    text = " or ".join(parts)
    text = f"{text}, whichever first" if len(parts) == 2 else f"{text} ({plan.anchor})"
    if plan.calendar.season is not None:
        text += f", {season_words(plan.calendar)} only"
    return text


# --- time ---------------------------------------------------------------------------------------


def _series(plan: Plan, from_day: dt.date | None = None) -> Iterator[dt.date]:
    """The fixed series (up to the end date); with `from_day`, from that day on."""
    assert plan.recurrence is not None
    for d in fixed_series(plan.recurrence, plan.start, plan.calendar, from_day):
        if plan.end is not None and d > plan.end:
            return
        yield d


def first_due(plan: Plan) -> dt.date | None:
    """The start date, or the first occurrence on or after it (in season, off skip dates)."""
    return next(_series(plan), None) if plan.recurrence is not None else None


def _floating_due(plan: Plan, past: Past) -> dt.date | None:
    assert plan.recurrence is not None
    if past.last_completed_on is None:
        due = first_due(plan)
    else:
        due = next_floating(plan.recurrence, past.last_completed_on, plan.calendar)
    if due is not None and past.last_due is not None and due <= past.last_due:
        # Completed so early that one interval on is the occurrence already ordered (or an
        # order was cancelled): the next one is an interval after that.
        due = next_floating(plan.recurrence, past.last_due, plan.calendar)
    if due is not None and plan.end is not None and due > plan.end:
        return None
    return due


@dataclass(frozen=True)
class _TimeVerdict:
    due: dt.date | None
    next_due: dt.date | None
    missed: tuple[Missed, ...]
    reasons: tuple[str, ...]


def _lead(plan: Plan) -> str:
    return "" if not plan.lead_days else (
        f" ({plan.lead_days} day{'s' if plan.lead_days != 1 else ''}' lead)")


def _ordered_from(plan: Plan, due: dt.date) -> str:
    """", ordered from Mon 25 May 2026 (7 days' lead)"; nothing without lead days."""
    if not plan.lead_days:
        return ""
    return f", ordered from {day(due - dt.timedelta(days=plan.lead_days))}{_lead(plan)}"


def _floor(past: Past) -> dt.date | None:
    """The latest fixed occurrence settled (ordered or missed): the series goes on after it."""
    return max((d for d in (past.last_due, past.last_missed) if d is not None), default=None)


def _after_floor(plan: Plan, floor: dt.date | None) -> Iterator[dt.date]:
    return _series(plan, None if floor is None else floor + ONE_DAY)


def _time_fixed(plan: Plan, past: Past, as_of: dt.date) -> _TimeVerdict:
    floor = _floor(past)
    horizon = as_of + dt.timedelta(days=plan.lead_days)
    pending: list[dt.date] = []
    following = None
    for n, d in enumerate(_after_floor(plan, floor)):
        if n >= MAX_OCCURRENCES:
            break
        if floor is not None and d <= floor:
            continue
        if d > horizon:
            following = d
            break
        pending.append(d)
    passed = [d for d in pending if d <= as_of]
    created = plan.created_on or plan.start

    def missed(days: list[dt.date]) -> tuple[Missed, ...]:
        return tuple(Missed(d.isoformat(), d) for d in days if d >= created)

    if past.open_order:
        gone = missed(passed)
        reasons = [f"Not ordered: {past.open_order} is still open."]
        if gone:
            reasons.append(f"{_dates(gone)} passed meanwhile and "
                           f"{'is' if len(gone) == 1 else 'are'} recorded as missed.")
        nxt = next((d for d in pending if d > as_of), following)
        return _TimeVerdict(None, nxt, gone, tuple(reasons))
    if not pending:
        if following is None:
            return _TimeVerdict(None, None, (), (_ended(plan, past),))
        return _TimeVerdict(None, following, (), (
            f"Not due yet: next due {day(following)}{_ordered_from(plan, following)}.",))
    target = passed[-1] if passed else pending[0]
    gone = missed(passed[:-1])
    reasons = [f"Due {day(target)}" + (" (overdue)." if target < as_of else ".")
               if target <= as_of else
               f"Due {day(target)}, ordered now{_lead(plan)}."]
    skipped_old = [d for d in passed[:-1] if d < created]
    if skipped_old:
        reasons.append(f"{len(skipped_old)} earlier occurrence"
                       f"{'s' if len(skipped_old) != 1 else ''} before the schedule existed "
                       f"{'are' if len(skipped_old) != 1 else 'is'} not ordered.")
    if gone:
        reasons.append(f"{_dates(gone)} passed without an order and "
                       f"{'is' if len(gone) == 1 else 'are'} recorded as missed.")
    return _TimeVerdict(target, target, gone, tuple(reasons))


def _ended(plan: Plan, past: Past) -> str:
    if plan.end is not None:
        return f"Not due: the schedule ended on {day(plan.end)}."
    return "Not due: the rule has no further dates."


def _dates(items: tuple[Missed, ...]) -> str:
    shown = ", ".join(day(m.due_date) for m in items[:3])
    return shown if len(items) <= 3 else f"{shown} and {len(items) - 3} more"


def _time_floating(plan: Plan, past: Past, as_of: dt.date) -> _TimeVerdict:
    due = _floating_due(plan, past)
    if due is None:
        return _TimeVerdict(None, None, (), (_ended(plan, past),))
    assert plan.recurrence is not None
    from_completion = (next_floating(plan.recurrence, past.last_completed_on, plan.calendar)
                       if past.last_completed_on else None)
    if from_completion == due and past.last_completed_on:
        since = f"completed {day(past.last_completed_on)}, due {plan.recurrence.words} after"
    elif past.last_due is not None:
        since = f"{plan.recurrence.words} after the last order, due {day(past.last_due)}"
    else:
        since = "first due on the start date"
    if past.open_order:
        return _TimeVerdict(None, due, (), (
            f"Not ordered: {past.open_order} is still open; the next is counted from "
            "its completion.",))
    if due - dt.timedelta(days=plan.lead_days) > as_of:
        return _TimeVerdict(None, due, (), (
            f"Not due yet: next due {day(due)} ({since}){_ordered_from(plan, due)}.",))
    verdict = f"Due {day(due)}" + (" (overdue)" if due < as_of else "") + f": {since}."
    return _TimeVerdict(due, due, (), (verdict,))


# --- meter --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MeterVerdict:
    due_reading: Decimal | None  # the threshold to order now
    next_reading: Decimal | None
    missed: tuple[Missed, ...]
    reasons: tuple[str, ...]


def _meter_key(threshold: Decimal) -> str:
    return f"meter {threshold:.2f}"


def _meter(plan: Plan, past: Past, as_of: dt.date) -> _MeterVerdict:
    every = plan.meter_every
    assert every is not None and every > 0
    unit = plan.meter_unit
    tol = plan.tolerance or Decimal(0)
    reading = past.reading
    if plan.anchor == "fixed":
        base = plan.meter_start or Decimal(0)
        served = max((r for r in (past.last_due_reading, past.last_missed_reading)
                      if r is not None), default=base)
        k = int((served - base) // every) + 1
        threshold = base + k * every
    else:
        base = (past.last_completed_reading if past.last_completed_reading is not None
                else plan.meter_start if plan.meter_start is not None else Decimal(0))
        threshold = base + every
        if past.last_due_reading is not None and threshold <= past.last_due_reading:
            threshold = past.last_due_reading + every
    threshold = threshold.quantize(CENT)
    if reading is None:
        return _MeterVerdict(None, threshold, (), (
            f"Meter: no reading yet; due at {amount(threshold, unit)}.",))
    trigger = threshold - tol
    gauge = f"meter at {amount(reading, unit)}; due at {amount(threshold, unit)}"
    if tol:
        gauge += f" minus {amount(tol, unit)} tolerance"
    if reading < trigger:
        return _MeterVerdict(None, threshold, (), (f"Not due by meter: {gauge}.",))
    passed: list[Decimal] = []
    if plan.anchor == "fixed":  # thresholds run past while no order could be made
        while reading >= threshold + every - tol:
            passed.append(threshold)
            threshold += every
        if past.open_order and reading >= threshold:
            passed.append(threshold)
            threshold += every
    # Thresholds passed while an order was open are missed; ones a single reading jumped over
    # (readings far apart, or the off season) are settled by the order raised now.
    missed = tuple(Missed(_meter_key(t), as_of, t) for t in passed) if past.open_order else ()
    if past.open_order:
        text = f"Not ordered by meter ({gauge}): {past.open_order} is still open."
        if missed:
            text += f" {len(missed)} threshold{'s' if len(missed) != 1 else ''} passed and " \
                    "recorded as missed."
        return _MeterVerdict(None, threshold, missed, (text,))
    text = f"Due by meter: {gauge}."
    if passed:
        text += (f" ({', '.join(amount(t, unit) for t in passed[:3])} passed since the last "
                 f"reading and {'is' if len(passed) == 1 else 'are'} served by this order.)")
    return _MeterVerdict(threshold, threshold, missed, (text,))


# --- the decision -------------------------------------------------------------------------------


def decide(plan: Plan, past: Past, as_of: dt.date) -> Decision:
    """What a PM check on `as_of` does for this schedule, and why."""
    if not plan.active:
        return Decision(None, None, (), None, None, ("Not due: the schedule is inactive.",))
    if as_of < plan.start - dt.timedelta(days=plan.lead_days) and plan.recurrence is None:
        return Decision(None, None, (), None, None,
                        (f"Not due: the schedule starts on {day(plan.start)}.",))
    if plan.end is not None and as_of > plan.end and plan.recurrence is None:
        return Decision(None, None, (), None, None, (_ended(plan, past),))
    time = None
    if plan.recurrence is not None:
        time = (_time_fixed if plan.anchor == "fixed" else _time_floating)(plan, past, as_of)
    meter = None
    if plan.meter_every is not None and as_of >= plan.start:
        meter = _meter(plan, past, as_of)
    elif plan.meter_every is not None:
        meter = _MeterVerdict(None, None, (), ())
    if meter is not None and (meter.due_reading is not None or meter.missed):
        closed = _closed_day(plan.calendar, as_of)
        if closed:  # outside the season or on a plant holiday: neither ordered nor missed
            meter = _MeterVerdict(None, meter.next_reading, (), (
                f"{meter.reasons[0].rstrip('.')}, but not ordered: {closed}.",))
    due = time.due if time else None
    due_reading = None
    if meter is not None and meter.due_reading is not None:
        due_reading = meter.due_reading
        if due is None:
            due = as_of  # ordered today, because of the meter
    reasons: list[str] = []
    for part in (time, meter):
        if part is not None:
            reasons.extend(part.reasons)
    next_due = time.next_due if time else None
    if past.open_order and past.last_due is not None:
        next_due = past.last_due  # the order still open is the work due next
    return Decision(
        due, due_reading,
        (time.missed if time else ()) + (meter.missed if meter else ()),
        next_due,
        meter.next_reading if meter else None,
        tuple(reasons),
    )


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def season_words(calendar: PlantCalendar) -> str:
    if calendar.season is None:
        return ""
    first, last = calendar.season
    return f"{MONTHS[first - 1]}–{MONTHS[last - 1]}"


def _closed_day(calendar: PlantCalendar, day_: dt.date) -> str:
    """Why no order is raised on `day_` ("" if one may be): out of season, a plant holiday."""
    if not calendar.in_season(day_):
        return f"{day(day_)} is outside the season ({season_words(calendar)})"
    if day_ in calendar.skip_dates:
        return f"{day(day_)} is a plant holiday"
    return ""
