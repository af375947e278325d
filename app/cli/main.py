"""The `keepwell` command line: the parser and running a command. The commands live in one
module per subject, which main registers in `COMMAND_GROUPS`: app/cli/database.py (db),
app/cli/admin.py (user, settings, demo) and app/cli/audit.py (run by IT as `it_actor(<OS user>)`),
app/cli/work_orders.py, app/cli/assets.py, app/cli/pm.py and app/cli/pm_check.py (act as a
Keepwell user through `sign_in_from_args`) and app/cli/scheduler.py. What they share (opening the
database, passwords and signing in, output, exit codes) is app/cli/common.py.

`keepwell` with no sub-command opens the GUI (ui/main.py); every sub-command runs here, with no
Qt. Each command group is one register function in `COMMAND_GROUPS`: it adds its sub-parser
and sets `handler` (a function of the parsed arguments returning the exit code) on each
command. Exit codes: 0 done, 1 refused or a problem found, 2 wrong usage.

An empty value is not a value: every option and positional that takes one refuses "" (or only
blanks) as wrong usage, naming it, before anything runs (`Parser`). An option whose value may be
empty says so by `default=""`: its empty text is what leaving it out means (a description, notes,
a search), so giving it empty changes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import peewee

from app import __version__
from app import db as dbmod
from app.cli import admin, assets, audit, database, pm, pm_check, scheduler, work_orders
from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Handler,
    Subcommands,
    UsageError,
)
from app.errors import DatabaseProblem, KeepwellError
from app.logs import log_file, setup_logging

log = logging.getLogger(__name__)

PROG = "keepwell"


# ---------------------------------------------------------------------------------------------
# Parser


_DB_HELP = (
    "database URL: sqlite:///path/to/keepwell.db or postgresql://user@host:5432/database "
    "(default: KEEPWELL_DATABASE_URL, then the config files, then the embedded database)"
)


class Parser(argparse.ArgumentParser):
    """argparse with more rules. Sub-parsers are of this class too (argparse makes them of the
    class of the parser that adds them), so every command group is covered.

    - An empty value is refused, with the option's name, unless the option's default is the
      empty text. `wo create --due ""` once made an order with no due date, `db backup ""`
      wrote into the current folder and `wo list --due-from ""` filtered nothing: each took ""
      as "not given".
    - No abbreviations: `--password secret` was read as `--password-stdin`.
    - A usage error is one line naming the command's --help, not a usage block, and never
      shows a value that may be a password (`_hide_secrets`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)
        self._argv: list[str] = []

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # (typed Any as argparse's own overloads are: a namespace of any class comes back)
        # Each parser refuses what it does not know itself, so the hint names the command
        # (argparse would pass a sub-command's leftovers up to `keepwell`).
        self._argv = list(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(self._argv, namespace)
        if extras:
            self.error("unrecognized arguments: " + " ".join(_shown_arguments(extras)))
        return namespace, extras

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {_hide_secrets(message, self._argv)} "
                              f"(see {self.prog} --help)\n")

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


_PASSWORD_WORDS = ("pass", "pasw", "pwd", "secret", "token")


def looks_like_a_password_option(option: str) -> bool:
    """Whether an option's name says (or nearly says, as a typo would) that its value is a
    password: `--password`, `--pasword`, `--db-pw`, `--secret`..."""
    name = option.split("=", 1)[0].lstrip("-").lower()
    for part in re.split(r"[-_]", name):
        if part == "pw" or any(word in part for word in _PASSWORD_WORDS):
            return True
        if difflib.SequenceMatcher(None, part, "password").ratio() >= 0.75:
            return True
    return False


def _secret_values(argv: Sequence[str]) -> list[str]:
    """The values on a command line that may be passwords: what follows a password-like
    option, given as `--opt=VALUE` or as the next argument."""
    found = []
    for i, token in enumerate(argv):
        if not token.startswith("-") or not looks_like_a_password_option(token):
            continue
        name, equals, value = token.partition("=")
        if equals:
            found.append(value)
        elif name != "--password-stdin" and i + 1 < len(argv):
            found.append(argv[i + 1])
    return [value for value in found if value]


def _shown_arguments(extras: Sequence[str]) -> list[str]:
    """Unknown arguments as an error shows them: an option by its name only (`--x=VALUE` as
    `--x`), and no value that follows a password-like option."""
    hidden = set(_secret_values(extras))
    shown = []
    for token in extras:
        if token.startswith("-") and "=" in token:
            shown.append(token.split("=", 1)[0])
        elif token not in hidden:
            shown.append(token)
    return shown


def _hide_secrets(message: str, argv: Sequence[str]) -> str:
    """`message` without any value of `argv` that may be a password (argparse quotes values
    in its messages: `ignored explicit argument 'secret'`, `invalid choice: 'secret'`)."""
    for value in _secret_values(argv):
        message = message.replace(repr(value), "(hidden)")
    return message


def _common_options() -> argparse.ArgumentParser:
    """Options every command accepts after its name too (`keepwell db check --db URL`)."""
    common = Parser(add_help=False)
    # SUPPRESS: when not given here, the value given before the command (or None) stays.
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=_DB_HELP)
    return common


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
    """Parse and run, returning the exit code (for tests and `python -m app.cli`)."""
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


# ---------------------------------------------------------------------------------------------
# The command groups, in the order `keepwell --help` lists them


def _register_pm(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """`pm`: its schedule commands (app/cli/pm.py), then `pm run` (app/cli/pm_check.py)."""
    group = pm.register_pm_commands(commands, common)
    pm_check.register_pm_run(group, common)


COMMAND_GROUPS: list[Callable[[Subcommands, argparse.ArgumentParser], None]] = [
    database.register_db,
    admin.register_admin,
    audit.register_audit,
    work_orders.register_work_orders,
    assets.register_asset_commands,
    _register_pm,
    scheduler.register_scheduler_command,
]


if __name__ == "__main__":
    sys.exit(main())
