"""`keepwell wo ...`: work orders from the command line, acting as a Keepwell user.

    keepwell wo list [--status S] [--type T] [--priority N] [--asset TAG] [--assignee USERNAME]
                     [--unassigned] [--due-from D] [--due-to D] [--overdue] [--current]
                     [--search T] [--sort COL] [--desc] [--limit N] [--json]
    keepwell wo show NUMBER [--json]
    keepwell wo create --title T [--asset TAG] [--priority N] [--type T] [--due YYYY-MM-DD]
                       [--assignee USERNAME] [--description D]
    keepwell wo transition NUMBER STATUS [--reason R] [--assignee USERNAME]

Every command signs in with --user (password: prompt, --password-stdin or KEEPWELL_PASSWORD)
and goes through the same services, with the same permission checks, as the GUI. Closing an
order is a signature: it re-checks the password given at sign-in.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from app.cli.common import (
    EXIT_OK,
    UsageError,
    add_command,
    add_group,
    add_sign_in_options,
    lookup_text,
    open_current_database,
    print_json,
    print_table,
    read_password,
)
from app.permissions import Actor
from app.services.people import auth, users
from app.services.work_orders import edit, lifecycle
from app.services.work_orders import listing as work_orders
from app.services.work_orders.detail import (
    WorkOrderDetail,
    find_asset_id,
    get_work_order_by_number,
)
from app.vocabulary import WO_STATUSES, WO_TYPES


def _sign_in(args: argparse.Namespace) -> tuple[Actor, str]:
    """Like app.cli.common.sign_in_from_args, but keeps the password for a signature (`close`)."""
    from app.errors import PermissionDenied

    password = read_password(from_stdin=bool(args.password_stdin),
                             prompt=f"Keepwell password for {args.user}: ")
    result = auth.sign_in(args.user, password)
    if result.must_change_password:
        raise PermissionDenied(f"{result.actor.username} must choose a new password first: "
                               "sign in to Keepwell and change it.")
    return result.actor, password


def _open(args: argparse.Namespace) -> tuple[Actor, str]:
    open_current_database(args)
    return _sign_in(args)


def _user_id(username: str | None) -> int | None:
    from app.errors import NotFound, ValidationError

    if not username:
        return None
    try:
        return users.find_user_id(username)
    except NotFound:
        raise ValidationError({"assignee": f"{username.strip()!r} is not a username"}) from None


def _filters(args: argparse.Namespace) -> work_orders.WorkOrderFilter:
    """The list's filters from the command line; ValidationError names a bad one."""
    from app.errors import ValidationError
    from app.services.common import clean_date

    errors: dict[str, str] = {}
    due_from = clean_date(errors, "due_from", args.due_from)
    due_to = clean_date(errors, "due_to", args.due_to)
    priorities = []
    for text in args.priority or ():
        if not str(text).strip().isdigit():
            errors["priority"] = f"must be a number from 1 to 4, not {text!r}"
        else:
            priorities.append(int(text))
    if errors:
        raise ValidationError(errors)
    return work_orders.WorkOrderFilter(
        search=args.search,
        statuses=tuple(args.status or ()),
        include_finished=not args.current,
        types=tuple(args.type or ()),
        priorities=tuple(priorities),
        asset_id=find_asset_id(args.asset) if args.asset else None,
        assignee_id=_user_id(args.assignee),
        unassigned=args.unassigned,
        due_from=due_from,
        due_to=due_to,
        overdue=args.overdue,
    )


def detail_json(detail: WorkOrderDetail) -> dict[str, Any]:
    data = dataclasses.asdict(detail)
    data["status_label"] = detail.status_label
    data["labor_hours"] = detail.labor_hours
    return data


