"""Background work off the GUI thread.

`BackgroundTask` runs one callable in its own QThread with its own database connection, reports
progress and the result as signals, and can be cancelled. (The PM worker joins this module.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app import db
from app.errors import KeepwellError

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], bool]


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
            db.close()  # this thread's own connection
            self.done.emit()


# Tasks whose thread is running. Holding them here means no owner going away (a closed window,
# Python's garbage collector) can destroy a QThread that is still running, which aborts.
_RUNNING: set[BackgroundTask] = set()


def wait_for_all(timeout_ms: int = 5000) -> None:
    """Let running tasks finish (on quit): their threads hold their own database connections."""
    for task in list(_RUNNING):
        task._thread.quit()
        task._thread.wait(timeout_ms)


class BackgroundTask(QObject):
    """Run `work(progress)` in a QThread. Connect to the signals, then call start().

    It has no Qt parent on purpose: Qt would delete it with its parent even while its thread
    runs. The owner keeps a Python reference; the task keeps itself alive until it finishes."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Callable[[ProgressFn], Any]):
        super().__init__()
        self._thread = QThread()
        self._job = _Job(work)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.progress.connect(self.progress)
        self._job.succeeded.connect(self.succeeded)
        self._job.failed.connect(self.failed)
        self._job.done.connect(self._thread.quit)
        self._thread.finished.connect(self.finished)

    def start(self) -> None:
        _RUNNING.add(self)
        self._thread.finished.connect(self._forget)
        self._thread.start()

    def _forget(self) -> None:
        # Called from the thread's `finished` signal: let go of the task only once that
        # signal is done, or an owner that already dropped it would see it deleted mid-signal.
        QTimer.singleShot(0, partial(_RUNNING.discard, self))

    def cancel(self) -> None:
        self._job.cancelled = True

    def wait(self) -> None:
        self._thread.quit()
        self._thread.wait()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()
