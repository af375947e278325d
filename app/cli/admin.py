"""User management and the office's settings (`user ...`, `settings ...`) and `demo`
(`keepwell db ...` is app/cli/database.py, `keepwell audit ...` app/cli/audit.py).

Who these act as: once the database has an active administrator, every `user` and `settings`
command acts as a signed-in administrator (`--user NAME`, the password as for every other
command): being able to open the database file is not being an administrator. Until then
(a new database) they act as IT, named after the OS account, so that `user add --role admin`
can create the first administrator (the GUI's first run does the same in its dialog). When no
administrator can sign in any more, `user reset-password NAME --recovery` is the way back in,
for whoever owns the database (app/services/people/recovery.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from app.cli.common import (
    ENV_PASSWORD,
    EXIT_OK,
    Subcommands,
    UsageError,
    add_command,
    add_group,
    add_password_stdin,
    it,
    local_time,
    lookup_text,
    open_current_database,
    print_json,
    print_table,
    read_password,
    sign_in_from_args,
)
from app.errors import NotFound, PermissionDenied
from app.permissions import USER_ROLES, Actor, Role
from app.services import settings
from app.services.people import recovery, users

# ---------------------------------------------------------------------------------------------
# Who acts


def _add_admin_options(parser: argparse.ArgumentParser, *, new_password: bool = False) -> None:
    """`--user NAME` (an administrator; needed once the database has one) and
    `--password-stdin`."""
    parser.add_argument(
        "--user", metavar="NAME", type=lookup_text,
        help="the administrator to act as (needed once the database has one; password: "
             f"prompt, --password-stdin or {ENV_PASSWORD})")
    if new_password:
        parser.add_argument(
            "--password-stdin", action="store_true",
            help="read passwords from standard input, one a line: the administrator's first "
                 f"(unless {ENV_PASSWORD} gives it), then the new one")
    else:
        add_password_stdin(parser)


def _acting(args: argparse.Namespace, *, reads_new_password: bool = False) -> Actor:
    """The signed-in administrator `--user` names, or IT while the database has no active
    administrator. Refused: no --user once an admin exists (exit 2), an account that is not
    an administrator (exit 1)."""
    command = f"keepwell {args.command} {args.action}"
    if args.user is None:
        if recovery.has_active_admin():
            raise UsageError(
                f"{command} needs an administrator's sign-in: add --user NAME. (If no "
                "administrator can sign in, see `keepwell user reset-password --help`.)")
        return it()
    actor = sign_in_from_args(args, env_first=reads_new_password)
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(
            f"{actor.username} is a {actor.role.label.lower()} account: {command} is for "
            "administrators.")
    return actor


# ---------------------------------------------------------------------------------------------
# keepwell user ...


def _new_password(args: argparse.Namespace, prompt: str, *, use_env: bool) -> str:
    return read_password(from_stdin=args.password_stdin, prompt=prompt, confirm=True,
                         use_env=use_env)


def _user_add(args: argparse.Namespace) -> int:
    open_current_database(args, may_initialise_embedded=True)
    actor = _acting(args, reads_new_password=True)
    first = actor.role is Role.IT
    if first and args.role != Role.ADMIN.value:
        raise PermissionDenied(
            "This database has no administrator yet: its first account must be one "
            "(--role admin), who then adds the others.")
    # KEEPWELL_PASSWORD is the acting user's password; for the first admin that is the new one.
    password = _new_password(args, f"Password for the new user {args.username}: ",
                             use_env=first)
    fields = dict(email=args.email, craft=args.craft, hourly_rate=args.hourly_rate,
                  must_change_password=not args.no_force_change)
    if first:
        row = recovery.add_first_admin(args.username, args.full_name, password, **fields)
    else:
        row = users.add_user(actor, args.username, args.full_name, args.role, password,
                             **fields)
    print(f"Created user {row.username} ({row.full_name}, {row.role})"
          + ("; they must choose a new password at first sign-in." if row.must_change_password
             else "."))
    return EXIT_OK


def _user_list(args: argparse.Namespace) -> int:
    """Listing accounts needs an administrator's sign-in too (once there is one): who works
    here, their roles, lockouts and last sign-ins are the administrators' business, and the
    list is a ready-made set of names to guess passwords for."""
    open_current_database(args)
    rows = users.list_users(_acting(args))
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
    if args.recovery:
        return _recover(args)
    actor = _acting(args, reads_new_password=True)
    user_id = _find(args.username)
    password = _new_password(args, f"Temporary password for {args.username}: ",
                             use_env=actor.role is Role.IT)
    row = users.reset_password(actor, user_id, password)
    print(f"Set a temporary password for {row.username}; "
          "they must choose a new one at next sign-in.")
    return EXIT_OK


def _recover(args: argparse.Namespace) -> int:
    """`reset-password NAME --recovery`: no sign-in; the service checks that this OS account
    (SQLite) or database role (PostgreSQL) owns the database before asking for a password."""
    if args.user is not None:
        raise UsageError("--recovery is for when no administrator can sign in: "
                         "leave out --user.")
    problem = recovery.database_owner_problem()
    if problem:
        raise PermissionDenied(f"Recovery refused: {problem}.")
    actor = it()
    user_id = _find(args.username)
    password = _new_password(args, f"Temporary password for {args.username}: ",
                             use_env=False)
    row = recovery.recovery_reset_password(actor, user_id, password)
    print(f"Recovery: set a temporary password for {row.username}; they must choose a new one "
          f"at next sign-in. The audit trail records it as a recovery by {actor.full_name}.")
    return EXIT_OK


def _user_unlock(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.unlock_user(_acting(args), _find(args.username))
    print(f"Unlocked {row.username}.")
    return EXIT_OK


def _user_deactivate(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.deactivate_user(_acting(args), _find(args.username))
    print(f"Deactivated {row.username}; their history stays.")
    return EXIT_OK


def _user_reactivate(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.reactivate_user(_acting(args), _find(args.username))
    print(f"Reactivated {row.username}.")
    return EXIT_OK


def _register_user(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    group = add_group(commands, common, "user",
                      "manage Keepwell accounts (as an administrator, once there is one)")
    add = add_command(group, common, "add", _user_add,
                      "create an account (the first one, an administrator, needs no --user)")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--full-name", required=True, metavar="NAME")
    add.add_argument("--role", required=True, type=str.lower,
                     choices=[r.value for r in USER_ROLES])
    add.add_argument("--email", default="")
    add.add_argument("--craft", default="", help="trade, e.g. electrician")
    add.add_argument("--hourly-rate", default="0", metavar="RATE")
    add.add_argument("--no-force-change", action="store_true",
                     help="do not make them choose a new password at first sign-in")
    _add_admin_options(add, new_password=True)
    listing = add_command(group, common, "list", _user_list, "list all accounts")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    _add_admin_options(listing)
    reset = add_command(group, common, "reset-password", _user_reset_password,
                        "set a temporary password that must be changed at next sign-in")
    reset.add_argument("username", metavar="USERNAME", type=lookup_text)
    reset.add_argument(
        "--recovery", action="store_true",
        help="when no administrator can sign in: allowed without --user to the OS account "
             "that owns the database file (SQLite) or the role that owns the database "
             "(PostgreSQL); recorded in the audit trail as a recovery; the new password from "
             "--password-stdin or a prompt")
    _add_admin_options(reset, new_password=True)
    for name, handler, help_text in (
        ("unlock", _user_unlock, "lift a lockout after failed sign-ins"),
        ("deactivate", _user_deactivate, "stop an account from signing in"),
        ("reactivate", _user_reactivate, "let a deactivated account sign in again"),
    ):
        command = add_command(group, common, name, handler, help_text)
        command.add_argument("username", metavar="USERNAME", type=lookup_text)
        _add_admin_options(command)


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
    """Reading the settings needs an administrator's sign-in too (once there is one), like
    `user list`: what the office has set is the administrators' business, and a command that
    reads without a sign-in would let anyone who can open the database learn it."""
    open_current_database(args)
    now = dataclasses.asdict(settings.office_settings(_acting(args)))
    if args.json:
        print_json(now)
        return EXIT_OK
    print_table(("SETTING", "VALUE"), list(now.items()))
    return EXIT_OK


def _settings_set(args: argparse.Namespace) -> int:
    open_current_database(args)
    saved = settings.change_office_settings(_acting(args), **{args.name: args.value})
    print(f"{args.name} = {getattr(saved, args.name)}")
    return EXIT_OK


def _register_settings(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    group = add_group(commands, common, "settings", "show and change the office's settings")
    show = add_command(group, common, "show", _settings_show, "list the settings")
    show.add_argument("--json", action="store_true", help="print JSON")
    _add_admin_options(show)
    change = add_command(
        group, common, "set", _settings_set,
        "change one setting (pm_compliance_grace: ten_percent or due_date; pm_check_minutes: "
        "how often each desk runs the PM check, 0 when a headless scheduler does)")
    change.add_argument("name", choices=SETTING_NAMES)
    change.add_argument("value")
    _add_admin_options(change)


def _register_demo(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    add_command(commands, common, "demo", _demo,
                "fill an empty database with a demo plant and print its sign-ins")


def register_admin(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add the `user`, `settings` and `demo` groups (entries of app.cli.main.COMMAND_GROUPS,
    after `db` from app/cli/database.py)."""
    _register_user(commands, common)
    _register_settings(commands, common)
    _register_demo(commands, common)
