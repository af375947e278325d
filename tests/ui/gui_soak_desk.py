"""Process A of the soak with the real program: `python -m tests.ui.gui_soak_desk URL WORKDIR
SECONDS`. Run by tests/ui/test_gui_soak.py beside the command line's processes B and C
(tests/soak.py).

The program as a desk runs it, offscreen: the AppController, the sign-in dialog (answered by a
timer, as a user types), the main window with its PM worker (timed checks every few seconds),
and "Sign out / switch user", again and again until time is up. While signed in, the desk files
a request as its user (the service the request form calls) and runs "Run PM check now". A timer
stats (never opens) the WAL file: it must exist whenever this process has a connection open.
The report (WORKDIR/A.json) counts what was committed and what went wrong.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app import db
from app.services import requests, settings
from tests.soak import ADMIN, PLANNER
from tests.ui.desk_driver import OFFSCREEN_NOTES, sign_in, when_sign_in_ready, when_window
from ui.shell.app import AppController, run_controller
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow


def main(url: str, workdir: Path, seconds: float) -> int:
    qt_app = QApplication(sys.argv[:1])
    problems: list[str] = []
    counts: Counter[str] = Counter()

    def qt_message(kind: QtMsgType, _context: QMessageLogContext, text: str) -> None:
        if kind not in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) and not any(
                note in text for note in OFFSCREEN_NOTES):
            problems.append(f"Qt {kind.name}: {text}")

    class Warnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(f"log {record.levelname} {record.name}: {record.getMessage()}")

    qInstallMessageHandler(qt_message)
    logging.getLogger().addHandler(Warnings(logging.WARNING))
    wal = db.parse_url(url).path
    wal_path = f"{wal}-wal" if wal is not None else None
    controller = AppController(cli_url=url)
    deadline = time.monotonic() + seconds
    state = {"round": 0}

    def watch_wal() -> None:
        database = db.database.obj
        if wal_path is not None and database is not None and not database.is_closed():
            counts["wal_looks"] += 1
            if not os.path.exists(wal_path):  # stat only: never open it
                counts["wal_missing"] += 1

    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(watch_wal)
    watcher.start()

    def answer_sign_in(dialog: LoginDialog) -> None:
        if time.monotonic() >= deadline:
            dialog.reject()  # nobody signs in: the program quits
            return
        sign_in(dialog, *(PLANNER, ADMIN)[state["round"] % 2])
        QTimer.singleShot(0, lambda: when_window(controller, signed_in))

    def signed_in(window: MainWindow) -> None:
        state["round"] += 1
        n = state["round"]
        if window.actor.username == PLANNER[0]:
            requests.file_request(window.actor, f"soak-A-{n}", "filed at the desk")
            counts["requests"] += 1
            window.pm_actions.run_action.trigger()  # "Run PM check now", in the worker
        else:
            settings.change_office_settings(window.actor, organisation_name=f"Soak Plant {n}")
            counts["settings"] += 1
        QTimer.singleShot(400, sign_out)

    def sign_out() -> None:
        window = controller.window
        if window is None:
            return
        QTimer.singleShot(0, lambda: when_sign_in_ready(answer_sign_in))  # once it is up
        window.sign_out_action.trigger()

    QTimer.singleShot(0, lambda: when_sign_in_ready(answer_sign_in))
    code = run_controller(qt_app, controller)
    watcher.stop()
    counts["rounds"] = state["round"]
    (workdir / "A.json").write_text(json.dumps({
        "exit_code": code, "counts": dict(counts), "errors": problems}))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])))
