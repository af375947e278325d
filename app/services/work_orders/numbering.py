"""Readable, unique numbers (WO-2026-000123) allocated inside the creating transaction.

The counter row is updated with an atomic increment, so two desks creating orders at the same
moment get different numbers; a failed transaction rolls its number back, leaving no gap.
"""

from __future__ import annotations

import datetime as dt

from app.models import NumberSequence
from app.services.settings import get_setting


def _sequence_name(kind: str, year: int) -> str:
    return f"{kind}-{year}"


def reserve(kind: str, year: int, count: int = 1) -> int:
    """Reserve `count` numbers of the yearly series; returns the first. Inside a transaction."""
    name = _sequence_name(kind, year)
    updated = (
        NumberSequence.update(last_value=NumberSequence.last_value + count)
        .where(NumberSequence.name == name)
        .execute()
    )
    if not updated:
        # First number of the year. Insert-or-ignore then increment keeps this race-free.
        NumberSequence.insert(name=name, last_value=0).on_conflict_ignore().execute()
        NumberSequence.update(last_value=NumberSequence.last_value + count).where(
            NumberSequence.name == name
        ).execute()
    last = NumberSequence.select(NumberSequence.last_value).where(
        NumberSequence.name == name
    ).scalar()
    return int(last) - count + 1


def format_work_order_number(year: int, value: int) -> str:
    prefix = get_setting("wo_number_prefix") or "WO"
    return f"{prefix}-{year}-{value:06d}"


def format_work_order_numbers(year: int, first: int, count: int) -> list[str]:
    """`count` numbers from `first` on (one read of the prefix setting)."""
    prefix = get_setting("wo_number_prefix") or "WO"
    return [f"{prefix}-{year}-{value:06d}" for value in range(first, first + count)]


def next_work_order_number(on: dt.date | None = None) -> str:
    year = (on or dt.date.today()).year
    return format_work_order_number(year, reserve("wo", year))
