"""The `keepwell` command line on SQLite: in-process through `app.cli.main.main`, and a few times as
the real entry point in a subprocess (no display, never a traceback)."""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__, logs, paths
from app import db as dbmod
from app.cli import common
from app.cli import main as cli
from app.errors import AccountInactive, AccountLocked, AuthenticationFailed, PermissionDenied
from app.models import AuditEvent, User
from app.permissions import it_actor
from app.services.people import auth, users
from tests.cli_runner import Run
from tests.conftest import LATEST_MIGRATION

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"
OTHER_PASSWORD = "battery-staple-77"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'plant.db').as_posix()}"


@pytest.fixture
def initialised(kw: Run, url: str) -> str:
    assert kw("--db", url, "db", "init").code == 0
    return url


@pytest.fixture
def with_admin(kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """ada, the first admin; from then on `user` and `settings` act as her (`AS_ADA`), with her
    password in KEEPWELL_PASSWORD, so --password-stdin gives only a new password."""
    result = kw("--db", initialised, "user", "add", "ada", "--full-name", "Ada Admin",
                "--role", "admin", "--no-force-change", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.code == 0, result.err
    monkeypatch.setenv("KEEPWELL_PASSWORD", PASSWORD)
    return initialised


AS_ADA = ("--user", "ada")


def _open(url: str) -> None:
    dbmod.connect(url)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _path(url: str) -> Path:
    target = dbmod.parse_url(url)
    assert target.path is not None
    return target.path


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("keepwell: error:")]


# --- parsing --------------------------------------------------------------------------------


def test_version(kw: Run) -> None:
    result = kw("--version")
    assert result.code == 0
    assert result.out.strip() == f"keepwell {__version__}" == "keepwell 0.1.0"


def test_no_command_leaves_the_gui_to_open() -> None:
    assert cli.parse_args([]).command is None
    args = cli.parse_args(["--db", "sqlite:///x.db"])
    assert args.command is None and args.db == "sqlite:///x.db"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["db", "check"], None),
        (["--db", "sqlite:///a.db", "db", "check"], "sqlite:///a.db"),
        (["db", "check", "--db", "sqlite:///b.db"], "sqlite:///b.db"),
        (["db", "--db", "sqlite:///c.db", "check"], "sqlite:///c.db"),
        (["--db", "sqlite:///a.db", "user", "list", "--db", "sqlite:///d.db"], "sqlite:///d.db"),
        (["audit", "verify", "--db", "sqlite:///e.db"], "sqlite:///e.db"),
        (["demo", "--db", "sqlite:///f.db"], "sqlite:///f.db"),
    ],
)
def test_db_option_before_or_after_the_command(argv: list[str], expected: str | None) -> None:
    assert cli.parse_args(argv).db == expected


@pytest.mark.parametrize(
    "argv",
    [["db"], ["frobnicate"], ["user", "add", "bob", "--role", "admin"],
     ["user", "add", "bob", "--full-name", "B", "--role", "wizard"], ["db", "backup"]],
)
def test_usage_errors_exit_2(kw: Run, argv: list[str]) -> None:
    result = kw(*argv)
    assert result.code == 2
    [line] = result.err.splitlines()  # one line, not argparse's usage block
    assert line.startswith("keepwell: error: ")
    assert "usage:" not in result.err
    assert line.endswith(f"(see keepwell {' '.join(a for a in argv[:2] if a != 'bob')} --help)"
                         if argv != ["frobnicate"] else "(see keepwell --help)")


def test_a_password_is_never_an_argument() -> None:
    with pytest.raises(SystemExit):
        cli.parse_args(["user", "add", "bob", "--full-name", "B", "--role", "admin",
                        "--password", PASSWORD])


# --- db init / check / upgrade / backup ------------------------------------------------------


def test_db_init_then_check(kw: Run, url: str) -> None:
    init = kw("--db", url, "db", "init")
    assert init.code == 0, init.err
    assert LATEST_MIGRATION in init.out
    check = kw("db", "check", "--db", url)
    assert check.code == 0, check.out
    assert "--db option" in check.out
    assert str(_path(url)) in check.out
    assert "Integrity:" in check.out and "ok" in check.out
    assert "Users:" in check.out and "Work orders:" in check.out
    status = next(line for line in check.out.splitlines() if line.startswith("Status:"))
    assert status.split() == ["Status:", "OK"]


