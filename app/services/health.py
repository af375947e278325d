"""The database's health, for the desk, the scheduler and the command line: SQLite's quick
check of an embedded file, whether writing has stopped (app/storage.py), and the look again
that resumes it (the GUI's Retry). No actor: these change no data.
"""

from __future__ import annotations

import sqlite3

from app import storage
from app.db import DATABASE_ERRORS, database, storage_failure
from app.db_backends import KeepwellSqliteDatabase
from app.errors import StorageFailure


def writing_stopped() -> StorageFailure | None:
    """Why writing has stopped in this program, or None."""
    return storage.stopped()


def quick_check() -> StorageFailure | None:
    """SQLite's quick check of the bound database (a start-up check, off the GUI thread: it
    reads every page, ~50 ms for the demo plant). A damaged file stops writing and is returned;
    None when whole, or on PostgreSQL (the server keeps its own pages)."""
    db = database.obj
    if not isinstance(db, KeepwellSqliteDatabase):
        return None
    try:
        results = [str(r[0]) for r in db.execute_sql("PRAGMA quick_check")]
    except DATABASE_ERRORS as exc:
        return storage_failure(exc)
    if results == ["ok"]:
        return None
    failure = storage.classify(sqlite3.DatabaseError(
        f"database disk image is malformed: {'; '.join(results[:3])}"))
    assert failure is not None
    storage.stop_writing(failure)
    return failure


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def check_storage() -> StorageFailure | None:
    """Look again after a StorageFailure (the GUI's Retry): reconnect this thread, run SQLite's
    quick check and commit a change that changes nothing, so the disk is really written. Resumes
    writing and returns None when all is well; otherwise returns what is still wrong."""
    db = database.obj
    if db is None:
        return storage.stopped()
    stopped = storage.stopped()
    try:
        # A lost WAL or a disk error needs a fresh connection. Not a full disk: closing the
        # last connection copies the WAL into the database file, which needs room of its own.
        if stopped is not None and stopped.kind in (StorageFailure.LOST_WAL,
                                                    StorageFailure.IO_ERROR):
            if not db.is_closed():
                db.close()
        db.connect(reuse_if_open=True)
        if isinstance(db, KeepwellSqliteDatabase):
            full = storage.short_of_space(db.database)
            if full is not None:
                return full
            results = [str(r[0]) for r in db.execute_sql("PRAGMA quick_check")]
            if results != ["ok"]:
                return storage.classify(sqlite3.DatabaseError(
                    f"database disk image is malformed: {'; '.join(results[:3])}"))
            db.check_wal()
            with db.atomic("IMMEDIATE"):
                version = db.execute_sql("PRAGMA user_version").fetchone()[0]
                db.execute_sql(f"PRAGMA user_version = {int(version)}")
        else:
            db.execute_sql("SELECT 1").fetchone()
    except StorageFailure as still:
        return still
    except DATABASE_ERRORS as exc:
        found = storage.classify(exc)
        if found is not None:
            return found
        stopped = storage.stopped()
        return StorageFailure(
            stopped.kind if stopped is not None else StorageFailure.IO_ERROR,
            f"The database did not answer the check ({_first_line(exc)}).",
            "Another desk may be busy writing, or the server out of reach: try again in a "
            "moment.")
    storage.resume()
    return None
