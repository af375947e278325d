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

    # Each connection is counted, so that sqlite_guard refuses any other access to the files
    # while one is open (the rule at the top of app/db.py).
    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()  # type: ignore[misc]
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
    if path.exists():
        _refuse_not_made_by_keepwell(path)
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
    pragmas = {
        "foreign_keys": 1,
        "synchronous": "normal" if journal_mode == "wal" else "full",
    }
    database = KeepwellSqliteDatabase(str(path), pragmas=pragmas, timeout=15)
    database.journal_mode = journal_mode
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
