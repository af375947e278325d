"""The fields of a PM schedule: checking what a planner enters, and turning a stored schedule
into the engine's `Plan`."""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

from app.models import Asset, Meter
from app.pm.engine import Plan, amount
from app.pm.recurrence import UNITS, PlantCalendar, Recurrence, RecurrenceError
from app.services.common import clean_date, clean_text, parse_decimal, places
from app.services.work_orders.fields import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    check_asset,
    check_worker,
    clean_choice,
    clean_hours,
    clean_id,
    clean_priority,
    clean_tasks,
)
from app.vocabulary import PM_ANCHORS, WO_TYPES

MAX_LEAD_DAYS = 365
MAX_SKIP_DATES = 366
MAX_METER = Decimal("999999999999")
TIME_UNITS = ("", *UNITS)  # "" = no time trigger

# The schedule form's fields, as create_schedule names them.
FIELDS = (
    "name", "asset_id", "active", "anchor", "time_unit", "time_every", "rrule", "meter_id",
    "meter_every", "meter_tolerance", "meter_start", "start_date", "end_date", "lead_days",
    "season_from", "season_to", "skip_dates", "description", "wo_type", "priority",
    "estimated_hours", "assignee_id", "tasks",
)
DEFAULTS: dict[str, Any] = dict(
    active=True, anchor="fixed", time_unit="", time_every=1, rrule="", meter_id=None,
    meter_every=None, meter_tolerance=0, meter_start=None, end_date=None, lead_days=0,
    season_from=None, season_to=None, skip_dates=(), description="", wo_type="preventive",
    priority=3, estimated_hours=None, assignee_id=None, tasks=(),
)


