"""The periods the PM forecast is looked at in: a month or a week of whole weeks (Monday to
Sunday), paging from one to the next, their titles, and the months ahead the forecast is
exported for.

No Qt here: the forecast calendar, its screen and the tests use the same arithmetic.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

MONTH, WEEK = "month", "week"  # any other mode is taken as a week
ONE_DAY = dt.timedelta(days=1)


def period(anchor: dt.date, mode: str) -> tuple[dt.date, dt.date]:
    """The days shown: whole weeks (Monday to Sunday) around `anchor`'s month or week."""
    if mode == MONTH:
        first = anchor.replace(day=1)
        month_end = first + relativedelta(months=1) - ONE_DAY
        return first - dt.timedelta(days=first.weekday()), \
            month_end + dt.timedelta(days=6 - month_end.weekday())
    monday = anchor - dt.timedelta(days=anchor.weekday())
    return monday, monday + dt.timedelta(days=6)


def step(anchor: dt.date, mode: str, n: int) -> dt.date:
    """The anchor of the period n months or weeks away (a month's is its first day, so that
    31 January steps to February, not past it)."""
    if mode == MONTH:
        return anchor.replace(day=1) + relativedelta(months=n)
    return anchor + dt.timedelta(weeks=n)


def period_title(anchor: dt.date, mode: str) -> str:
    """"April 2026"; "Week 16 · 13 – 19 Apr 2026"."""
    if mode == MONTH:
        return f"{anchor:%B %Y}"
    first, last = period(anchor, WEEK)
    start = f"{first.day}" if first.month == last.month else f"{first.day} {first:%b}"
    if first.year != last.year:
        start += f" {first.year}"
    return f"Week {first.isocalendar().week} · {start} – {last.day} {last:%b %Y}"


def months_ahead(start: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the `months` months from `start`: the last is the day before
    the same date `months` on, or before that month's last day when it is shorter (30 November
    and 3 months ends on 27 February, the day before 28 February)."""
    return start, start + relativedelta(months=months) - ONE_DAY
