"""Wrong usage (issue 11): one line and the command's --help, not argparse's usage block; no
abbreviated options (`--password secret` was read as `--password-stdin`); never a value that
may be a password shown back; a number too large for the database answered in words. The
rules are walked over every command, whoever owns it."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from app.cli import common
from app.cli import main as cli
from tests.cli_runner import Run

SECRET = "Hunter2-secret-value"

Command = tuple[tuple[str, ...], argparse.ArgumentParser]


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _leaves() -> list[tuple[str, ...]]:
    return [path for path, parser in _commands(cli.build_parser())
            if path and parser.get_default("handler") is not None]


def test_no_parser_takes_abbreviations() -> None:
    commands = list(_commands(cli.build_parser()))
    assert len(commands) > 30
    assert [" ".join(path) for path, parser in commands if parser.allow_abbrev] == []


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        cli.parse_args(argv)
    captured = capsys.readouterr()
    assert stopped.value.code == common.EXIT_USAGE, argv
    assert captured.out == ""
    return captured.err


@pytest.mark.parametrize("path", _leaves(), ids=" ".join)
def test_every_command_answers_wrong_usage_in_one_line_naming_its_help(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...]
) -> None:
    err = _usage_error(capsys, [*path, "--no-such-option"])
    [line] = err.splitlines()
    assert line.startswith("keepwell: error: ")
    assert line.endswith(f" (see keepwell {' '.join(path)} --help)")
    assert "usage:" not in err


@pytest.mark.parametrize("path", _leaves(), ids=" ".join)
@pytest.mark.parametrize("given", [
    ["--password", SECRET],
    [f"--password={SECRET}"],
    ["--pasword", SECRET],  # a typo is still a password option
    ["--passwd", SECRET],
    ["--db-pw", SECRET],
    [f"--password-stdin={SECRET}"],
    ["--pass", SECRET],
], ids=lambda given: given[0].split("=")[0] + ("=" if "=" in given[0] else ""))
def test_no_command_shows_a_password_given_as_an_argument(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...], given: list[str]
) -> None:
    err = _usage_error(capsys, [*path, *given])
    assert SECRET not in err
    assert len(err.splitlines()) == 1


def test_a_password_option_is_named_but_its_value_is_not(kw: Run) -> None:
    result = kw("wo", "list", "--user", "ada", "--password", SECRET)
    assert result.code == 2
    assert result.err == ("keepwell: error: unrecognized arguments: --password "
                          "(see keepwell wo list --help)\n")
    typo = kw("wo", "list", "--user", "ada", f"--pasword={SECRET}", "--limt", "5")
    assert typo.err == ("keepwell: error: unrecognized arguments: --pasword --limt 5 "
                        "(see keepwell wo list --help)\n")
    flag = kw("wo", "list", "--user", "ada", f"--password-stdin={SECRET}")
    assert flag.err == ("keepwell: error: argument --password-stdin: ignored explicit argument "
                        "(hidden) (see keepwell wo list --help)\n")
    before_the_command = kw("--password", SECRET, "wo", "list")
    assert before_the_command.code == 2 and SECRET not in before_the_command.err


def test_pass_is_no_longer_password_stdin(kw: Run) -> None:
    """`--pass` (or `--password`) was an abbreviation of --password-stdin; now it is unknown."""
    for option in ("--pass", "--password", "--password-std"):
        result = kw("wo", "list", "--user", "ada", option)
        assert result.code == 2
        assert result.err == (f"keepwell: error: unrecognized arguments: {option} "
                              "(see keepwell wo list --help)\n")
    assert kw("user", "add", "bob", "--full", "Bob", "--role", "admin").code == 2


@pytest.mark.parametrize("looks", ["--password", "--new-password", "--pasword", "--PASSWD",
                                   "--db-pw", "--secret", "--api-token", "--pwd", "--passwort"])
def test_what_looks_like_a_password_option(looks: str) -> None:
    assert cli.looks_like_a_password_option(looks)


@pytest.mark.parametrize("plain", ["--user", "--limit", "--title", "--status", "--db",
                                   "--path", "--priority", "--asset", "--anchor"])
def test_what_does_not(plain: str) -> None:
    assert not cli.looks_like_a_password_option(plain)


# --- numbers too large -----------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["pm", "forecast", "99999999999999999999999"],
    ["pm", "explain", "99999999999999999999999"],
    ["pm", "forecast", "-1"],
    ["pm", "forecast", "2147483648"],
    ["pm", "forecast", "1" * 5000],  # more digits than Python's int() reads
])
def test_an_id_too_large_is_wrong_usage_in_words(kw: Run, argv: list[str]) -> None:
    """`pm forecast 99999999999999999999999` ended in an OverflowError from the driver."""
    result = kw(*argv, "--user", "ada")
    assert result.code == 2
    [line] = result.err.splitlines()
    assert line.startswith("keepwell: error: argument ID: must be a whole number from 1 to "
                           "2147483647, not '")
    assert line.endswith(f"(see keepwell {' '.join(argv[:2])} --help)")
    assert len(line) < 200  # a 5000-digit value is cut short, not printed whole


@pytest.mark.parametrize("argv, words", [
    (["wo", "list", "--limit", "99999999999999999999999"], "--limit must be from 1 to 1000."),
    (["asset", "list", "--limit", "99999999999999999999999"], "Limit must be between 1 and"),
    (["pm", "list", "--limit", "99999999999999999999999"], "--limit must be from 1 to 1000."),
    (["pm", "run", "--wait", "1e308"], "--wait must be from 0 to 3600 seconds."),
    (["pm", "forecast", "1", "--to", "9999-12-31"], "between 2000-01-01 and 2100-12-31"),
    (["pm", "explain", "1", "--as-of", "0001-01-01"], "between 2000-01-01 and 2100-12-31"),
    (["wo", "list", "--due-from", "9999-12-31"], "between 2000-01-01 and 2100-12-31"),
])
def test_other_numbers_and_dates_out_of_range_are_answered_in_words(
    kw: Run, argv: list[str], words: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other int and date options were already bounded; held here against a real database
    with a signed-in planner."""
    monkeypatch.setenv("KEEPWELL_PASSWORD", "correct-horse-42")
    assert kw("--db", db_url, "db", "init").code == 0
    assert kw("--db", db_url, "user", "add", "ada", "--full-name", "Ada", "--role", "admin",
              "--no-force-change").code == 0
    result = kw("--db", db_url, *argv, "--user", "ada")
    assert result.code in (common.EXIT_FAILED, common.EXIT_USAGE)
    assert words in result.err and "unexpected" not in result.err
    assert len(result.err.splitlines()) == 1


