"""What the `keepwell` command groups share (app/cli/main.py builds the parser from them; each
subject module takes its helpers from here only): adding a group and its commands, the exit codes
and UsageError, an error that names the option at fault, opening the database, the IT actor,
passwords and signing in as a Keepwell user, and output (notes on stderr, tables and JSON on
stdout).

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
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import peewee

from app import db as dbmod
from app.config import Config, default_database_url, load_config
from app.errors import (
    DatabaseUnavailable,
    KeepwellError,
    PermissionDenied,
    ValidationError,
    field_label,
)
from app.permissions import Actor, it_actor
from app.services.common import text_problem
from app.services.people import auth

log = logging.getLogger(__name__)

ENV_PASSWORD = "KEEPWELL_PASSWORD"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]
Subcommands = argparse._SubParsersAction


class UsageError(KeepwellError):
    """The command was given in a way that cannot work (exit code 2, like argparse's errors)."""


class OptionError(ValidationError):
    """A ValidationError whose message names the command-line option of each field, e.g.
    `--start: Start date must be a date written YYYY-MM-DD, not '2026-13-01'.` A command group
    says in a subclass which option sets which field (`OPTIONS`, or `option` for a rule) and
    may word a field's whole line itself (`option_line`)."""

    OPTIONS: ClassVar[Mapping[str, str]] = {}

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields)
        self.lines = [self.option_line(name, message) for name, message in self.fields.items()]
        self.message = " ".join(self.lines)
        self.args = (self.message,)

    def option(self, name: str) -> str:
        """The option that sets the field `name`, "" when none does."""
        return self.OPTIONS.get(name, "")

    def option_line(self, name: str, message: str) -> str:
        option = self.option(name)
        if message.startswith(("the ", "a ", "'")):  # it names the field itself
            text = message[:1].upper() + message[1:]
        else:
            text = f"{field_label(name)} {message}"
        return f"{option}: {text}." if option else f"{text}."


# ---------------------------------------------------------------------------------------------
# Command groups and commands


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


# ---------------------------------------------------------------------------------------------
# Opening the database


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


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


def read_password(
    *, from_stdin: bool, prompt: str, confirm: bool = False, use_env: bool = True
) -> str:
    """A password from the next line of stdin (`--password-stdin`), else KEEPWELL_PASSWORD
    (unless not `use_env`), else a prompt on the terminal (asked twice when `confirm`). Never
    from an argument."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin was given but standard input is empty: give "
                             "each password the command needs on a line of its own.")
        return line.rstrip("\r\n")
    env = os.environ.get(ENV_PASSWORD) if use_env else None
    if env:
        return env
    if not _stdin_is_tty():
        sources = f"pipe it with --password-stdin or set {ENV_PASSWORD}" if use_env else (
            "pipe it with --password-stdin")
        raise UsageError(f"no password given: {sources} (there is no terminal to ask on).")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != first:
        raise UsageError("the two passwords do not match; nothing was changed.")
    return first


def add_sign_in_options(parser: argparse.ArgumentParser) -> None:
    """For commands that act as a Keepwell user: `--user NAME` and `--password-stdin`."""
    parser.add_argument("--user", required=True, metavar="NAME", type=lookup_text,
                        help="act as this Keepwell user (password: prompt, --password-stdin "
                             f"or {ENV_PASSWORD})")
    add_password_stdin(parser)


def add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")


def sign_in_from_args(args: argparse.Namespace, *, env_first: bool = False) -> Actor:
    """Sign in `args.user` with a password from --password-stdin, KEEPWELL_PASSWORD or a prompt.
    With `env_first` (a command that reads a new password from stdin too), KEEPWELL_PASSWORD,
    when set, is the signed-in user's and stdin is left for the new password.
    Raises AuthenticationFailed, AccountLocked, AccountInactive, or PermissionDenied when the
    account must choose a new password first."""
    env = os.environ.get(ENV_PASSWORD) if env_first else None
    password = env or read_password(
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


# ---------------------------------------------------------------------------------------------
# Values of options

LARGEST_ID = 2_147_483_647  # PostgreSQL's integer: no row has a larger ID on either backend


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse `type=` for a whole number from `low` to `high`, refused in words as wrong
    usage (exit 2) otherwise: `pm forecast 99999999999999999999999` once ended in an
    OverflowError from the database driver."""

    def convert(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:  # not a number, or more digits than int() will read
            value = None
        if value is None or not low <= value <= high:
            shown = text if len(text) <= 24 else text[:20] + "…"
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, not {shown!r}")
        return value

    convert.__name__ = "whole number"
    return convert


record_id = whole_number(1, LARGEST_ID)


def lookup_text(text: str) -> str:
    """An argparse `type=` for a value Keepwell looks up (a user name, an asset tag, an order
    number): one that is not text (bytes that are not UTF-8, control characters, direction
    overrides) names nothing stored, so it is wrong usage, said in words, before the database
    driver meets what it cannot even encode. (Values that are stored go to the services,
    which refuse the same by field.)"""
    problem = text_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


MAX_NAME_BYTES, MAX_PATH_BYTES = 255, 4096  # the usual file-system limits


def file_path(text: str) -> str:
    """An argparse `type=` for a file or folder to read or write: refused in words when no file
    system could hold it (NUL, bytes that are not UTF-8, a name or a path too long)."""
    if "\x00" in text:
        raise argparse.ArgumentTypeError("contains a NUL character (U+0000), which no file "
                                         "name can")
    problem = text_problem(text, multiline=True)
    if problem and problem.startswith("is not valid text"):
        raise argparse.ArgumentTypeError(problem)
    longest = max((len(part.encode()) for part in Path(text).parts), default=0)
    if longest > MAX_NAME_BYTES or len(text.encode()) > MAX_PATH_BYTES:
        raise argparse.ArgumentTypeError(
            f"is too long for a file name (at most {MAX_NAME_BYTES} bytes for each folder or "
            f"file name and {MAX_PATH_BYTES} in all)")
    return text
