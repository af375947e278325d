"""Child process for the start-up benchmark. Prints `<event> <seconds since process start>`.

    python startup_driver.py bare                  # a bare QMainWindow, first paint
    python startup_driver.py keepwell URL          # Keepwell up to the login dialog's first paint
    python startup_driver.py login URL USER PASS   # ... then sign in; Work Orders table painted
"""

from __future__ import annotations

import os
import sys
import time

START = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def stamp(event: str) -> None:
    print(f"{event} {time.perf_counter() - START:.6f}", flush=True)


def on_first_paint(widget_class, event: str, then=None) -> None:
    """Patch `widget_class.paintEvent` to report its first paint, then run `then`."""
    original = widget_class.paintEvent
    fired = []

    def paint(self, ev):
        original(self, ev)
        if not fired:
            fired.append(True)
            stamp(event)
            if then is not None:
                then(self)

    widget_class.paintEvent = paint


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    on_first_paint(QMainWindow, "shown", lambda _w: app.quit())
    window = QMainWindow()
    window.resize(420, 200)
    window.show()
    return app.exec()


def keepwell(url: str, credentials: tuple[str, str] | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QTableView

    from ui.shell import login

    def after_login_shown(dialog) -> None:
        # The dialog paints before the database is open; sign-in waits until it is ready.
        QTimer.singleShot(0, lambda: when_ready(dialog))

    def when_ready(dialog) -> None:
        if not dialog.ready:
            QTimer.singleShot(1, lambda: when_ready(dialog))
            return
        stamp("ready")
        if credentials is None:
            QApplication.instance().exit(0)
            return
        import bcrypt

        from app.models import User

        hashed = User.get(User.username == credentials[0]).password_hash.encode()
        t0 = time.perf_counter()
        bcrypt.checkpw(credentials[1].encode(), hashed)
        print(f"bcrypt {time.perf_counter() - t0:.6f}", flush=True)
        dialog.username.setText(credentials[0])
        dialog.password.setText(credentials[1])
        stamp("sign_in_clicked")
        dialog.try_sign_in()

    on_first_paint(login.LoginDialog, "shown", after_login_shown)

    original_viewport_event = QTableView.viewportEvent
    painted = []

    def viewport_event(self, event):
        result = original_viewport_event(self, event)
        from PySide6.QtCore import QEvent

        if (event.type() == QEvent.Type.Paint and not painted
                and self.objectName() == "workOrderTable" and self.model().rowCount() > 0):
            painted.append(True)
            stamp("table_painted")
            QApplication.instance().exit(0)
        return result

    QTableView.viewportEvent = viewport_event
    from ui.main import main

    return main(["--db", url])


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "bare":
        sys.exit(bare())
    if mode == "keepwell":
        sys.exit(keepwell(sys.argv[2]))
    if mode == "login":
        sys.exit(keepwell(sys.argv[2], (sys.argv[3], sys.argv[4])))
    raise SystemExit(f"unknown mode {mode}")
