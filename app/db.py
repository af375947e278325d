"""The database layer: one proxy, opened from one function for SQLite and PostgreSQL.

`connect(url)` connects and binds the proxy (to one of the database classes of
app/db_backends.py); `schema_state`, `initialise_schema` and `upgrade_schema` create, upgrade
(after a backup) or refuse; services write through `write_transaction()`.

THE RULE FOR SQLITE FILES. Nothing in Keepwell opens, reads, copies, stats-by-opening, renames,
truncates or removes a database file or its -wal / -shm / -journal files by any means other
than connections of the one `sqlite3` library, while a connection may exist in the process. On
POSIX, closing any descriptor of a file releases every lock the process holds on it, SQLite's
included: the next process to close its connection then deletes the WAL under ours and work is
lost (sqlite.org, "How To Corrupt An SQLite Database File", 2.2). Ask SQLite instead: it says
"file is not a database" itself; backups use the backup API or `VACUUM INTO`; a restore writes
through the backup API. `app.sqlite_guard` enforces this at run time: such an operation raises
PermissionError while a connection is open (tests/unit/test_sqlite_files.py).
"""

from __future__ import annotations

# isort: off
import sys


def _load_peewee_without_psycopg() -> None:
    """peewee and its migration runner import psycopg as they load (~120 ms, most of the
    start-up budget) even on a desk that only ever opens SQLite. Hide psycopg while they load;
    `_psycopg3_adapter` (app/db_backends.py) imports it when a PostgreSQL database is actually
    opened. This module is the first to import peewee (app.models imports it first; a test
    checks)."""
    if "peewee" in sys.modules or "psycopg" in sys.modules:
        return
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # `import psycopg` now fails
    try:
        import peewee  # noqa: F401
        import playhouse.migrations  # noqa: F401  (via playhouse.postgres_ext)
    finally:
        del sys.modules["psycopg"]


_load_peewee_without_psycopg()
# isort: on

import datetime as dt  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import peewee  # noqa: E402
from playhouse.migrations import Runner  # noqa: E402

from app import paths, sqlite_guard, storage  # noqa: E402
from app.db_backends import (  # noqa: E402
    KeepwellPostgresDatabase,
    KeepwellSqliteDatabase,
    _explain_connect_failure,
    _postgres_database,
    _sqlite_database,
    postgres_read_only_reason,
    read_only_schema_problem,
    same_access,
)
from app.dburl import DatabaseTarget, parse_url  # noqa: E402
from app.errors import DatabaseUnavailable, ReadOnlyDatabase, StorageFailure  # noqa: E402

__all__ = ["DatabaseTarget", "parse_url", "database", "connect"]

log = logging.getLogger(__name__)
# peewee logs every query with its parameters at DEBUG, password hashes included: never let it.
logging.getLogger("peewee").setLevel(logging.INFO)

database = peewee.DatabaseProxy()
_bound_key: tuple[str, str, str | None] | None = None  # what connect() bound the proxy to

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "schema_migration"
# Serialises schema upgrades from several desks on one PostgreSQL database.
_PG_UPGRADE_LOCK = 0x4B57_0001


@dataclass(frozen=True)
class SchemaState:
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]  # applied by a newer Keepwell: this program does not know them
    foreign_tables: tuple[str, ...]  # tables present in a database Keepwell never initialised

    @property
    def is_empty(self) -> bool:
        return not self.applied and not self.unknown and not self.foreign_tables

    @property
    def is_current(self) -> bool:
        return bool(self.applied) and not self.pending and not self.unknown

    @property
    def version(self) -> str:
        return self.applied[-1] if self.applied else "(none)"


def connect(
    url: str, *, journal_mode: str = "wal", password: str | None = None
) -> tuple[peewee.Database, DatabaseTarget]:
    """Connect to the database at `url` (no schema work) and bind the proxy to it.

    Connecting again to the database the proxy is bound to (sign-in after sign-out, the
    database dialog's retry) keeps the bound database object: other threads may be inside a
    transaction on it, and a new object would give them a second connection that waits for
    the first one's lock (seen as "database is locked" in the PM worker). A database that can
    only be read is opened for reading (`read_only()`): every change is refused before it starts."""
    global _bound_key
    target = parse_url(url)
    key = (url, journal_mode, password)
    db: peewee.Database
    if database.obj is not None and _bound_key == key and same_access(database.obj, target):
        db = database.obj
    elif target.is_sqlite:
        sqlite_guard.install()
        db = _sqlite_database(target, journal_mode)
    else:
        db = _postgres_database(target, password)
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1").fetchone()
        if isinstance(db, KeepwellPostgresDatabase):
            db.read_only = postgres_read_only_reason(db, target.display)
        elif isinstance(db, KeepwellSqliteDatabase):
            tables = db.get_tables()
            if db.read_only is None and (not tables or HISTORY_TABLE in tables):
                # New, or Keepwell's: set the journal (a file only read keeps the one it has).
                db.execute_sql(f"PRAGMA journal_mode = {db.journal_mode}").fetchone()
            if db.created_file and not tables:
                # Write the first page of the file made for it now (WAL mode has; a rollback
                # journal has not): Keepwell never leaves an empty file, and refuses one it is
                # given (app/db_backends.py).
                version = db.execute_sql("PRAGMA user_version").fetchone()[0]
                db.execute_sql(f"PRAGMA user_version = {int(version)}")
    except (peewee.DatabaseError, sqlite3.DatabaseError, OSError) as exc:
        if not db.is_closed():
            db.close()
        if isinstance(db, KeepwellSqliteDatabase) and db.created_file and target.path:
            _discard_if_empty(target.path)  # made a moment ago: no empty file left behind
        raise _explain_connect_failure(target, exc) from exc
    if db is not database.obj:
        database.initialize(db)
        _bound_key = key
    return db, target


