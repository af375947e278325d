"""The `keepwell` command line: the parser, running a command, opening the database,
passwords and output. The commands themselves live in app/cli/admin.py (db, user, demo, audit:
run by IT as `it_actor(<OS user>)`), app/cli/work_orders.py and app/cli/assets.py (act as a
Keepwell user through `sign_in_from_args`).

`keepwell` with no sub-command opens the GUI (ui/main.py); every sub-command runs here, with no
Qt. Each command group is one `_register_*` function in `COMMAND_GROUPS`: it adds its sub-parser
and sets `handler` (a function of the parsed arguments returning the exit code) on each
command. Exit codes: 0 done, 1 refused or a problem found, 2 wrong usage.

An empty value is not a value: every option and positional that takes one refuses "" (or only
blanks) as wrong usage, naming it, before anything runs (`Parser`). An option whose value may be
empty says so by `default=""`: its empty text is what leaving it out means (a description, notes,
a search), so giving it empty changes nothing.
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

from app import __version__
from app import db as dbmod
from app.config import Config, default_database_url, load_config
from app.errors import DatabaseProblem, DatabaseUnavailable, KeepwellError, PermissionDenied
from app.logs import log_file, setup_logging
from app.permissions import Actor, it_actor
from app.services.people import auth

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


class Parser(argparse.ArgumentParser):
    """argparse with one more rule: an empty value is refused, with the option's name, unless
    the option's default is the empty text. `wo create --due ""` once made an order with no due
    date, `db backup ""` wrote into the current folder and `wo list --due-from ""` filtered
    nothing: each took "" as "not given". Sub-parsers are of this class too (argparse makes
    them of the class of the parser that adds them), so every command group is covered."""

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        # argparse converts every value given, to options and positionals alike, here (and a
        # default written as text): the one place that sees them all before any `type=` runs.
        # It is argparse's own (private) step, unchanged from 3.8 to 3.13; should it change,
        # tests/unit/test_cli_empty_values.py's walk over every option fails.
        if not arg_string.strip() and not accepts_empty(action):
            raise argparse.ArgumentError(action, _empty_value_words(action, arg_string))
        return super()._get_value(action, arg_string)


def accepts_empty(action: argparse.Action) -> bool:
    """Whether `action` takes "" as a value: when left out, its value is "" anyway. (A command
    group's sub-commands are handed the rest of the line, which their own parser checks.)"""
    if action.nargs in (argparse.PARSER, argparse.REMAINDER):
        return True
    return isinstance(action.default, str) and action.default == ""


def _empty_value_words(action: argparse.Action, given: str) -> str:
    """"the value is empty: give YYYY-MM-DD, or leave the option out." (after "argument --due:")"""
    if action.choices is not None:
        wanted = "one of " + ", ".join(str(c) for c in action.choices)
    elif isinstance(action.metavar, str):
        wanted = action.metavar
    else:
        wanted = action.dest.upper() if action.option_strings else action.dest
    words = f"the value is {'empty' if given == '' else 'blank'}: give {wanted}"
    if action.option_strings and not action.required:
        words += ", or leave the option out"
        if action.default not in (None, argparse.SUPPRESS):
            words += f" for the default ({action.default})"
    return words + "."


def _common_options() -> argparse.ArgumentParser:
    """Options every command accepts after its name too (`keepwell db check --db URL`)."""
    common = Parser(add_help=False)
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
    parser = Parser(
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
    except DatabaseProblem as exc:
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
    except BrokenPipeError:  # `keepwell ... | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_OK
    except (peewee.PeeweeException, OSError) as exc:
        log.exception("keepwell %s failed", name)
        failure = (dbmod.storage_failure(exc)  # a full disk, a damaged file: said in words
                   if isinstance(exc, dbmod.DATABASE_ERRORS) else None)
        if failure is not None:
            _err(failure.message)
            print(f"{PROG}: hint: {failure.hint}", file=sys.stderr)
            return EXIT_FAILED
        _err(f"{_first_line(exc)}{_see_log()}")
        return EXIT_FAILED
    except Exception as exc:  # a bug: one line here, the traceback in the log file
        log.exception("keepwell %s failed unexpectedly", name)
        _err(f"unexpected {type(exc).__name__}: {_first_line(exc)}{_see_log()}")
        return EXIT_FAILED
    finally:
        dbmod.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and run, returning the exit code (for tests and `python -m app.cli.main`)."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE if exc.code else EXIT_OK
    return run(args)


def _quiet_stdout() -> None:
    """Point stdout at nothing, so that flushing it at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
        pass


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
        note(f"Created the Keepwell database {target.display}.")
        opened.state = state = dbmod.schema_state(opened.database)
    if state.pending:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NEEDS_UPGRADE,
            f"The database {target.display} needs an upgrade "
            f"(pending: {', '.join(state.pending)}).",
            "Run `keepwell db upgrade` (it takes a backup first).",
        )
    return opened


def it() -> Actor:
    """The actor for database-level commands: IT, named after the OS account."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError, ImportError):  # no login name (some containers and services)
        os_user = "unknown"
    return it_actor(os_user)


def note(message: str) -> None:
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
    add_password_stdin(parser)


def add_password_stdin(parser: argparse.ArgumentParser) -> None:
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
        return local_time(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def local_time(utc: dt.datetime) -> str:
    return f"{utc.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"


def _register_admin(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli.admin import register_admin  # it uses this module's helpers

    register_admin(commands, common)


def _register_work_orders(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli.work_orders import register_work_orders  # it uses this module's helpers

    register_work_orders(commands, common)


def _register_assets(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli.assets import register_asset_commands  # it uses this module's helpers

    register_asset_commands(commands, common)


def _register_pm(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli.pm import register_pm_commands  # it uses this module's helpers

    register_pm_commands(commands, common)


def _register_scheduler(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    from app.cli.scheduler import register_scheduler_command  # it uses this module's helpers

    register_scheduler_command(commands, common)


COMMAND_GROUPS: list[Callable[[Subcommands, argparse.ArgumentParser], None]] = [
    _register_admin,
    _register_work_orders,
    _register_assets,
    _register_pm,
    _register_scheduler,
]


if __name__ == "__main__":
    sys.exit(main())
