"""The `keepwell` command line: database set-up and checks, user accounts, demo data, audit.

`keepwell` with no sub-command opens the GUI (ui/main.py); every sub-command runs here, with no
Qt. Database-level commands need only access to the database, as IT has: they act as
`it_actor(<OS user>)`. Commands that act as a Keepwell user sign in with `sign_in_from_args`.

Each command group is one `_register_*` function in `COMMAND_GROUPS`: it adds its sub-parser and
sets `handler` (a function of the parsed arguments returning the exit code) on each command.
Exit codes: 0 done, 1 refused or a problem found, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import peewee

from app import __version__, paths
from app import db as dbmod
from app.config import Config, default_database_url, load_config
from app.errors import DatabaseUnavailable, KeepwellError, NotFound, PermissionDenied
from app.logs import log_file, setup_logging
from app.permissions import USER_ROLES, Actor, it_actor
from app.services import audit, auth, users

log = logging.getLogger(__name__)

PROG = "keepwell"
ENV_PASSWORD = "KEEPWELL_PASSWORD"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]
Subcommands = argparse._SubParsersAction


class UsageError(KeepwellError):
    """The command was given in a way that cannot work (exit code 2, like argparse's errors)."""


# ---------------------------------------------------------------------------------------------
# Parser


_DB_HELP = (
    "database URL: sqlite:///path/to/keepwell.db or postgresql://user@host:5432/database "
    "(default: KEEPWELL_DATABASE_URL, then the config files, then the embedded database)"
)


def _common_options() -> argparse.ArgumentParser:
    """Options every command accepts after its name too (`keepwell db check --db URL`)."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: when not given here, the value given before the command (or None) stays.
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=_DB_HELP)
    return common


def add_group(
    commands: Subcommands, common: argparse.ArgumentParser, name: str, help_text: str
) -> Subcommands:
    """Add a command group (`keepwell NAME ACTION ...`) and return its sub-commands."""
    parser = commands.add_parser(name, help=help_text, description=_sentence(help_text),
                                 parents=[common])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    return actions


def add_command(
    commands: Subcommands,
    common: argparse.ArgumentParser,
    name: str,
    handler: Handler,
    help_text: str,
) -> argparse.ArgumentParser:
    """Add one command that runs `handler(args)`."""
    parser = commands.add_parser(name, help=help_text, description=_sentence(help_text),
                                 parents=[common])
    parser.set_defaults(handler=handler)
    return parser


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Keepwell maintenance management. Without a command, opens the program.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", metavar="URL", default=None, help=_DB_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _common_options()
    for register in COMMAND_GROUPS:
        register(commands, common)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line; `command` is None when the GUI should open. Usage errors exit 2."""
    return build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))


