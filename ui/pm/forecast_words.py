"""How the PM forecast words its orders and hours, in the calendar's cells, the side panel, the
tooltips and the .ics export's messages. Plain Python: no Qt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.pm.engine import amount
from app.pm.workload import DayLoad
from app.services.pm.forecast import ForecastItem

METER_MARK = "≈ "  # a date estimated from meter use
ORDER_MARK = "• "  # a PM order already raised (the week view, day list and tooltip: its number)


def short_day(day: dt.date) -> str:
    """"Sun 3 May"."""
    return f"{day:%a} {day.day} {day:%b}"


def hours_text(hours: Decimal) -> str:
    """12 -> "12 h"; 11.5 -> "11.5 h"."""
    return amount(Decimal(hours), "h")


def mark(item: ForecastItem) -> str:
    """What goes before an order's name: how its date is known."""
    return METER_MARK if item.how == "meter" else ORDER_MARK if item.how == "order" else ""


def item_text(item: ForecastItem) -> str:
    """"CHL-0002 Weekly walk-round": the asset first, which tells a day's orders apart when
    several schedules have the same name and a narrow cell shows only the start."""
    return f"{item.asset_tag} {mark(item)}{item.name}"


def is_raised(item: ForecastItem) -> bool:
    """A PM order already raised (not one the schedules will bring)."""
    return item.how == "order" and bool(item.number)


def over_lines(load: DayLoad[ForecastItem], capacity: Decimal) -> list[str]:
    """["Tina Tech: 11.5 h of 8 h", ...]."""
    cap = hours_text(capacity)
    return [f"{name}: {hours_text(h)} of {cap}" for name, h in load.over]
