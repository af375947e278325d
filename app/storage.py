"""When the database cannot keep what is written (DESIGN.md: never lose work).

A disk error, a full disk, a read-only or damaged file, or a WAL file that went away while this
process had the database open: each is raised as a StorageFailure in words, and writing stops in
this process (every later write transaction is refused with the same failure) until
`check_again()` finds the database healthy. Nothing is then written as if it had been saved,
and the GUI keeps the unsaved form on screen while it offers Retry or Quit.

The WAL watch: a desk's connection records which WAL file it is using; if at the start of a
write that file is gone or replaced, another program deleted it under us (the failure of
"How To Corrupt An SQLite Database File" 2.2) and what we would write could be seen by nobody.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import StorageFailure

log = logging.getLogger(__name__)

_lock = threading.Lock()
_stopped: StorageFailure | None = None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _causes(exc: BaseException) -> list[BaseException]:
    """The error and its causes (peewee raises its own error from the driver's). What an error
    happened while handling counts only under a failed rollback: a commit on a full disk
    surfaces as "cannot rollback - no transaction is active", the full disk being its context;
    any other error's context is an earlier, unrelated one."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    import peewee  # here: app.db loads peewee first, without psycopg (see there)

    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        context = current.__context__
        if current.__cause__ is not None:
            current = current.__cause__
        elif "cannot rollback" in str(current) or "cannot commit" in str(current):
            current = context
        elif isinstance(current, peewee.PeeweeException) and isinstance(context, sqlite3.Error):
            current = context  # peewee re-raises the driver's error as its own
        else:
            current = None
    return seen


SQLITE_CORRUPT_VTAB = sqlite3.SQLITE_CORRUPT | (1 << 8)


@dataclass(frozen=True)
class _Kind:
    """One kind of failure: the words and SQLite result code that say it, and what to tell."""

    kind: str
    words: tuple[str, ...]  # any of them in the error's text (lower case)
    code: int
    message: str  # "{text}": the error's first line
    hint: str


_KINDS = (
    _Kind(StorageFailure.FULL, ("database or disk is full", "no space left"), sqlite3.SQLITE_FULL,
          "The disk that holds the database is full: the last change was not saved.",
          "Free some space on that disk (or ask IT), then try again."),
    _Kind(StorageFailure.DAMAGED, ("malformed", "not a database"), sqlite3.SQLITE_CORRUPT,
          "The database file is damaged ({text}); changes cannot be saved.",
          "Stop using this database and ask IT to restore the newest backup "
          "(`keepwell db check` names it)."),
    _Kind(StorageFailure.READ_ONLY, ("readonly", "read-only"), sqlite3.SQLITE_READONLY,
          "The database can only be read at the moment ({text}); changes cannot be saved.",
          "Check that the file, its folder and the disk can be written (a full or read-only "
          "disk, changed permissions)."),
    _Kind(StorageFailure.IO_ERROR, ("unable to open database file",), sqlite3.SQLITE_CANTOPEN,
          "The database file cannot be opened at the moment ({text}); changes cannot be saved.",
          "Check that the disk or network share that holds it is there and can be written."),
    _Kind(StorageFailure.IO_ERROR, ("disk i/o error",), sqlite3.SQLITE_IOERR,
          "The disk reported an error while reading or writing the database ({text}); "
          "changes cannot be saved.",
          "Check the disk or the network share that holds the database."),
)


def classify(exc: BaseException) -> StorageFailure | None:
    """The StorageFailure a database error means, or None if it is another kind of error (a
    constraint, a lock wait, a connection to a server that went away)."""
    import peewee  # here: app.db loads peewee first, without psycopg (see there)

    if isinstance(exc, StorageFailure):
        return exc
    for cause in _causes(exc):
        if not isinstance(cause, (peewee.DatabaseError, peewee.InterfaceError, sqlite3.Error,
                                  OSError)):
            continue
        low = str(cause).lower()
        extended = getattr(cause, "sqlite_errorcode", None)
        if extended == SQLITE_CORRUPT_VTAB:  # the search index, not the file: no stop
            return None
        # sqlite3 gives the primary code in the low byte of the extended one.
        code = (extended or -1) & 0xFF
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            code = sqlite3.SQLITE_FULL
        for kind in _KINDS:
            if code == kind.code or any(word in low for word in kind.words):
                return StorageFailure(kind.kind, kind.message.format(text=_first_line(cause)),
                                      kind.hint)
    return None


# Retry after a full disk needs more room than one small test write: a save of a photo would
# fail again at once.
FREE_SPACE_NEEDED = 1024 * 1024


def short_of_space(database_path: str) -> StorageFailure | None:
    """A full-disk failure if the disk holding `database_path` has less than FREE_SPACE_NEEDED."""
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(database_path)))
    except (OSError, AttributeError):  # no statvfs (Windows): the test write decides
        return None
    free = st.f_bavail * st.f_frsize
    if free >= FREE_SPACE_NEEDED:
        return None
    return StorageFailure(
        StorageFailure.FULL,
        f"The disk that holds the database is still full ({free // 1024:,} KB free).",
        "Free some space on that disk (or ask IT), then try again.")


def lost_wal(path: str) -> StorageFailure:
    return StorageFailure(
        StorageFailure.LOST_WAL,
        f"The database's journal ({os.path.basename(path)}-wal) was deleted or replaced by "
        "another program while Keepwell had the database open; changes cannot be saved safely.",
        "Quit Keepwell on every desk using this file, then start it again; run `keepwell db "
        "check` if in doubt.")


Listener = Callable[[StorageFailure], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call `listener(failure)` when writing stops (in the thread that met the failure)."""
    with _lock:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def stop_writing(failure: StorageFailure) -> None:
    """Refuse every later write in this process with `failure` (the first one is kept), and
    tell the listeners."""
    global _stopped
    with _lock:
        if _stopped is not None:
            return
        log.error("writing stopped: %s", failure.message)
        _stopped = failure
        listeners = list(_listeners)
    for listener in listeners:
        listener(failure)


def stopped() -> StorageFailure | None:
    """Why writing is stopped, or None."""
    return _stopped


def refuse_if_stopped() -> None:
    if _stopped is not None:
        raise _stopped


def resume() -> None:
    global _stopped
    with _lock:
        if _stopped is not None:
            log.warning("writing resumed after: %s", _stopped.message)
        _stopped = None


@dataclass
class WalWatch:
    """The identity of the WAL file a connection uses (device and inode)."""

    path: str
    identity: tuple[int, int] | None

    @classmethod
    def start(cls, database_path: str) -> WalWatch:
        path = database_path + "-wal"
        return cls(path, _identity(path))

    def check(self) -> None:
        """Raise StorageFailure if the WAL this connection uses is gone or replaced. Only stat()
        is used (no descriptor: see app/db.py)."""
        now = _identity(self.path)
        if self.identity is None:  # not in WAL mode yet when the connection opened
            self.identity = now
            return
        if now != self.identity:
            raise lost_wal(self.path[: -len("-wal")])


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)