# ---------------------------------------------------------------------------------------------
# Running a command


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; print what went wrong in one line and return the exit code."""
    setup_logging()
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        _err("no command given; see `keepwell --help`.")
        return EXIT_USAGE
    name = " ".join(str(p) for p in (args.command, getattr(args, "action", None)) if p)
    log.info("command line: keepwell %s", name)
    try:
        return handler(args)
    except UsageError as exc:
        _err(exc.message)
        return EXIT_USAGE
    except DatabaseUnavailable as exc:
        log.warning("keepwell %s: %s", name, exc.message)
        _err(exc.message)
        if exc.hint:
            print(f"{PROG}: hint: {exc.hint}", file=sys.stderr)
        return EXIT_FAILED
    except KeepwellError as exc:  # ValidationError's message names each field
        log.info("keepwell %s refused: %s", name, exc.message)
        _err(exc.message)
        return EXIT_FAILED
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at a prompt
        _err("interrupted; nothing more was done.")
        return 130
    except (peewee.PeeweeException, OSError) as exc:
        log.exception("keepwell %s failed", name)
        _err(f"{_first_line(exc)}{_see_log()}")
        return EXIT_FAILED
    except Exception as exc:  # a bug: one line here, the traceback in the log file
        log.exception("keepwell %s failed unexpectedly", name)
        _err(f"unexpected {type(exc).__name__}: {_first_line(exc)}{_see_log()}")
        return EXIT_FAILED
    finally:
        dbmod.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and run, returning the exit code (for tests and `python -m app.cli`)."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE if exc.code else EXIT_OK
    return run(args)


def _err(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _see_log() -> str:
    path = log_file()
    return f" (details in {path})" if path else ""


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


# ---------------------------------------------------------------------------------------------
# Opening the database


@dataclasses.dataclass
class OpenDatabase:
    config: Config
    database: peewee.Database
    target: dbmod.DatabaseTarget
    state: dbmod.SchemaState


def open_database(args: argparse.Namespace, *, create: bool = False) -> OpenDatabase:
    """Connect to the configured database and read its schema state. A SQLite file that does not
    exist is only created when `create` (so a mistyped path never leaves an empty file behind).
    When PostgreSQL wants a password and there is a terminal, asks for it once."""
    return _connect(load_config(cli_url=args.db), create=create)


def _connect(config: Config, *, create: bool) -> OpenDatabase:
    target = dbmod.parse_url(config.database_url)
    if target.is_sqlite and not create and target.path is not None and not target.path.exists():
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_INITIALISED,
            f"There is no database at {target.path}.",
            "Check the database URL, or create the database with `keepwell db init`.",
        )
    try:
        database, target = dbmod.connect(
            config.database_url, journal_mode=config.sqlite_journal_mode
        )
    except DatabaseUnavailable as exc:
        if exc.kind != DatabaseUnavailable.AUTH_FAILED or target.password or not _stdin_is_tty():
            raise
        password = getpass.getpass(f"PostgreSQL password for {target.display}: ")
        database, target = dbmod.connect(
            config.database_url, journal_mode=config.sqlite_journal_mode, password=password
        )
        # pg_dump (backups) needs the password too.
        target = dataclasses.replace(target, password=password)
    log.info("opened %s (%s)", target.display, config.source)
    return OpenDatabase(config, database, target, dbmod.schema_state(database))


def _is_embedded_default(config: Config) -> bool:
    target = dbmod.parse_url(config.database_url)
    default = dbmod.parse_url(default_database_url())
    return target.is_sqlite and target.path is not None and target.path == default.path


def open_current_database(
    args: argparse.Namespace,
    *,
    may_initialise_embedded: bool = False,
    may_initialise_sqlite: bool = False,
) -> OpenDatabase:
    """Open a database whose schema is exactly this program's, or refuse with the reason.
    With `may_initialise_embedded`, the embedded default database is created when it does not
    exist or is empty (it initialises itself); with `may_initialise_sqlite` (`demo`), any SQLite
    file does. A shared PostgreSQL database needs `keepwell db init`."""
    config = load_config(cli_url=args.db)
    embedded = (may_initialise_embedded and _is_embedded_default(config)) or (
        may_initialise_sqlite and dbmod.parse_url(config.database_url).is_sqlite
    )
    opened = _connect(config, create=embedded)
    state, target = opened.state, opened.target
    dbmod.refuse_unusable(state, target)
    if state.is_empty:
        if not embedded:
            raise DatabaseUnavailable(
                DatabaseUnavailable.NOT_INITIALISED,
                f"The database {target.display} has no Keepwell schema yet.",
                "Create it with `keepwell db init`.",
            )
        dbmod.initialise_schema(opened.database, target)
        _note(f"Created the Keepwell database {target.display}.")
        opened.state = state = dbmod.schema_state(opened.database)
    if state.pending:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NEEDS_UPGRADE,
            f"The database {target.display} needs an upgrade "
            f"(pending: {', '.join(state.pending)}).",
            "Run `keepwell db upgrade` (it takes a backup first).",
        )
    return opened


def _it() -> Actor:
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError, ImportError):  # no login name (some containers and services)
        os_user = "unknown"
    return it_actor(os_user)


def _note(message: str) -> None:
    """Progress and notes go to stderr so that stdout stays clean for --json."""
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Passwords and signing in


def read_password(*, from_stdin: bool, prompt: str, confirm: bool = False) -> str:
    """A password from the first line of stdin (`--password-stdin`), else KEEPWELL_PASSWORD,
    else a prompt on the terminal (asked twice when `confirm`). Never from an argument."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin was given but standard input is empty.")
        return line.rstrip("\r\n")
    env = os.environ.get(ENV_PASSWORD)
    if env:
        return env
    if not _stdin_is_tty():
        raise UsageError(
            f"no password given: pipe it with --password-stdin or set {ENV_PASSWORD} "
            "(there is no terminal to ask on)."
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != first:
        raise UsageError("the two passwords do not match; nothing was changed.")
    return first


def add_sign_in_options(parser: argparse.ArgumentParser) -> None:
    """For commands that act as a Keepwell user: `--user NAME` and `--password-stdin`."""
    parser.add_argument("--user", required=True, metavar="NAME",
                        help="act as this Keepwell user (password: prompt, --password-stdin "
                             f"or {ENV_PASSWORD})")
    _add_password_stdin(parser)


def _add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")


def sign_in_from_args(args: argparse.Namespace) -> Actor:
    """Sign in `args.user` with a password from --password-stdin, KEEPWELL_PASSWORD or a prompt.
    Raises AuthenticationFailed, AccountLocked, AccountInactive, or PermissionDenied when the
    account must choose a new password first."""
    password = read_password(
        from_stdin=bool(getattr(args, "password_stdin", False)),
        prompt=f"Keepwell password for {args.user}: ",
    )
    result = auth.sign_in(args.user, password)
    if result.must_change_password:
        raise PermissionDenied(
            f"{result.actor.username} must choose a new password first: "
            "sign in to Keepwell and change it."
        )
    return result.actor


# ---------------------------------------------------------------------------------------------
# Output


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # stored naive UTC
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=_json_value))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """An aligned table with a header line, for people; scripts use --json."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    for line in [list(headers), ["-" * w for w in widths], *cells]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _local(utc: dt.datetime) -> str:
    return f"{utc.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------------
# keepwell db ...


def _db_init(args: argparse.Namespace) -> int:
    opened = open_database(args, create=True)
    applied = dbmod.initialise_schema(opened.database, opened.target)
    print(f"Initialised {opened.target.display}: schema {applied[-1] if applied else '?'}.")
    print("Next: create the first admin with "
          "`keepwell user add USERNAME --full-name NAME --role admin`.")
    return EXIT_OK


def _db_upgrade(args: argparse.Namespace) -> int:
    opened = open_database(args)
    if opened.state.is_empty:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_INITIALISED,
            f"The database {opened.target.display} has no Keepwell schema to upgrade.",
            "Create it with `keepwell db init`.",
        )
    applied, copy = dbmod.upgrade_schema(opened.database, opened.target, paths.backup_dir())
    if not applied:
        print(f"{opened.target.display} is already up to date ({opened.state.version}).")
        return EXIT_OK
    if copy is not None:
        print(f"Backed up to {copy}")
    for name in applied:
        print(f"Applied {name}")
    print(f"{opened.target.display} is now at {applied[-1]}.")
    return EXIT_OK


def _db_backup(args: argparse.Namespace) -> int:
    opened = open_database(args)
    target = opened.target
    dest = Path(args.path).expanduser().absolute()
    if dest.is_dir():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = target.path.stem if target.is_sqlite and target.path else target.dbname
        dest = dest / f"{name}-{stamp}{'.db' if target.is_sqlite else '.dump'}"
    if target.is_sqlite and target.path is not None and dest.exists() and dest.samefile(
        target.path
    ):
        raise UsageError(f"{dest} is the database itself; choose another file for the backup.")
    if dest.exists() and not args.overwrite:
        raise UsageError(f"{dest} already exists; choose another name or add --overwrite.")
    # Written beside the destination first, so a failed backup never replaces a good one.
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        dbmod.backup(opened.database, target, partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    print(f"Backed up {target.display} to {dest}")
    return EXIT_OK


def _db_check(args: argparse.Namespace) -> int:
    opened = open_database(args)
    state, target = opened.state, opened.target
    problems: list[str] = []
    if state.unknown:
        problems.append(f"the schema is newer than this Keepwell ({state.unknown[-1]}): "
                        "update Keepwell")
    elif state.foreign_tables:
        problems.append("the database holds tables that are not Keepwell's")
    elif state.is_empty:
        problems.append("the database has no Keepwell schema: run `keepwell db init`")
    elif state.pending:
        problems.append(f"{len(state.pending)} schema step(s) pending: run `keepwell db upgrade`")
    integrity = "not checked (the PostgreSQL server keeps its own)"
    if target.is_sqlite:
        results = [str(r[0]) for r in opened.database.execute_sql("PRAGMA integrity_check")]
        integrity = "ok" if results == ["ok"] else "; ".join(results[:5])
        if results != ["ok"]:
            problems.append(f"integrity check failed: {integrity}")
    counts = _record_counts() if state.is_current else {}
    report = {
        "database": target.display,
        "backend": target.backend,
        "url_source": opened.config.source,
        "schema_version": state.version,
        "pending": list(state.pending),
        "newer_unknown": list(state.unknown),
        "integrity": integrity,
        "counts": counts,
        "problems": problems,
        "ok": not problems,
    }
    if args.json:
        print_json(report)
    else:
        lines = [
            ("Database", f"{target.display} ({target.backend})"),
            ("URL from", opened.config.source),
            ("Schema", state.version),
            ("Pending steps", ", ".join(state.pending) or "none"),
            ("Newer steps", ", ".join(state.unknown) or "none"),
            ("Integrity", integrity),
            *((name.replace("_", " ").capitalize(), str(n)) for name, n in counts.items()),
            ("Status", "OK" if not problems else "PROBLEM: " + "; ".join(problems)),
        ]
        width = max(len(label) for label, _ in lines) + 1
        for label, value in lines:
            print(f"{label + ':':<{width}} {value}")
    return EXIT_OK if not problems else EXIT_FAILED


def _record_counts() -> dict[str, int]:
    # Read directly: a database-level diagnostic, not a use case of the office.
    from app.models import Asset, User, WorkOrder

    return {
        "users": User.select().count(),
        "assets": Asset.select().count(),
        "work_orders": WorkOrder.select().count(),
    }


def _register_db(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    group = add_group(commands, common, "db", "create, upgrade, back up and check the database")
    add_command(group, common, "init", _db_init, "create the Keepwell schema in an empty database")
    add_command(group, common, "upgrade", _db_upgrade,
                "back the database up, then bring its schema up to date")
    backup = add_command(group, common, "backup", _db_backup,
                         "write a consistent copy of the database (SQLite file or pg_dump)")
    backup.add_argument("path", metavar="PATH", help="the file to write, or a folder for it")
    backup.add_argument("--overwrite", action="store_true", help="replace an existing file")
    check = add_command(group, common, "check", _db_check,
                        "report the database, its schema and integrity; exit 1 on a problem")
    check.add_argument("--json", action="store_true", help="print the report as JSON")


# ---------------------------------------------------------------------------------------------
# keepwell user ...


def _user_add(args: argparse.Namespace) -> int:
    open_current_database(args, may_initialise_embedded=True)
    password = read_password(from_stdin=args.password_stdin,
                             prompt=f"Password for the new user {args.username}: ", confirm=True)
    row = users.add_user(
        _it(), args.username, args.full_name, args.role, password,
        email=args.email, craft=args.craft, hourly_rate=args.hourly_rate,
        must_change_password=not args.no_force_change,
    )
    print(f"Created user {row.username} ({row.full_name}, {row.role})"
          + ("; they must choose a new password at first sign-in." if row.must_change_password
             else "."))
    return EXIT_OK


def _user_list(args: argparse.Namespace) -> int:
    open_current_database(args)
    rows = users.list_users(_it())
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
        return f"locked until {_local(row.locked_until)}"
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
    row = users.reset_password(_it(), user_id, password)
    print(f"Set a temporary password for {row.username}; "
          "they must choose a new one at next sign-in.")
    return EXIT_OK


def _user_unlock(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.unlock_user(_it(), _find(args.username))
    print(f"Unlocked {row.username}.")
    return EXIT_OK


def _user_deactivate(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.deactivate_user(_it(), _find(args.username))
    print(f"Deactivated {row.username}; their history stays.")
    return EXIT_OK


def _user_reactivate(args: argparse.Namespace) -> int:
    open_current_database(args)
    row = users.reactivate_user(_it(), _find(args.username))
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
    _add_password_stdin(add)
    listing = add_command(group, common, "list", _user_list, "list all accounts")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    reset = add_command(group, common, "reset-password", _user_reset_password,
                        "set a temporary password that must be changed at next sign-in")
    reset.add_argument("username", metavar="USERNAME")
    _add_password_stdin(reset)
    for name, handler, help_text in (
        ("unlock", _user_unlock, "lift a lockout after failed sign-ins"),
        ("deactivate", _user_deactivate, "stop an account from signing in"),
        ("reactivate", _user_reactivate, "let a deactivated account sign in again"),
    ):
        add_command(group, common, name, handler, help_text).add_argument(
            "username", metavar="USERNAME")


# ---------------------------------------------------------------------------------------------
# keepwell demo, keepwell audit verify


def _demo(args: argparse.Namespace) -> int:
    from app.services import demo

    opened = open_current_database(args, may_initialise_sqlite=True)
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, what: str) -> bool:
        if interactive:
            print(f"\r[{done}/{total}] {what:<60.60}", end="", file=sys.stderr, flush=True)
        return True

    summary = demo.create_demo_plant(progress)
    if interactive:
        print(file=sys.stderr)
    counts = ", ".join(_count_of(n, what) for n, what in (
        (summary.sites, "site"), (summary.locations, "location"), (summary.assets, "asset"),
        (summary.work_orders, "work order"), (summary.tasks, "task"), (summary.users, "user"),
    ))
    print(f"Demo plant created in {opened.target.display}: {counts}.")
    print("Demo accounts (sign in with these; change the passwords before real use):")
    print_table(("USERNAME", "FULL NAME", "ROLE", "PASSWORD"), list(demo.DEMO_ACCOUNTS))
    return EXIT_OK


def _count_of(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _audit_verify(args: argparse.Namespace) -> int:
    open_current_database(args)
    report = audit.verify_chain(_it())
    if report.ok:
        print(f"audit chain OK: {report.events} events")
        return EXIT_OK
    print(f"audit chain BROKEN at event {report.broken_at}: {report.reason} "
          f"({report.events} events read)")
    return EXIT_FAILED


def _register_demo(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    add_command(commands, common, "demo", _demo,
                "fill an empty database with a demo plant and print its sign-ins")


def _register_audit(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    group = add_group(commands, common, "audit", "check the audit trail")
    add_command(group, common, "verify", _audit_verify,
                "prove the hash chain of the audit trail unbroken; exit 1 if not")


def _register_work_orders(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli_work_orders import register_work_orders  # it uses this module's helpers

    register_work_orders(commands, common)


def _register_assets(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli_assets import register_asset_commands  # it uses this module's helpers

    register_asset_commands(commands, common)


COMMAND_GROUPS: list[Callable[[Subcommands, argparse.ArgumentParser], None]] = [
    _register_db,
    _register_user,
    _register_demo,
    _register_audit,
    _register_work_orders,
    _register_assets,
]


if __name__ == "__main__":
    sys.exit(main())