# --- values that cannot name anything: not text, NUL, too long for a file -----------------


@pytest.mark.parametrize("argv, words", [
    (["wo", "show", "ab\udcffcd", "--user", "ada"],
     "argument NUMBER: is not valid text (UTF-8): character 3 cannot be read (the byte 0xFF)"),
    (["wo", "list", "--user", "ad\udcffa"],
     "argument --user: is not valid text (UTF-8): character 3 cannot be read"),
    (["user", "unlock", "a\x1b[2Jb", "--user", "ada"],
     "argument USERNAME: contains control characters (U+001B, character 2)"),
    (["asset", "show", "a\u202eb", "--user", "ada"],
     "argument TAG: contains an invisible direction control (U+202E, character 2)"),
    (["db", "backup", "a\x00b"], "argument PATH: contains a NUL character (U+0000), which no "
                                 "file name can"),
    (["db", "restore", "x" * 300], "argument PATH: is too long for a file name (at most 255 "
                                   "bytes for each folder or file name and 4096 in all)"),
    (["db", "backup", "ab\udcffcd"], "argument PATH: is not valid text (UTF-8)"),
])
def test_a_value_that_cannot_name_anything_is_wrong_usage_in_words(
    kw: Run, argv: list[str], words: str
) -> None:
    """A user name, tag or order number that is not text, and a path no file system could
    hold, once reached the database driver or the OS as an `unexpected` error."""
    result = kw(*argv)
    assert result.code == common.EXIT_USAGE
    [line] = result.err.splitlines()
    assert line.startswith(f"keepwell: error: {words}"), line
    assert "unexpected" not in line
