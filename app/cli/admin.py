"""Database-level commands, run by IT with access to the database (they act as IT, named
after the OS account): `user ...`, `settings ...` and `demo` (`keepwell db ...` is
app/cli/database.py, `keepwell audit ...` app/cli/audit.py)."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from app.cli.common import (
    ENV_PASSWORD,
    EXIT_OK,
    Subcommands,
    add_command,
    add_group,
    add_password_stdin,
    it,
    local_time,
    open_current_database,
    print_json,
    print_table,
    read_password,
)
from app.errors import NotFound
from app.permissions import USER_ROLES
from app.services import settings
from app.services.people import users

# ---------------------------------------------------------------------------------------------
# keepwell user ...


def _user_add(args: argparse.Namespace) -> int:
    open_current_database(args, may_initialise_embedded=True)
    password = read_password(from_stdin=args.password_stdin,
                             prompt=f"Password for the new user {args.username}: ", confirm=True)
    row = users.add_user(
        it(), args.username, args.full_name, args.role, password,
        email=args.email, craft=args.craft, hourly_rate=args.hourly_rate,
        must_change_password=not args.no_force_change,
    )
    print(f"Created user {row.username} ({row.full_name}, {row.role})"
          + ("; they must choose a new password at first sign-in." if row.must_change_password
             else "."))
    return EXIT_OK


def _user_list(args: argparse.Namespace) -> int:
    open_current_database(args)
    rows = users.list_users(it())
    if args.json:
        print_json([
            dict(dataclasses.asdict(r), hourly_rate=f"{r.hourly_rate:.2f}", locked=r.is_locked())
            for r in rows
        ])
        return EXIT_OK
    if not rows:
        print("No users yet. Create the first admin with "
              "`keepwell user add USERNAME --full-name NAME --role admin`.")
        return EXIT_OK
    print_table(
        ("USERNAME", "FULL NAME", "ROLE", "CRAFT", "STATUS", "MUST CHANGE PW", "LAST SIGN-IN"),
        [(r.username, r.full_name, r.role, r.craft, _status(r), r.must_change_password,
          r.last_login_at) for r in rows],
    )
    return EXIT_OK


def _status(row: users.UserRow) -> str:
    if not row.active:
        return "inactive"
    if row.is_locked() and row.locked_until is not None:
        return f"locked until {local_time(row.locked_until)}"
    return "active"


def _find(username: str) -> int:
    try:
        return users.find_user_id(username)
    except NotFound as exc:
        raise NotFound(f"{exc.message} See `keepwell user list`.") from exc


def _user_reset_password(args: argparse.Namespace) -> int:
    open_current_database(args)
    user_id = _find(args.username)
    password = read_password(from_stdin=args.password_stdin,
                             prompt=f"Temporary password for {args.username}: ", confirm=True)
    row = users.reset_password(it(), user_id, password)
    print(f"Set a temporary password for {row.username}; "
          "they must choose a new one at next sign-in.")
    return EXIT_OK


def _user_unlock(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.unlock_user(it(), _find(args.username))
    print(f"Unlocked {row.username}.")
    return EXIT_OK


def _user_deactivate(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.deactivate_user(it(), _find(args.username))
    print(f"Deactivated {row.username}; their history stays.")
    return EXIT_OK


def _user_reactivate(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.reactivate_user(it(), _find(args.username))
    print(f"Reactivated {row.username}.")
    return EXIT_OK


def _register_user(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    group = add_group(commands, common, "user", "manage Keepwell accounts")
    add = add_command(group, common, "add", _user_add,
                      f"create an account (password: prompt, --password-stdin or {ENV_PASSWORD})")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--full-name", required=True, metavar="NAME")
    add.add_argument("--role", required=True, type=str.lower,
                     choices=[r.value for r in USER_ROLES])
    add.add_argument("--email", default="")
    add.add_argument("--craft", default="", help="trade, e.g. electrician")
    add.add_argument("--hourly-rate", default="0", metavar="RATE")
    add.add_argument("--no-force-change", action="store_true",
                     help="do not make them choose a new password at first sign-in")
    add_password_stdin(add)
    listing = add_command(group, common, "list", _user_list, "list all accounts")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    reset = add_command(group, common, "reset-password", _user_reset_password,
                        "set a temporary password that must be changed at next sign-in")
    reset.add_argument("username", metavar="USERNAME")
    add_password_stdin(reset)
    for name, handler, help_text in (
        ("unlock", _user_unlock, "lift a lockout after failed sign-ins"),
        ("deactivate", _user_deactivate, "stop an account from signing in"),
        ("reactivate", _user_reactivate, "let a deactivated account sign in again"),
    ):
        add_command(group, common, name, handler, help_text).add_argument(
            "username", metavar="USERNAME")


# ---------------------------------------------------------------------------------------------
# keepwell demo


def _demo(args: argparse.Namespace) -> int:
    from app.services.demo import plant

    opened = open_current_database(args, may_initialise_sqlite=True)
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, what: str) -> bool:
        if interactive:
            print(f"\r[{done}/{total}] {what:<60.60}", end="", file=sys.stderr, flush=True)
        return True

    summary = plant.create_demo_plant(progress)
    if interactive:
        print(file=sys.stderr)
    counts = ", ".join(_count_of(n, what) for n, what in (
        (summary.sites, "site"), (summary.locations, "location"), (summary.assets, "asset"),
        (summary.work_orders, "work order"), (summary.tasks, "task"), (summary.users, "user"),
    ))
    print(f"Demo plant created in {opened.target.display}: {counts}.")
    print("Demo accounts (sign in with these; change the passwords before real use):")
    print_table(("USERNAME", "FULL NAME", "ROLE", "PASSWORD"), list(plant.DEMO_ACCOUNTS))
    return EXIT_OK


def _count_of(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


# keepwell settings ...

SETTING_NAMES = ("organisation_name", "pm_compliance_grace", "pm_check_minutes")


def _settings_show(args: argparse.Namespace) -> int:
    open_current_database(args)
    now = dataclasses.asdict(settings.office_settings(it()))
    if args.json:
        print_json(now)
        return EXIT_OK
    print_table(("SETTING", "VALUE"), list(now.items()))
    return EXIT_OK


def _settings_set(args: argparse.Namespace) -> int:
    open_current_database(args)
    saved = settings.change_office_settings(it(), **{args.name: args.value})
    print(f"{args.name} = {getattr(saved, args.name)}")
    return EXIT_OK


def _register_settings(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    group = add_group(commands, common, "settings", "show and change the office's settings")
    show = add_command(group, common, "show", _settings_show, "list the settings")
    show.add_argument("--json", action="store_true", help="print JSON")
    change = add_command(
        group, common, "set", _settings_set,
        "change one setting (pm_compliance_grace: ten_percent or due_date; pm_check_minutes: "
        "how often each desk runs the PM check, 0 when a headless scheduler does)")
    change.add_argument("name", choices=SETTING_NAMES)
    change.add_argument("value")


def _register_demo(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    add_command(commands, common, "demo", _demo,
                "fill an empty database with a demo plant and print its sign-ins")


def register_admin(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add the `user`, `settings` and `demo` groups (entries of app.cli.main.COMMAND_GROUPS,
    after `db` from app/cli/database.py)."""
    _register_user(commands, common)
    _register_settings(commands, common)
    _register_demo(commands, common)
