"""`keepwell pm list | add | forecast | explain`: preventive maintenance schedules from the
command line (`keepwell pm add --help` lists the options).

The commands sign in (`--user NAME`; password from a prompt, --password-stdin or
KEEPWELL_PASSWORD) and call the same services as the GUI, with the same permission checks and
validation; an error names the option at fault. `pm run` (the PM check) is app/cli/pm_check.py,
the headless `keepwell scheduler` app/cli/scheduler.py; meter readings are `keepwell meter read`
(app/cli/assets.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from app.cli.common import (
    EXIT_OK,
    Handler,
    OptionError,
    Subcommands,
    UsageError,
    add_command,
    add_group,
    add_sign_in_options,
    lookup_text,
    open_current_database,
    print_json,
    print_table,
    record_id,
    sign_in_from_args,
)
from app.errors import NotFound, ValidationError
from app.permissions import Actor
from app.services.assets import meters
from app.services.common import clean_date
from app.services.people import users
from app.services.pm import forecast as pm_forecast
from app.services.pm import schedules
from app.services.pm.schedules import ScheduleDetail
from app.services.work_orders.detail import find_asset_id
from app.vocabulary import PM_ANCHORS, WO_TYPES

TIME_UNITS = ("day", "week", "month", "year")
CENT = Decimal("0.01")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# The option that sets each field of create_schedule, to name it in an error.
OPTIONS = {
    "name": "--name", "asset": "--asset", "time_unit": "--unit", "time_every": "--every",
    "rrule": "--rrule", "meter": "--meter", "meter_every": "--meter-every",
    "meter_tolerance": "--tolerance", "anchor": "--anchor", "start_date": "--start",
    "end_date": "--end", "lead_days": "--lead-days", "season": "--season",
    "season_from": "--season", "season_to": "--season", "skip_dates": "--skip-dates",
    "description": "--description", "wo_type": "--type", "priority": "--priority",
    "estimated_hours": "--hours", "assignee": "--assignee", "tasks": "--task",
    "as_of": "--as-of", "from": "--from", "to": "--to",
}


class PMOptionError(OptionError):
    """An OptionError of the `pm` commands: each field named by its option in OPTIONS (a
    checklist step's by --task), and a schedule without a trigger told which options set one."""

    def option(self, name: str) -> str:
        return OPTIONS.get(name) or ("--task" if name.startswith("task_") else "")

    def option_line(self, name: str, message: str) -> str:
        if name == "trigger":
            return ("No trigger: choose a time trigger (--every with --unit, or --rrule), a meter "
                    "trigger (--meter with --meter-every) or both.")
        return super().option_line(name, message)


def _signed_in(args: argparse.Namespace) -> Actor:
    open_current_database(args)
    return sign_in_from_args(args)


def _date(name: str, text: str | None) -> dt.date | None:
    errors: dict[str, str] = {}
    day = clean_date(errors, name, text)
    if errors:
        raise PMOptionError(errors)
    return day


def _asset_id(tag: str) -> int:
    try:
        return find_asset_id(tag)
    except ValidationError as exc:
        raise PMOptionError(exc.fields) from None


# --- keepwell pm list ----------------------------------------------------------------------


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)} %"  # as the program shows it


def _next(row: schedules.ScheduleRow) -> str:
    """"2026-12-01 or at 5,000 h"; "≈ 2026-12-04 (at 5,000 h)" when the day is estimated from
    the meter's use."""
    if row.next_due_estimated and row.next_due:
        return f"≈ {row.next_due.isoformat()} (at {row.next_reading})"
    parts = [row.next_due.isoformat()] if row.next_due else []
    if row.next_reading:
        parts.append(f"at {row.next_reading}")
    return " or ".join(parts) or "-"