def test_db_check_json_names_the_source_of_the_url(
    kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEEPWELL_DATABASE_URL", initialised)
    result = kw("db", "check", "--json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["ok"] is True
    assert report["url_source"] == "KEEPWELL_DATABASE_URL environment variable"
    assert report["schema_version"] == LATEST_MIGRATION
    assert report["pending"] == [] and report["newer_unknown"] == []
    assert report["integrity"] == "ok"
    assert report["counts"] == {"users": 0, "assets": 0, "work_orders": 0}


def test_db_init_refuses_an_initialised_database(kw: Run, initialised: str) -> None:
    before = _sha(_path(initialised))
    result = kw("--db", initialised, "db", "init")
    assert result.code == 1
    assert len(_error_lines(result.err)) == 1
    assert "already initialised" in result.err
    assert _sha(_path(initialised)) == before


def test_db_check_on_a_missing_file_creates_nothing(kw: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "keepwell.db"
    result = kw("--db", f"sqlite:///{missing.as_posix()}", "db", "check")
    assert result.code == 1
    assert "There is no database at" in result.err
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("header", [b"", b"SQLite format 3\x00"], ids=["garbage", "bad-pages"])
def test_db_check_on_a_corrupt_file_leaves_it_untouched(
    kw: Run, tmp_path: Path, header: bytes
) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(header + bytes(range(256)) * 40)
    before = _sha(path)
    result = kw("--db", f"sqlite:///{path.as_posix()}", "db", "check")
    assert result.code == 1
    assert len(_error_lines(result.err)) == 1
    assert "not a Keepwell database" in result.err
    assert "keepwell: hint:" in result.err
    assert _sha(path) == before


def test_db_check_on_an_empty_database_says_to_init(kw: Run, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    conn = sqlite3.connect(path)  # an SQLite database with no tables (a 0-byte file is refused
    conn.execute("PRAGMA user_version = 0")  # as not a database: tests/unit/test_file_modes.py)
    conn.close()
    result = kw("--db", f"sqlite:///{path.as_posix()}", "db", "check")
    assert result.code == 1
    assert "keepwell db init" in result.out


@pytest.mark.parametrize(
    "bad_url, words",
    [("nonsense", "is not a database URL"), ("mysql://host/db", "Unknown database type"),
     ("sqlite:///:memory:", "in-memory")],
)
def test_bad_url(kw: Run, bad_url: str, words: str) -> None:
    result = kw("--db", bad_url, "db", "check")
    assert result.code == 1
    assert words in result.err
    assert len(_error_lines(result.err)) == 1


def test_a_bad_url_in_the_environment_is_reported(
    kw: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEEPWELL_DATABASE_URL", "ftp://example.com/x")
    result = kw("user", "list")
    assert result.code == 1
    assert "Unknown database type" in result.err


def _with_second_step(tmp_path: Path) -> Path:
    steps = tmp_path / "migrations"
    steps.mkdir()
    for shipped in dbmod.MIGRATIONS_DIR.glob("[0-9]*.py"):
        shutil.copy(shipped, steps)
    (steps / "0900_add_note.py").write_text(
        "def up(migrator, db):\n    db.execute_sql('CREATE TABLE cli_test_note (id INTEGER)')\n"
    )
    return steps


def test_pending_upgrade_is_reported_refused_then_applied(
    kw: Run, with_admin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program one schema step ahead of the database: check fails, other commands refuse
    with the way out, `db upgrade` backs up and applies."""
    steps = _with_second_step(tmp_path)
    original_state = dbmod.schema_state

    def schema_state(database: object, migrations_dir: Path = steps) -> dbmod.SchemaState:
        return original_state(database, migrations_dir)  # type: ignore[arg-type]

    monkeypatch.setattr(dbmod, "schema_state", schema_state)
    monkeypatch.setattr(dbmod, "upgrade_schema",
                        functools.partial(dbmod.upgrade_schema, migrations_dir=steps))
    check = kw("--db", with_admin, "db", "check")
    assert check.code == 1
    assert "0900_add_note" in check.out and "keepwell db upgrade" in check.out

    refused = kw("--db", with_admin, "user", "list")
    assert refused.code == 1
    assert "run `keepwell db upgrade`" in refused.err.lower()

    upgrade = kw("--db", with_admin, "db", "upgrade")
    assert upgrade.code == 0, upgrade.err
    assert "Applied 0900_add_note" in upgrade.out
    backup = Path(upgrade.out.split("Backed up to ", 1)[1].splitlines()[0])
    assert backup.parent == paths.backup_dir() and backup.exists()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT username FROM user").fetchall() == [("ada",)]

    assert kw("--db", with_admin, "db", "check").code == 0
    again = kw("--db", with_admin, "db", "upgrade")
    assert again.code == 0 and "already up to date" in again.out


def test_a_database_from_a_newer_keepwell_is_refused(kw: Run, with_admin: str) -> None:
    with sqlite3.connect(_path(with_admin)) as conn:
        conn.execute("INSERT INTO schema_migration (name, applied) "
                     "VALUES ('0999_future', '2030-01-01 00:00:00')")
    check = kw("--db", with_admin, "db", "check")
    assert check.code == 1 and "newer" in check.out
    for argv in (["user", "list"], ["audit", "verify"], ["db", "upgrade"]):
        result = kw("--db", with_admin, *argv)
        assert result.code == 1
        assert "newer Keepwell" in result.err


def test_db_upgrade_refuses_an_empty_database(kw: Run, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    result = kw("--db", f"sqlite:///{path.as_posix()}", "db", "upgrade")
    assert result.code == 1 and "keepwell db init" in result.err


def test_db_backup_is_a_valid_copy_with_the_same_users(
    kw: Run, with_admin: str, tmp_path: Path
) -> None:
    dest = tmp_path / "copies" / "plant-copy.db"
    result = kw("--db", with_admin, "db", "backup", str(dest))
    assert result.code == 0, result.err
    assert str(dest) in result.out
    with sqlite3.connect(dest) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT username, role FROM user").fetchall() == [("ada", "admin")]
    assert kw("--db", f"sqlite:///{dest.as_posix()}", "db", "check").code == 0

    again = kw("--db", with_admin, "db", "backup", str(dest))
    assert again.code == 2 and "--overwrite" in again.err
    assert kw("--db", with_admin, "db", "backup", str(dest), "--overwrite").code == 0

    into_folder = kw("--db", with_admin, "db", "backup", str(tmp_path / "copies"))
    assert into_folder.code == 0
    assert len(list((tmp_path / "copies").glob("plant-*.db"))) == 2
    assert not list((tmp_path / "copies").glob("*.partial"))


def test_db_backup_never_overwrites_the_database_itself(kw: Run, with_admin: str) -> None:
    before = _sha(_path(with_admin))
    result = kw("--db", with_admin, "db", "backup", str(_path(with_admin)), "--overwrite")
    assert result.code == 2 and "is the database itself" in result.err
    assert _sha(_path(with_admin)) == before


# --- user ... --------------------------------------------------------------------------------


def _sign_in(url: str, username: str, password: str) -> auth.SignIn:
    _open(url)
    try:
        return auth.sign_in(username, password)
    finally:
        dbmod.close()


def _count(url: str, model: type[User] | type[AuditEvent]) -> int:
    _open(url)
    try:
        return model.select().count()
    finally:
        dbmod.close()


def test_user_add_with_password_stdin_must_change_it(
    kw: Run, with_admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without KEEPWELL_PASSWORD, standard input gives the admin's password, then the new one."""
    monkeypatch.delenv("KEEPWELL_PASSWORD")
    result = kw("--db", with_admin, "user", "add", "Tess", "--full-name", "Tess Tech",
                "--role", "Technician", "--craft", "electrician", *AS_ADA, "--password-stdin",
                stdin=PASSWORD + "\n" + OTHER_PASSWORD + "\nignored third line\n")
    assert result.code == 0, result.err
    assert "tess" in result.out and OTHER_PASSWORD not in result.out + result.err
    signed = _sign_in(with_admin, "tess", OTHER_PASSWORD)
    assert signed.must_change_password is True
    assert signed.actor.role.value == "technician"


def test_user_add_with_the_environment_password(
    kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first admin's password may come from KEEPWELL_PASSWORD (the acting user's password:
    for the first admin, the new one)."""
    monkeypatch.setenv("KEEPWELL_PASSWORD", OTHER_PASSWORD)
    result = kw("--db", initialised, "user", "add", "pat", "--full-name", "Pat Planner",
                "--role", "admin", "--email", "pat@example.com", "--hourly-rate", "42.5",
                "--no-force-change")
    assert result.code == 0, result.err
    assert _sign_in(initialised, "pat", OTHER_PASSWORD).must_change_password is False
    listed = json.loads(kw("--db", initialised, "user", "list", "--user", "pat", "--json").out)
    assert listed[0]["email"] == "pat@example.com"
    assert listed[0]["hourly_rate"] == "42.50"


def test_a_weak_password_is_refused_and_nothing_is_written(kw: Run, initialised: str) -> None:
    events = _count(initialised, AuditEvent)
    result = kw("--db", initialised, "user", "add", "weak", "--full-name", "Weak Password",
                "--role", "admin", "--password-stdin", stdin="short\n")
    assert result.code == 1
    assert _error_lines(result.err) == [
        "keepwell: error: Password must be at least 10 characters long."
    ]
    assert "short" not in result.out
    assert _count(initialised, User) == 0
    assert _count(initialised, AuditEvent) == events


def test_every_bad_field_is_named(kw: Run, initialised: str) -> None:
    result = kw("--db", initialised, "user", "add", "Bad Name!", "--full-name", "x" * 121,
                "--role", "admin", "--email", "nope", "--hourly-rate", "-5", "--password-stdin",
                stdin=PASSWORD)
    assert result.code == 1
    (line,) = _error_lines(result.err)
    for field in ("Username must be", "Full name is 121 characters long", "E-mail is not",
                  "Hourly rate must be between"):
        assert field in line


def test_a_duplicate_username_is_refused(kw: Run, with_admin: str) -> None:
    result = kw("--db", with_admin, "user", "add", "ADA", "--full-name", "Another Ada",
                "--role", "planner", *AS_ADA, "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    assert result.code == 1
    assert "Username 'ada' is already taken." in result.err
    assert _count(with_admin, User) == 1


def test_no_password_source_and_no_terminal_is_a_usage_error(
    kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "_stdin_is_tty", lambda: False)
    result = kw("--db", initialised, "user", "add", "bob", "--full-name", "Bob",
                "--role", "admin")
    assert result.code == 2
    assert "--password-stdin" in result.err and "KEEPWELL_PASSWORD" in result.err
    assert _count(initialised, User) == 0


def test_empty_stdin_with_password_stdin_is_a_usage_error(kw: Run, initialised: str) -> None:
    result = kw("--db", initialised, "user", "add", "bob", "--full-name", "Bob",
                "--role", "admin", "--password-stdin", stdin="")
    assert result.code == 2 and "standard input is empty" in result.err


def _prompts(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    asked: list[str] = []
    replies = iter(answers)

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(common, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(common.getpass, "getpass", fake_getpass)
    return asked


def test_the_prompt_asks_twice_and_refuses_a_mismatch(
    kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _prompts(monkeypatch, PASSWORD, OTHER_PASSWORD)
    result = kw("--db", initialised, "user", "add", "bob", "--full-name", "Bob",
                "--role", "admin")
    assert result.code == 2 and "do not match" in result.err
    assert len(asked) == 2
    assert _count(initialised, User) == 0

    _prompts(monkeypatch, PASSWORD, PASSWORD)
    result = kw("--db", initialised, "user", "add", "bob", "--full-name", "Bob",
                "--role", "admin")
    assert result.code == 0, result.err
    assert _sign_in(initialised, "bob", PASSWORD).must_change_password


def test_user_list_json_and_table(kw: Run, with_admin: str) -> None:
    kw("--db", with_admin, "user", "add", "tess", "--full-name", "Tess Tech", "--role",
       "technician", "--craft", "electrician", *AS_ADA, "--password-stdin",
       stdin=OTHER_PASSWORD)
    listed = json.loads(kw("--db", with_admin, "user", "list", *AS_ADA, "--json").out)
    assert isinstance(listed, list)
    by_name = {u["username"]: u for u in listed}
    assert set(by_name) == {"ada", "tess"}
    assert by_name["tess"]["full_name"] == "Tess Tech"
    assert by_name["tess"]["role"] == "technician"
    assert by_name["tess"]["must_change_password"] is True
    assert by_name["tess"]["active"] is True and by_name["tess"]["locked"] is False
    assert "password_hash" not in by_name["tess"]
    table = kw("--db", with_admin, "user", "list", *AS_ADA)
    assert table.code == 0
    header, rule, *rows = table.out.splitlines()
    assert header.startswith("USERNAME") and set(rule.replace(" ", "")) == {"-"}
    role_col = header.index("ROLE")
    assert [row[role_col:].split()[0] for row in rows] == ["admin", "technician"]
    assert "$2b$" not in table.out and "$2b$" not in json.dumps(listed)


def test_user_list_on_a_database_without_users(kw: Run, initialised: str) -> None:
    assert json.loads(kw("--db", initialised, "user", "list", "--json").out) == []
    assert "keepwell user add" in kw("--db", initialised, "user", "list").out


def test_reset_password_forces_a_change(kw: Run, with_admin: str) -> None:
    result = kw("--db", with_admin, "user", "reset-password", "ada", *AS_ADA,
                "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    assert result.code == 0, result.err
    with pytest.raises(AuthenticationFailed):
        _sign_in(with_admin, "ada", PASSWORD)
    assert _sign_in(with_admin, "ada", OTHER_PASSWORD).must_change_password is True


def test_reset_password_refuses_a_weak_one(kw: Run, with_admin: str) -> None:
    result = kw("--db", with_admin, "user", "reset-password", "ada", *AS_ADA,
                "--password-stdin", stdin="ada\n")
    assert result.code == 1 and "Temporary password must be" in result.err
    assert _sign_in(with_admin, "ada", PASSWORD).must_change_password is False


def test_unlock_after_lockout(kw: Run, with_admin: str) -> None:
    """Another admin unlocks ada (a locked admin cannot sign in to unlock herself)."""
    kw("--db", with_admin, "user", "add", "ben", "--full-name", "Ben Admin", "--role", "admin",
       "--no-force-change", *AS_ADA, "--password-stdin", stdin=PASSWORD)
    as_ben = ("--user", "ben")
    _open(with_admin)
    for _ in range(auth.LOCKOUT_FAILURES):
        with pytest.raises((AuthenticationFailed, AccountLocked)):
            auth.sign_in("ada", "wrong password!")
    with pytest.raises(AccountLocked):
        auth.sign_in("ada", PASSWORD)
    dbmod.close()
    assert "locked until" in kw("--db", with_admin, "user", "list", *as_ben).out
    listed = json.loads(kw("--db", with_admin, "user", "list", "--json", *as_ben).out)
    assert listed[0]["locked"] is True

    result = kw("--db", with_admin, "user", "unlock", "ada", *as_ben)
    assert result.code == 0, result.err
    assert _sign_in(with_admin, "ada", PASSWORD).actor.username == "ada"


def test_deactivate_and_reactivate(kw: Run, with_admin: str) -> None:
    kw("--db", with_admin, "user", "add", "tess", "--full-name", "Tess Tech", "--role",
       "technician", "--no-force-change", *AS_ADA, "--password-stdin", stdin=OTHER_PASSWORD)
    result = kw("--db", with_admin, "user", "deactivate", "tess", *AS_ADA)
    assert result.code == 0, result.err
    with pytest.raises(AccountInactive):
        _sign_in(with_admin, "tess", OTHER_PASSWORD)
    assert "inactive" in kw("--db", with_admin, "user", "list", *AS_ADA).out
    assert kw("--db", with_admin, "user", "reactivate", "tess", *AS_ADA).code == 0
    assert _sign_in(with_admin, "tess", OTHER_PASSWORD).actor.username == "tess"


def test_an_admin_cannot_deactivate_herself(kw: Run, with_admin: str) -> None:
    """(So the last admin cannot be deactivated from the command line either: only an admin
    acts, and another admin means she is not the last.)"""
    result = kw("--db", with_admin, "user", "deactivate", "ada", *AS_ADA)
    assert result.code == 1 and "it is your own" in result.err


@pytest.mark.parametrize(
    "argv", [["unlock"], ["deactivate"], ["reactivate"], ["reset-password", "--password-stdin"]]
)
def test_an_unknown_user_is_named(kw: Run, with_admin: str, argv: list[str]) -> None:
    result = kw("--db", with_admin, "user", argv[0], "ghost", *argv[1:], *AS_ADA,
                stdin=OTHER_PASSWORD)
    assert result.code == 1
    assert "There is no user 'ghost'" in result.err


def test_user_commands_refuse_a_database_that_is_not_initialised(
    kw: Run, url: str, tmp_path: Path
) -> None:
    sqlite3.connect(_path(url)).close()
    commands = [["user", "list"], ["audit", "verify"],
                ["user", "add", "ada", "--full-name", "Ada", "--role", "admin",
                 "--password-stdin"]]
    for argv in commands:
        result = kw("--db", url, *argv, stdin=PASSWORD)
        assert result.code == 1, argv
        assert "keepwell db init" in result.err


def test_demo_fills_a_new_sqlite_file(kw: Run, url: str) -> None:
    """`demo` is how a newcomer tries Keepwell: it needs no `db init` on a SQLite file."""
    assert not _path(url).exists()
    result = kw("--db", url, "demo")
    assert result.code == 0, result.err
    assert "Demo plant created" in result.out
    assert kw("--db", url, "db", "check").code == 0


def test_the_embedded_database_initialises_itself_for_user_add(kw: Run) -> None:
    default = _path(common.default_database_url())
    assert not default.exists()
    assert kw("user", "list").code == 1  # only `user add` and `demo` create it
    assert not default.exists()
    result = kw("user", "add", "ada", "--full-name", "Ada Admin", "--role", "admin",
                "--password-stdin", stdin=PASSWORD)
    assert result.code == 0, result.err
    assert "Created the Keepwell database" in result.err
    assert default.exists()
    check = kw("db", "check")
    assert check.code == 0 and "embedded default" in check.out


# --- audit verify ----------------------------------------------------------------------------


def test_audit_verify_ok_then_detects_tampering(kw: Run, with_admin: str) -> None:
    kw("--db", with_admin, "user", "unlock", "ada", *AS_ADA)
    ok = kw("--db", with_admin, "audit", "verify")
    assert ok.code == 0
    events = _count(with_admin, AuditEvent)
    assert ok.out.splitlines()[0] == f"audit chain OK: {events} events"

    with sqlite3.connect(_path(with_admin)) as conn:
        first = conn.execute("SELECT min(id) FROM audit_event").fetchone()[0]
        conn.execute("UPDATE audit_event SET changes = ? WHERE id = ?",
                     ('{"role":[null,"requester"]}', first))
    broken = kw("--db", with_admin, "audit", "verify")
    assert broken.code == 1
    assert f"event {first}" in broken.out
    assert "changed after it was written" in broken.out


# --- demo ------------------------------------------------------------------------------------


def test_demo_fills_the_embedded_database_and_prints_the_sign_ins(kw: Run) -> None:
    from app.services.demo import plant

    result = kw("demo")
    assert result.code == 0, result.err
    for username, full_name, role, password in plant.DEMO_ACCOUNTS:
        line = next(line for line in result.out.splitlines() if line.startswith(username + " "))
        assert full_name in line and role in line and password in line
    report = json.loads(kw("db", "check", "--json").out)
    assert report["ok"]
    assert report["counts"]["assets"] > 0 and report["counts"]["work_orders"] > 0
    assert f"{report['counts']['assets']} assets" in result.out
    username, _, _, password = plant.DEMO_ACCOUNTS[0]
    assert _sign_in(common.default_database_url(), username, password).actor.username == username
    assert kw("audit", "verify").code == 0


def test_demo_on_an_initialised_database(kw: Run, initialised: str) -> None:
    result = kw("--db", initialised, "demo")
    assert result.code == 0, result.err
    assert "Demo plant created" in result.out and "1 site," in result.out
    again = kw("--db", initialised, "demo")
    assert again.code == 1
    assert _error_lines(again.err) == [
        "keepwell: error: This database already has accounts or data: the demo plant can only "
        "be created in an empty database."
    ]


# --- signing in as a Keepwell user (for commands of later issues) ---------------------------


def _sign_in_args(username: str, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    common.add_sign_in_options(parser)
    return parser.parse_args(["--user", username, *extra])


def test_sign_in_from_args_with_each_password_source(
    with_admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open(with_admin)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert common.sign_in_from_args(_sign_in_args("ada", "--password-stdin")).username == "ada"

    monkeypatch.setenv("KEEPWELL_PASSWORD", PASSWORD)
    assert common.sign_in_from_args(_sign_in_args("ADA")).role.value == "admin"
    monkeypatch.delenv("KEEPWELL_PASSWORD")

    asked = _prompts(monkeypatch, PASSWORD)
    assert common.sign_in_from_args(_sign_in_args("ada")).user_id is not None
    assert asked == ["Keepwell password for ada: "]  # asked once, not twice

    monkeypatch.setattr(common, "_stdin_is_tty", lambda: False)
    with pytest.raises(common.UsageError):
        common.sign_in_from_args(_sign_in_args("ada"))


def test_sign_in_from_args_refusals(
    kw: Run, with_admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw("--db", with_admin, "user", "add", "newbie", "--full-name", "New Person", "--role",
       "planner", *AS_ADA, "--password-stdin", stdin=OTHER_PASSWORD)
    _open(with_admin)
    monkeypatch.setenv("KEEPWELL_PASSWORD", "not the password")
    with pytest.raises(AuthenticationFailed):
        common.sign_in_from_args(_sign_in_args("ada"))
    monkeypatch.setenv("KEEPWELL_PASSWORD", OTHER_PASSWORD)
    with pytest.raises(PermissionDenied, match="must choose a new password"):
        common.sign_in_from_args(_sign_in_args("newbie"))
    with pytest.raises(SystemExit):  # there is no --password option
        _sign_in_args("ada", "--password", PASSWORD)


# --- errors and logging ----------------------------------------------------------------------


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(
    kw: Run, with_admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(users, "list_users", broken)
    result = kw("--db", with_admin, "user", "list", *AS_ADA)
    assert result.code == 1
    assert _error_lines(result.err) == [
        f"keepwell: error: unexpected RuntimeError: boom (details in {logs.log_file()})"
    ]
    log_text = (paths.user_log_dir() / "keepwell.log").read_text()
    assert "Traceback" in log_text and "boom" in log_text


def test_the_log_file_records_commands_but_no_password(kw: Run, initialised: str) -> None:
    kw("--db", initialised, "user", "add", "ada", "--full-name", "Ada", "--role", "admin",
       "--password-stdin", stdin=PASSWORD)
    kw("--db", initialised, "user", "add", "bob", "--full-name", "Bob", "--role", "admin",
       "--password-stdin", stdin="tooshort")
    log_path = paths.user_log_dir() / "keepwell.log"
    text = log_path.read_text()
    assert "keepwell user add" in text
    assert PASSWORD not in text and "tooshort" not in text and "$2b$" not in text


def test_even_debug_logging_writes_no_hash(initialised: str) -> None:
    log_path = logs.setup_logging(logging.DEBUG)
    assert log_path is not None
    _open(initialised)
    peewee_log = logging.getLogger("peewee")
    saved = peewee_log.level
    peewee_log.setLevel(logging.DEBUG)  # as someone chasing a query might
    try:
        users.add_user(it_actor("tester"), "ada", "Ada", "admin", PASSWORD)
    finally:
        peewee_log.setLevel(saved)
    logging.getLogger("app.test").debug("debug records are written")
    text = log_path.read_text()
    assert "debug records are written" in text
    assert PASSWORD not in text and "$2b$" not in text


def test_setup_logging_is_idempotent_and_follows_the_folder(tmp_path: Path) -> None:
    first = logs.setup_logging(log_dir=tmp_path / "a")
    assert logs.setup_logging(log_dir=tmp_path / "a") == first == tmp_path / "a" / "keepwell.log"
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == "keepwell-file"]
    assert len(handlers) == 1
    moved = logs.setup_logging(log_dir=tmp_path / "b")
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == "keepwell-file"]
    assert len(handlers) == 1 and logs.log_file() == moved == tmp_path / "b" / "keepwell.log"


def test_setup_logging_without_a_writable_folder_returns_none(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert logs.setup_logging(log_dir=blocker / "logs") is None


# --- the real entry point, as a subprocess (production bcrypt cost: keep these few) ----------


def _keepwell(*argv: str, url: str | None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)  # no display at all: the CLI must not need one
    if url:
        env["KEEPWELL_DATABASE_URL"] = url
    result = subprocess.run(
        [sys.executable, "-m", "ui.main", *argv],
        cwd=REPO, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def test_entry_point_init_add_list_check(url: str) -> None:
    assert _keepwell("--version", url=None).stdout.strip() == "keepwell 0.1.0"
    init = _keepwell("db", "init", url=url)
    assert init.returncode == 0, init.stderr
    add = _keepwell("user", "add", "ada", "--full-name", "Ada Admin", "--role", "admin",
                    "--no-force-change", "--password-stdin", url=url, stdin=PASSWORD + "\n")
    assert add.returncode == 0, add.stderr
    listed = _keepwell("user", "list", "--json", "--user", "ada", "--password-stdin", url=url,
                       stdin=PASSWORD + "\n")
    assert listed.returncode == 0
    assert [u["username"] for u in json.loads(listed.stdout)] == ["ada"]
    check = _keepwell("db", "check", url=url)
    assert check.returncode == 0, check.stdout
    assert "KEEPWELL_DATABASE_URL environment variable" in check.stdout
    assert (paths.user_log_dir() / "keepwell.log").exists()


def test_entry_point_errors_are_one_line_with_the_right_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database at all\n" * 100)
    before = _sha(path)
    corrupt = _keepwell("db", "check", url=f"sqlite:///{path.as_posix()}")
    assert corrupt.returncode == 1
    assert corrupt.stderr.splitlines()[0].startswith("keepwell: error: ")
    assert "not a Keepwell database" in corrupt.stderr
    assert _sha(path) == before

    bad = _keepwell("user", "list", url="nonsense")
    assert bad.returncode == 1 and "is not a database URL" in bad.stderr

    usage = _keepwell("user", "frobnicate", url=None)
    assert usage.returncode == 2 and "usage:" not in usage.stderr
    assert usage.stderr.strip().endswith("(see keepwell user --help)")

    no_password = _keepwell("user", "add", "ada", "--full-name", "Ada", "--role", "admin",
                            url=f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    assert no_password.returncode == 1  # the database is not initialised: refused first
    assert "keepwell db init" in no_password.stderr


def test_output_cut_short_by_its_reader_is_no_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`keepwell pm list | head -3`: head stops reading, writing fails with a broken pipe;
    that is the reader's choice, not a failure to report."""
    def listing(_args: argparse.Namespace) -> int:
        print("ID  ASSET")
        raise BrokenPipeError(32, "Broken pipe")

    code = cli.run(argparse.Namespace(command="pm", action="list", handler=listing))
    assert code == common.EXIT_OK
    assert capsys.readouterr().err == ""
