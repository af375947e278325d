"""Who runs the PM check now: one runner at a time, the others wait for it (DESIGN.md section 4).

The `run_lease` row names the runner ("planner on desk-3 (process 4120)", for "Not run: ...
is running the PM check") and holds until a time the runner pushes on with every chunk. A
runner that dies must not keep the others out until that time:

- On PostgreSQL the runner also holds a session-level advisory lock on its own connection
  while it runs. The server lets go of it when the session ends (the process killed, the
  connection lost, the server restarted), so a runner that cannot take the lock knows that
  a live session holds it, and one that can take it has the lease, whatever the row says.
- On SQLite a runner on this machine whose process is gone does not hold the lease. One on
  another machine sharing the file is trusted until its time runs out (its process cannot
  be seen from here), as is a process whose number was given to a new one meanwhile.

A lease whose time has run out is free on both (its runner stopped pushing it on). The lease
only keeps runners from doing the same work at once: the UNIQUE (pm_schedule, pm_due) of
work_order keeps every order single even if two runners overlap.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import sys
import time
from pathlib import Path

from app import db
from app.clock import utcnow
from app.db import write_transaction
from app.errors import DatabaseProblem
from app.models import RunLease

log = logging.getLogger(__name__)

LEASE = "pm_check"
LEASE_SECONDS = 120  # pushed on with every chunk; a runner that stops doing so loses it
POLL_SECONDS = 0.2  # how often a waiting runner tries again
# The advisory lock's key; taken are 0x4B57_0001 (app/db.py: upgrades), 0x4B57_0002 (audit).
PG_LOCK = 0x4B57_0003
_HOLDER = re.compile(r" on (?P<host>\S+) \(process (?P<pid>\d+)\)$")


def runner_name(username: str) -> str:
    """"planner on desk-3 (process 4120)": who holds the lease, in words and for
    `holder_gone`."""
    return f"{username} on {socket.gethostname()} (process {os.getpid()})"


# --- is the holder still there ---------------------------------------------------------------


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this machine is running (a zombie, killed but not yet reaped
    by its parent, is not). When it cannot be told, True: the lease's time decides then."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process, so it exists
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): it exists
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])


def _windows_process_alive(pid: int) -> bool:
    # os.kill(pid, 0) would end the process on Windows (signal 0 is CTRL_C_EVENT there).
    if sys.platform != "win32":
        raise NotImplementedError
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def holder_gone(holder: str) -> bool:
    """Whether the runner named `holder` is known to be gone: a process of this machine that
    is no longer running. A runner of another machine is never known to be gone."""
    found = _HOLDER.search(holder)
    if found is None or found["host"] != socket.gethostname():
        return False
    pid = int(found["pid"])
    return pid != os.getpid() and not process_alive(pid)


# --- PostgreSQL: the advisory lock of the runner's session -----------------------------------

# Taken once per session: pg_try_advisory_lock counts, and one unlock must free it.
_HELD = ("EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
         "AND pid = pg_backend_pid() AND classid = 0 AND objid = {key} AND objsubid = 1)")
_TAKE = f"SELECT CASE WHEN {_HELD} THEN true ELSE pg_try_advisory_lock({{key}}) END"
_FREE = f"SELECT CASE WHEN {_HELD} THEN pg_advisory_unlock({{key}}) ELSE false END"


def _pg_take() -> bool:
    """Take the lock for this session (True), or False: a live session holds it."""
    return bool(db.database.obj.execute_sql(_TAKE.format(key=PG_LOCK)).fetchone()[0])


def _pg_free() -> None:
    db.database.obj.execute_sql(_FREE.format(key=PG_LOCK)).fetchone()


# --- the lease -------------------------------------------------------------------------------


def try_take(holder: str) -> str:
    """Take the lease for `holder`, or push its time on; returns "" when it is ours, else who
    holds it."""
    locked = False if db.is_sqlite() else _pg_take()
    if not locked:
        # First a plain read: a runner waiting for the lease does not take the write lock five
        # times a second (nor wait behind a runner holding it: it is told who runs now).
        row = RunLease.get_or_none(RunLease.name == LEASE)
        if row is not None and not _why_free(row, holder, locked, utcnow()):
            return str(row.holder) or "another runner"
    now = utcnow()
    with write_transaction():  # BEGIN IMMEDIATE on SQLite: no one changes the row meanwhile
        RunLease.insert(name=LEASE, holder="", expires_at=None).on_conflict_ignore().execute()
        row = RunLease.get_by_id(LEASE)
        seen, why = str(row.holder), _why_free(row, holder, locked, now)
        if not why:
            return seen or "another runner"
        RunLease.update(holder=holder, expires_at=now + dt.timedelta(seconds=LEASE_SECONDS)
                        ).where((RunLease.name == LEASE) & (RunLease.holder == seen)).execute()
    if seen not in ("", holder):
        log.info("PM check: %s took the lease from %s (%s).", holder, seen, why)
    return ""


def _why_free(row: RunLease, holder: str, locked: bool, now: dt.datetime) -> str:
    """Why the lease in `row` may be taken by `holder` ("" if it may not). `locked`: this
    session holds the PostgreSQL lock."""
    seen = str(row.holder)
    if locked:  # no live session runs the check, whatever the row says
        return "its session is gone"
    if row.expires_at is not None and row.expires_at < now:
        return "its time ran out"
    if not db.is_sqlite():  # a live session holds the lock (named in the row, or soon)
        return ""
    if seen in ("", holder):
        return "free"
    return "its process is gone" if holder_gone(seen) else ""


def acquire(holder: str, wait_seconds: float) -> tuple[bool, str]:
    """(got it, whom we waited for). Tries again every POLL_SECONDS while another runner
    holds the lease, for up to `wait_seconds`. On an error nothing is left held."""
    deadline = time.monotonic() + wait_seconds
    waited = ""
    try:
        while True:
            other = try_take(holder)
            if not other:
                return True, waited
            waited = other
            if time.monotonic() >= deadline:
                return False, other
            time.sleep(POLL_SECONDS)
    except BaseException:
        release(holder)  # a desk's session lives on: its lock would keep every other out
        raise


def renew(holder: str) -> None:
    """Push the lease's time on (before each chunk). Should it have been lost meanwhile (a
    connection that was lost and made again loses its session's lock), it is taken again if
    free; if not, the run goes on: the orders' UNIQUE holds."""
    other = try_take(holder)
    if other:
        log.warning("PM check: %s lost the lease to %s; going on (each order is still "
                    "created once).", holder, other)


# What giving the lease up may meet: a database that stopped answering, or writing stopped in
# this program (app/storage.py).
_RELEASE_ERRORS: tuple[type[BaseException], ...] = (*db.DATABASE_ERRORS, DatabaseProblem)


def release(holder: str) -> None:
    """Give the lease up. Never raises: a database that stopped answering lets the lease go
    by itself (the session's lock ends with it; the row's time runs out), and an error of the
    run itself must not be hidden behind this one."""
    try:
        try:
            with write_transaction():
                RunLease.update(holder="", expires_at=None).where(
                    (RunLease.name == LEASE) & (RunLease.holder == holder)).execute()
        finally:
            if not db.is_sqlite():
                _pg_free()
    except _RELEASE_ERRORS as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("PM check: could not give the lease up (%s); it lapses by itself.", first)
