"""Copying and checking the embedded (SQLite) database through SQLite only: which files are
the database's own, a copy written with the backup API, SQLite's integrity check and its words,
whether an error means a damaged file, and removing a copy that never finished. Shared by the
daily backup (app/services/backups.py), the restore (app/services/restore.py) and `keepwell db`.

Every byte of the database is read and written through SQLite connections (the backup API),
never by copying, opening or renaming the database file or its -wal / -shm / -journal files:
on POSIX, closing any other descriptor of the file drops every SQLite lock this process holds
on it (the rule at the top of app/db.py). Renaming is only ever done to backup files.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from app import paths

log = logging.getLogger(__name__)

DATABASE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def is_database_file(path: Path, database: Path) -> bool:
    """True if `path` is `database` itself or one of its -wal / -shm / -journal files (by name,
    and by identity for files that exist under another name: a link)."""
    real = os.path.realpath(database)
    if os.path.realpath(path) in {real + suffix for suffix in DATABASE_COMPANIONS}:
        return True
    for suffix in DATABASE_COMPANIONS:
        companion = Path(real + suffix)
        try:  # stat() only, never open(): these may be in use
            if path.exists() and companion.exists() and path.samefile(companion):
                return True
        except OSError:
            continue
    return False


def integrity_problems(rows: Iterable[object]) -> list[str]:
    """The rows of `PRAGMA integrity_check` as one problem a line: [] for a whole database."""
    lines = [line.strip() for row in rows for line in str(row).splitlines()]
    if lines == ["ok"]:
        return []
    return [line for line in lines if line and not line.startswith("***")] or lines


def integrity_words(problems: list[str]) -> str:
    """What the integrity check found, in one line."""
    if len(problems) == 1:
        return f"SQLite's integrity check found: {problems[0]}"
    count = f"{len(problems)}" if len(problems) < 100 else "100 or more"  # SQLite stops at 100
    return f"SQLite's integrity check found {count} problems, the first: {problems[0]}"


def integrity_problems_of(conn: sqlite3.Connection) -> list[str]:
    """SQLite's integrity check: [] when the database is whole, else what it found. A database
    too damaged to be checked raises sqlite3.DatabaseError."""
    return integrity_problems(row[0] for row in conn.execute("PRAGMA integrity_check"))


def copy_through_sqlite(source: sqlite3.Connection, dest: Path) -> list[str]:
    """Write a copy of `source`'s database to `dest` with the backup API, as a file that stands
    alone (rollback journal, not WAL), readable by the user only (0600, whatever the umask: it
    holds the password hashes). Returns the copy's integrity problems ([] when whole)."""
    paths.create_private_file(dest)  # SQLite writes into it and keeps its mode
    copy = sqlite3.connect(dest, isolation_level=None)
    try:
        source.backup(copy)
        # A copy in WAL mode would leave -wal/-shm files beside it whenever it is read.
        copy.execute("PRAGMA journal_mode = DELETE").fetchone()
        return integrity_problems_of(copy)
    finally:
        copy.close()


def is_damage(exc: BaseException) -> bool:
    """True for SQLite's words for a damaged file ("database disk image is malformed", ...)."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def discard_partial(partial: Path) -> None:
    """Remove an unfinished copy (a backup file, never the database), if there is one."""
    try:
        partial.unlink(missing_ok=True)
    except OSError as exc:  # e.g. its folder is not a folder: nothing was written there
        log.debug("could not remove %s: %s", partial, exc)
