"""`keepwell asset ...`, `keepwell meter ...` and `keepwell request ...`: the asset register,
meter readings and work requests from the command line, acting as a Keepwell user.

Registered in app/cli/main.py's COMMAND_GROUPS by `register_asset_commands`. Every command signs in
(`--user NAME`; password from a prompt, --password-stdin or KEEPWELL_PASSWORD) and calls the same
services as the GUI, so the same permission checks and validation apply.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from app.cli.common import (
    EXIT_OK,
    Handler,
    Subcommands,
    UsageError,
    add_command,
    add_group,
    add_sign_in_options,
    lookup_text,
    open_current_database,
    print_json,
    print_table,
    sign_in_from_args,
)
from app.errors import NotFound
from app.permissions import Actor
from app.pm.engine import amount
from app.services import requests
from app.services.assets import locations, meters, register


def _signed_in(args: argparse.Namespace) -> Actor:
    open_current_database(args)
    return sign_in_from_args(args)


def _location_id(actor: Actor, text: str | None) -> int | None:
    """A location by CODE, or SITE:CODE when several sites use the same code."""
    if text is None:
        return None
    site_code, _, code = text.strip().upper().rpartition(":")
    sites = {s.id: s.code for s in locations.list_sites(actor)}
    found = [n.id for n in locations.location_tree(actor)
             if n.code == code and (not site_code or sites.get(n.site_id) == site_code)]
    if not found:
        raise NotFound(f"There is no location {text.strip()!r}.")
    if len(found) > 1:
        raise UsageError(f"several sites have a location {code!r}: write it as SITE:{code}.")
    return found[0]


def _asset_id(actor: Actor, tag: str | None) -> int | None:
    return None if tag is None else register.find_asset_by_tag(actor, tag).id


def _asdict(row: Any) -> dict[str, Any]:
    return dataclasses.asdict(row)


# --- keepwell asset ... ---------------------------------------------------------------------


def _asset_list(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    filters = dict(search=args.search, status=args.status,
                   location_id=_location_id(actor, args.location))
    rows = register.list_assets(actor, **filters, sort=args.sort, limit=args.limit)
    if args.json:
        print_json([_asdict(r) for r in rows])
        return EXIT_OK
    if not rows:
        print("No assets match.")
        return EXIT_OK
    print_table(
        ("TAG", "NAME", "CATEGORY", "CRIT", "STATUS", "LOCATION", "PARENT"),
        [(r.tag, r.name, r.category, r.criticality, r.status, r.location_code, r.parent_tag)
         for r in rows],
    )
    total = register.count_assets(actor, **filters)
    if total > len(rows):
        print(f"({len(rows)} of {total}; narrow the search or raise --limit)")
    return EXIT_OK


def _asset_add(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    detail = register.add_asset(
        actor, args.tag, args.name, category=args.category, criticality=args.criticality,
        status=args.status, manufacturer=args.manufacturer, model=args.model,
        serial=args.serial, install_date=args.install_date, cost=args.cost,
        warranty_end=args.warranty_end, parent_id=_asset_id(actor, args.parent),
        location_id=_location_id(actor, args.location), notes=args.notes,
    )
    if args.json:
        print_json(_asdict(detail))
    else:
        print(f"Added asset {detail.tag} ({detail.name}).")
    return EXIT_OK


def _asset_show(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    detail = register.find_asset_by_tag(actor, args.tag)
    if args.json:
        print_json(_asdict(detail))
        return EXIT_OK
    lines = [
        ("Tag", detail.tag), ("Name", detail.name), ("Category", detail.category),
        ("Criticality", detail.criticality), ("Status", detail.status),
        ("Location", detail.location_path), ("Parent", detail.parent_tag),
        ("Manufacturer", detail.manufacturer), ("Model", detail.model),
        ("Serial", detail.serial), ("Installed", detail.install_date),
        ("Cost", detail.cost), ("Warranty end", detail.warranty_end),
        ("Work orders", f"{detail.open_work_orders} open, {detail.past_work_orders} past"),
        *((f"Meter {m.name}", amount(m.last_reading, m.unit) if m.last_reading is not None
           else f"- {m.unit}") for m in detail.meters),
        ("Notes", detail.notes),
    ]
    width = max(len(label) for label, _ in lines) + 1
    for label, value in lines:
        print(f"{label + ':':<{width}} {'' if value is None else value}")
    return EXIT_OK


# --- keepwell meter ... ---------------------------------------------------------------------


def _meter_id(actor: Actor, tag: str, name: str) -> int:
    return _meter(actor, tag, name).id


def _meter(actor: Actor, tag: str, name: str) -> Any:
    detail = register.find_asset_by_tag(actor, tag)
    for meter in detail.meters:
        if meter.name.casefold() == name.strip().casefold():
            return meter
    have = ", ".join(m.name for m in detail.meters)
    raise NotFound(f"{detail.tag} has no meter {name!r}"
                   + (f"; its meters are {have}." if have else "; it has no meters."))


def _meter_add(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    row = meters.add_meter(actor, register.find_asset_by_tag(actor, args.tag).id, args.name,
                           args.unit, cumulative=not args.not_cumulative)
    print(f"Added meter {row.name} ({row.unit}) to {args.tag.strip().upper()}.")
    return EXIT_OK


def _meter_read(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    meter = _meter(actor, args.tag, args.meter)
    row = meters.record_reading(actor, meter.id, args.value, replacement=args.replacement,
                                note=args.note)
    if args.json:
        print_json(_asdict(row))
    else:
        print(f"Recorded {amount(row.value, meter.unit)} on {args.tag.strip().upper()} "
              f"{meter.name}" + (" (meter replacement)." if row.replacement else "."))
    return EXIT_OK


# --- keepwell request ... -------------------------------------------------------------------


def _request_file(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    detail = requests.file_request(
        actor, args.title, args.description, asset_id=_asset_id(actor, args.asset),
        location_id=_location_id(actor, args.location), priority=args.priority,
    )
    if args.json:
        print_json(_asdict(detail))
    else:
        print(f"Filed {detail.number}: {detail.title}")
    return EXIT_OK


def _request_list(args: argparse.Namespace) -> int:
    actor = _signed_in(args)
    rows = requests.list_requests(actor, status=args.status, mine=args.mine, limit=args.limit)
    if args.json:
        print_json([_asdict(r) for r in rows])
        return EXIT_OK
    if not rows:
        print("No work requests.")
        return EXIT_OK
    print_table(
        ("NUMBER", "TITLE", "STATUS", "PRIO", "ASSET", "REQUESTER", "FILED", "NOTE"),
        [(r.number, r.title, r.status, r.priority, r.asset_tag, r.requester_name, r.created_at,
          r.reject_reason or r.work_order_number) for r in rows],
    )
    return EXIT_OK


def _command(group: Subcommands, common: argparse.ArgumentParser, name: str,
             handler: Handler, help_text: str, json: bool = True) -> argparse.ArgumentParser:
    parser = add_command(group, common, name, handler, help_text)
    add_sign_in_options(parser)
    if json:
        parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=200, metavar="N",
                        help="at most N rows (1-1000, default 200)")


def register_asset_commands(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add the `asset`, `meter` and `request` command groups."""
    group = add_group(commands, common, "asset", "list, add and show assets")
    listing = _command(group, common, "list", _asset_list, "list assets by tag")
    listing.add_argument("--search", default="", metavar="TEXT",
                         help="tag, name, category, manufacturer, model or serial")
    listing.add_argument("--status", default=None, help="in_service, down or retired")
    listing.add_argument("--location", metavar="CODE",
                         help="only in this location and those below it (SITE:CODE if needed)")
    listing.add_argument("--sort", default="tag", choices=sorted(register.SORT_COLUMNS))
    _limit(listing)
    add = _command(group, common, "add", _asset_add, "register an asset")
    add.add_argument("tag", metavar="TAG")
    add.add_argument("--name", required=True)
    for option in ("category", "manufacturer", "model", "serial", "notes"):
        add.add_argument(f"--{option}", default="")
    add.add_argument("--criticality", default="B", help="A, B (default) or C")
    add.add_argument("--status", default="in_service", help="in_service (default), down, retired")
    add.add_argument("--location", metavar="CODE", help="location code (SITE:CODE if needed)")
    add.add_argument("--parent", metavar="TAG", type=lookup_text,
                     help="the asset this one is part of")
    add.add_argument("--install-date", metavar="YYYY-MM-DD")
    add.add_argument("--warranty-end", metavar="YYYY-MM-DD")
    add.add_argument("--cost", metavar="AMOUNT")
    show = _command(group, common, "show", _asset_show, "show one asset with its meters")
    show.add_argument("tag", metavar="TAG", type=lookup_text)

    group = add_group(commands, common, "meter", "add meters and record readings")
    madd = _command(group, common, "add", _meter_add, "add a meter to an asset", json=False)
    madd.add_argument("tag", metavar="ASSET_TAG", type=lookup_text)
    madd.add_argument("name", metavar="METER_NAME")
    madd.add_argument("--unit", required=True, help="h, km, cycles ...")
    madd.add_argument("--not-cumulative", action="store_true",
                      help="a gauge that may go down (temperature, level)")
    read = _command(group, common, "read", _meter_read, "record a meter reading taken now")
    read.add_argument("tag", metavar="ASSET_TAG", type=lookup_text)
    read.add_argument("meter", metavar="METER_NAME", type=lookup_text)
    read.add_argument("value", metavar="VALUE")
    read.add_argument("--replacement", action="store_true",
                      help="the meter was replaced: the reading may be lower than the last")
    read.add_argument("--note", default="")

    group = add_group(commands, common, "request", "file and list work requests")
    file = _command(group, common, "file", _request_file, "report a problem")
    file.add_argument("--title", required=True)
    file.add_argument("--description", default="")
    file.add_argument("--asset", metavar="TAG", type=lookup_text)
    file.add_argument("--location", metavar="CODE")
    file.add_argument("--priority", default="3", help="1 urgent, 2 high, 3 normal (default), 4 low")
    rlist = _command(group, common, "list", _request_list,
                     "list work requests, newest first (requesters: their own)")
    rlist.add_argument("--status", default=None, help="new, approved or rejected")
    rlist.add_argument("--mine", action="store_true", help="only the ones I filed")
    _limit(rlist)
