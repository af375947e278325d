"""The desk's state in the main window's status bar, and the background checks that feed it.

Who is signed in, which database, whether it answers (a connection check in the background, so
a dead server never freezes the window), the last PM check and the overdue orders (the PM
worker, DESIGN.md section 7). `DeskStatus` is a part of `MainWindow` (ui/shell/main_window.py),
which builds it in its constructor and, as the owner of everything that runs for it, stops the
PM worker and waits for the connection check when it closes (issue 10).
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel

from app.permissions import Actor, Perm
from app.services import database
from app.services.work_orders.listing import WorkOrderFilter
from ui.common.workers import BackgroundTask
from ui.pm import PmCheckReport
from ui.shell.pm_check_actions import PmCheckActions
from ui.shell.pm_worker import DEFAULT_PM_MINUTES, PLANT_OVERDUE, PmWorker


def overdue_filter(actor: Actor) -> WorkOrderFilter:
    """Which overdue orders the status bar counts: those who plan work see the plant's; a
    technician, who works on the orders assigned to them, sees their own."""
    if actor.can(Perm.WO_EDIT):
        return PLANT_OVERDUE
    return WorkOrderFilter(overdue=True, assignee_id=actor.user_id)


class DeskStatus:
    """The status bar's part of the main window (a mixin of `MainWindow`, which gives it
    `actor`, `target`, `tools_menu` and its `statusBar()`)."""

    def _build_status_bar(self) -> None:
        self.user_label = QLabel(f"{self.actor.full_name} · {self.actor.role.label}")
        self.user_label.setObjectName("statusUser")
        kind = "SQLite" if self.target.is_sqlite else "PostgreSQL"
        self.db_label = QLabel(f"{kind}: {self.target.display}")
        self.db_label.setObjectName("statusDatabase")
        self.connection_label = QLabel()
        self.connection_label.setObjectName("statusConnection")
        self.set_connection_state(True)
        self.pm_label = QLabel()
        self.pm_label.setObjectName("statusPm")
        self.overdue_label = QLabel()
        self.overdue_label.setObjectName("statusOverdue")
        self.overdue_label.setToolTip("Open work orders whose due date has passed.")
        self.overdue_label.hide()
        bar = self.statusBar()
        why_read_only = database.read_only()
        if why_read_only is not None:  # said once, here; each change is refused in words too
            self.read_only_label = QLabel("<b>Read-only:</b> you can look but not change")
            self.read_only_label.setObjectName("statusReadOnly")
            self.read_only_label.setToolTip(why_read_only)
            bar.addPermanentWidget(self.read_only_label)
        bar.addPermanentWidget(self.pm_label)
        bar.addPermanentWidget(self.overdue_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.db_label)
        bar.addPermanentWidget(self.connection_label)

    def set_connection_state(self, ok: bool) -> None:
        self.connection_state = ok
        color = "#1a7f37" if ok else "#b42318"
        text = "connected" if ok else "disconnected: retrying"
        self.connection_label.setText(f"<span style='color:{color}'>●</span> {text}")
        self.connection_label.setToolTip(
            "The database answers." if ok else
            "The database does not answer. Keepwell keeps trying; unsaved edits stay open."
        )

    def check_connection(self) -> None:
        """Ask the database in the background (a dead server must not freeze the window)."""
        if self._ping is not None and self._ping.running:
            return
        self._ping = BackgroundTask(_ping)
        self._ping.succeeded.connect(self._ping_answered)
        self._ping.failed.connect(self._ping_failed)
        self._ping.start()

    def _ping_answered(self, ok: object) -> None:
        self.set_connection_state(bool(ok))

    def _ping_failed(self, _error: object) -> None:
        self.set_connection_state(False)

    def _start_pm_worker(self, minutes: float) -> None:
        """PM and overdue checks in the background (timed ones as SYSTEM), for every desk that
        sees work orders; "Run PM check now" for those who may run it."""
        self.pm_worker: PmWorker | None = None
        self.pm_actions: PmCheckActions | None = None
        self.own_overdue = overdue_filter(self.actor).assignee_id is not None
        if not self.actor.can(Perm.WO_VIEW):
            self.pm_label.hide()
            return
        if self.own_overdue:
            self.overdue_label.setToolTip(
                "Open work orders assigned to you whose due date has passed.")
        # Its owner: closing this window stops it (shut_down). A child, so Qt deletes the
        # handle with the window; the thread is gone by then.
        self.pm_worker = worker = PmWorker(pm_minutes=minutes,
                                           overdue_filter=overdue_filter(self.actor),
                                           parent=self)
        worker.status.connect(self._pm_status)
        worker.overdue.connect(self.show_overdue)
        worker.check_finished.connect(self._pm_checked)
        worker.check_failed.connect(self._pm_failed)
        if self.actor.can(Perm.PM_RUN):
            self.pm_actions = PmCheckActions(self.actor, worker, self)
            self.tools_menu.addActions([self.pm_actions.run_action,
                                        self.pm_actions.preview_action])
        self._pm_checked(None)
        worker.start()

    # These receive the worker's signals. Slots of an object on the GUI thread, so Qt queues the
    # calls to that thread (a plain function would be called in the worker's thread).
    @Slot(str)
    def _pm_status(self, text: str) -> None:
        self.pm_label.setText(text)

    @Slot(int)
    def show_overdue(self, count: int) -> None:
        orders = f"order{'s' if count != 1 else ''}"
        text = (f"{count} of your {orders} overdue" if self.own_overdue
                else f"{count} overdue {orders}")
        self.overdue_label.setText(f"<span style='color:#b42318'>{text}</span>")
        self.overdue_label.setVisible(count > 0)

    @Slot(object)
    def _pm_checked(self, report: PmCheckReport | None) -> None:
        every = self.pm_worker.pm_seconds / 60 if self.pm_worker else DEFAULT_PM_MINUTES
        self.pm_label.setToolTip(
            (f"{report.result.summary}\n" if report else "")
            + (f"Every {every:g} minutes this desk creates the PM work orders that are due."
               if every else "Timed PM checks are off on this desk."))

    @Slot(str, bool)
    def _pm_failed(self, message: str, _requested: bool) -> None:
        self.pm_label.setToolTip(f"The last PM check failed: {message}")


def _ping(_progress: object) -> bool:
    return database.ping()