def _discard_if_empty(path: Path) -> None:
    try:  # stat() and unlink only, with no connection open to it
        if path.stat().st_size == 0:
            path.unlink()
    except OSError:
        pass


def _runner(db: peewee.Database, migrations_dir: Path) -> Runner:
    return Runner(db, str(migrations_dir), table_name=HISTORY_TABLE)


def schema_state(db: peewee.Database, migrations_dir: Path = MIGRATIONS_DIR) -> SchemaState:
    runner = _runner(db, migrations_dir)
    status = runner.status()
    applied = tuple(m.name for m in status if m.applied and m.path)
    pending = tuple(m.name for m in status if not m.applied)
    unknown = tuple(m.name for m in status if m.applied and not m.path)
    foreign: tuple[str, ...] = ()
    if not applied and not unknown:
        foreign = tuple(t for t in db.get_tables() if t != HISTORY_TABLE)
    return SchemaState(applied, pending, unknown, foreign)


def refuse_unusable(state: SchemaState, target: DatabaseTarget) -> None:
    """Raise for a schema this program must not touch (newer, or not a Keepwell database)."""
    if state.unknown:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NEWER_SCHEMA,
            f"The database {target.display} was upgraded by a newer Keepwell "
            f"(schema step {state.unknown[-1]}).",
            "Please update Keepwell on this desk; ask IT. The database was not changed.",
        )
    if state.foreign_tables:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_A_DATABASE,
            f"The database {target.display} holds tables that are not Keepwell's "
            f"({', '.join(state.foreign_tables[:3])}...).",
            "Keepwell has left it untouched. Choose an empty database or a Keepwell one.",
        )


def backup(db: peewee.Database, target: DatabaseTarget, dest: Path) -> Path:
    """Write a consistent copy of the database to `dest` (SQLite backup API, or pg_dump)."""
    # Only the user may read a backup (it holds the password hashes), whatever the umask: the
    # file is made 0600 first, and SQLite or pg_dump write into it, keeping its mode.
    paths.make_private_dir(dest.parent)
    created = paths.create_private_file(dest)
    try:
        if target.is_sqlite:
            _sqlite_backup(db, dest)
        else:
            _pg_dump(db, target, dest)
    except BaseException:
        if created:  # no empty or half-written backup left behind
            dest.unlink(missing_ok=True)
        raise
    return dest


def _sqlite_backup(db: peewee.Database, dest: Path) -> None:
    conn = db.connection()
    copy = sqlite3.connect(str(dest))
    try:
        conn.backup(copy)
        # A copy in WAL mode leaves -wal/-shm files beside it whenever it is read, and
        # cannot be read at all from read-only media.
        copy.execute("PRAGMA journal_mode = DELETE").fetchone()
    finally:
        copy.close()


def _pg_dump(db: peewee.Database, target: DatabaseTarget, dest: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise DatabaseUnavailable(
            DatabaseUnavailable.UNREACHABLE,
            "pg_dump is not installed on this machine, so no backup can be taken.",
            "Install the PostgreSQL client tools, or back up on the server.",
        )
    from psycopg.conninfo import make_conninfo  # only here: start-up must not load psycopg

    conninfo = make_conninfo(
        dbname=target.dbname,
        host=target.host or None,
        port=target.port,
        user=target.user or None,
        **{key: value for key, value in target.params if key != "password"},
    )
    # --no-password: never wait for a terminal prompt; use the password this desk signed in with.
    args = [pg_dump, "--no-password", "--format=custom", f"--file={dest}", f"--dbname={conninfo}"]
    password = db.connect_params.get("password") or target.password
    env = dict(os.environ, PGPASSWORD=password) if password else None
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    if result.returncode != 0:
        raise DatabaseUnavailable(
            DatabaseUnavailable.UNREACHABLE,
            f"pg_dump failed: {result.stderr.strip() or result.returncode}",
            "Check the server and your access to it.",
        )


def default_backup_path(target: DatabaseTarget, backup_dir: Path, state: SchemaState) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = target.path.stem if target.is_sqlite and target.path else target.dbname
    suffix = ".db" if target.is_sqlite else ".dump"
    return backup_dir / f"{name}-before-upgrade-from-{state.version}-{stamp}{suffix}"


def _refuse_schema_work_if_read_only(
    db: peewee.Database, target: DatabaseTarget, migrations_dir: Path
) -> None:
    why = getattr(db, "read_only", None)
    state = schema_state(db, migrations_dir) if why else None
    if why and state and state.pending:  # current: nothing to do, and nothing refused
        refuse_unusable(state, target)
        raise read_only_schema_problem(target, why, state.pending, state.is_empty)


@contextmanager
def _upgrade_lock(db: peewee.Database, target: DatabaseTarget) -> Iterator[None]:
    if target.is_sqlite:
        yield
        return
    db.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_UPGRADE_LOCK,))
    try:
        yield
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_UPGRADE_LOCK,))


