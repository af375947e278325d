"""The `keepwell` command line against PostgreSQL: each test gets an empty database (`db_url`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from app import db as dbmod
from app.cli import common
from app.services.people import auth
from tests.cli_runner import Run
from tests.conftest import LATEST_MIGRATION
from tests.integration.conftest import needs_password_auth, without_password

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"


@pytest.fixture
def initialised(kw: Run, db_url: str) -> str:
    result = kw("--db", db_url, "db", "init")
    assert result.code == 0, result.err
    return db_url


def _add_admin(kw: Run, url: str) -> None:
    result = kw("--db", url, "user", "add", "ada", "--full-name", "Ada Admin", "--role", "admin",
                "--no-force-change", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.code == 0, result.err


def _password(url: str) -> str | None:
    return urlsplit(url).password


def test_db_init_check_and_init_again(kw: Run, db_url: str) -> None:
    empty = kw("--db", db_url, "db", "check")
    assert empty.code == 1 and "keepwell db init" in empty.out
    refused = kw("--db", db_url, "user", "list")
    assert refused.code == 1 and "keepwell db init" in refused.err

    init = kw("db", "init", "--db", db_url)
    assert init.code == 0, init.err
    check = kw("db", "check", "--json", "--db", db_url)
    assert check.code == 0
    report = json.loads(check.out)
    assert report["backend"] == "postgresql" and report["ok"] is True
    assert report["schema_version"] == LATEST_MIGRATION
    assert report["counts"] == {"users": 0, "assets": 0, "work_orders": 0}
    password = _password(db_url)
    assert not password or f":{password}@" not in check.out  # user:password@host

    again = kw("--db", db_url, "db", "init")
    assert again.code == 1 and "already initialised" in again.err
    assert kw("--db", db_url, "db", "upgrade").out.strip().endswith(
        f"already up to date ({LATEST_MIGRATION}).")


def test_only_db_init_initialises_postgresql(kw: Run, db_url: str) -> None:
    result = kw("--db", db_url, "user", "add", "ada", "--full-name", "Ada", "--role", "admin",
                "--password-stdin", stdin=PASSWORD)
    assert result.code == 1 and "keepwell db init" in result.err
    plant = kw("--db", db_url, "demo")
    assert plant.code == 1 and "keepwell db init" in plant.err


def test_users_and_audit(kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _add_admin(kw, initialised)
    monkeypatch.setenv("KEEPWELL_PASSWORD", "battery-staple-77")
    tech = kw("--db", initialised, "user", "add", "tess", "--full-name", "Tess Tech",
              "--role", "technician", "--hourly-rate", "38.5")
    assert tech.code == 0, tech.err
    dup = kw("--db", initialised, "user", "add", "tess", "--full-name", "Tess Two",
             "--role", "technician")
    assert dup.code == 1 and "already taken" in dup.err

    listed = json.loads(kw("--db", initialised, "user", "list", "--json").out)
    assert [(u["username"], u["role"], u["must_change_password"]) for u in listed] == [
        ("ada", "admin", False), ("tess", "technician", True)]
    assert listed[1]["hourly_rate"] == "38.50"

    reset = kw("--db", initialised, "user", "reset-password", "ada", "--password-stdin",
               stdin="temporary-pass-1\n")
    assert reset.code == 0, reset.err
    dbmod.connect(initialised)
    assert auth.sign_in("ada", "temporary-pass-1").must_change_password is True
    dbmod.close()
    assert kw("--db", initialised, "user", "deactivate", "tess").code == 0
    assert kw("--db", initialised, "user", "unlock", "ada").code == 0

    ok = kw("--db", initialised, "audit", "verify")
    assert ok.code == 0 and ok.out.startswith("audit chain OK: ")

    with psycopg.connect(initialised, autocommit=True) as conn:
        row = conn.execute("SELECT min(id) FROM audit_event").fetchone()
        assert row is not None
        conn.execute("UPDATE audit_event SET changes = %s WHERE id = %s", ('{"x":1}', row[0]))
    broken = kw("--db", initialised, "audit", "verify")
    assert broken.code == 1 and f"BROKEN at event {row[0]}" in broken.out


def test_backup_with_pg_dump_restores_the_same_users(
    kw: Run, initialised: str, tmp_path: Path, pg_server
) -> None:
    _add_admin(kw, initialised)
    dest = tmp_path / "plant.dump"
    result = kw("--db", initialised, "db", "backup", str(dest))
    assert result.code == 0, result.err
    assert dest.read_bytes()[:5] == b"PGDMP"

    restored = pg_server.create_database()
    target = dbmod.parse_url(restored)
    env = dict(os.environ, PGPASSWORD=target.password or "")
    subprocess.run(
        ["pg_restore", "--no-owner", "--dbname", target.dbname, "--host", target.host or
         "localhost", *(["--port", str(target.port)] if target.port else []),
         "--username", target.user, str(dest)],
        check=True, env=env, capture_output=True, timeout=120,
    )
    with psycopg.connect(restored) as conn:
        assert conn.execute('SELECT username, role FROM "user"').fetchall() == [("ada", "admin")]
    assert kw("--db", restored, "audit", "verify").code == 0


def test_a_password_is_asked_for_once_on_a_terminal(
    kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    password = needs_password_auth(initialised)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    bare = without_password(initialised)

    monkeypatch.setattr(common, "_stdin_is_tty", lambda: False)
    refused = kw("--db", bare, "db", "check")
    assert refused.code == 1
    assert "refused the credentials" in refused.err and "keepwell: hint:" in refused.err

    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return password

    monkeypatch.setattr(common, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(common.getpass, "getpass", fake_getpass)
    check = kw("--db", bare, "db", "check")
    assert check.code == 0, check.err
    assert len(asked) == 1 and "PostgreSQL password" in asked[0]
    assert f":{password}@" not in check.out + check.err

    # The prompted password reaches pg_dump too.
    backup = kw("--db", bare, "db", "backup", str(tmp_path / "prompted.dump"))
    assert backup.code == 0, backup.err
    assert len(asked) == 2
    assert (tmp_path / "prompted.dump").read_bytes()[:5] == b"PGDMP"


def test_demo(kw: Run, initialised: str) -> None:
    from app.services.demo import plant

    result = kw("--db", initialised, "demo")
    assert result.code == 0, result.err
    for username, _full_name, _role, password in plant.DEMO_ACCOUNTS:
        assert any(line.startswith(username + " ") and password in line
                   for line in result.out.splitlines())
    report = json.loads(kw("--db", initialised, "db", "check", "--json").out)
    assert report["ok"] and report["counts"]["assets"] > 0
    assert kw("--db", initialised, "audit", "verify").code == 0


def test_entry_point_against_postgresql(initialised: str) -> None:
    env = dict(os.environ, KEEPWELL_DATABASE_URL=initialised)
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "ui.main", "db", "check"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "(postgresql)" in result.stdout
    assert "Traceback" not in result.stderr
