"""The PM forecast as an iCalendar file (RFC 5545), for the calendars planners already use.

One all-day event per expected order. An event's UID is made from the schedule and the day, so
exporting again and importing over an earlier file updates the same events instead of adding
copies. No database and no Qt here: the caller passes the forecast items in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from icalendar import Calendar, Event

from app.pm.engine import amount

PRODID = "-//Keepwell//PM Forecast//EN"
CALENDAR_NAME = "Keepwell PM forecast"
UID_DOMAIN = "keepwell"
METER_NOTE = "(date estimated from meter use)"


class ForecastEntry(Protocol):
    """What an event is made from: app.services.pm.forecast.ForecastItem has these."""

    @property
    def day(self) -> dt.date: ...
    @property
    def how(self) -> str: ...
    @property
    def schedule_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def asset_tag(self) -> str: ...
    @property
    def asset_name(self) -> str: ...
    @property
    def assignee_name(self) -> str: ...
    @property
    def hours(self) -> Decimal: ...


def event_uid(schedule_id: int, day: dt.date, repeat: int = 1) -> str:
    """"pm-42-20260415@keepwell"; a second order of the same schedule on the same day (a meter
    that runs through more than one interval a day) gets "-2", and so on."""
    suffix = f"-{repeat}" if repeat > 1 else ""
    return f"pm-{schedule_id}-{day:%Y%m%d}{suffix}@{UID_DOMAIN}"


def summary(item: ForecastEntry) -> str:
    return f"PM: {item.name} — {item.asset_tag}"


def description(item: ForecastEntry) -> str:
    lines = [
        f"Asset: {item.asset_tag} — {item.asset_name}" if item.asset_name
        else f"Asset: {item.asset_tag}",
        f"Assigned to: {item.assignee_name or 'nobody yet'}",
        f"Estimated hours: {amount(Decimal(item.hours), 'h')}",
    ]
    if item.how == "meter":
        lines.append(METER_NOTE)
    number = getattr(item, "number", "")
    if number:
        lines.append(f"Work order {number} (already raised)")
    return "\n".join(lines)


def forecast_calendar(items: Iterable[ForecastEntry], name: str = CALENDAR_NAME,
                      stamp: dt.datetime | None = None) -> bytes:
    """The items as an iCalendar file's bytes (UTF-8, CRLF lines folded at 75 octets).
    `stamp` is the DTSTAMP of every event (now, in UTC, when not given)."""
    stamp = stamp or dt.datetime.now(dt.UTC)
    if stamp.tzinfo is None:
        raise ValueError("the stamp must be an aware datetime")
    stamp = stamp.astimezone(dt.UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    seen: Counter[tuple[int, dt.date]] = Counter()
    for item in items:
        key = (item.schedule_id, item.day)
        seen[key] += 1
        event = Event()
        event.add("uid", event_uid(item.schedule_id, item.day, seen[key]))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)  # a date: an all-day event
        event.add("dtend", item.day + dt.timedelta(days=1))  # DTEND is exclusive
        event.add("summary", summary(item))
        event.add("description", description(item))
        event.add("categories", ["Preventive maintenance"])
        event.add("transp", "TRANSPARENT")  # a reminder of work, not a meeting blocking the day
        cal.add_component(event)
    return bytes(cal.to_ical())


__all__ = ["CALENDAR_NAME", "METER_NOTE", "PRODID", "ForecastEntry", "description",
           "event_uid", "forecast_calendar", "summary"]
