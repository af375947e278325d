"""An empty value is not a value (issue 10, section 3): `wo create --due ""` made an order with
no due date, `asset add --cost ""` and `pm add --season ""` were written, `wo list --due-from ""`
filtered nothing and `db backup ""` wrote into the current folder. Now each is wrong usage
(exit 2, as argparse's other usage errors), names the option, and nothing is written: the
database folder and the current folder are byte for byte as they were.

The rule lives in app/cli/main.py's parser, so it covers every command group (db, user, settings,
pm, scheduler ... included) without each listing its options; an option whose default is "" (a
description, notes, a search) takes "" as the value it has when left out."""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import common
from app.cli import main as cli
from tests.cli_runner import Run

PASSWORD = "correct-horse-42"


@pytest.fixture
def plant(kw: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """ada (admin) and pat (planner), pump PMP-0001 with a run-hours meter; run from an empty
    current folder (tmp_path/"here") beside the database file."""
    monkeypatch.setenv(common.ENV_PASSWORD, PASSWORD)
    assert kw("--db", db_url, "db", "init").code == 0
    for name, role in (("ada", "admin"), ("pat", "planner")):
        by_ada = () if name == "ada" else ("--user", "ada", "--password-stdin")
        made = kw("--db", db_url, "user", "add", name, "--full-name", name.title(), "--role",
                  role, "--no-force-change", *by_ada, stdin=PASSWORD)
        assert made.code == 0, made.err
    for argv in (("asset", "add", "PMP-0001", "--name", "Feed pump"),
                 ("meter", "add", "PMP-0001", "Run hours", "--unit", "h")):
        made = kw("--db", db_url, *argv, "--user", "pat")
        assert made.code == 0, made.err
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    return db_url


def _files(folder: Path) -> dict[str, str]:
    """Every file under `folder` (the database, its -wal/-shm, the current folder) by content."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


PM_TRIGGER = ("--asset", "PMP-0001", "--name", "Lube", "--every", "1", "--unit", "month")

# (command, the option given "", a good value for it), in the words.
EMPTY_VALUES = [
    (("wo", "create", "--title", "Leak"), "--due", "2030-01-15"),
    (("asset", "add", "PMP-0002", "--name", "Spare pump"), "--cost", "1200"),
    (("pm", "add", *PM_TRIGGER), "--season", "4-10"),
    (("wo", "list"), "--due-from", "2030-01-01"),
    (("db", "backup"), "PATH", "."),
]


def _argv(command: tuple[str, ...], option: str, value: str) -> list[str]:
    signed_in = () if command[0] == "db" else ("--user", "pat")
    given = (value,) if option == "PATH" else (option, value)
    return [*command, *given, *signed_in]


@pytest.mark.parametrize("command, option, good", EMPTY_VALUES,
                         ids=[f"{' '.join(c[:2])} {o}" for c, o, _ in EMPTY_VALUES])
def test_an_empty_value_is_refused_by_name_and_nothing_is_written(
        kw: Run, plant: str, tmp_path: Path,
        command: tuple[str, ...], option: str, good: str) -> None:
    before = _files(tmp_path)
    for empty in ("", "  "):
        result = kw("--db", plant, *_argv(command, option, empty))
        assert result.code == common.EXIT_USAGE, result.err
        assert result.out == ""
        word = "empty" if empty == "" else "blank"
        assert f"error: argument {option}: the value is {word}: give " in result.err
        assert _files(tmp_path) == before
    # The same command with a value does what it says (the refusal is about the empty value).
    done = kw("--db", plant, *_argv(command, option, good))
    assert done.code == common.EXIT_OK, done.err


def test_the_message_says_what_to_give_like_other_usage_errors(kw: Run, plant: str) -> None:
    due = kw("--db", plant, "wo", "create", "--title", "Leak", "--due", "", "--user", "pat")
    assert due.err.splitlines() == [  # one line, and the command's --help, not a usage block
        "keepwell: error: argument --due: the value is empty: give YYYY-MM-DD, or leave the "
        "option out. (see keepwell wo create --help)"]
    wrong_type = kw("--db", plant, "wo", "create", "--title", "Leak", "--type", "x",
                    "--user", "pat")
    assert due.code == wrong_type.code == 2
    priority = kw("--db", plant, "wo", "create", "--title", "Leak", "--priority", "",
                  "--user", "pat")
    assert ("argument --priority: the value is empty: give 1-4, or leave the option out for "
            "the default (3).") in priority.err
    backup = kw("--db", plant, "db", "backup", "")
    assert backup.err == ("keepwell: error: argument PATH: the value is empty: give PATH. "
                          "(see keepwell db backup --help)\n")
    url = kw("--db", "", "db", "check")
    assert "argument --db: the value is empty: give URL, or leave the option out." in url.err


def test_a_text_that_may_be_empty_is_still_taken(kw: Run, plant: str) -> None:
    """Options whose default is "" take "": it is what they mean when left out."""
    made = kw("--db", plant, "wo", "create", "--title", "Leak", "--description", "",
              "--user", "pat")
    assert made.code == 0, made.err
    added = kw("--db", plant, "asset", "add", "PMP-0003", "--name", "Pump", "--notes", "",
               "--category", "", "--user", "pat")
    assert added.code == 0, added.err
    listed = kw("--db", plant, "wo", "list", "--search", "", "--user", "pat")
    assert listed.code == 0 and "Leak" in listed.out


def test_db_backup_with_an_empty_path_writes_nothing_from_the_real_entry_point(
        kw: Run, plant: str, tmp_path: Path) -> None:
    before = _files(tmp_path)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    # `keepwell` is ui.main:main; run from the empty current folder that "" would have meant.
    result = subprocess.run([sys.executable, "-m", "ui.main", "--db", plant, "db", "backup", ""],
                            cwd=tmp_path / "here", env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2, result.stderr
    assert "argument PATH: the value is empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "here").iterdir()) == []
    assert _files(tmp_path) == before


# --- the rule holds for every option of every command --------------------------------------


Command = tuple[tuple[str, ...], argparse.ArgumentParser]


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _takes_a_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(action, argparse._SubParsersAction)


def _before(parser: argparse.ArgumentParser, action: argparse.Action) -> list[str]:
    """Good values for the positionals that come before `action`."""
    values = []
    for other in parser._actions:
        if other is action:
            break
        if not other.option_strings and _takes_a_value(other):
            values.append(str(next(iter(other.choices))) if other.choices else "1")
    return values if not action.option_strings else []


def test_every_option_and_positional_of_every_command_refuses_an_empty_value(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Walks the whole parser (every command group, whoever owns it): each option or positional
    that takes a value refuses "" by its name, but those whose default is "" (listed here, so
    that a new one is a decision)."""
    parser = cli.build_parser()
    refused = 0
    may_be_empty: dict[str, list[str]] = {}
    for path, command in _commands(parser):
        for action in command._actions:
            if not _takes_a_value(action):
                continue
            name = max(action.option_strings, key=len) if action.option_strings else (
                action.metavar or action.dest)
            if cli.accepts_empty(action):
                may_be_empty.setdefault(" ".join(path), []).append(str(name))
                continue
            given = [*_before(command, action), *([name] if action.option_strings else []), ""]
            with pytest.raises(SystemExit) as stopped:
                parser.parse_args([*path, *given])
            err = capsys.readouterr().err
            assert stopped.value.code == 2, (path, name)
            assert f"error: argument {name}: the value is empty: give " in err, (path, name, err)
            refused += 1
    assert refused > 100
    assert may_be_empty == {
        "wo list": ["--search"],
        "wo create": ["--description"],
        "wo transition": ["--reason"],
        "asset list": ["--search"],
        "asset add": ["--category", "--manufacturer", "--model", "--serial", "--notes"],
        "meter read": ["--note"],
        "request file": ["--description"],
        "user add": ["--email", "--craft"],
        "pm list": ["--search"],
        "pm add": ["--description"],
    }

