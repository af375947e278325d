"""The `keepwell` command line against PostgreSQL: each test gets an empty database (`db_url`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from app import db as dbmod
from app.cli import common
from app.errors import AccountLocked, AuthenticationFailed, PermissionDenied
from app.models import AuditEvent
from app.permissions import it_actor
from app.services.people import auth, recovery
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
    monkeypatch.setenv("KEEPWELL_PASSWORD", PASSWORD)  # ada's: she adds and manages the others
    as_ada = ("--user", "ada")
    tech = kw("--db", initialised, "user", "add", "tess", "--full-name", "Tess Tech",
              "--role", "technician", "--hourly-rate", "38.5", *as_ada, "--password-stdin",
              stdin="battery-staple-77\n")
    assert tech.code == 0, tech.err
    dup = kw("--db", initialised, "user", "add", "tess", "--full-name", "Tess Two",
             "--role", "technician", *as_ada, "--password-stdin", stdin="battery-staple-77\n")
    assert dup.code == 1 and "already taken" in dup.err

    listed = json.loads(kw("--db", initialised, "user", "list", "--json", *as_ada).out)
    assert [(u["username"], u["role"], u["must_change_password"]) for u in listed] == [
        ("ada", "admin", False), ("tess", "technician", True)]
    assert listed[1]["hourly_rate"] == "38.50"

    reset = kw("--db", initialised, "user", "reset-password", "tess", *as_ada,
               "--password-stdin", stdin="temporary-pass-1\n")
    assert reset.code == 0, reset.err
    dbmod.connect(initialised)
    assert auth.sign_in("tess", "temporary-pass-1").must_change_password is True
    dbmod.close()
    assert kw("--db", initialised, "user", "deactivate", "tess", *as_ada).code == 0
    assert kw("--db", initialised, "user", "unlock", "ada", *as_ada).code == 0
    mallory = kw("--db", initialised, "user", "add", "mallory", "--full-name", "M", "--role",
                 "admin", "--password-stdin", stdin="Attacker-pass-123\n")
    assert mallory.code == 2 and "needs an administrator's sign-in" in mallory.err

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


# --- who may recover an account: the database's owner role -----------------------------------


def test_recovery_by_the_role_that_owns_the_database(
    kw: Run, initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test role made this database, so it owns it: it may reset the locked-out admin's
    password without a sign-in; the reset is audited as a recovery and must be changed."""
    _add_admin(kw, initialised)
    dbmod.connect(initialised)
    try:
        for _ in range(auth.LOCKOUT_FAILURES):
            with pytest.raises((AuthenticationFailed, AccountLocked)):
                auth.sign_in("ada", "wrong password!")
    finally:
        dbmod.close()
    result = kw("--db", initialised, "user", "reset-password", "ada", "--recovery",
                "--password-stdin", stdin="recovered-pass-1\n")
    assert result.code == 0, result.err
    dbmod.connect(initialised)
    try:
        [event] = AuditEvent.select().where(AuditEvent.action == recovery.RECOVERY_EVENT)
        assert event.actor.startswith("it:") and "os_user" in json.loads(event.changes)
        assert auth.sign_in("ada", "recovered-pass-1").must_change_password is True
    finally:
        dbmod.close()
    assert kw("--db", initialised, "audit", "verify").code == 0


def _not_owned_database(pg_url: str) -> str:
    """A database on the test server that the test role may connect to but does not own (nor
    is a member of its owner role): `postgres` or `template1`, owned by the superuser."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT datname FROM pg_database WHERE datallowconn AND has_database_privilege("
            "datname, 'CONNECT') AND NOT pg_has_role(current_user, datdba, 'MEMBER') "
            "ORDER BY datname = 'postgres' DESC, datname LIMIT 1").fetchone()
    assert row is not None, (
        "the test role owns (or is a member of the owner of) every database it can reach, "
        "e.g. a superuser: the recovery's refusal cannot be tried with it")
    return urlunsplit(urlsplit(pg_url)._replace(path=f"/{row[0]}"))


def test_recovery_is_refused_to_a_role_that_does_not_own_the_database(db_url: str) -> None:
    """The keepwell test role has CREATEDB but not CREATEROLE, so it cannot make a second
    role; instead it connects to a database owned by the superuser. The service refuses there
    before it reads or writes any row (that database has no Keepwell tables at all)."""
    foreign = _not_owned_database(db_url)
    dbmod.connect(foreign)
    try:
        problem = recovery.database_owner_problem()
        assert problem is not None and "does not own the database" in problem
        with pytest.raises(PermissionDenied, match="Recovery refused: the PostgreSQL role"):
            recovery.recovery_reset_password(it_actor("tester"), 1, "recovered-pass-1")
    finally:
        dbmod.close()


def _waiting_on_locks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchone()
    return int(row[0]) if row else 0


def test_two_first_admins_at_once_make_one(initialised: str) -> None:
    """Two processes adding "the first admin" to a new PostgreSQL database at the same moment
    (READ COMMITTED would let both see no admin and both insert): one is created, the other is
    told to sign in. The test holds writes to the user table (reads go on) until both are
    waiting on a lock, so that they really meet: without the service's advisory lock both
    would have read "no admin yet" and be waiting to insert."""
    holder = psycopg.connect(initialised)
    holder.execute('LOCK TABLE "user" IN EXCLUSIVE MODE')
    try:
        env = dict(os.environ, KEEPWELL_PASSWORD=PASSWORD)  # the first admin's own
        procs = [subprocess.Popen(
            [sys.executable, "-m", "app.cli", "--db", initialised, "user", "add", name,
             "--full-name", name.title(), "--role", "admin"],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True) for name in ("ada", "ben")]
        deadline = time.monotonic() + 60
        while _waiting_on_locks(initialised) < 2:  # no event to wait on: poll the server
            assert time.monotonic() < deadline, "the two processes never both waited"
            assert all(proc.poll() is None for proc in procs), [p.communicate() for p in procs]
            time.sleep(0.05)
    finally:
        holder.commit()  # both go on at once
        holder.close()
    results = [proc.communicate(timeout=120) for proc in procs]
    assert sorted(proc.returncode for proc in procs) == [0, 1], results
    assert any("already has an administrator" in err for _out, err in results)
    with psycopg.connect(initialised) as conn:
        assert conn.execute('SELECT count(*) FROM "user"').fetchone() == (1,)
