"""The PM forecast as an iCalendar file: read back with icalendar, and checked line by line
against RFC 5545's framing by a small reader written here (no second iCalendar library is
installed, and the check must not lean on the generator's own parser alone)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from app.pm.ics import METER_NOTE, PRODID, event_uid, forecast_calendar
from app.services.pm.forecast import ForecastItem

STAMP = dt.datetime(2026, 4, 14, 9, 30, tzinfo=dt.UTC)


def item(day: dt.date, schedule_id: int = 7, name: str = "Lubrication", tag: str = "P-101",
         how: str = "time", who: str = "Tina Tech", hours: str = "1.5",
         asset_name: str = "Feed pump 1") -> ForecastItem:
    return ForecastItem(day, how, schedule_id, name, tag, asset_name, who, Decimal(hours))


def events(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def unfolded(data: bytes) -> list[str]:
    """RFC 5545 3.1: lines end in CRLF, are at most 75 octets, and a line starting with a
    space or tab continues the one before."""
    assert data.endswith(b"\r\n")
    physical = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    too_long = [line for line in physical if len(line) > 75]
    assert not too_long, too_long[:3]
    logical: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def structure(lines: list[str]) -> list[dict[str, list[str]]]:
    """Check BEGIN/END nesting and return each VEVENT's properties (name -> raw lines)."""
    stack: list[str] = []
    found: list[dict[str, list[str]]] = []
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        value = line.split(":", 1)[1] if ":" in line else ""
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                found.append({})
        elif name == "END":
            assert stack and stack.pop() == value, f"END:{value} does not close {stack}"
        elif stack and stack[-1] == "VEVENT":
            found[-1].setdefault(name, []).append(line)
    assert not stack, f"not closed: {stack}"
    return found


def test_one_all_day_event_per_item_with_summary_dates_and_description() -> None:
    items = [item(dt.date(2026, 4, 15)),
             item(dt.date(2026, 4, 30), schedule_id=9, name="Oil change (250 h)", tag="C-12",
                  how="meter", who="", hours="2.5", asset_name="Air compressor")]
    data = forecast_calendar(items, stamp=STAMP)
    cal = Calendar.from_ical(data)
    assert str(cal["PRODID"]) == PRODID
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "Keepwell PM forecast"
    first, second = events(data)
    assert str(first["SUMMARY"]) == "PM: Lubrication — P-101"
    assert first.decoded("DTSTART") == dt.date(2026, 4, 15)
    assert not isinstance(first.decoded("DTSTART"), dt.datetime)  # a DATE: all day
    assert first["DTSTART"].params.get("VALUE") == "DATE"
    assert first.decoded("DTEND") == dt.date(2026, 4, 16)  # exclusive end: one day
    assert first.decoded("DTSTAMP") == STAMP
    assert str(first["UID"]) == "pm-7-20260415@keepwell"
    text = str(first["DESCRIPTION"])
    assert "Feed pump 1" in text and "Tina Tech" in text and "1.5 h" in text
    assert METER_NOTE not in text
    assert str(second["SUMMARY"]) == "PM: Oil change (250 h) — C-12"
    text = str(second["DESCRIPTION"])
    assert METER_NOTE in text and "2.5 h" in text and "nobody yet" in text
    assert second.decoded("DTSTART") == dt.date(2026, 4, 30)


def test_uids_are_unique_and_the_same_on_every_export() -> None:
    day = dt.date(2026, 5, 1)
    items = [item(day, 1), item(day, 2), item(day + dt.timedelta(days=7), 1),
             item(day, 3, how="meter"), item(day, 3, how="meter")]  # a meter twice in a day
    uids = [str(e["UID"]) for e in events(forecast_calendar(items, stamp=STAMP))]
    assert len(set(uids)) == len(items)
    assert uids[:3] == ["pm-1-20260501@keepwell", "pm-2-20260501@keepwell",
                        "pm-1-20260508@keepwell"]
    assert uids[4] == "pm-3-20260501-2@keepwell"
    later = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert [str(e["UID"]) for e in events(forecast_calendar(items, stamp=later))] == uids
    assert event_uid(42, dt.date(2027, 1, 2)) == "pm-42-20270102@keepwell"


def test_an_empty_forecast_is_a_valid_calendar_without_events() -> None:
    data = forecast_calendar([], stamp=STAMP)
    cal = Calendar.from_ical(data)
    assert cal.name == "VCALENDAR"
    assert events(data) == []
    assert structure(unfolded(data)) == []


def test_non_ascii_and_long_names_survive() -> None:
    name = "Schmierung Lager antriebsseitig, Öl wechseln — 第二 ✓ " * 3
    items = [item(dt.date(2026, 4, 15), name=name, tag="PÖ-1", who="Sven Ödegaard",
                  asset_name="Pompe d'alimentation n° 2; bâtiment \"B\"")]
    data = forecast_calendar(items, name="Keepwell · Ödegaard", stamp=STAMP)
    (event,) = events(data)
    assert str(event["SUMMARY"]) == f"PM: {name} — PÖ-1"
    assert "Sven Ödegaard" in str(event["DESCRIPTION"])
    assert "Pompe d'alimentation n° 2; bâtiment \"B\"" in str(event["DESCRIPTION"])
    assert str(Calendar.from_ical(data)["X-WR-CALNAME"]) == "Keepwell · Ödegaard"


def test_the_file_follows_rfc_5545_framing() -> None:
    items = [item(dt.date(2026, 4, 15) + dt.timedelta(days=n), n % 4,
                  name="Très longue inspection de sécurité de la chaudière " * (n % 3 + 1))
             for n in range(12)]
    lines = unfolded(forecast_calendar(items, stamp=STAMP))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    head = {line.split(":", 1)[0] for line in lines[:8]}
    assert {"VERSION", "PRODID"} <= head
    found = structure(lines)
    assert len(found) == len(items)
    for props in found:
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert len(props.get(required, [])) == 1, (required, props)
        assert props["DTSTART"][0].startswith("DTSTART;VALUE=DATE:")
        assert len(props["DTSTART"][0].rsplit(":", 1)[1]) == 8  # YYYYMMDD, no time
        assert props["DTSTAMP"][0].endswith("Z")  # UTC, as RFC 5545 requires


def test_a_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError):
        forecast_calendar([], stamp=dt.datetime(2026, 4, 14, 9, 30))


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=120).filter(lambda s: s.strip() and "\r" not in s),
       who=st.text(max_size=40).filter(lambda s: "\r" not in s))
def test_any_text_reads_back_unchanged(name: str, who: str) -> None:
    data = forecast_calendar([item(dt.date(2026, 4, 15), name=name, who=who)], stamp=STAMP)
    unfolded(data)
    (event,) = events(data)
    assert str(event["SUMMARY"]) == f"PM: {name} — P-101"
    assert f"Assigned to: {who or 'nobody yet'}" in str(event["DESCRIPTION"])
