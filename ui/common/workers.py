"""Background work off the GUI thread.

`BackgroundTask` runs one callable in its own QThread with its own database connection, reports
progress and the result as signals, and can be cancelled.

Lifetime (issue 10): a task's thread and the object running in it are deleted by the task, on
the GUI thread, once the thread has ended, never earlier and never by Python's garbage
collector; the task itself is deleted by Qt (deleteLater) just after it has said `finished`.
Its owner may keep the Python object: `running` is False and `wait()` returns at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.errors import KeepwellError
from app.services import database

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], bool]

# How long an owner going away waits for a task's thread. The work is a database read or a
# write of a few rows; a longer wait means the database hangs, and the program must not.
WAIT_MS = 30_000


class _Job(QObject):
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)  # a KeepwellError, or another Exception
    done = Signal()

    def __init__(self, work: Callable[[ProgressFn], Any]) -> None:
        super().__init__()
        self._work = work
        self.cancelled = False

    def _report(self, done: int, total: int, message: str) -> bool:
        self.progress.emit(done, total, message)
        return not self.cancelled

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self._report)
        except KeepwellError as exc:
            self.failed.emit(exc)
        except Exception as exc:  # shown to the user in words; details go to the log
            log.exception("background task failed")
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
        finally:
            database.close()  # this thread's own connection
            self.done.emit()


# Tasks whose thread has not been seen to end. Holding them here means no owner going away (a
# closed window, Python's garbage collector) can delete a QThread that is still running (which
# aborts the program) or the object running in it.
_RUNNING: set[BackgroundTask] = set()


def wait_for_all(timeout_ms: int = WAIT_MS) -> bool:
    """Let running tasks finish (a window closing, quitting): their threads hold their own
    database connections. Returns False, having logged which, if any was still running."""
    _forget_ended()
    all_ended = True
    for task in list(_RUNNING):
        all_ended &= task.wait(timeout_ms)
    return all_ended


def _forget_ended() -> None:
    """Let go of the tasks that have said `finished` (Qt deletes or has deleted them)."""
    _RUNNING.difference_update([task for task in _RUNNING if task._said_finished])


def _describe(work: Callable[..., Any]) -> str:
    """The work, named for the log."""
    inner = getattr(work, "func", work)  # a functools.partial
    return getattr(inner, "__qualname__", None) or repr(inner)


class BackgroundTask(QObject):
    """Run `work(progress)` in a QThread. Connect to the signals, then call start().

    It has no Qt parent on purpose: Qt would delete it with its parent even while its thread
    runs. `finished` arrives on the GUI thread once the thread has ended; the task then deletes
    its Qt parts and itself (see the module's docstring)."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Callable[[ProgressFn], Any]):
        super().__init__()
        self.name = _describe(work)
        self._said_finished = False  # `finished` said: the thread and its job are deleted
        self._thread: QThread | None = QThread()
        self._job: _Job | None = _Job(work)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        # Each re-emitted by the task on the GUI thread (queued), in the order emitted.
        self._job.progress.connect(self.progress)
        self._job.succeeded.connect(self.succeeded)
        self._job.failed.connect(self.failed)
        self._job.done.connect(self._thread.quit)
        self._thread.finished.connect(self._ended)  # queued: after the results above

    def start(self) -> None:
        if self._thread is None:
            return  # a task runs once
        _forget_ended()
        _RUNNING.add(self)
        self._thread.start()

    @Slot()
    def _ended(self) -> None:
        # `finished` is emitted by the thread just before it ends: wait for that (at once).
        if not self.wait():
            return  # logged; quitting waits for it again
        self._said_finished = True
        self.finished.emit()
        # Qt deletes the task once this slot has returned. The set lets go of it later (at the
        # next start): dropping the last reference here would delete it inside its own slot.
        self.deleteLater()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancelled = True

    def wait(self, timeout_ms: int = WAIT_MS) -> bool:
        """Wait for the thread to end, at most `timeout_ms`; then delete it and its job here
        (nothing else can touch them). False, logged, when it was still running."""
        thread, job = self._thread, self._job
        if thread is None or job is None:
            return True
        thread.quit()
        if not thread.wait(timeout_ms):
            log.warning("A background task (%s) did not end within %g s; it is left running "
                        "and its thread kept until it ends.", self.name, timeout_ms / 1000)
            return False
        self._thread = self._job = None
        shiboken6.delete(job)
        shiboken6.delete(thread)
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()
