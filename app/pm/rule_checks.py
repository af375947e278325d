"""Checking an RRULE's parts before python-dateutil reads it, so that a planner learns which
part is wrong and why, in words: dateutil raises bare ValueErrors (or IndexError, for
BYEASTER=999999), silently ignores parts it does not use (BYDAY=99MO in a daily rule) and
walks for ever looking for a date that cannot exist (BYMONTHDAY=40).

The rules are RFC 5545 section 3.3.10's, for a rule that is due on days: FREQ is DAILY, WEEKLY,
MONTHLY or YEARLY; the schedule's start and end dates replace DTSTART, UNTIL and COUNT.
"""

from __future__ import annotations

import re

from app.pm.rules import DAYS

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_INTERVAL = 1000
MAX_VALUES = 366  # no list needs more values than a year has days
# part -> (lowest, highest, counted from the end too: -highest to -lowest): the RFC's ranges.
# BYEASTER is dateutil's (days from Easter Sunday, either way).
NUMBER_PARTS: dict[str, tuple[int, int, bool]] = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
    "BYHOUR": (0, 23, False),
    "BYMINUTE": (0, 59, False),
    "BYSECOND": (0, 59, False),
    "BYEASTER": (0, 366, True),
}
ALL_PARTS = ("FREQ", "INTERVAL", "BYDAY", "WKST", *NUMBER_PARTS)
LEFT_OUT = ("DTSTART", "UNTIL", "COUNT")
# RFC 5545: which FREQ values a part may be used with (others: any).
ONLY_WITH = {
    "BYWEEKNO": ("YEARLY",),
    "BYYEARDAY": ("YEARLY",),
    "BYMONTHDAY": ("DAILY", "MONTHLY", "YEARLY"),
}
WEEKDAY_RE = re.compile(r"^([+-]?)(\d{1,2})?([A-Z]{2})$")
NUMBER_RE = re.compile(r"^([+-]?)(\d{1,4})$")


def rule_problem(text: str) -> str | None:
    """What is wrong with the rule `text` ("FREQ=MONTHLY;BYDAY=1MO", an "RRULE:" in front is
    allowed), in words after "is not a valid RRULE: "; None when its parts are right."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:"):]
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        if not piece.strip():
            continue  # "FREQ=DAILY;" is what people type
        key, sep, value = piece.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key:
            return f"{_show(piece)} is not a part written NAME=VALUE, e.g. BYDAY=MO"
        if key in LEFT_OUT:
            return ("leave out DTSTART, UNTIL and COUNT (the schedule's start and end dates "
                    "say when it runs)")
        if key not in ALL_PARTS:
            return (f"{_show(key)} is not a part of a rule; the parts are "
                    f"{', '.join(ALL_PARTS)}")
        if key in parts:
            return f"{key} is given twice"
        parts[key] = value
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        given = f"FREQ={_show(freq)} cannot be used" if freq else "FREQ is missing"
        return (f"{given}; PM is due on days: FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, "
                "e.g. FREQ=MONTHLY;BYDAY=1MO")
    interval = parts.get("INTERVAL", "1")
    if not (interval.isascii() and interval.isdigit()) or not 1 <= int(interval) <= MAX_INTERVAL:
        # INTERVAL=0 would give the same date for ever (and dateutil loops for ever looking
        # for the next one).
        return (f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}, not "
                f"{_show(interval) if interval else 'nothing'}")
    for key, value in parts.items():
        problem = _part_problem(key, value, freq)
        if problem:
            return problem
    if "BYSETPOS" in parts and not any(k.startswith("BY") and k != "BYSETPOS" for k in parts):
        return "BYSETPOS picks among the dates another BY part gives: add one, e.g. BYDAY=MO"
    return None


def _part_problem(key: str, value: str, freq: str) -> str | None:
    allowed = ONLY_WITH.get(key)
    if allowed and freq not in allowed:
        given = allowed[0] if len(allowed) == 1 else \
            f"{', '.join(allowed[:-1])} or {allowed[-1]}"
        return f"{key} cannot be used with FREQ={freq} (only with {given})"
    if key == "WKST":
        return None if value in DAYS else f"WKST must be one of {', '.join(DAYS)}"
    if key not in NUMBER_PARTS and key != "BYDAY":
        return None
    values = value.split(",")
    if len(values) > MAX_VALUES:
        return f"{key} has {len(values)} values; at most {MAX_VALUES} are allowed"
    for item in values:
        problem = _day_problem(item, freq) if key == "BYDAY" else _number_problem(key, item)
        if problem:
            return problem
    return None


def _day_problem(item: str, freq: str) -> str | None:
    match = WEEKDAY_RE.match(item.strip())
    if not match or match.group(3) not in DAYS:
        return (f"BYDAY must list days as {', '.join(DAYS)}, optionally numbered (1MO: the "
                f"first Monday, -1FR: the last Friday), not {_show(item) or 'nothing'}")
    if match.group(2) is None:
        if match.group(1):
            return f"BYDAY's {_show(item)} has a sign but no number"
        return None
    if freq not in ("MONTHLY", "YEARLY"):
        return (f"BYDAY's {_show(item)} numbers a weekday, which only a MONTHLY or YEARLY "
                f"rule can do; with FREQ={freq} write the day alone, e.g. {match.group(3)}")
    highest = 5 if freq == "MONTHLY" else 53
    if not 1 <= int(match.group(2)) <= highest:
        return (f"BYDAY's {_show(item)}: a weekday's number must be from 1 to {highest} or "
                f"-{highest} to -1 in a {freq} rule")
    return None


def _number_problem(key: str, item: str) -> str | None:
    low, high, signed = NUMBER_PARTS[key]
    match = NUMBER_RE.match(item.strip())
    number = int(match.group(2)) if match else None
    negative = bool(match and match.group(1) == "-")
    ok = number is not None and low <= number <= high and (signed or not negative)
    if key == "BYEASTER":
        span = "-366 to 366 (days from Easter Sunday)"
    elif signed:
        span = f"{low} to {high} or -{high} to -{low} (counted from the end)"
    else:
        span = f"{low} to {high}"
    if not ok:
        return f"{key} must be whole numbers from {span}, not {_show(item) or 'nothing'}"
    return None


def _show(text: str | None) -> str:
    """A piece of the rule, quoted in a message: short, and readable whatever it holds."""
    text = text or ""
    shown = text[:20] + ("…" if len(text) > 20 else "")
    return shown if shown.isprintable() else repr(shown)
