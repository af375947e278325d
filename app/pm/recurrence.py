"""When a time-based PM schedule is due: the calendar arithmetic of DESIGN.md section 4, with no
database in it, so that it can be tested to the day.

- A fixed series is computed from its start date, occurrence k being start + k intervals, never
  the previous occurrence + one interval: monthly from 31 January is 28 (29) February, 31 March,
  30 April; it never drifts to the 28th.
- A floating schedule is due one interval after the work was completed.
- RRULEs (RFC 5545, through python-dateutil) cover "first Monday of each quarter" and the like.
- A season window (months, possibly across the new year) removes occurrences outside it; skip
  dates (plant holidays) move an occurrence to the next day that is not one.

Every walk along a series is bounded, so that no schedule can hold up a PM check: it looks at
most at MAX_OCCURRENCES dates, and a rule's walk covers at most MAX_YEARS + 400 years of the
calendar (see `_rule_dates`). A rule that does not advance (INTERVAL=0), that gives no date at
all, or that runs out of that budget raises RecurrenceError, which names the rule.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from app.pm.rule_checks import rule_problem
from app.pm.rules import parse_rule, rule_words

UNITS = ("day", "week", "month", "year", "rrule")
MAX_EVERY = 1000
MAX_OCCURRENCES = 100_000  # a forecast never runs away
MAX_YEARS = 200  # nor does a series whose dates never fall in its season
# 400 Gregorian years: weekdays and leap days repeat exactly after them.
CYCLE_YEARS = 400
CYCLE = dt.timedelta(days=146_097)


class RecurrenceError(ValueError):
    """A recurrence that cannot be used, in words for the schedule form; `detail` is what is
    wrong with the rule itself, without the rule (for a message that names the field)."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class WalkBudgetExceeded(RecurrenceError):
    """A walk along a rule looked at MAX_OCCURRENCES of its dates without getting where it was
    asked to go: the schedule is set aside rather than holding up everyone's check."""


