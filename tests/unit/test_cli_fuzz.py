"""Every option of every command, given bad values (issue 11, "bad input answered in words"):
huge (10**30 and 100,000 characters), negative, not UTF-8 (a byte of the command line that is
not UTF-8 arrives as a lone surrogate, as Python decodes argv), with NUL, with a control
character, with a bidirectional override. Each must be answered in words: never an
`unexpected …` error, never a traceback on stderr or in the log.

The parser is walked (app.cli.main.build_parser), so a new option is fuzzed without being
listed here. The other arguments of the command get good values (a real asset, order, user),
so that the bad one is what the command meets. Runs in-process, with stdout that refuses what
a terminal would (UTF-8, strict) and stderr that escapes it (as Python's does)."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app.cli import common
from app.cli import main as cli
from app.models import User
from app.services.people import users
from app.services.people.auth import actor_for
from tests.cli_runner import Run

PASSWORD = "correct-horse-42"

BAD_VALUES = {
    "huge number": "1" + "0" * 30,
    "huge text": "x" * 100_000,
    "negative": "-1",
    "not UTF-8": "ab\udcffcd",
    "NUL": "a\x00b",
    "control": "a\x1b[2Jb",
    "bidi": "a\u202eb",
}

# Good values for the other arguments, by option or positional name (default "1").
GOOD = {
    "--db": None,  # the plant's URL
    "--user": "ada",
    "--title": "Leak", "--name": "Lube", "--full-name": "Uma User", "--asset": "PMP-0001",
    "TAG": "PMP-0002", "ASSET_TAG": "PMP-0001", "METER_NAME": "Run hours", "--unit": "h",
    "VALUE": "10", "USERNAME": "pat", "NUMBER": "1", "ID": "1", "PATH": "copy.db",
    "--out": "anchor.txt", "value": "1", "--every": "1",
}
# Commands run with their good values may not wait or run for ever.
EXTRA = {("scheduler",): ["--once"]}
SKIPPED_COMMANDS = {("demo",)}  # writes a whole plant: its only option is --db, fuzzed below


Command = tuple[tuple[str, ...], argparse.ArgumentParser]


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield path, parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from _commands(sub, (*path, name))


def _name(action: argparse.Action) -> str:
    return max(action.option_strings, key=len) if action.option_strings else str(
        action.metavar or action.dest)


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(action, argparse._HelpAction)


def _good(action: argparse.Action, url: str) -> str:
    name = _name(action)
    if name == "--db":
        return url
    if action.choices:
        return str(next(iter(action.choices)))
    return GOOD.get(name) or "1"


def _argv(path: tuple[str, ...], parser: argparse.ArgumentParser, fuzzed: argparse.Action,
          bad: str, url: str) -> list[str]:
    argv: list[str] = [*path]
    for action in parser._actions:
        if not _takes_value(action):
            continue
        value = bad if action is fuzzed else None
        if value is None and (action.required or not action.option_strings
                              or _name(action) in ("--db", "--user")):
            value = _good(action, url)
        if value is None:
            continue
        if action.option_strings:
            argv += [_name(action), value] if not value.startswith("-") else [
                f"{_name(action)}={value}"]
        else:
            argv += ["--", value] if value.startswith("-") and action is fuzzed else [value]
    argv += EXTRA.get(path, [])
    return argv


def _fix_positional_order(argv: list[str]) -> list[str]:
    """A "--" (for a negative positional) must come after every option."""
    if "--" not in argv:
        return argv
    at = argv.index("--")
    value = argv[at + 1]
    rest = argv[:at] + argv[at + 2:]
    return [*rest, "--", value]


@pytest.fixture
def plant(kw: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """ada (admin), pat (planner), pump PMP-0001 with a meter, order 1, schedule 1."""
    monkeypatch.setenv(common.ENV_PASSWORD, PASSWORD)
    assert kw("--db", db_url, "db", "init").code == 0
    made = kw("--db", db_url, "user", "add", "ada", "--full-name", "Ada", "--role", "admin",
              "--no-force-change")
    assert made.code == 0, made.err
    dbmod.connect(db_url)
    try:  # a second account is added by an admin, whose sign-in the command would ask for
        users.add_user(actor_for(User.get(User.username == "ada")), "pat", "Pat Planner",
                       "planner", PASSWORD, must_change_password=False)
    finally:
        dbmod.close()
    for argv in (("asset", "add", "PMP-0001", "--name", "Feed pump"),
                 ("meter", "add", "PMP-0001", "Run hours", "--unit", "h"),
                 ("wo", "create", "--title", "Leak"),
                 ("pm", "add", "--asset", "PMP-0001", "--name", "Lube", "--every", "1",
                  "--unit", "month")):
        made = kw("--db", db_url, *argv, "--user", "ada")
        assert made.code == 0, (argv, made.err)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    return db_url


def _log_text(home: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(home.rglob("keepwell*.log")))


def _run(argv: list[str]) -> tuple[int, str, str]:
    """`keepwell ARGV` in-process, with a terminal's encodings; (exit code, stdout, stderr)."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace",
                              write_through=True)
    sys.stdout, sys.stderr, sys.stdin = stdout, stderr, io.StringIO(PASSWORD + "\n")
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    texts = out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")
    stdout.detach()  # the buffers outlive their wrappers
    stderr.detach()
    return code, *texts


COMMANDS = [path for path, _ in _commands(cli.build_parser()) if path not in SKIPPED_COMMANDS]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_option_answers_bad_values_in_words(
        plant: str, command: tuple[str, ...], _isolated_user_dirs: Path) -> None:
    parser = dict(_commands(cli.build_parser()))[command]
    failures = []
    tried = 0
    for action in parser._actions:
        if not _takes_value(action) or action.choices:
            continue  # a choice is checked by argparse against its list
        for label, bad in BAD_VALUES.items():
            argv = _fix_positional_order(_argv(command, parser, action, bad, plant))
            before = len(_log_text(_isolated_user_dirs))
            code, _out, err = _run(argv)
            log = _log_text(_isolated_user_dirs)[before:]
            tried += 1
            if "unexpected" in err or "Traceback" in err or "Traceback" in log:
                first = next((ln for ln in err.splitlines() if "error" in ln), err.strip())
                failures.append(f"{' '.join(command)} {_name(action)} <{label}>: exit {code}: "
                                f"{first[:160]}")
    assert tried
    assert not failures, "\n".join(failures)