def _pm_list(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 1000:
        raise UsageError("--limit must be from 1 to 1000.")
    actor = _signed_in(args)
    filters: dict[str, Any] = dict(text=args.search, active=None if args.inactive else True,
                                   asset_id=_asset_id(args.asset) if args.asset else None)
    rows = schedules.list_schedules(actor, **filters, limit=args.limit)
    if args.json:
        print_json([_cents(dataclasses.asdict(r)) for r in rows])
        return EXIT_OK
    if not rows:
        print("No PM schedules match." + ("" if args.inactive else
                                           " (Inactive ones are left out: add --inactive.)"))
        return EXIT_OK
    print_table(
        ("ID", "ASSET", "NAME", "TRIGGER", "NEXT DUE", "LAST DONE", "OPEN ORDER",
         "COMPLIANCE"),
        [(r.id, r.asset_tag, r.name + ("" if r.active else " (inactive)"), r.trigger, _next(r),
          r.last_done, r.open_order or "-", _percent(r.compliance)) for r in rows],
    )
    total = schedules.count_schedules(actor, **filters)
    if total > len(rows):
        print(f"({len(rows)} of {total}; narrow the search or raise --limit)")
    return EXIT_OK


# --- keepwell pm add -----------------------------------------------------------------------


def _season(errors: dict[str, str], text: str | None) -> tuple[int | None, int | None]:
    """"4-10" or "apr-oct" -> (4, 10)."""
    if not text:
        return None, None
    months = []
    for part in text.strip().lower().split("-"):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= 12:
            months.append(int(part))
        elif len(part) >= 3 and part[:3] in MONTHS:
            months.append(MONTHS.index(part[:3]) + 1)
    if len(months) != 2 or text.count("-") != 1:
        errors["season"] = f"must be two months like 4-10 or apr-oct, not {text.strip()!r}"
        return None, None
    return months[0], months[1]


def _meter_id(errors: dict[str, str], actor: Actor, asset_id: int | None, tag: str,
              name: str | None) -> int | None:
    if name is None or asset_id is None:
        return None
    found = meters.list_meters(actor, asset_id)
    for meter in found:
        if meter.name.casefold() == name.strip().casefold():
            return meter.id
    have = ", ".join(m.name for m in found)
    errors["meter"] = (f"{name.strip()!r} is not a meter of {tag.strip().upper()}"
                       + (f" (its meters: {have})" if have else " (it has none)"))
    return None


def _ids(errors: dict[str, str], args: argparse.Namespace) -> tuple[int | None, int | None]:
    """The asset's and the assignee's ids; a name that matches none goes into `errors`."""
    asset_id = user_id = None
    try:
        asset_id = find_asset_id(args.asset)
    except ValidationError as exc:
        errors.update(exc.fields)
    if args.assignee:
        try:
            user_id = users.find_user_id(args.assignee)
        except NotFound:
            errors["assignee"] = f"{args.assignee.strip()!r} is not a username"
    return asset_id, user_id


def schedule_fields(actor: Actor, args: argparse.Namespace,
                    errors: dict[str, str]) -> dict[str, Any]:
    """create_schedule's fields from `pm add`'s options. What the options alone show to be
    wrong (an unknown asset, meter or user, a season that is not two months) goes into
    `errors`; the service checks the rest."""
    if args.rrule is not None and (args.unit or args.every is not None):
        raise UsageError("give either --every/--unit or --rrule, not both.")
    if args.every is not None and not args.unit:
        errors["time_unit"] = "is needed with --every: day, week, month or year"
    if args.meter is None and (args.meter_every is not None or args.tolerance is not None):
        errors["meter"] = "is needed with --meter-every and --tolerance: the name of a meter"
    asset_id, user_id = _ids(errors, args)
    time_unit = "rrule" if args.rrule is not None else args.unit or ""
    meter_id = _meter_id(errors, actor, asset_id, args.asset, args.meter)
    season_from, season_to = _season(errors, args.season)
    anchor = args.anchor or ("floating" if time_unit and args.meter else "fixed")
    return dict(
        name=args.name, asset_id=asset_id, anchor=anchor, time_unit=time_unit,
        time_every=args.every if args.every is not None else 1, rrule=args.rrule or "",
        meter_id=meter_id, meter_every=args.meter_every, meter_tolerance=args.tolerance or 0,
        start_date=args.start, end_date=args.end, lead_days=args.lead_days,
        season_from=season_from, season_to=season_to, skip_dates=args.skip_dates or "",
        description=args.description, wo_type=args.type, priority=args.priority,
        estimated_hours=args.hours, assignee_id=user_id, tasks=args.tasks or [],
    )


def detail_json(detail: ScheduleDetail) -> dict[str, Any]:
    d = detail.decision
    data = {
        "id": detail.id, "version": detail.version, "name": detail.values["name"],
        "asset_tag": detail.asset_tag, "asset_name": detail.asset_name,
        "trigger": detail.trigger, "meter_name": detail.meter_name,
        "meter_unit": detail.meter_unit, "meter_reading": detail.meter_reading,
        "due_now": d.due, "due_reading": d.due_reading, "next_due": d.next_due,
        "next_reading": d.next_reading, "explanation": d.words,
        "missed": [dataclasses.asdict(m) for m in d.missed], "fields": dict(detail.values),
    }
    return _cents(data)


def _cents(value: Any) -> Any:
    """Hours and meter values with two decimals, as stored ("1.50" on SQLite and PostgreSQL
    alike; the drivers give 1.5 and 1.50)."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, dict):
        return {k: _cents(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cents(v) for v in value]
    return value


def _pm_add(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    errors: dict[str, str] = {}
    fields = schedule_fields(actor, args, errors)
    detail: ScheduleDetail | None = None
    try:
        if errors:  # every problem at once: the service checks the rest without writing
            schedules.preview_schedule(actor, fields, count=1)
        else:
            detail = schedules.create_schedule(actor, **fields)
    except ValidationError as exc:
        # What the options got wrong reached the service as nothing given: said once, here.
        hidden = {"trigger"} if {"asset", "meter", "time_unit"} & set(errors) else set()
        errors.update({k: v for k, v in exc.fields.items()
                       if k not in errors and k not in hidden})
    if errors or detail is None:
        raise PMOptionError(errors)
    if args.json:
        print_json(detail_json(detail))
        return EXIT_OK
    print(f"Added PM schedule {detail.id}: {detail.values['name']} on {detail.asset_tag}, "
          f"{detail.trigger}.")
    print(detail.decision.words)
    return EXIT_OK


# --- keepwell pm forecast / explain --------------------------------------------------------


def _heading(detail: ScheduleDetail) -> str:
    return (f"PM {detail.id} {detail.values['name']!r} on {detail.asset_tag} "
            f"({detail.asset_name}): {detail.trigger}")


def _pm_forecast(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    first = _date("from", args.date_from) or dt.date.today()
    last = _date("to", args.date_to) or first + dt.timedelta(days=365)
    detail = schedules.get_schedule(actor, args.id)
    try:
        found = pm_forecast.forecast_schedule(actor, args.id, first, last)
    except ValidationError as exc:
        raise PMOptionError(exc.fields) from None
    if args.json:
        print_json({"id": detail.id, "from": first, "to": last,
                    "occurrences": [dataclasses.asdict(o) for o in found]})
        return EXIT_OK
    print(_heading(detail))
    if not found:
        print(f"Not expected due from {first} to {last}.")
        return EXIT_OK
    print(f"Expected due {len(found)} time{'s' if len(found) != 1 else ''} "
          f"from {first} to {last}:")
    for o in found:
        print(f"  {o.day:%a %Y-%m-%d}  "
              f"{pm_forecast.expected_words(o.how, o.number, o.overdue_since)}")
    return EXIT_OK


def _pm_explain(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    as_of = _date("as_of", args.as_of) or dt.date.today()
    detail = schedules.get_schedule(actor, args.id, as_of)
    if args.json:
        print_json(dict(detail_json(detail), as_of=as_of))
        return EXIT_OK
    print(_heading(detail))
    print(f"As of {as_of:%a %d %b %Y}: {detail.decision.words}")
    return EXIT_OK



# --- the parser ----------------------------------------------------------------------------


def _command(group: Subcommands, common: argparse.ArgumentParser, name: str,
             handler: Handler, help_text: str) -> argparse.ArgumentParser:
    parser = add_command(group, common, name, handler, help_text)
    add_sign_in_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _task(required: bool) -> Any:
    return lambda text: {"text": text, "required": required}


def _add_options(add: argparse.ArgumentParser) -> None:
    add.add_argument("--asset", required=True, metavar="TAG", type=lookup_text,
                     help="the asset the work is on")
    add.add_argument("--name", required=True, help="what the work is, e.g. 'Monthly lube'")
    when = add.add_argument_group("when it is due (a time trigger, a meter trigger or both)")
    when.add_argument("--every", metavar="N", help="every N --unit (default 1)")
    when.add_argument("--unit", type=str.lower, choices=TIME_UNITS,
                      help="with --every: every N days, weeks, months or years")
    when.add_argument("--rrule", metavar="RULE",
                      help="an RFC 5545 rule instead, e.g. 'FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO'")
    when.add_argument("--meter", metavar="NAME", help="one of the asset's meters")
    when.add_argument("--meter-every", metavar="N", help="due every N units of the meter")
    when.add_argument("--tolerance", metavar="N", help="order it this many units early")
    when.add_argument("--anchor", type=str.lower, choices=PM_ANCHORS,
                      help="fixed: a series from the start; floating: counted from the last "
                           "completion. Default: fixed, or floating when both a time and a "
                           "meter trigger are given (it is required then)")
    when.add_argument("--start", metavar="YYYY-MM-DD", help="the first due date (default today)")
    when.add_argument("--end", metavar="YYYY-MM-DD", help="nothing is due after this day")
    when.add_argument("--lead-days", default=0, metavar="N",
                      help="create the order N days before it is due")
    when.add_argument("--season", metavar="4-10", help="only due in these months (apr-oct too)")
    when.add_argument("--skip-dates", metavar="D,D", help="plant holidays: moved to the next day")
    order = add.add_argument_group("the work orders it creates")
    order.add_argument("--description", default="")
    order.add_argument("--type", default="preventive", type=str.lower, choices=WO_TYPES)
    order.add_argument("--priority", default="3", metavar="1-4",
                       help="1 urgent, 2 high, 3 normal (default), 4 low")
    order.add_argument("--hours", metavar="H", help="estimated hours")
    order.add_argument("--assignee", metavar="USERNAME", type=lookup_text,
                       help="who it is assigned to")
    order.add_argument("--task", dest="tasks", action="append", type=_task(False),
                       metavar="TEXT", help="a checklist step (repeat, in order)")
    order.add_argument("--required-task", dest="tasks", action="append", type=_task(True),
                       metavar="TEXT", help="a step that must be answered to complete")


def register_pm_commands(commands: Subcommands,
                         common: argparse.ArgumentParser) -> Subcommands:
    """Add the `pm` command group and return its sub-commands, for app.cli.main to add
    `pm run` (app/cli/pm_check.py) last."""
    group = add_group(commands, common, "pm",
                      "list, add, forecast, explain and run preventive maintenance")
    listing = _command(group, common, "list", _pm_list,
                       "list PM schedules with when each is next due")
    listing.add_argument("--search", default="", metavar="TEXT", help="name, asset tag or name")
    listing.add_argument("--asset", metavar="TAG", type=lookup_text,
                         help="only this asset's schedules")
    listing.add_argument("--inactive", action="store_true", help="list inactive ones too")
    listing.add_argument("--limit", type=int, default=200, metavar="N",
                         help="at most N rows (1-1000, default 200)")
    _add_options(_command(group, common, "add", _pm_add, "set up a PM schedule"))
    forecast = _command(group, common, "forecast", _pm_forecast,
                        "list the days a schedule is expected due")
    forecast.add_argument("id", type=record_id, metavar="ID", help="the schedule's ID (pm list)")
    forecast.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                          help="first day (default today)")
    forecast.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                          help="last day (default a year after --from; at most three years)")
    explain = _command(group, common, "explain", _pm_explain,
                       "say why a schedule is or is not due")
    explain.add_argument("id", type=record_id, metavar="ID")
    explain.add_argument("--as-of", metavar="YYYY-MM-DD", help="as a check that day would see "
                                                               "it (default today)")
    return group
