"""Sign in and out of a desk again and again while its PM worker is busy, in a process of its own
(a crash fails the test that runs this, not the test run): `python -m tests.ui.sign_out_stress
URL ROUNDS REPORT`. Run by tests/ui/test_worker_lifetime.py.

The real program's path: the AppController, the sign-in dialog (answered by a timer, as a user
would type), the main window with its PM worker, and "Sign out / switch user". Each round the
worker's thread is caught inside its work when the user signs out (see ROUNDS): inside the
overdue count, or between two chunks of a PM preview.
The thread is held there (the real query is made once stopping has begun, so the count or the
chunk runs while the window closes), the garbage collector is forced to run while it is held,
and again once the window is closed. Qt's warnings and Keepwell's logged warnings are printed
with a mark the test looks for; the report counts what the thread was doing at each sign-out.
"""

from __future__ import annotations

import gc
import json
import logging
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMessageLogContext, QThread, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.services.pm import run
from app.services.work_orders import listing
from tests.conftest import TEST_PASSWORD
from tests.ui.desk_driver import OFFSCREEN_NOTES, sign_in, when_sign_in_ready, when_window
from ui.shell.app import AppController, run_controller
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow
from ui.shell.pm_worker import PmWorker

QT_MARK = "QT-WARNING:"
LOG_MARK = "LOG-WARNING:"
HOLD_SECONDS = 20.0  # a thread is held at most this long (the test would fail on the timing)
CHUNK = 20  # schedules per chunk of the check: the plant has several chunks
# Who signs in, in turn, and what their worker is doing when they sign out: a technician's
# count of their own overdue orders, a planner's PM preview, an administrator's of each (an
# administrator's window used to hold itself in a reference cycle).
ROUNDS = (("tech", "count"), ("planner", "check"), ("admin", "count"), ("admin", "check"))


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, text: str) -> None:
    if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg and not any(
            note in text for note in OFFSCREEN_NOTES):
        print(QT_MARK, kind.name, text, file=sys.stderr, flush=True)


class _Warnings(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print(LOG_MARK, record.name, record.getMessage(), file=sys.stderr, flush=True)


class Hold:
    """Keeps the PM worker's thread inside its work until the window begins to stop it."""

    def __init__(self) -> None:
        self.inside = threading.Event()  # the worker's thread is being held
        self.what = ""  # "count" or "check": what this round holds
        self.chunks = 0
        self.held = Counter[str]()
        # This round's worker, once its window is up (the thread starts while the window is
        # being made, before the controller has it).
        self.worker: PmWorker | None = None

    def _stopping(self) -> bool:
        worker = self.worker
        return worker is not None and worker.stop_requested

    def _wait(self, what: str) -> None:
        if QThread.currentThread().objectName() != "pm-worker" or self.what != what:
            return
        self.what = ""  # once a round
        self.held[what] += 1
        self.inside.set()
        deadline = time.monotonic() + HOLD_SECONDS
        while not self._stopping() and time.monotonic() < deadline:
            time.sleep(0.002)

    def install(self) -> None:
        count, chunk = listing.count_work_orders, run._run_chunk

        def held_count(*args: Any, **kwargs: Any) -> int:
            self._wait("count")
            return count(*args, **kwargs)

        def held_chunk(*args: Any, **kwargs: Any) -> None:
            self.chunks += 1
            if self.chunks == 2:  # the first chunk is done: the check is part-way
                self._wait("check")
            chunk(*args, **kwargs)

        listing.count_work_orders = held_count
        run._run_chunk = held_chunk
        run.CHUNK = CHUNK


def main(url: str, rounds: int, report_path: Path) -> None:
    qt_app = QApplication(sys.argv[:1])
    qInstallMessageHandler(_qt_message)
    logging.getLogger().addHandler(_Warnings(logging.WARNING))
    hold = Hold()
    hold.install()
    controller = AppController(cli_url=url)
    doing_at_sign_out = Counter[str]()
    state = {"round": 0, "signed_in": 0}
    started = time.monotonic()

    def user_for(round_no: int) -> tuple[str, str]:
        """Who signs in, and where their worker is caught at sign-out."""
        return ROUNDS[round_no % len(ROUNDS)]

    def answer_sign_in(dialog: LoginDialog) -> None:
        gc.collect()  # the last window is closed: nothing of it may be left to this
        if state["round"] >= rounds:
            dialog.reject()  # nobody signs in: the program quits
            return
        username, what = user_for(state["round"])
        hold.inside.clear()
        hold.worker = None
        hold.chunks = 0
        hold.what = what
        sign_in(dialog, username, TEST_PASSWORD)
        QTimer.singleShot(0, lambda: when_window(controller, signed_in))

    def signed_in(window: MainWindow) -> None:
        state["signed_in"] += 1
        hold.worker = window.pm_worker
        if window.pm_actions is not None:  # the planner: a preview, as from the Tools menu
            window.pm_actions.preview_action.trigger()
        sign_out_when_held()

    def sign_out_when_held() -> None:
        window = controller.window
        assert window is not None and window.pm_worker is not None
        if not hold.inside.is_set():
            QTimer.singleShot(1, sign_out_when_held)
            return
        gc.collect()  # while the worker's thread is inside its work
        doing_at_sign_out[window.pm_worker.doing] += 1
        state["round"] += 1
        QTimer.singleShot(0, lambda: when_sign_in_ready(answer_sign_in))  # once it is up
        # File ▸ Sign out / switch user…, as the user chooses it: nothing here holds on to the
        # window meanwhile, so the controller is all that keeps it (the action is its child).
        sign_out = window.sign_out_action
        del window
        sign_out.trigger()  # closes the window, stops the worker; the sign-in dialog opens

    QTimer.singleShot(0, lambda: when_sign_in_ready(answer_sign_in))
    code = run_controller(qt_app, controller)
    report_path.write_text(json.dumps({
        "exit_code": code,
        "rounds": state["round"],
        "signed_in": state["signed_in"],
        "held": dict(hold.held),
        "doing_at_sign_out": dict(doing_at_sign_out),
        "seconds": round(time.monotonic() - started, 1),
    }))
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