def _whole(errors: dict[str, str], name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = f"must be a whole number from {low} to {high}"
        return low
    return value


def _amount(errors: dict[str, str], name: str, value: Any, *, positive: bool = False,
            required: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    number = parse_decimal(value)
    if number is None or number < 0 or number > MAX_METER or (positive and number == 0):
        errors[name] = f"must be a number {'more than 0 and up' if positive else 'from 0'}" \
            f" to {MAX_METER:,}"
        return None
    return places(number)


def _month(errors: dict[str, str], name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    return _whole(errors, name, value, 1, 12)


def clean_skip_dates(errors: dict[str, str], value: Any) -> str:
    """Plant holidays as "YYYY-MM-DD,..." (sorted, none twice), from text or a list."""
    if value is None:
        return ""
    items = value.replace(";", ",").replace("\n", ",").split(",") if isinstance(
        value, str) else list(value)
    days: set[dt.date] = set()
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        mine: dict[str, str] = {}
        day = clean_date(mine, "skip_dates", item)
        if mine or day is None:
            errors["skip_dates"] = (f"{str(item).strip()[:20]!r} is not a date written "
                                    "YYYY-MM-DD")
            return ""
        days.add(day)
    if len(days) > MAX_SKIP_DATES:
        errors["skip_dates"] = f"has {len(days)} dates; at most {MAX_SKIP_DATES} are allowed"
        return ""
    return ",".join(d.isoformat() for d in sorted(days))


def skip_dates_of(text: str) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(t) for t in text.split(",") if t)


def check_fields(values: dict[str, Any], current: Any,
                 errors: dict[str, str]) -> dict[str, Any]:
    """Check a whole schedule (`values` over the `current` one's fields, or over DEFAULTS):
    returns the model's fields. Every problem goes into `errors` under the field's name."""
    merged = dict(DEFAULTS)
    if current is not None:
        merged.update(stored_values(current))
    merged.update(values)
    out: dict[str, Any] = {}
    out["name"] = clean_text(errors, "name", merged["name"], max_length=TITLE_MAX)
    active = merged["active"]
    if not isinstance(active, bool):
        errors["active"] = "must be yes or no"
    out["active"] = bool(active)
    asset = _check_asset(errors, merged["asset_id"], current, out["active"])
    out["asset_id"] = asset.id if asset else None
    out["anchor"] = clean_choice(errors, "anchor", merged["anchor"], PM_ANCHORS)
    unit = merged["time_unit"] or ""
    out["time_unit"] = clean_choice(errors, "time_unit", unit, TIME_UNITS) if unit else ""
    out["time_every"] = _whole(errors, "time_every", merged["time_every"], 1, 1000)
    out["rrule"] = clean_text(errors, "rrule", merged["rrule"], max_length=500,
                              required=False) if out["time_unit"] == "rrule" else ""
    if out["time_unit"] and not {"time_unit", "time_every", "rrule"} & set(errors):
        try:
            Recurrence(out["time_unit"], out["time_every"], out["rrule"])
        except RecurrenceError as exc:  # its words name the field: keep what follows
            if out["time_unit"] != "rrule":
                errors["time_every"] = "must be a whole number from 1 to 1000"
            elif not out["rrule"]:
                errors["rrule"] = "is required, e.g. FREQ=MONTHLY;BYDAY=1MO"
            else:
                errors["rrule"] = f"is not a valid RRULE: {exc.detail}" if exc.detail else \
                    "is not a valid RRULE"
    _check_meter(errors, merged, asset, current, out, set(values))
    if not out["time_unit"] and out["meter_id"] is None and not (
            {"time_unit", "meter", "time_every"} & set(errors)):
        errors["trigger"] = "needs a time trigger, a meter trigger or both"
    if out["time_unit"] and out["meter_id"] is not None and out["anchor"] == "fixed":
        errors["anchor"] = ("must be floating when the schedule is due by time or meter, "
                            "whichever comes first: each completion restarts both counts")
    start = clean_date(errors, "start_date", merged.get("start_date") or dt.date.today())
    out["start_date"] = start
    if out["time_unit"] == "rrule" and start and not (
            {"time_unit", "time_every", "rrule"} & set(errors)):
        _check_rule_has_dates(errors, out, start)
    out["end_date"] = clean_date(errors, "end_date", merged["end_date"])
    if start and out["end_date"] and out["end_date"] < start:
        errors["end_date"] = f"({out['end_date']}) is before the start date ({start})"
    out["lead_days"] = _whole(errors, "lead_days", merged["lead_days"], 0, MAX_LEAD_DAYS)
    out["season_from"] = _month(errors, "season_from", merged["season_from"])
    out["season_to"] = _month(errors, "season_to", merged["season_to"])
    if (out["season_from"] is None) != (out["season_to"] is None):
        errors["season_to" if out["season_to"] is None else "season_from"] = (
            "is needed too: a season has a first and a last month")
    out["skip_dates"] = clean_skip_dates(errors, merged["skip_dates"])
    if out["time_unit"] and out["season_from"] and out["season_to"] and start and not (
            {"time_unit", "time_every", "rrule", "season_from", "season_to"} & set(errors)):
        _check_season_reachable(errors, out, start)
    out["description"] = clean_text(errors, "description", merged["description"],
                                    max_length=DESCRIPTION_MAX, required=False)
    out["wo_type"] = clean_choice(errors, "wo_type", merged["wo_type"], WO_TYPES)
    out["priority"] = clean_priority(errors, merged["priority"])
    out["estimated_hours"] = clean_hours(errors, "estimated_hours", merged["estimated_hours"])
    if current is not None and merged["assignee_id"] == current.assignee_id:
        out["assignee_id"] = current.assignee_id  # unchanged: a deactivated one stays, unused
    else:
        user = check_worker(errors, "assignee", merged["assignee_id"])
        out["assignee_id"] = user.id if user else None
    tasks = clean_tasks(errors, merged["tasks"])
    out["tasks"] = json.dumps([{k: t[k] for k in ("text", "kind", "required", "unit")}
                               for t in tasks])
    return out


def _check_asset(errors: dict[str, str], asset_id: Any, current: Any, active: bool) -> Any:
    """The schedule's machine. A retired one may stay on an inactive schedule (so that its
    schedules can be switched off), never on an active one."""
    if current is not None and asset_id == current.asset_id and asset_id is not None:
        asset: Any = Asset.get_or_none(Asset.id == asset_id)
        if asset is not None and asset.status == "retired" and active:
            errors["asset"] = (f"{asset.tag} is retired: deactivate the schedule, or move it "
                               "to another asset")
        return asset
    asset = check_asset(errors, asset_id)
    if asset is None and "asset" not in errors:
        errors["asset"] = "is required: the machine the work is done on"
    return asset


def _check_rule_has_dates(errors: dict[str, str], out: dict[str, Any],
                          start: dt.date) -> None:
    """A rule that gives no date from the start on (30 February) would never be due, and one
    that cannot be walked would be set aside by every check: say so now."""
    rule = Recurrence(out["time_unit"], out["time_every"], out["rrule"])
    try:
        next(rule.raw_series(start))
    except RecurrenceError as exc:
        text = str(exc)
        errors["rrule"] = text.partition(f"{out['rrule']!r} ")[2] or text


def _check_season_reachable(errors: dict[str, str], out: dict[str, Any],
                            start: dt.date) -> None:
    """A rule whose dates never fall in the season would never be due: say so now."""
    rule = Recurrence(out["time_unit"], out["time_every"], out["rrule"])
    season = PlantCalendar((out["season_from"], out["season_to"]))
    horizon = start.replace(year=start.year + 10) if (start.month, start.day) != (2, 29) \
        else start + dt.timedelta(days=3652)
    for day in rule.raw_series(start):
        if day > horizon:
            break
        if season.in_season(day):
            return
    errors["season_from"] = (f"leaves no date of the schedule ({rule.words}) in the season: "
                             "it would never be due")


def _check_meter(errors: dict[str, str], merged: dict[str, Any], asset: Any,
                 current: Any, out: dict[str, Any], given: set[str]) -> None:
    meter_id = clean_id(errors, "meter", merged["meter_id"])
    out["meter_id"] = None
    out["meter_every"] = out["meter_start"] = None
    out["meter_tolerance"] = Decimal("0.00")
    if meter_id is None:
        return
    meter: Any = Meter.get_or_none(Meter.id == meter_id)
    if meter is None:
        errors["meter"] = "does not exist (it may have been deleted)"
        return
    if asset is not None and meter.asset_id != asset.id:
        errors["meter"] = f"{meter.name} is not a meter of {asset.tag}"
        return
    out["meter_id"] = meter.id
    every = _amount(errors, "meter_every", merged["meter_every"], positive=True, required=True)
    tolerance = _amount(errors, "meter_tolerance", merged["meter_tolerance"]) or Decimal("0.00")
    if every is not None and tolerance >= every:
        errors["meter_tolerance"] = (f"must be less than the interval "
                                     f"({amount(every, meter.unit)})")
    start = _amount(errors, "meter_start", merged["meter_start"])
    if start is None or (current is not None and current.meter_id != meter.id
                         and "meter_start" not in given):  # a new meter counts from now
        start = meter.last_reading if meter.last_reading is not None else Decimal("0.00")
    out.update(meter_every=every, meter_tolerance=tolerance, meter_start=start)


def stored_values(s: Any) -> dict[str, Any]:
    """A schedule's fields under the names check_fields takes."""
    values = {name: getattr(s, name) for name in FIELDS
              if name not in ("asset_id", "meter_id", "assignee_id", "tasks", "skip_dates")}
    values.update(asset_id=s.asset_id, meter_id=s.meter_id, assignee_id=s.assignee_id,
                  skip_dates=s.skip_dates, tasks=json.loads(s.tasks or "[]"))
    return values


@functools.lru_cache(maxsize=4096)
def _recurrence(unit: str, every: int, rule: str) -> Recurrence:
    return Recurrence(unit, every, rule)  # checked once: thousands of schedules share one


@functools.lru_cache(maxsize=4096)
def _calendar(season_from: int | None, season_to: int | None, skip_dates: str) -> PlantCalendar:
    season = (season_from, season_to) if season_from and season_to else None
    return PlantCalendar(season, skip_dates_of(skip_dates))


def plan_of(s: Any, meter_unit: str = "") -> Plan:
    """The engine's view of a schedule row (a model or anything with its attributes)."""
    created = s.created_at.date() if getattr(s, "created_at", None) else None
    return Plan(
        anchor=s.anchor,
        start=s.start_date,
        recurrence=_recurrence(s.time_unit, s.time_every, s.rrule) if s.time_unit else None,
        calendar=_calendar(s.season_from, s.season_to, s.skip_dates or ""),
        end=s.end_date,
        lead_days=s.lead_days,
        meter_every=Decimal(s.meter_every) if s.meter_id and s.meter_every else None,
        tolerance=Decimal(s.meter_tolerance or 0),
        meter_start=Decimal(s.meter_start) if s.meter_start is not None else None,
        meter_unit=meter_unit,
        created_on=created,
        active=bool(s.active),
    )
