"""The desk's background checks (DESIGN.md section 7): one worker object in its own QThread.

A `schedule.Scheduler`, stepped by a QTimer created inside the thread, runs the PM check every
few minutes (as SYSTEM) and counts the overdue orders. A planner's "Run PM check now" is queued
into the same thread, so checks never overlap. Results come back as signals (queued to the GUI
thread; a finished check's report and its words are in ui/pm/report.py); a failed check
is reported in words, logged, and tried again a minute later.

The thread has its own database connection (peewee keeps one per thread), closed after each
job so a broken one is never reused.

Lifetime (issue 10: the garbage collector deleting a window while its worker ran crashed the
interpreter). `PmWorker` is the GUI thread's handle and has one owner, the main window, which
calls `stop()` when it closes (sign-out, switching user, quitting). `stop()` ends a check
between two of its chunks (each chunk is its own transaction), quits the thread and waits for
it, at most STOP_WAIT_MS; only then are the thread and the object living in it (`_Checks`)
deleted, here, explicitly. If the wait runs out (logged, with what the thread was doing), they
are kept until the thread has ended and deleted then. Nothing of it is left to the collector.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

import schedule
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from app.errors import KeepwellError
from app.permissions import SYSTEM, Actor
from app.services import backups, database, health
from app.services.pm import run
from app.services.work_orders import listing
from app.services.work_orders.listing import WorkOrderFilter
from ui.pm import PmCheckReport, failure_words, status_words

log = logging.getLogger(__name__)

DEFAULT_PM_MINUTES = 5.0
DEFAULT_OVERDUE_MINUTES = 5.0
FIRST_CHECK_SECONDS = 20  # after sign-in the desk is usable first; then the first check
RETRY_SECONDS = 60  # a failed check is tried again this much later
TICK_MS = 1000  # how often the scheduler looks at its jobs
# Another desk (or the headless scheduler) holding the check's lease creates what is due: a
# timed check does not wait for it. One the user asked for waits a little, not so long that
# quitting meanwhile would seem to hang.
ASKED_WAIT_SECONDS = 10.0
# How long closing a window waits for the thread: a check under way ends at its next chunk
# (a fraction of a second on a big plant), a check the user asked for may first wait for
# another desk's lease (ASKED_WAIT_SECONDS). A thread still running after this is logged and
# left to end on its own, so a database that hangs cannot hang the program's close.
STOP_WAIT_MS = 30_000
# The whole plant's overdue orders: what planners, supervisors and admins see.
PLANT_OVERDUE = WorkOrderFilter(overdue=True)

BACKUP_LOOK_SECONDS = 3600  # a desk left open overnight makes the next day's backup
TIMED_CHECKS_OFF = "Timed PM checks are off on this desk"
_RETRY = "retry"  # the tag of a pending retry of a failed check
_TIMED = "timed"  # the tag of the timed checks (the first one included)


class _Stopped(Exception):
    """Keepwell is closing: abandon the check between two chunks (the next check finishes)."""


class PmWorker(QObject):
    """The background checks, as the GUI thread holds them. Create and drive it from the GUI
    thread: start(), run_now(), set_pm_minutes(), stop(). It lives on the GUI thread (give it
    its window as `parent`): its signals are re-emitted here from the thread's, so whatever is
    connected to them runs on the GUI thread. `overdue_filter` says which overdue orders the
    status bar counts (a technician's own, or the plant's)."""

    status = Signal(str)
    check_finished = Signal(object)  # a PmCheckReport
    check_failed = Signal(str, bool)  # why, in words; whether the user asked for the check
    progress = Signal(int, int)  # schedules checked, of how many
    overdue = Signal(int)  # open orders past their due date

    _run_requested = Signal(object, bool)  # (actor, dry run): queued into the worker thread
    _interval_changed = Signal(int)  # seconds between timed checks: queued into the thread

    def __init__(self, pm_minutes: float = DEFAULT_PM_MINUTES,
                 overdue_minutes: float = DEFAULT_OVERDUE_MINUTES,
                 first_check_seconds: int = FIRST_CHECK_SECONDS,
                 retry_seconds: int = RETRY_SECONDS, tick_ms: int = TICK_MS,
                 overdue_filter: WorkOrderFilter = PLANT_OVERDUE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        # schedule counts in whole seconds (and loops for ever on an interval of 0); a
        # number of minutes of 0 turns that job off (run_now still works).
        self.pm_seconds = round(pm_minutes * 60)
        self.overdue_seconds = round(overdue_minutes * 60)
        self._stopping = threading.Event()
        self._stopped_in_time = True
        self._checks: _Checks | None = _Checks(
            self._stopping, self.pm_seconds, self.overdue_seconds,
            max(first_check_seconds, 1), max(retry_seconds, 1), tick_ms, overdue_filter)
        # Neither has a Qt parent: Qt would delete them with it, running or not. This object
        # holds them until stop() has seen the thread end, then deletes them.
        self._thread: QThread | None = QThread()
        self._thread.setObjectName("pm-worker")
        checks = self._checks
        checks.moveToThread(self._thread)
        self._thread.started.connect(checks.begin)  # emitted in the thread: runs there
        self._thread.finished.connect(checks.end)  # likewise, after its event loop ended
        self._run_requested.connect(checks.run_asked)  # queued into the thread
        self._interval_changed.connect(checks.reschedule)
        for name in ("status", "check_finished", "check_failed", "progress", "overdue"):
            getattr(checks, name).connect(getattr(self, name))  # queued to the GUI thread

    # -- from the GUI thread --------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None or self._stopping.is_set():
            return  # stopped for good: a worker is not started twice
        _keep(self)
        self._thread.start()

    def run_now(self, actor: Actor, dry_run: bool = False) -> None:
        """Run a check as `actor` (who needs Perm.PM_RUN) after any check under way; its
        report says `requested`. A dry run writes nothing. Nothing once stopped."""
        if not self._stopping.is_set():
            self._run_requested.emit(actor, dry_run)

    def stop(self, wait_ms: int = STOP_WAIT_MS) -> bool:
        """Abandon a check between chunks, stop the timer in the thread, quit, and wait for the
        thread (at most `wait_ms`); then delete the thread and what ran in it. Returns False
        when the thread was still running after the wait (logged with what it was doing): it
        is then kept, never deleted while it runs, and deleted once it has ended. Calling it
        again is harmless."""
        self._stopping.set()
        thread, checks = self._thread, self._checks
        if thread is None or checks is None:
            return self._stopped_in_time
        self._thread = self._checks = None
        _RUNNING.discard(self)
        if thread.isRunning():
            thread.quit()  # the event loop ends once the job under way returns
            if not thread.wait(wait_ms):
                log.warning("The PM worker did not stop within %g s: it is still %s. It is "
                            "left to end on its own; Keepwell goes on without it.",
                            wait_ms / 1000, checks.doing)
                _LINGERING.append((thread, checks))
                self._stopped_in_time = False
                return False
        _delete(thread, checks)
        _reap_lingering()
        return True

    def set_pm_minutes(self, minutes: float) -> None:
        """Run the timed checks every `minutes` from now on (0: no more timed checks)."""
        self.pm_seconds = round(minutes * 60)
        if not self._stopping.is_set():
            self._interval_changed.emit(self.pm_seconds)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    @property
    def stop_requested(self) -> bool:
        return self._stopping.is_set()

    @property
    def doing(self) -> str:
        """What the thread is doing, in words (for the log; read from any thread)."""
        return self._checks.doing if self._checks is not None else "stopped"


class _Checks(QObject):
    """The part that lives in the worker's thread: the scheduler, its timer and the jobs. Only
    PmWorker makes, connects and deletes it; nothing on the GUI thread calls it directly."""

    status = Signal(str)
    check_finished = Signal(object)
    check_failed = Signal(str, bool)
    progress = Signal(int, int)
    overdue = Signal(int)

    def __init__(self, stopping: threading.Event, pm_seconds: int, overdue_seconds: int,
                 first_check_seconds: int, retry_seconds: int, tick_ms: int,
                 overdue_filter: WorkOrderFilter) -> None:
        super().__init__()
        self._stopping = stopping
        self.pm_seconds = pm_seconds
        self.overdue_seconds = overdue_seconds
        self.first_check_seconds = first_check_seconds
        self.retry_seconds = retry_seconds
        self.tick_ms = tick_ms
        self.overdue_filter = overdue_filter
        self.doing = "waiting to start"  # said in the log should stopping take too long
        self._scheduler = schedule.Scheduler()  # our own: never the module's global one
        self._timer: QTimer | None = None

    @Slot()
    def begin(self) -> None:
        jobs = self._scheduler
        if self.pm_seconds > 0:
            jobs.every(self.pm_seconds).seconds.do(self._timed_check).tag(_TIMED)
            jobs.every(self.first_check_seconds).seconds.do(
                self._once, self._timed_check).tag(_TIMED)
            first = dt.datetime.now() + dt.timedelta(seconds=self.first_check_seconds)
            self.status.emit(f"Next PM check {first:%H:%M}")
        else:
            self.status.emit(TIMED_CHECKS_OFF)
        if self.overdue_seconds > 0:
            jobs.every(self.overdue_seconds).seconds.do(self._count_overdue)
        self._timer = QTimer(self)  # created here, so it belongs to (and fires in) this thread
        self._timer.setInterval(self.tick_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.doing = "idle"
        if self.overdue_seconds > 0:
            self._count_overdue()
        self._look_after_database()
        jobs.every(BACKUP_LOOK_SECONDS).seconds.do(self._look_after_database)

    @Slot()
    def end(self) -> None:
        if self._timer is not None:
            self._timer.stop()  # in its own thread, where a timer must be stopped
        self._scheduler.clear()
        database.close()  # this thread's connection, should a job have left it open
        self.doing = "stopped"

    @Slot()
    def _tick(self) -> None:
        if self._stopping.is_set():
            return  # stop() has asked the event loop to end; no new job starts meanwhile
        self._scheduler.run_pending()

    @Slot(int)
    def reschedule(self, seconds: int) -> None:
        self.pm_seconds = seconds
        self._scheduler.clear(_TIMED)
        if seconds <= 0:
            self.status.emit(TIMED_CHECKS_OFF)
            return
        self._scheduler.every(seconds).seconds.do(self._timed_check).tag(_TIMED)
        following = dt.datetime.now() + dt.timedelta(seconds=seconds)
        self.status.emit(f"Next PM check {following:%H:%M}")

    @Slot(object, bool)
    def run_asked(self, actor: Actor, dry_run: bool) -> None:
        self._check(actor, requested=True, dry_run=dry_run)

    def _once(self, job: Callable[[], None]) -> type[schedule.CancelJob]:
        job()
        return schedule.CancelJob

    def _timed_check(self) -> None:
        self._check(SYSTEM, requested=False, dry_run=False)

    def _check(self, actor: Actor, requested: bool, dry_run: bool) -> None:
        if self._stopping.is_set():
            return
        self.doing = (f"running a PM {'preview' if dry_run else 'check'} as {actor.username}"
                      + (" (waiting for another desk's check first, if one runs)"
                         if requested and not dry_run else ""))
        self.status.emit("Previewing the PM check…" if dry_run else "Checking PM schedules…")
        try:
            result = run.generate_due_work_orders(
                actor, dry_run=dry_run, wait_seconds=ASKED_WAIT_SECONDS if requested else 0.0,
                progress=self._progress)
        except _Stopped:
            log.info("PM check stopped part-way as Keepwell closes; the next check finishes it")
            return
        except Exception as exc:  # reported in words, logged, retried: never lost silently
            self._failed(exc, requested)
            return
        finally:
            database.close()  # a connection that failed is never reused; a new one is cheap
            self.doing = "idle"
        if not dry_run and not result.not_run:
            self._scheduler.clear(_RETRY)
        report = PmCheckReport(result, requested, dt.datetime.now())
        if result.created or result.missed:
            log.info("%s", result.summary)
        self.status.emit(status_words(report))
        self.check_finished.emit(report)
        if result.created and not dry_run and self.overdue_seconds > 0:
            self._count_overdue()  # orders raised late are overdue already

    def _failed(self, exc: Exception, requested: bool) -> None:
        message = failure_words(exc)
        if isinstance(exc, KeepwellError) or database.is_database_error(exc):
            log.warning("PM check failed: %s", exc)
        else:
            log.exception("PM check failed")
        self._scheduler.clear(_RETRY)  # one retry pending at most
        self._scheduler.every(self.retry_seconds).seconds.do(
            self._once, self._timed_check).tag(_RETRY)
        again = dt.datetime.now() + dt.timedelta(seconds=self.retry_seconds)
        self.status.emit(f"PM check {dt.datetime.now():%H:%M} failed; trying again {again:%H:%M}")
        self.check_failed.emit(message, requested)

    def _progress(self, done: int, total: int) -> None:
        if self._stopping.is_set():
            raise _Stopped
        self.progress.emit(done, total)
        if done < total:
            self.status.emit(f"Checking PM schedules… {done:,} of {total:,}")

    def _look_after_database(self) -> None:
        """An embedded database: SQLite's quick check once per program run (a damaged file
        stops writing, and the window says so), then today's backup unless it exists."""
        global _checked_whole
        if self._stopping.is_set():
            return
        if database.is_shared_file():
            return  # a file on a network share: reading all of it would hold other desks' saves
        try:
            if not _checked_whole:
                self.doing = "checking the database file"
                _checked_whole = True
                if health.quick_check() is not None:
                    return
            self.doing = "making today's backup"
            made = database.daily_backup_if_due()
            if made is not None:
                log.info("daily backup written to %s", made)
        except backups.DatabaseDamaged as exc:
            log.error("%s", exc.message)
            health.quick_check()  # says it to the window: writing stops
        except Exception as exc:  # a backup that failed is tried again at the next look
            log.warning("today's backup failed: %s", exc)
        finally:
            database.close()
            self.doing = "idle"

    def _count_overdue(self) -> None:
        if self._stopping.is_set():
            return
        self.doing = "counting the overdue orders"
        try:
            count = listing.count_work_orders(SYSTEM, self.overdue_filter)
        except Exception as exc:  # the status bar's connection check tells the user
            log.warning("counting overdue orders failed: %s", exc)
            return
        finally:
            database.close()
            self.doing = "idle"
        self.overdue.emit(count)


