"""The RRULEs planners use most, built from choices and said in words: "the first Monday of
every 3 months" (FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO), "every 2 weeks on Monday and Thursday"
(FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH). Other rules are kept as typed."""

from __future__ import annotations

from dataclasses import dataclass

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# (BYDAY ordinal, words)
ORDINALS = ((1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (-1, "last"))
MONTH_DAY, WEEK_DAYS = range(2)  # the two kinds of rule the simple controls show
MAX_INTERVAL = 1000


@dataclass(frozen=True)
class RuleParts:
    """A rule the simple controls can show: `mode` MONTH_DAY uses ordinal and days[0];
    WEEK_DAYS uses days (indexes into DAYS)."""

    mode: int
    every: int = 1
    ordinal: int = 1
    days: tuple[int, ...] = ()


def monthly_weekday_rule(ordinal: int, day: int, every: int = 1) -> str:
    """ordinal 1..4 or -1 (last), day 0 (Monday)..6: "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO"."""
    interval = f";INTERVAL={every}" if every != 1 else ""
    return f"FREQ=MONTHLY{interval};BYDAY={ordinal}{DAYS[day]}"


def weekly_rule(days: tuple[int, ...] | list[int], every: int = 1) -> str:
    """"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"; no days: the start date's weekday."""
    interval = f";INTERVAL={every}" if every != 1 else ""
    chosen = ",".join(DAYS[d] for d in sorted(set(days)))
    return f"FREQ=WEEKLY{interval}" + (f";BYDAY={chosen}" if chosen else "")


def _parts(text: str) -> dict[str, str] | None:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:"):]
    out: dict[str, str] = {}
    for piece in body.split(";"):
        if not piece.strip():
            continue
        key, sep, value = piece.partition("=")
        key = key.strip().upper()
        if not sep or not key or key in out:
            return None
        out[key] = value.strip().upper()
    return out


def parse_rule(text: str) -> RuleParts | None:
    """The simple controls' reading of a rule, or None when only the text can show it."""
    parts = _parts(text)
    if parts is None or not set(parts) <= {"FREQ", "INTERVAL", "BYDAY"}:
        return None
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        return None
    every = int(interval)
    days = [d.strip() for d in parts.get("BYDAY", "").split(",") if d.strip()]
    if parts.get("FREQ") == "MONTHLY" and len(days) == 1:
        day = days[0]
        number, name = day[:-2], day[-2:]
        ordinals = [n for n, _words in ORDINALS]
        if name in DAYS and number.lstrip("+-").isdigit() and int(number) in ordinals:
            return RuleParts(MONTH_DAY, every, int(number), (DAYS.index(name),))
        return None
    if parts.get("FREQ") == "WEEKLY" and all(d in DAYS for d in days) \
            and len(set(days)) == len(days):
        return RuleParts(WEEK_DAYS, every, 1, tuple(sorted(DAYS.index(d) for d in days)))
    return None


def rule_words(parts: RuleParts) -> str:
    """"the first Monday of every 3 months", "every 2 weeks on Monday and Thursday"."""
    if parts.mode == MONTH_DAY:
        ordinal = dict(ORDINALS)[parts.ordinal]
        months = "month" if parts.every == 1 else f"{parts.every} months"
        return f"the {ordinal} {DAY_NAMES[parts.days[0]]} of every {months}"
    weeks = "week" if parts.every == 1 else f"{parts.every} weeks"
    if not parts.days:
        return f"every {weeks} on the start date's weekday"
    names = [DAY_NAMES[d] for d in parts.days]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"every {weeks} on {listed}"
