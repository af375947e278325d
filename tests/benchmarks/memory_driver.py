"""Run by test_work_order_scale.py in its own process: open the main window on the database
given, show every work order, scroll down 10 pages, and print the resident size in MB."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import db as dbmod
from app.models import User
from app.permissions import Actor, Role


def resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def settle(app: QApplication, model: object) -> None:
    deadline = time.monotonic() + 120
    while model.loading and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)


def main(url: str) -> None:
    app = QApplication(sys.argv[:1])
    _database, target = dbmod.connect(url)
    row = User.get(User.username == "admin")
    actor = Actor(row.id, row.username, row.full_name, Role.ADMIN)
    from ui.shell.main_window import MainWindow

    window = MainWindow(actor, target)
    window.resize(1000, 700)
    window.show()
    screen = window.show_screen("work_orders")
    bar = screen.filter_bar  # type: ignore[attr-defined]
    bar.view.setCurrentIndex(bar.view.findText("Everything"))
    bar.view.activated.emit(bar.view.currentIndex())
    model = screen.model  # type: ignore[attr-defined]
    settle(app, model)
    table = screen.table  # type: ignore[attr-defined]
    table.setFocus()
    for _ in range(10):
        QTest.keyClick(table, Qt.Key.Key_PageDown)
        app.processEvents()
        settle(app, model)
    print(f"rows {model.rowCount()} resident_mb {resident_mb():.1f}")
    window.watcher.stop() if hasattr(window.watcher, "stop") else None
    dbmod.close()


if __name__ == "__main__":
    main(sys.argv[1])