_checked_whole = False  # SQLite's quick check ran in this program run (it reads every page)


def _delete(thread: QThread, checks: _Checks) -> None:
    """Delete a worker's thread and what ran in it, on the GUI thread, once the thread has
    ended: nothing else can touch them then. (Its timer, a child, goes with it; it was
    stopped in the thread.)"""
    shiboken6.delete(checks)
    shiboken6.delete(thread)


# Workers started and not stopped yet: stop_all() stops them on quit, should a window not
# have (it always does; this is the last line, not the owner).
_RUNNING: set[PmWorker] = set()
# Threads whose stop() ran out of time, with what runs in them: kept (never deleted while they
# run) until they have ended.
_LINGERING: list[tuple[QThread, _Checks]] = []
_hooked = False


def _keep(worker: PmWorker) -> None:
    global _hooked
    _RUNNING.add(worker)
    app = QCoreApplication.instance()
    if not _hooked and app is not None:
        app.aboutToQuit.connect(stop_all)
        atexit.register(stop_all)  # a script that ends without quitting the event loop
        _hooked = True


def _reap_lingering(wait_ms: int = 0) -> None:
    """Delete the lingering threads that have ended (waiting up to `wait_ms` for each)."""
    for entry in list(_LINGERING):
        thread, checks = entry
        if thread.wait(wait_ms):
            _LINGERING.remove(entry)
            _delete(thread, checks)
        elif wait_ms:
            log.warning("The PM worker still had not stopped at quit: it is %s.", checks.doing)


def stop_all(*_args: Any) -> None:
    """Stop every worker (on quit), and wait for those that had not stopped in time."""
    for worker in list(_RUNNING):
        log.warning("Stopping a PM worker at quit that no window had stopped.")
        worker.stop()
    _reap_lingering(STOP_WAIT_MS)
