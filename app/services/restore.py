"""Putting a backup of the embedded (SQLite) database back: checking that a file is a whole
Keepwell backup this program can use, finding the newest good one, and restoring it over the
database, which is first kept as `<name>-before-restore-<time>.db` in the backups folder.

Both copies are read and written through SQLite only, never by copying, opening or renaming the
database's own files (the rule of app/services/sqlite_copies.py); the restore holds the database
to itself from its check to the end, so no desk or scheduler writes into a file being replaced.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import peewee

from app import db as dbmod
from app import paths
from app.errors import KeepwellError
from app.services.backups import BackupFailed
from app.services.sqlite_copies import (
    discard_partial,
    integrity_problems_of,
    integrity_words,
    is_database_file,
)

log = logging.getLogger(__name__)

# How long a restore waits for other programs to let go of the database before refusing.
_IN_USE_WAIT_SECONDS = 2.0


class RestoreRefused(KeepwellError):
    """A restore was refused before anything was changed; the message says why and what to do."""


# --- checking a backup ------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    """A backup file that passed the checks: SQLite, whole, Keepwell's, not newer than us."""

    path: Path
    schema_version: str
    pending: tuple[str, ...]  # schema steps this program would still apply to it
    written: dt.datetime  # when the file was last written (local time)


def inspect_backup(path: Path, migrations_dir: Path = dbmod.MIGRATIONS_DIR) -> BackupInfo:
    """Check that `path` is a Keepwell SQLite database that passes `PRAGMA integrity_check` and
    whose schema is not newer than this program's. Raises RestoreRefused saying what is wrong.
    `path` must not be a database that is in use (it is opened read-only, through SQLite)."""
    if not path.exists():
        raise RestoreRefused(f"There is no file {path}.")
    if not path.is_file():
        raise RestoreRefused(f"{path} is not a file; name a backup file (*.db).")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = 1")
        try:
            problems = integrity_problems_of(conn)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc).lower():
                raise RestoreRefused(f"{path} is not an SQLite database, so not a Keepwell "
                                     "backup.") from exc
            raise RestoreRefused(f"{path} is damaged ({exc}); choose another backup.") from exc
        if problems:
            raise RestoreRefused(f"{path} is damaged ({integrity_words(problems)}); choose "
                                 "another backup.")
    finally:
        conn.close()
    state = _schema_state(path, migrations_dir)
    if state.unknown:
        raise RestoreRefused(
            f"{path} was written by a newer Keepwell (schema step {state.unknown[-1]}); this "
            "Keepwell cannot use it. Update Keepwell first, then restore it.")
    if not state.applied:
        what = (f"holds tables that are not Keepwell's ({', '.join(state.foreign_tables[:3])})"
                if state.foreign_tables else "holds no Keepwell data")
        raise RestoreRefused(f"{path} is an SQLite database but not a Keepwell backup: it {what}.")
    written = dt.datetime.fromtimestamp(path.stat().st_mtime)
    return BackupInfo(path, state.version, state.pending, written)


def _schema_state(path: Path, migrations_dir: Path) -> dbmod.SchemaState:
    backup_db = peewee.SqliteDatabase(str(path), pragmas={"query_only": 1})
    try:
        backup_db.connect()
        return dbmod.schema_state(backup_db, migrations_dir)
    finally:
        backup_db.close()


def newest_good_backup(
    database: Path, folder: Path | None = None, migrations_dir: Path = dbmod.MIGRATIONS_DIR
) -> BackupInfo | None:
    """The most recently written backup of `database` in `folder` (default: the backups
    folder) that `inspect_backup` accepts: daily, before-upgrade, before-restore and
    `keepwell db backup` copies named after the database. None if there is none."""
    folder = folder or paths.backup_dir()
    if not folder.is_dir():
        return None
    candidates = [
        entry for entry in folder.iterdir()
        if entry.name.startswith(f"{database.stem}-") and entry.suffix == ".db"
        and entry.is_file() and not is_database_file(entry, database)
    ]
    candidates.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
    for candidate in candidates:
        try:
            return inspect_backup(candidate, migrations_dir)
        except (RestoreRefused, sqlite3.Error, peewee.DatabaseError):
            continue
    return None


# --- restoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    database: Path
    source: BackupInfo
    previous: Path | None  # the copy of the database as it was, None if there was no file


