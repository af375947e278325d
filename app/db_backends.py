"""The two kinds of database Keepwell opens, built from a `DatabaseTarget`, and what a failure
to reach one means in words.

- SQLite (`KeepwellSqliteDatabase`): every connection counted for `app.sqlite_guard`, and the
  WAL each thread's connection uses watched (`app.storage`); pragmas and the casefold function
  searches use.
- PostgreSQL (`KeepwellPostgresDatabase`): reconnects outside a transaction only, through
  psycopg 3 imported when a server is actually opened.

`app.db.connect` picks one and binds the proxy to it. Imported through app.db, which loads
peewee first without psycopg (see `_load_peewee_without_psycopg` there).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import uuid
from pathlib import Path
from typing import Any

import peewee
from playhouse.shortcuts import ReconnectMixin

from app import paths, sqlite_guard, storage
from app.dburl import DatabaseTarget
from app.errors import DatabaseUnavailable


class KeepwellSqliteDatabase(peewee.SqliteDatabase):
    journal_mode = "wal"  # "delete" for a file on a network share, where WAL does not work
    created_file = False  # the file was made (empty, 0600) for this database object
    # Why this account can only read the file (decided once, as it is opened), or None. A file
    # that becomes read-only later is a StorageFailure instead (app.storage).
    read_only: str | None = None

    # Each connection is counted, so that sqlite_guard refuses any other access to the files
    # while one is open (the rule at the top of app/db.py).
    def _connect(self) -> sqlite3.Connection:
        if self.read_only is None:
            conn = super()._connect()  # type: ignore[misc]
        else:
            conn = _open_read_only(self.database, self._timeout)  # type: ignore[attr-defined]
            try:
                self._add_conn_hooks(conn)  # type: ignore[attr-defined]
            except Exception:
                conn.close()
                raise
        sqlite_guard.opened(self.database)
        self._wal.watch = None
        return conn

    def init(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().init(database, *args, **kwargs)
        self._wal = threading.local()  # per thread, as peewee's connections are

    def check_wal(self) -> None:
        """Raise StorageFailure if the WAL this thread's connection uses went away (see
        app.storage). The first check of a connection notes which file it is."""
        if self.journal_mode != "wal":
            return
        watch = getattr(self._wal, "watch", None)
        if watch is None:
            self._wal.watch = storage.WalWatch.start(self.database)
        else:
            watch.check()

    def _close(self, conn: sqlite3.Connection) -> None:
        try:
            super()._close(conn)  # type: ignore[misc]
        finally:
            sqlite_guard.closed(self.database)


def _open_read_only(path: str, timeout: float) -> sqlite3.Connection:
    """A connection that only reads. `mode=ro` takes SQLite's usual locks and sees what other
    desks commit; but a file in WAL mode needs its -shm for that, which SQLite cannot make in a
    folder it cannot write. Then, and only when there is no -shm (no desk has the file open in
    WAL mode, and none can without writing to that folder), the file is opened `immutable`:
    read as it is, without locks."""
    uri = Path(path).absolute().as_uri()  # percent-encoded: "?" or "#" in a name stay a name
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite opens it lazily
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if os.path.exists(path + "-shm"):  # stat() only (the rule at the top of app/db.py)
            raise
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout, isolation_level=None)


def _writable(path: Path) -> bool:
    effective = os.access in os.supports_effective_ids  # the account this process acts as
    return os.access(path, os.W_OK, effective_ids=effective)


def sqlite_read_only_reason(path: Path) -> str | None:
    """Why this account can only read the existing database file at `path`, in words, or None
    when it can write both the file and its folder (where SQLite keeps its -wal and -shm or its
    -journal). statvfs() and access() only: no descriptor (the rule at the top of app/db.py)."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return f"{path} is on a disk that is mounted read-only."
    except (OSError, AttributeError):  # no statvfs (Windows): access() says it below
        pass
    if not _writable(path):
        return f"The file {path} cannot be written by this account."
    if not _writable(path.parent):
        return (f"Its folder {path.parent} cannot be written by this account, and SQLite keeps "
                "its journal files beside the database.")
    return None


def same_access(db: peewee.Database, target: DatabaseTarget) -> bool:
    """Whether the bound database object may be reused for `target` (app.db.connect): not when
    the file became read-only, or writable, since it was opened (it is opened anew, and the
    decision made again). PostgreSQL decides again on every connect."""
    if not isinstance(db, KeepwellSqliteDatabase) or target.path is None:
        return True
    try:
        return not target.path.exists() or db.read_only == sqlite_read_only_reason(target.path)
    except OSError:  # cannot be looked at: opening it again says why, in words
        return False