def initialise_schema(
    db: peewee.Database, target: DatabaseTarget, migrations_dir: Path = MIGRATIONS_DIR
) -> list[str]:
    """Create the schema in an empty database by running the whole ladder."""
    _refuse_schema_work_if_read_only(db, target, migrations_dir)
    with _upgrade_lock(db, target):
        state = schema_state(db, migrations_dir)
        refuse_unusable(state, target)
        if not state.is_empty:
            raise DatabaseUnavailable(
                DatabaseUnavailable.NOT_A_DATABASE,
                f"The database {target.display} is already initialised ({state.version}).",
                "Use `keepwell db upgrade` to bring it up to date.",
            )
        applied = _runner(db, migrations_dir).up()
    log.info("initialised %s: %s", target.display, ", ".join(applied))
    return applied


def upgrade_schema(
    db: peewee.Database,
    target: DatabaseTarget,
    backup_dir: Path,
    migrations_dir: Path = MIGRATIONS_DIR,
) -> tuple[list[str], Path | None]:
    """Back the database up, then apply the pending migrations. Returns (applied, backup)."""
    _refuse_schema_work_if_read_only(db, target, migrations_dir)
    with _upgrade_lock(db, target):
        state = schema_state(db, migrations_dir)
        refuse_unusable(state, target)
        if not state.pending:
            return [], None
        copy = None
        if not state.is_empty:
            copy = backup(db, target, default_backup_path(target, backup_dir, state))
            log.info("backed up %s to %s before upgrading", target.display, copy)
        applied = _runner(db, migrations_dir).up()
    log.info("upgraded %s: %s", target.display, ", ".join(applied))
    return applied, copy


# What a database that stopped answering (or refused a statement) raises, whichever driver:
# for code above the services (the background worker) that reports such a failure in words.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    peewee.DatabaseError, peewee.InterfaceError, sqlite3.Error)


@contextmanager
def write_transaction() -> Iterator[None]:
    """A write transaction: BEGIN IMMEDIATE on SQLite (no lock-upgrade deadlocks), plain BEGIN on
    PostgreSQL. Nested use becomes a savepoint.

    Refused with ReadOnlyDatabase when the database was opened read-only (`read_only()`), and
    with a StorageFailure while writing is stopped (app.storage); a failure of the disk
    or the file met here (a full disk, a read-only or damaged file, a lost WAL) stops writing
    and is raised as one, with the real cause (a full disk shows as "cannot rollback - no
    transaction is active" once SQLite has rolled back by itself)."""
    db = database.obj
    if (why := getattr(db, "read_only", None)) is not None:  # not a failure: nothing stops
        raise ReadOnlyDatabase(why)
    storage.refuse_if_stopped()
    sqlite = isinstance(db, KeepwellSqliteDatabase)
    try:
        with db.atomic("IMMEDIATE") if sqlite else db.atomic():
            if sqlite and db.transaction_depth() == 1:
                db.check_wal()
            yield
    except DATABASE_ERRORS as exc:
        failure = storage_failure(exc)
        if failure is None:
            raise
        raise failure from exc
    except StorageFailure as failure:
        storage.stop_writing(failure)
        raise


def storage_failure(exc: BaseException) -> StorageFailure | None:
    """The StorageFailure a database error means (writing then stops), or None when the disk
    and the file are not at fault."""
    failure = storage.classify(exc)
    if failure is not None:
        storage.stop_writing(failure)
    return failure


def read_only() -> str | None:
    """Why the bound database can only be read (decided as it was opened), in words, or None."""
    return getattr(database.obj, "read_only", None)


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def close() -> None:
    db = database.obj
    if db is not None and not db.is_closed():
        db.close()


def ping() -> bool:
    """True if the database answers (for the status bar's connection state)."""
    db = database.obj
    if db is None:
        return False
    try:
        db.execute_sql("SELECT 1").fetchone()
        return True
    except (peewee.DatabaseError, peewee.InterfaceError, sqlite3.Error):
        if not db.in_transaction() and not db.is_closed():
            db.close()
        return False