def restore_backup(
    source: Path,
    database: Path,
    *,
    folder: Path | None = None,
    migrations_dir: Path = dbmod.MIGRATIONS_DIR,
) -> Restored:
    """Put the backup `source` back as the SQLite database `database`.

    First checks `source` (see inspect_backup), then takes the database for itself (refused
    while another program has it open: a desk, `keepwell scheduler`), saves a copy of it as it
    is into `folder` (`<name>-before-restore-<time>.db`, default: the backups folder) and writes
    the backup over it, page by page, through SQLite's backup API. Both copies go through
    SQLite only. No connection of this process may be open to `database` (close them first,
    e.g. with app.db.close()). Raises RestoreRefused, with the database unchanged, when any
    check fails or when SQLite cannot read the current file to copy it.
    """
    folder = folder or paths.backup_dir()
    database = database.absolute()
    if is_database_file(source, database):
        raise RestoreRefused(f"{source} is the database itself (or one of its own files); "
                             "name a backup file.")
    info = inspect_backup(source, migrations_dir)
    if database.is_dir():
        raise RestoreRefused(f"{database} is a folder, not a database file.")
    existed = database.exists()
    paths.make_private_dir(database.parent)
    if not existed:  # a database only the user can read, as app.db makes them
        paths.create_private_file(database)
    target = sqlite3.connect(database, timeout=_IN_USE_WAIT_SECONDS, isolation_level=None)
    try:
        was_wal = _take_for_restore(target, database)
        try:
            _hold(target, database)
            previous = _keep_previous(target, database, folder) if existed else None
            reader = sqlite3.connect(source, isolation_level=None)
            try:
                reader.execute("PRAGMA query_only = 1")
                reader.backup(target)
            finally:
                reader.close()
            problems = integrity_problems_of(target)
            if problems:  # cannot happen with a checked source; say so if it ever does
                raise BackupFailed(f"The restored database is not whole "
                                   f"({integrity_words(problems)}); the database as it was is "
                                   f"in {previous}.")
        finally:
            _let_go(target)
            if was_wal:
                _back_to_wal(target, database)
    finally:
        target.close()
    log.warning("restored %s from %s (schema %s); the database as it was is in %s",
                database, source, info.schema_version, previous)
    return Restored(database, info, previous)


def _take_for_restore(target: sqlite3.Connection, database: Path) -> bool:
    """Leave WAL mode, which SQLite allows only to the one connection open to the database:
    proves that no other program uses it. Returns whether it was in WAL mode."""
    try:
        mode = str(target.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal":
            return False
        target.execute("PRAGMA journal_mode = DELETE").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise RestoreRefused(
                f"{database} is in use by another program (Keepwell on a desk, or "
                "`keepwell scheduler`). Close Keepwell everywhere it uses this database and "
                "stop the scheduler, then restore again. Nothing was changed.") from exc
        raise _unreadable(database, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _unreadable(database, exc) from exc
    if str(target.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        raise RestoreRefused(f"{database} is in use by another program; close it, then restore "
                             "again. Nothing was changed.")
    return True


def _hold(target: sqlite3.Connection, database: Path) -> None:
    """Keep the database to this connection until the restore is done: a desk or a scheduler
    starting meanwhile waits (then is refused) instead of writing into a file being replaced."""
    try:
        target.execute("PRAGMA locking_mode = EXCLUSIVE").fetchone()
        target.execute("BEGIN EXCLUSIVE")
        target.execute("COMMIT")  # the lock stays: exclusive locking mode keeps it
    except sqlite3.OperationalError as exc:
        raise RestoreRefused(
            f"{database} was opened by another program just now; close Keepwell everywhere it "
            "uses this database and stop the scheduler, then restore again. Nothing was "
            "changed.") from exc


def _let_go(target: sqlite3.Connection) -> None:
    """Back to normal locking; the next read lets the exclusive lock go."""
    try:
        target.execute("PRAGMA locking_mode = NORMAL").fetchone()
        target.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:  # closing the connection lets it go anyway
        log.debug("restore: could not leave exclusive locking early: %s", exc)


def _back_to_wal(target: sqlite3.Connection, database: Path) -> None:
    try:
        target.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.Error:  # someone opened it meanwhile; the program sets WAL when it connects
        log.warning("%s was left in rollback-journal mode after the restore", database)


def _unreadable(database: Path, exc: Exception) -> RestoreRefused:
    return RestoreRefused(
        f"SQLite cannot read the current database {database} ({exc}), so no copy of it can be "
        "kept before the restore. With Keepwell closed everywhere, move the file (and any "
        "-wal / -shm file beside it) to another folder yourself, then restore again.")


def _keep_previous(target: sqlite3.Connection, database: Path, folder: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = folder / f"{database.stem}-before-restore-{stamp}.db"
    partial = folder / f".{dest.name}.{os.getpid()}.partial"
    try:
        paths.make_private_dir(folder)
        paths.create_private_file(partial)  # 0600: it holds the password hashes
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            target.backup(copy)
        finally:
            copy.close()
        os.replace(partial, dest)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(database, exc) from exc
    except OSError as exc:
        raise RestoreRefused(f"Cannot keep a copy of the current database in {folder} "
                             f"({exc.strerror or exc}); nothing was changed.") from exc
    finally:
        discard_partial(partial)
    return dest
