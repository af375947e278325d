"""The database layer on a real PostgreSQL server: the ladder, refusals, errors in words,
pg_dump backups and what happens when the server drops our connection.

Each test gets an empty database of its own (`db_url`, tests/integration/conftest.py).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import peewee
import psycopg
import pytest
from playhouse.schema_diff import diff_models

from app import db as dbmod
from app.errors import DatabaseUnavailable
from app.models import ALL_MODELS, Site
from app.services import backups
from tests.cli_runner import Run
from tests.conftest import SHIPPED_MIGRATIONS
from tests.integration.conftest import (
    PgServer,
    needs_password_auth,
    unavailable,
    without_password,
)
from tests.unit.test_migrations import (
    ADD_SITE_NOTE,
    FAILS_HALF_WAY,
    INITIAL,
    SEARCH_INDEXES,
    assert_same_schema,
    fresh_schema,
    schema_snapshot,
)


def _replace(url: str, *, password: str | None = None, port: int | None = None) -> str:
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.hostname or "localhost"
    netloc = user
    if password is not None:
        netloc += f":{password}"
    elif parts.password:
        netloc += f":{parts.password}"
    netloc = f"{netloc}@{host}" if netloc else host
    if port or parts.port:
        netloc += f":{port or parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def opened(db_url: str) -> Iterator[tuple[peewee.Database, dbmod.DatabaseTarget]]:
    database, target = dbmod.connect(db_url)
    yield database, target
    dbmod.close()


@pytest.fixture
def ladder_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(INITIAL, folder / INITIAL.name)
    return folder


def _history(database: peewee.Database) -> list[str]:
    rows = database.execute_sql(f"SELECT name FROM {dbmod.HISTORY_TABLE} ORDER BY name")
    return [name for (name,) in rows.fetchall()]


def _backend_pid(database: peewee.Database) -> int:
    return int(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])


def _terminate(server: PgServer, pid: int) -> None:
    """The server (or an admin, or a network cut) drops one of our connections."""
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):  # termination is asynchronous: wait until the backend is gone
            row = conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
            if row is None:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} was not terminated")


# --- the ladder ---------------------------------------------------------------------------------


def test_the_ladder_builds_exactly_what_the_models_declare(
    db_url: str, pg_server: PgServer
) -> None:
    database, target = dbmod.connect(db_url)
    try:
        assert not target.is_sqlite
        assert dbmod.initialise_schema(database, target) == list(SHIPPED_MIGRATIONS)
        ladder = schema_snapshot(database)
        diff = diff_models(database, ALL_MODELS)
        diff = diff._replace(drop_indexes=[
            i for i in diff.drop_indexes if i.name not in SEARCH_INDEXES])  # steps 0003, 0004
        assert not diff, f"models and ladder disagree:\n{diff}"
    finally:
        dbmod.close()
    fresh_db, _fresh_target = dbmod.connect(pg_server.create_database())
    try:
        fresh_schema(fresh_db)
        assert_same_schema(ladder, schema_snapshot(fresh_db))
    finally:
        dbmod.close()
    assert sorted(ladder) == sorted(m._meta.table_name for m in ALL_MODELS)


def test_upgrade_takes_a_pg_dump_first_then_applies_the_step(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], ladder_dir: Path, tmp_path: Path
) -> None:
    database, target = opened
    dbmod.initialise_schema(database, target, ladder_dir)
    Site.create(code="N", name="North plant")
    (ladder_dir / "0002_site_note.py").write_text(ADD_SITE_NOTE)

    applied, copy = dbmod.upgrade_schema(database, target, tmp_path / "backups", ladder_dir)

    assert applied == ["0002_site_note"]
    assert copy is not None and copy.suffix == ".dump"
    assert copy.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert database.execute_sql("SELECT code, note FROM site").fetchall() == [("N", "")]
    assert _history(database) == ["0001_initial", "0002_site_note"]


def test_a_failing_step_leaves_the_schema_as_it_was(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], ladder_dir: Path, tmp_path: Path
) -> None:
    database, target = opened
    dbmod.initialise_schema(database, target, ladder_dir)
    Site.create(code="N", name="North plant")
    before = schema_snapshot(database)
    (ladder_dir / "0002_site_note.py").write_text(FAILS_HALF_WAY)

    with pytest.raises(RuntimeError, match="failed half way"):
        dbmod.upgrade_schema(database, target, tmp_path / "backups", ladder_dir)

    assert schema_snapshot(database) == before
    assert _history(database) == ["0001_initial"]
    assert [s.name for s in Site.select()] == ["North plant"]
    # The upgrade lock was released: another upgrade can run.
    with psycopg.connect(_dsn(target), autocommit=True) as other:
        got = other.execute("SELECT pg_try_advisory_lock(%s)", (dbmod._PG_UPGRADE_LOCK,))
        assert got.fetchone() == (True,)


def _dsn(target: dbmod.DatabaseTarget) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=target.dbname,
        host=target.host or None,
        port=target.port,
        user=target.user or None,
        password=target.password,
    )


# --- refusals -----------------------------------------------------------------------------------


def test_a_newer_schema_is_refused_and_not_changed(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], tmp_path: Path
) -> None:
    database, target = opened
    dbmod.initialise_schema(database, target)
    database.execute_sql(
        f"INSERT INTO {dbmod.HISTORY_TABLE} (name, applied) VALUES (%s, now())",
        ("0042_meter_readings",),
    )
    before = schema_snapshot(database)
    state = dbmod.schema_state(database)
    assert state.unknown == ("0042_meter_readings",)
    for attempt in (
        lambda: dbmod.refuse_unusable(state, target),
        lambda: dbmod.initialise_schema(database, target),
        lambda: dbmod.upgrade_schema(database, target, tmp_path / "backups"),
    ):
        with pytest.raises(DatabaseUnavailable) as caught:
            attempt()
        assert caught.value.kind == DatabaseUnavailable.NEWER_SCHEMA
        assert target.dbname in caught.value.message
        assert "newer Keepwell" in caught.value.message
    assert not (tmp_path / "backups").exists()
    assert schema_snapshot(database) == before
    assert _history(database) == [*SHIPPED_MIGRATIONS, "0042_meter_readings"]


def test_a_foreign_database_is_refused_and_not_changed(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], tmp_path: Path
) -> None:
    database, target = opened
    database.execute_sql("CREATE TABLE invoice (id serial PRIMARY KEY, total numeric)")
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.upgrade_schema(database, target, tmp_path / "backups")
    assert caught.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert "invoice" in caught.value.message
    assert database.get_tables() == ["invoice"]


# --- connecting ---------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_in_words(pg_server: PgServer) -> None:
    url = _replace(pg_server.admin_url, password="wrong-password-kw")
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.OperationalError:
        pass
    else:
        unavailable("this server accepts a wrong password (trust authentication), so refusing "
                    "one cannot be tested")
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(url)
    assert caught.value.kind == DatabaseUnavailable.AUTH_FAILED
    assert "refused the credentials" in caught.value.message
    text = caught.value.message + caught.value.hint
    assert "wrong-password-kw" not in text


def test_a_server_that_is_not_there_is_reported_quickly(pg_server: PgServer) -> None:
    url = _replace(pg_server.admin_url, password="secret-kw-1977", port=1)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(url)
    assert time.monotonic() - started < 5
    assert caught.value.kind == DatabaseUnavailable.UNREACHABLE
    assert "Cannot reach the PostgreSQL server" in caught.value.message
    assert ":1/" in caught.value.message
    assert "server is running" in caught.value.hint
    assert "secret-kw-1977" not in caught.value.message + caught.value.hint


def test_connecting_never_waits_forever() -> None:
    """libpq waits indefinitely by default; Keepwell gives up after a few seconds."""
    database = dbmod._postgres_database(dbmod.parse_url("postgresql://u@db.plant/keepwell"), None)
    assert 0 < int(database.connect_params["connect_timeout"]) <= 10
    database = dbmod._postgres_database(
        dbmod.parse_url("postgresql://u@db.plant/keepwell?connect_timeout=2"), None
    )
    assert int(database.connect_params["connect_timeout"]) == 2


def test_a_database_that_does_not_exist_is_named(pg_server: PgServer) -> None:
    url = urlunsplit(urlsplit(pg_server.admin_url)._replace(path="/kw_no_such_database"))
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(url)
    assert caught.value.kind == DatabaseUnavailable.UNREACHABLE
    assert "no such database" in caught.value.message
    assert "kw_no_such_database" in caught.value.message
    assert "create the database" in caught.value.hint


# --- backup -------------------------------------------------------------------------------------


def test_backup_with_pg_dump(db: dbmod.DatabaseTarget, tmp_path: Path) -> None:
    Site.create(code="N", name="North plant")
    dest = dbmod.backup(dbmod.database.obj, db, tmp_path / "backups" / "keepwell.dump")
    assert dest.is_file() and dest.read_bytes()[:5] == b"PGDMP"
    pg_restore = shutil.which("pg_restore")
    if pg_restore:
        listing = subprocess.run(
            [pg_restore, "--list", str(dest)], capture_output=True, text=True, check=True
        ).stdout
        assert "TABLE DATA public site" in listing
        assert f"TABLE DATA public {dbmod.HISTORY_TABLE}" in listing


def test_a_failed_pg_dump_is_reported_in_words(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], tmp_path: Path
) -> None:
    database, target = opened
    gone = dbmod.DatabaseTarget(
        backend="postgresql", host=target.host, port=target.port, user=target.user,
        password=target.password, dbname="kw_no_such_database",
    )
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.backup(database, gone, tmp_path / "x.dump")
    assert "pg_dump failed" in caught.value.message
    if target.password:
        assert target.password not in caught.value.message


# --- daily backups and restores are the embedded database's; the server's are IT's ------------


def test_no_daily_backup_of_a_postgresql_database(db: dbmod.DatabaseTarget, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    assert backups.daily_backup_if_due(dbmod.database.obj, folder=folder) is None
    assert not folder.exists()


def test_db_restore_refuses_postgresql_and_the_pg_restore_it_names_works(
    db: dbmod.DatabaseTarget, db_url: str, kw: Run, tmp_path: Path
) -> None:
    Site.create(code="N", name="North plant")
    dump = tmp_path / "keepwell.dump"
    assert kw("--db", db_url, "db", "backup", str(dump)).code == 0
    dbmod.connect(db_url)
    Site.create(code="L", name="Written after the backup")
    dbmod.close()

    refused = kw("--db", db_url, "db", "restore", str(dump), "--yes")
    assert refused.code == 1
    assert "is a PostgreSQL database" in refused.err and "Nothing was changed" in refused.err
    command = "pg_restore --clean --if-exists --single-transaction --dbname=DATABASE FILE.dump"
    assert command in refused.err
    # IT's command as named, on this server's database: the later write is gone.
    args = command.replace("DATABASE", db_url).replace("FILE.dump", str(dump)).split()
    subprocess.run(args, capture_output=True, text=True, check=True, timeout=300)
    dbmod.connect(db_url)
    assert [s.code for s in Site.select().order_by(Site.code)] == ["N"]


# --- dropped connections ------------------------------------------------------------------------


def test_reconnects_after_a_dropped_connection_outside_a_transaction(
    db: dbmod.DatabaseTarget, pg_server: PgServer
) -> None:
    database = dbmod.database.obj
    first = _backend_pid(database)
    _terminate(pg_server, first)
    Site.create(code="N", name="North plant")  # no error: a new connection is made
    assert _backend_pid(database) != first
    assert [s.code for s in Site.select()] == ["N"]


def test_a_dropped_connection_inside_a_transaction_is_an_error(
    db: dbmod.DatabaseTarget, pg_server: PgServer
) -> None:
    """Never silently retried: the half-done transaction is lost and the caller is told so."""
    database = dbmod.database.obj
    with pytest.raises((peewee.OperationalError, peewee.InterfaceError)):
        with dbmod.write_transaction():
            Site.create(code="N", name="North plant")
            _terminate(pg_server, _backend_pid(database))
            Site.create(code="S", name="South plant")
    assert not database.in_transaction()
    # The next use outside a transaction reconnects; nothing of the lost one was committed.
    assert Site.select().count() == 0
    with dbmod.write_transaction():
        Site.create(code="E", name="East plant")
    assert [s.code for s in Site.select()] == ["E"]


def test_backup_with_the_password_typed_at_sign_in(
    pg_server: PgServer, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk whose URL has no password asks for it (DESIGN: pgpass, PGPASSWORD or a prompt);
    the backup before an upgrade must use the password the user typed."""
    password = needs_password_auth(db_url)
    monkeypatch.delenv("PGPASSWORD", raising=False)  # and HOME (~/.pgpass) is a fresh folder
    database, target = dbmod.connect(without_password(db_url), password=password)
    try:
        assert target.password is None
        dest = dbmod.backup(database, target, tmp_path / "keepwell.dump")
        assert dest.read_bytes()[:5] == b"PGDMP"
    finally:
        dbmod.close()