@dataclass(frozen=True)
class Recurrence:
    unit: str  # day, week, month, year, or rrule
    every: int = 1
    rrule: str = ""  # for unit "rrule": the rule's body, e.g. "FREQ=MONTHLY;BYDAY=1MO"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise RecurrenceError(f"the unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.unit == "rrule":
            if not self.rrule.strip():
                raise RecurrenceError("a rule (RRULE) is required, e.g. FREQ=MONTHLY;BYDAY=1MO")
            problem = rule_problem(self.rrule)
            if problem:
                raise RecurrenceError(
                    f"the rule {self.rrule!r} is not a valid RRULE: {problem}", problem)
            try:
                rrulestr(self._rule_text(dt.date(2000, 1, 1)))
            except (ValueError, TypeError, IndexError, OverflowError):
                words = "write it like FREQ=MONTHLY;BYDAY=1MO or FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
                raise RecurrenceError(
                    f"the rule {self.rrule!r} is not a valid RRULE: {words}", words) from None
        elif isinstance(self.every, bool) or not isinstance(self.every, int) \
                or not 1 <= self.every <= MAX_EVERY:
            raise RecurrenceError(f"'every' must be a whole number from 1 to {MAX_EVERY}")

    @property
    def words(self) -> str:
        """The recurrence as a planner says it: "every 3 months", "every week"."""
        if self.unit == "rrule":
            parts = parse_rule(self.rrule)
            return rule_words(parts) if parts else f"by rule {self.rrule}"
        return f"every {self.unit}" if self.every == 1 else f"every {self.every} {self.unit}s"

    def step(self, k: int) -> relativedelta | dt.timedelta:
        """k intervals (not for rules)."""
        return _step(self.unit, k * self.every)

    def _first_k_near(self, start: dt.date, near: dt.date) -> int:
        """An index k whose occurrence start + k intervals is on or before `near` (0 if none):
        where a walk along the series may begin instead of at its start."""
        if near <= start:
            return 0
        if self.unit in ("day", "week"):
            span = (7 if self.unit == "week" else 1) * self.every
            return (near - start).days // span
        months = (near.year - start.year) * 12 + near.month - start.month
        per = self.every * (12 if self.unit == "year" else 1)
        return max(0, months // per - 1)

    def _rule_text(self, start: dt.date) -> str:
        body = self.rrule.strip()
        body = body[len("RRULE:"):] if body.upper().startswith("RRULE:") else body
        body = ";".join(part for part in body.split(";") if part.strip())  # "FREQ=DAILY;"
        return f"DTSTART:{start:%Y%m%d}\nRRULE:{body}"

    def _rule(self, start: dt.date) -> Any:
        return _parsed_rule(self._rule_text(start))

    def raw_series(self, start: dt.date, near: dt.date | None = None) -> Iterator[dt.date]:
        """The occurrences from `start` on, before any season or skip dates (for at most
        MAX_YEARS years). With `near`, the walk begins at an occurrence not after that day
        rather than at the start (the dates are the same: each is start + k intervals).
        RecurrenceError for a rule that cannot be walked (see `_rule_dates`)."""
        last_year = start.year + MAX_YEARS
        if self.unit == "rrule":
            yield from self._rule_dates(start, near, last_year)
            return
        first = 0 if near is None else self._first_k_near(start, near)
        for k in range(first, first + MAX_OCCURRENCES):
            day = start + self.step(k)
            if day.year > last_year:
                return
            yield day

    def _rule_dates(self, start: dt.date, near: dt.date | None,
                    last_year: int) -> Iterator[dt.date]:
        """The rule's dates from `start` (or from `near`) up to `last_year`, walked within a
        budget. dateutil looks for a rule's next date however far away it is: for a rule with
        no date at all (30 February) it walks every day up to the year 9999, and for
        INTERVAL=0 for ever. So the walk is moved forward by whole 400-year cycles (the same
        weekdays and leap days) to end near the year 9999: it then covers at most MAX_YEARS +
        400 years, and it looks at most at MAX_OCCURRENCES dates. Raises RecurrenceError for
        a rule that does not advance, that gives no date from its start, or that uses up the
        budget (WalkBudgetExceeded)."""
        if near is not None and near.year > last_year:
            return
        shift = _shift(start.year, "BYEASTER" in self.rrule.upper())
        rule = self._rule(start + shift)
        skip_to = (dt.datetime.combine(near + shift, dt.time())
                   if near is not None and near > start else None)
        from_start = skip_to is None
        examined = 0
        previous = dt.datetime.min
        last_day = None
        stamps = iter(rule)
        while True:
            try:
                stamp = next(stamps)
            except StopIteration:
                break
            except (ValueError, OverflowError):  # dateutil stepping past the year 9999 (a
                break  # weekly rule's last week runs into the year 10000)
            examined += 1
            if examined > MAX_OCCURRENCES:
                raise WalkBudgetExceeded(
                    f"the rule {self.rrule!r} was given up after {MAX_OCCURRENCES:,} of its "
                    f"dates from {start.isoformat()} without reaching "
                    f"{(near or start).isoformat()}")
            if stamp <= previous:
                raise RecurrenceError(f"the rule {self.rrule!r} does not advance: it gives "
                                      f"{stamp:%Y-%m-%d} again and again")
            previous = stamp
            if skip_to is not None:
                if stamp < skip_to:
                    continue
                skip_to = None
            day = stamp.date() - shift
            if day == last_day:  # two times of one day (BYHOUR): one date
                continue
            if day.year > last_year:
                break
            last_day = day
            yield day
        if from_start and last_day is None:
            raise RecurrenceError(
                f"the rule {self.rrule!r} gives no date in the {MAX_YEARS} years from "
                f"{start.isoformat()}: it can never be due (is it a day that does not exist, "
                "such as 30 February?)")

    def after_completion(self, completed: dt.date) -> dt.date:
        """Floating schedules: the next due date for work completed on `completed` (for a rule,
        its first date after that day). RecurrenceError for a rule without one."""
        if self.unit != "rrule":
            return completed + self.step(1)
        return next(self._rule_dates(completed + dt.timedelta(days=1), None,
                                     completed.year + 1 + MAX_YEARS))


@functools.lru_cache(maxsize=1024)
def _shift(year: int, easter: bool) -> dt.timedelta:
    """How far forward a walk from `year` runs: whole 400-year cycles, so that it ends within
    MAX_YEARS + 400 years at the last year a date can have. Easter does not repeat with the
    cycle: a rule by Easter is walked where it is."""
    return dt.timedelta(0) if easter else CYCLE * max(
        0, (dt.MAXYEAR - MAX_YEARS - 1 - year) // CYCLE_YEARS)


@functools.lru_cache(maxsize=4096)
def _step(unit: str, n: int) -> relativedelta | dt.timedelta:
    """n days, weeks, months or years (days and weeks as timedelta: adding one to a date is
    much cheaper, and a check adds thousands)."""
    if unit == "day":
        return dt.timedelta(days=n)
    if unit == "week":
        return dt.timedelta(weeks=n)
    if unit == "month":
        return relativedelta(months=n)
    return relativedelta(years=n)


@functools.lru_cache(maxsize=512)
def _parsed_rule(text: str) -> Any:
    """A parsed rule (with its start): many schedules share one, and a check reads each often
    (the rule keeps the dates it has worked out: walking it again costs next to nothing; the
    number of rules kept bounds the memory those dates take)."""
    return rrulestr(text, cache=True)


@dataclass(frozen=True)
class PlantCalendar:
    """What moves or removes occurrences. `season` is (first month, last month), inclusive;
    (11, 2) is November to February."""

    season: tuple[int, int] | None = None
    skip_dates: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.season is not None and not all(1 <= m <= 12 for m in self.season):
            raise RecurrenceError("the season's months must be from 1 to 12")

    def in_season(self, day: dt.date) -> bool:
        if self.season is None:
            return True
        first, last = self.season
        if first <= last:
            return first <= day.month <= last
        return day.month >= first or day.month <= last  # across the new year

    def moved(self, day: dt.date) -> dt.date:
        """The day, or the next day that is not a skip date."""
        while day in self.skip_dates:
            day += dt.timedelta(days=1)
        return day

    def apply(self, days: Iterable[dt.date]) -> Iterator[dt.date]:
        """Occurrences in season, moved off skip dates (in order, none twice)."""
        last: dt.date | None = None
        for day in days:
            if not self.in_season(day):
                continue
            moved = self.moved(day)
            if last is None or moved > last:
                last = moved
                yield moved


NO_CALENDAR = PlantCalendar()


@functools.lru_cache(maxsize=1024)
def _skip_reach(calendar: PlantCalendar) -> int:
    """How far before the day asked about a walk along a series must begin: the longest run
    of consecutive skip dates, which can move an earlier occurrence past that day (a season
    removes occurrences, it never moves them)."""
    longest = 0
    for day in calendar.skip_dates:
        if day - dt.timedelta(days=1) in calendar.skip_dates:
            continue  # not the first of its run
        run = 1
        while day + dt.timedelta(days=run) in calendar.skip_dates:
            run += 1
        longest = max(longest, run)
    return longest


def fixed_series(rule: Recurrence, start: dt.date, calendar: PlantCalendar = NO_CALENDAR,
                 from_day: dt.date | None = None) -> Iterator[dt.date]:
    """A fixed schedule's due dates from its start, in order; with `from_day`, those on or
    after that day (found without walking the series from its start)."""
    if from_day is None:
        return calendar.apply(rule.raw_series(start))
    near = from_day - dt.timedelta(days=_skip_reach(calendar))
    return (d for d in calendar.apply(rule.raw_series(start, near)) if d >= from_day)


def forecast(rule: Recurrence, start: dt.date, first: dt.date, last: dt.date,
             calendar: PlantCalendar = NO_CALENDAR) -> list[dt.date]:
    """A fixed schedule's due dates from `first` to `last`, inclusive."""
    if last < first:
        raise RecurrenceError(f"the forecast ends ({last}) before it starts ({first})")
    out = []
    for day in fixed_series(rule, start, calendar):
        if day > last:
            break
        if day >= first:
            out.append(day)
    return out


def latest_not_after(rule: Recurrence, start: dt.date, today: dt.date,
                     calendar: PlantCalendar = NO_CALENDAR) -> dt.date | None:
    """The latest due date not after `today`: a schedule started in the past is due once, for
    this one, and not for every occurrence it passed (None: nothing due yet)."""
    latest = None
    for day in fixed_series(rule, start, calendar):
        if day > today:
            break
        latest = day
    return latest


def next_fixed(rule: Recurrence, start: dt.date, after: dt.date,
               calendar: PlantCalendar = NO_CALENDAR) -> dt.date | None:
    """The first due date of a fixed series after `after` (None when the series ends)."""
    return next((day for day in fixed_series(rule, start, calendar) if day > after), None)


def next_floating(rule: Recurrence, completed: dt.date,
                  calendar: PlantCalendar = NO_CALENDAR) -> dt.date | None:
    """A floating schedule's next due date after work completed on `completed`: one interval
    later, then to the season and off skip dates."""
    due = rule.after_completion(completed)
    for _ in range(MAX_OCCURRENCES):
        if calendar.in_season(due):
            return calendar.moved(due)
        due += dt.timedelta(days=1)  # out of season: the season's first day counts
    return None