def _wo_list(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 1000:
        raise UsageError("--limit must be from 1 to 1000.")
    actor, _ = _open(args)
    rows = work_orders.list_work_orders(
        actor, _filters(args), sort=args.sort, descending=args.desc, limit=args.limit)
    if args.json:
        print_json([dataclasses.asdict(r) for r in rows])
        return EXIT_OK
    if not rows:
        print("No work orders match.")
        return EXIT_OK
    print_table(("NUMBER", "STATUS", "PRI", "DUE", "ASSET", "ASSIGNEE", "TITLE"),
                [(r.number, r.status, r.priority, r.due_date, r.asset_tag,
                  r.assignee_name, r.title) for r in rows])
    return EXIT_OK


def _wo_show(args: argparse.Namespace) -> int:
    actor, _ = _open(args)
    detail = get_work_order_by_number(actor, args.number)
    if args.json:
        print_json(detail_json(detail))
        return EXIT_OK
    lines = [
        ("Number", detail.number), ("Title", detail.title),
        ("Status", detail.status_label), ("Type", detail.type),
        ("Priority", detail.priority), ("Asset", f"{detail.asset_tag} {detail.asset_name}"),
        ("Location", detail.location_name), ("Assignee", detail.assignee_name),
        ("Due", detail.due_date), ("Version", detail.version),
    ]
    for label, value in lines:
        print(f"{label + ':':<10} {'' if value is None else value}")
    for task in detail.tasks:
        mark = "*" if task.required else " "
        print(f"  {task.position:>2}.{mark} {task.text} [{task.result or '-'}]")
    return EXIT_OK


def _wo_create(args: argparse.Namespace) -> int:
    actor, _ = _open(args)
    detail = edit.create_work_order(
        actor, args.title, description=args.description, type=args.type,
        priority=args.priority, asset_id=find_asset_id(args.asset) if args.asset else None,
        assignee_id=_user_id(args.assignee), due_date=args.due,
    )
    print(f"Created {detail.number}: {detail.title}")
    return EXIT_OK


def _wo_transition(args: argparse.Namespace) -> int:
    actor, password = _open(args)
    detail = get_work_order_by_number(actor, args.number)
    done = lifecycle.transition(
        actor, detail.id, args.status, detail.version, reason=args.reason,
        assignee_id=_user_id(args.assignee),
        password=password if args.status == "closed" else None,
    )
    print(f"{done.number} is now {done.status_label.lower()}.")
    return EXIT_OK


def register_work_orders(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add `keepwell wo ...` (an entry of app.cli.main.COMMAND_GROUPS)."""
    group = add_group(commands, common, "wo", "list, show, create and move work orders")
    listing = add_command(group, common, "list", _wo_list, "list work orders")
    listing.add_argument("--status", action="append", choices=WO_STATUSES,
                         help="only orders with this status (repeat for several)")
    listing.add_argument("--type", action="append", type=str.lower, choices=WO_TYPES,
                         help="only orders of this type (repeat for several)")
    listing.add_argument("--priority", action="append", metavar="1-4",
                         help="only orders of this priority (repeat for several)")
    listing.add_argument("--asset", metavar="TAG", type=lookup_text,
                         help="only orders on this asset")
    listing.add_argument("--assignee", metavar="USERNAME", type=lookup_text,
                         help="only orders assigned to them")
    listing.add_argument("--unassigned", action="store_true", help="only unassigned orders")
    listing.add_argument("--due-from", metavar="YYYY-MM-DD", help="due on or after this day")
    listing.add_argument("--due-to", metavar="YYYY-MM-DD", help="due on or before this day")
    listing.add_argument("--overdue", action="store_true",
                         help="only current work past its due date")
    listing.add_argument("--current", action="store_true",
                         help="leave out closed and cancelled orders")
    listing.add_argument("--search", default="", metavar="TEXT",
                         help="number, title, asset or assignee containing TEXT")
    listing.add_argument("--sort", default="due_date", choices=sorted(work_orders.SORT_COLUMNS))
    listing.add_argument("--desc", action="store_true", help="sort descending")
    listing.add_argument("--limit", type=int, default=200, metavar="N",
                         help="at most N orders (1-1000; default 200)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    show = add_command(group, common, "show", _wo_show, "show one work order")
    show.add_argument("number", metavar="NUMBER", type=lookup_text)
    show.add_argument("--json", action="store_true", help="print the whole order as JSON")
    create = add_command(group, common, "create", _wo_create, "raise a new work order")
    create.add_argument("--title", required=True)
    create.add_argument("--description", default="")
    create.add_argument("--asset", metavar="TAG", type=lookup_text)
    create.add_argument("--priority", default="3", metavar="1-4")
    create.add_argument("--type", default="corrective", type=str.lower, choices=WO_TYPES)
    create.add_argument("--due", metavar="YYYY-MM-DD")
    create.add_argument("--assignee", metavar="USERNAME", type=lookup_text,
                        help="the person planned to do it (assign it with `wo transition`)")
    move = add_command(group, common, "transition", _wo_transition,
                       "change a work order's status (closing signs it off: the "
                       "password is checked again)")
    move.add_argument("number", metavar="NUMBER", type=lookup_text)
    move.add_argument("status", metavar="STATUS", type=str.lower, choices=WO_STATUSES)
    move.add_argument("--reason", default="", help="why (hold, reopen, cancel need one)")
    move.add_argument("--assignee", metavar="USERNAME", type=lookup_text,
                      help="who does it (when assigning)")
    for parser in (listing, show, create, move):
        add_sign_in_options(parser)