def postgres_read_only_reason(db: peewee.Database, display: str) -> str | None:
    """Why the server lets this connection only read, in words, or None: a hot standby, or
    default_transaction_read_only set for the server, the database or the role."""
    standby, read_only = db.execute_sql(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')").fetchone()
    if standby:
        return (f"{display} is a standby server, which only follows its primary: changes are "
                "made on the primary.")
    if read_only == "on":
        return (f"The PostgreSQL server opens every transaction on {display} read-only "
                "(default_transaction_read_only is on).")
    return None


def read_only_schema_problem(target: DatabaseTarget, why: str, pending: tuple[str, ...],
                             empty: bool) -> DatabaseUnavailable:
    """A read-only database cannot be set up or upgraded: said as the database problem it is
    (the desk's database dialog shows it), before any lock is taken."""
    if empty:
        kind, what = DatabaseUnavailable.NOT_INITIALISED, "has no Keepwell schema yet"
    else:
        kind = DatabaseUnavailable.NEEDS_UPGRADE
        what = f"needs an upgrade (pending: {', '.join(pending)})"
    return DatabaseUnavailable(
        kind, f"The database {target.display} {what}, but it is read-only. {why}",
        "Set it up or upgrade it from an account or server that can write it, or ask IT.")


def _psycopg3_adapter() -> Any:
    """peewee's psycopg 3 adapter, bound to psycopg imported now rather than at start-up
    (see app/__init__.py)."""
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    class Psycopg3Adapter(peewee.Psycopg3Adapter):
        txn_idle = TransactionStatus.IDLE
        txn_inerror = TransactionStatus.INERROR
        txn_unknown = TransactionStatus.UNKNOWN

        def __init__(self) -> None:
            super().__init__()
            self.json_type = Json
            self.jsonb_type = Jsonb

        def check_driver(self) -> None:
            pass

        def get_binary_type(self) -> Any:
            return psycopg.Binary

        def connect(self, db: Any, **params: Any) -> Any:
            params.setdefault("dbname", db.database)
            return psycopg.connect(**params)

        def server_side_cursor(self, conn: Any) -> Any:
            in_txn = self.txn_status(conn) == TransactionStatus.INTRANS
            return conn.cursor(name=uuid.uuid4().hex, withhold=not in_txn)

    return Psycopg3Adapter()


class KeepwellPostgresDatabase(ReconnectMixin, peewee.PostgresqlDatabase):
    """Reconnects after a dropped connection, but only outside a transaction (the mixin's rule):
    a connection lost inside a transaction is an error the user sees, never a silent retry."""

    read_only: str | None = None  # why the server only lets this database be read, or None

    def init(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().init(database, *args, **kwargs)
        if not isinstance(getattr(self, "_adapter", None), peewee.Psycopg3Adapter):
            self._adapter = _psycopg3_adapter()

    reconnect_errors = (
        (peewee.OperationalError, "terminating connection"),
        (peewee.OperationalError, "the connection is closed"),
        (peewee.OperationalError, "server closed the connection"),
        (peewee.OperationalError, "consuming input failed"),
        (peewee.InterfaceError, "connection already closed"),
        (peewee.InterfaceError, "the connection is closed"),
    )


def _sqlite_database(target: DatabaseTarget, journal_mode: str) -> KeepwellSqliteDatabase:
    assert target.path is not None
    path = target.path
    # Only stat() here (no descriptor): whether the file is SQLite's is SQLite's to say (see
    # app.db.connect), never a header read with open() (the rule at the top of app/db.py).
    if path.is_dir():
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_A_DATABASE,
            f"{path} is a folder, not a database file.",
            "Choose the keepwell.db file inside it.",
        )
    try:
        # New folders, and Keepwell's own data folder, only the user can open (0700).
        paths.make_private_dir(path.parent)
    except OSError as exc:
        raise DatabaseUnavailable(
            DatabaseUnavailable.UNREACHABLE,
            f"Cannot create the folder for {path}: {exc.strerror or exc}.",
            "Choose a database in a folder you can write to.",
        ) from exc
    created = False
    read_only = None
    if path.exists():
        _refuse_not_made_by_keepwell(path)
        read_only = sqlite_read_only_reason(path)
    else:
        # A new database: made here, before SQLite opens it, as a file only the user can read
        # (SQLite gives its -wal / -shm / -journal files the same mode).
        try:
            created = paths.create_private_file(path)
        except OSError as exc:
            raise DatabaseUnavailable(
                DatabaseUnavailable.UNREACHABLE,
                f"Cannot create the database {path}: {exc.strerror or exc}.",
                "Choose a database in a folder you can write to.",
            ) from exc
    # journal_mode is not among the per-connection pragmas: it is written into the file, and a
    # file that turns out not to be Keepwell's must be left byte-for-byte alone (see
    # app.db.connect).
    pragmas: dict[str, Any] = {
        "foreign_keys": 1,
        "synchronous": "normal" if journal_mode == "wal" else "full",
    }
    if read_only is not None:
        pragmas["query_only"] = 1  # the driver refuses a write that got past write_transaction
    database = KeepwellSqliteDatabase(str(path), pragmas=pragmas, timeout=15)
    database.journal_mode = journal_mode
    database.read_only = read_only
    database.created_file = created
    database.register_function(_casefold, "kw_casefold", 1, deterministic=True)
    return database


def _refuse_not_made_by_keepwell(path: Path) -> None:
    """An existing file that SQLite would silently turn into a new database is not one Keepwell
    made: an empty (0-byte) file, or something that is not a regular file (a device, a pipe).
    Keepwell writes the first page of every database it creates as it creates it (see
    app.db.connect). Only stat() here, never a read (the rule at the top of app/db.py)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise DatabaseUnavailable(
            DatabaseUnavailable.UNREACHABLE,
            f"Cannot open {path}: {exc.strerror or exc}.",
            "Check that the file and its folder can be read, then retry.",
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_A_DATABASE,
            f"{path} is not a Keepwell database: it is not a regular file.",
            "Keepwell has left it untouched. Choose the keepwell.db file of your database.",
        )
    if info.st_size == 0:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_A_DATABASE,
            f"{path} is not a Keepwell database: it is an empty file (0 bytes), which Keepwell "
            "never leaves behind.",
            "Keepwell has left it untouched. To create a new database there, remove the empty "
            "file and run `keepwell db init` (or start Keepwell) again; otherwise choose "
            "another database.",
        )


def _casefold(value: object) -> object:
    """SQLite's lower() and LIKE fold ASCII only; searches fold every letter (Ölpumpe)."""
    return value.casefold() if isinstance(value, str) else value


def _postgres_database(target: DatabaseTarget, password: str | None) -> KeepwellPostgresDatabase:
    kwargs: dict[str, Any] = dict(target.params)
    if target.host:
        kwargs["host"] = target.host
    if target.port:
        kwargs["port"] = target.port
    if target.user:
        kwargs["user"] = target.user
    if password or target.password:
        kwargs["password"] = password or target.password
    kwargs.setdefault("connect_timeout", 5)
    kwargs.setdefault("application_name", "keepwell")
    return KeepwellPostgresDatabase(target.dbname, **kwargs)


def _explain_connect_failure(target: DatabaseTarget, exc: Exception) -> DatabaseUnavailable:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = str(exc).lower()
    if target.is_sqlite:
        if "not a database" in low or "malformed" in low or "encrypted" in low:
            return DatabaseUnavailable(
                DatabaseUnavailable.NOT_A_DATABASE,
                f"{target.path} is damaged or is not a Keepwell database ({text}).",
                "Keepwell has left it untouched. Restore it from a backup, or choose "
                "another database.",
            )
        return DatabaseUnavailable(
            DatabaseUnavailable.UNREACHABLE,
            f"Cannot open {target.path}: {text}.",
            "Check that the file and its folder can be written, then retry.",
        )
    if "password authentication failed" in low or "no password supplied" in low:
        return DatabaseUnavailable(
            DatabaseUnavailable.AUTH_FAILED,
            f"The PostgreSQL server refused the credentials for user "
            f"{target.user or '(default)'} on {target.display}.",
            "Enter the password, or ask IT to check your ~/.pgpass or PGPASSWORD.",
        )
    if "does not exist" in low:
        return DatabaseUnavailable(
            DatabaseUnavailable.UNREACHABLE,
            f"The PostgreSQL server has no such database or role: {text}.",
            "Check the database URL, or ask IT to create the database.",
        )
    return DatabaseUnavailable(
        DatabaseUnavailable.UNREACHABLE,
        f"Cannot reach the PostgreSQL server for {target.display}: {text}.",
        "Check the network and that the server is running, then retry; or ask IT.",
    )
