"""A guard for the one rule that keeps an SQLite database whole (see app/db.py).

On POSIX, closing ANY descriptor of a file releases every lock the process holds on that file,
SQLite's included. Code that opens, copies, truncates, renames or removes a database file or
its -wal / -shm / -journal companion while the process has a connection to it silently drops
the process's SQLite locks; the next process to close its connection then believes it is the
last user and deletes the WAL under our feet, losing committed work ("How To Corrupt An SQLite
Database File", section 2.2).

`install()` adds a Python audit hook that refuses such an operation with a PermissionError while
this process has a connection open to that database. Keepwell's connections are counted as
they open and close (`opened`, `closed`: the SQLite database class of app/db_backends.py calls
them), so the rule is enforced in the program and in every test, not only written down. Files
SQLite itself opens never pass through Python and are not affected.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

COMPANIONS = ("", "-wal", "-shm", "-journal")
# The audit events of operations that open, replace, truncate or delete a file by name.
_WATCHED = {
    "open": 1,  # io.open, os.open (path, mode, flags)
    "os.remove": 1,  # os.remove, os.unlink
    "os.rename": 2,  # os.rename, os.replace (src, dst)
    "os.truncate": 1,
    "shutil.copyfile": 2,
    "shutil.move": 2,
    "os.link": 2,
}

_lock = threading.Lock()
_open_counts: dict[str, int] = {}  # real path of a database file -> connections open to it
_names: set[str] = set()  # base names of the guarded files, for a cheap first test
_installed = False


def install() -> None:
    """Start guarding (idempotent; an audit hook cannot be removed)."""
    global _installed
    with _lock:
        if _installed:
            return
        sys.addaudithook(_hook)
        _installed = True


def opened(path: str | os.PathLike[str]) -> None:
    """A connection to the database at `path` was opened in this process."""
    real = os.path.realpath(path)
    with _lock:
        _open_counts[real] = _open_counts.get(real, 0) + 1
        _names.add(os.path.basename(real))


def closed(path: str | os.PathLike[str]) -> None:
    """A connection to the database at `path` was closed."""
    real = os.path.realpath(path)
    with _lock:
        left = _open_counts.get(real, 0) - 1
        if left > 0:
            _open_counts[real] = left
        else:
            _open_counts.pop(real, None)


def database_files(path: str | os.PathLike[str]) -> list[str]:
    """The database file at `path` and its companions, as real paths."""
    real = os.path.realpath(path)
    return [real + suffix for suffix in COMPANIONS]


def is_in_use(path: str | os.PathLike[str]) -> bool:
    """True while this process has a connection open to the database at `path`."""
    with _lock:
        return os.path.realpath(path) in _open_counts


def check_not_in_use(path: str | os.PathLike[str]) -> None:
    """Raise PermissionError if `path` is a database file (or companion) this process has open."""
    name = os.path.basename(os.fspath(path))
    if not any(name.startswith(n) for n in _names):
        return
    real = os.path.realpath(path)
    with _lock:
        in_use = [d for d in _open_counts if real in database_files(d)]
    if in_use:
        raise PermissionError(
            f"{path} belongs to a database Keepwell has open; it is only ever read or written "
            "through SQLite (opening it otherwise would release SQLite's locks and could lose "
            "work).")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    count = _WATCHED.get(event)
    if count is None or not _names:
        return
    for target in args[:count]:
        if isinstance(target, bytes):
            check_not_in_use(os.fsdecode(target))
        elif isinstance(target, (str, os.PathLike)):
            check_not_in_use(target)
