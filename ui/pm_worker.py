"""The desk's background checks (DESIGN.md section 7): one worker object in its own QThread.

A `schedule.Scheduler`, stepped by a QTimer created inside the thread, runs the PM check every
few minutes (as SYSTEM) and counts the overdue orders. A planner's "Run PM check now" is queued
into the same thread, so checks never overlap. Results come back as signals (queued to the GUI
thread); a failed check is reported in words, logged, and tried again a minute later.

The thread has its own database connection (peewee keeps one per thread), closed after each
job so a broken one is never reused. `stop()` ends a check between two of its chunks (each
chunk is its own transaction), then quits the thread and waits for it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schedule
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from app import db
from app.errors import KeepwellError
from app.permissions import SYSTEM, Actor
from app.services import pm_run, work_orders
from app.services.pm_run import RunResult
from app.services.work_orders import WorkOrderFilter
from ui.errors import describe

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

TIMED_CHECKS_OFF = "Timed PM checks are off on this desk"
_RETRY = "retry"  # the tag of a pending retry of a failed check
_TIMED = "timed"  # the tag of the timed checks (the first one included)


@dataclass(frozen=True)
class PmCheckReport:
    """A finished check, as the GUI receives it."""

    result: RunResult
    requested: bool  # asked for by the user ("Run PM check now", a preview): show it to them
    at: dt.datetime  # local time it finished


class _Stopped(Exception):
    """Keepwell is closing: abandon the check between two chunks (the next check finishes)."""


def failure_words(exc: BaseException) -> str:
    """Why a check failed, in the words a user reads."""
    if isinstance(exc, KeepwellError):
        return describe(exc)
    if isinstance(exc, db.DATABASE_ERRORS):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"The database did not answer ({first}). Keepwell will try again."
    return (f"An unexpected problem stopped it ({type(exc).__name__}). "
            "Keepwell will try again; details are in the log.")


def status_words(report: PmCheckReport) -> str:
    """One line for the status bar: "PM check 14:05: created 3 orders"."""
    result = report.result
    what = "PM preview" if result.dry_run else "PM check"
    head = f"{what} {report.at:%H:%M}"
    if result.not_run:
        return f"{head}: another desk is running it"
    n = len(result.created)
    if n == 0:
        done = "nothing due"
    else:
        verb = "would create" if result.dry_run else "created"
        done = f"{verb} {n} order{'s' if n != 1 else ''}"
    if result.missed:
        done += f", {len(result.missed)} missed"
    return f"{head}: {done}"


class PmWorker(QObject):
    """The background checks. Create and drive it from the GUI thread: start(), run_now(),
    stop(). Its signals are emitted in its own thread: connect them to @Slot methods of objects
    on the GUI thread, which Qt then calls there (queued). A plain function or a lambda would
    be called in the worker's thread, where it must not touch a widget."""

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
                 owner: QObject | None = None) -> None:
        super().__init__()  # no Qt parent: it moves to its thread
        # An owner (the main window) dropped without stop() (a test's window, garbage) ends
        # the worker too: its thread notices within a tick. Nothing is done for it while it
        # is being destroyed, when calling into Qt or waiting could race the destruction.
        self._owner = weakref.ref(owner) if owner is not None else None
        # schedule counts in whole seconds (and loops for ever on an interval of 0); a
        # number of minutes of 0 turns that job off (run_now still works).
        self.pm_seconds = round(pm_minutes * 60)
        self.overdue_seconds = round(overdue_minutes * 60)
        self.first_check_seconds = max(first_check_seconds, 1)
        self.retry_seconds = max(retry_seconds, 1)
        self.tick_ms = tick_ms
        self._stopping = threading.Event()
        self._scheduler = schedule.Scheduler()  # our own: never the module's global one
        self._timer: QTimer | None = None
        # No Qt parent either: Qt would delete it with the parent while it runs. _RUNNING
        # keeps the worker (and so the thread) until it has stopped.
        self._thread = QThread()
        self._thread.setObjectName("pm-worker")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._begin)  # emitted in the thread: runs there
        self._thread.finished.connect(self._end)  # likewise, after its event loop ended
        self._run_requested.connect(self._run_asked)
        self._interval_changed.connect(self._reschedule)

    # -- from the GUI thread --------------------------------------------------------------
    def start(self) -> None:
        _keep(self)
        self._thread.start()

    def run_now(self, actor: Actor, dry_run: bool = False) -> None:
        """Run a check as `actor` (who needs Perm.PM_RUN) after any check under way; its
        report says `requested`. A dry run writes nothing."""
        self._run_requested.emit(actor, dry_run)

    def stop(self) -> None:
        """Abandon a check between chunks, stop the timer in the thread, quit, and wait."""
        self._stopping.set()
        if self._thread.isRunning():
            self._thread.quit()  # the event loop ends once the job under way returns
            self._thread.wait()
        _RUNNING.discard(self)

    def set_pm_minutes(self, minutes: float) -> None:
        """Run the timed checks every `minutes` from now on (0: no more timed checks)."""
        self.pm_seconds = round(minutes * 60)
        self._interval_changed.emit(self.pm_seconds)

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    @property
    def stop_requested(self) -> bool:
        return self._stopping.is_set()

    # -- in the worker thread -------------------------------------------------------------
    @Slot()
    def _begin(self) -> None:
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
        if self.overdue_seconds > 0:
            self._count_overdue()

    @Slot()
    def _end(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._scheduler.clear()
        db.close()  # this thread's connection, should a job have left it open

    @Slot()
    def _tick(self) -> None:
        if self._owner is not None and self._owner() is None:
            log.info("the PM worker's window went away without closing; stopping")
            self._stopping.set()
        if self._stopping.is_set():
            self._thread.quit()  # the event loop ends after this slot returns
            return
        self._scheduler.run_pending()

    @Slot(int)
    def _reschedule(self, seconds: int) -> None:
        self._scheduler.clear(_TIMED)
        if seconds <= 0:
            self.status.emit(TIMED_CHECKS_OFF)
            return
        self._scheduler.every(seconds).seconds.do(self._timed_check).tag(_TIMED)
        following = dt.datetime.now() + dt.timedelta(seconds=seconds)
        self.status.emit(f"Next PM check {following:%H:%M}")

    @Slot(object, bool)
    def _run_asked(self, actor: Actor, dry_run: bool) -> None:
        self._check(actor, requested=True, dry_run=dry_run)

    def _once(self, job: Callable[[], None]) -> type[schedule.CancelJob]:
        job()
        return schedule.CancelJob

    def _timed_check(self) -> None:
        self._check(SYSTEM, requested=False, dry_run=False)

    def _check(self, actor: Actor, requested: bool, dry_run: bool) -> None:
        if self._stopping.is_set():
            return
        self.status.emit("Previewing the PM check…" if dry_run else "Checking PM schedules…")
        try:
            result = pm_run.generate_due_work_orders(
                actor, dry_run=dry_run, wait_seconds=ASKED_WAIT_SECONDS if requested else 0.0,
                progress=self._progress)
        except _Stopped:
            log.info("PM check stopped part-way as Keepwell closes; the next check finishes it")
            return
        except Exception as exc:  # reported in words, logged, retried: never lost silently
            self._failed(exc, requested)
            return
        finally:
            db.close()  # a connection that failed is never reused; a new one is cheap
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
        if isinstance(exc, (KeepwellError, *db.DATABASE_ERRORS)):
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

    def _count_overdue(self) -> None:
        if self._stopping.is_set():
            return
        try:
            count = work_orders.count_work_orders(SYSTEM, WorkOrderFilter(overdue=True))
        except Exception as exc:  # the status bar's connection check tells the user
            log.warning("counting overdue orders failed: %s", exc)
            return
        finally:
            db.close()
        self.overdue.emit(count)


# Workers whose thread may run. Holding them here means no owner going away can destroy a
# QThread that is still running (which aborts the program); quitting stops them all.
_RUNNING: set[PmWorker] = set()
_hooked = False


def _keep(worker: PmWorker) -> None:
    global _hooked
    _RUNNING.difference_update([w for w in _RUNNING if w._thread.isFinished()])
    _RUNNING.add(worker)
    app = QCoreApplication.instance()
    if not _hooked and app is not None:
        app.aboutToQuit.connect(stop_all)
        atexit.register(stop_all)  # a script that ends without quitting the event loop
        _hooked = True


def stop_all(*_args: Any) -> None:
    """Stop every worker (on quit)."""
    for worker in list(_RUNNING):
        worker.stop()
