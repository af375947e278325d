"""The main window's "Run PM check now" (Ctrl+Shift+R) and "Preview PM check…": the desk's PM
worker runs the check as the signed-in user, and what it did opens in the PM subject's result
dialog (a failure in a message box)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from app import storage
from app.permissions import Actor
from ui.common.notify import notify
from ui.pm import PmCheckReport, run_result_dialog
from ui.shell.pm_worker import PmWorker


class PmCheckActions(QObject):
    """"Run PM check now" (Ctrl+Shift+R) and "Preview PM check…" for those who may run the
    check. The worker runs it as the signed-in user; what it did opens in a PmRunResultDialog,
    a failure in a message box. Set `closed` when the window closes: a result still on its
    way then shows nothing."""

    def __init__(self, actor: Actor, worker: PmWorker, window: QWidget) -> None:
        super().__init__(window)
        self.actor = actor
        self.worker = worker
        self.closed = False
        self.result_dialog: QDialog | None = None
        self.error_box: QMessageBox | None = None
        self.run_action = QAction("&Run PM check now", window)
        self.run_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.run_action.triggered.connect(self.run)
        self.preview_action = QAction("&Preview PM check…", window)
        self.preview_action.triggered.connect(self.preview)
        # Slots of this object (on the GUI thread): Qt queues the worker's signals to them.
        worker.check_finished.connect(self._finished)
        worker.check_failed.connect(self._failed)

    def _window(self) -> QWidget:
        # The parent, asked for each time: holding it too would be a reference cycle, leaving
        # a closed window to Python's cycle collector instead of going when it is dropped.
        window = self.parent()
        assert isinstance(window, QWidget)
        return window

    @Slot()
    def run(self) -> None:
        self._ask(dry_run=False)

    @Slot()
    def preview(self) -> None:
        self._ask(dry_run=True)

    def _ask(self, dry_run: bool) -> None:
        self._enable(False)  # until this one's result is in
        self.worker.run_now(self.actor, dry_run)

    def _enable(self, enabled: bool) -> None:
        self.run_action.setEnabled(enabled)
        self.preview_action.setEnabled(enabled)

    @Slot(object)
    def _finished(self, report: PmCheckReport) -> None:
        if not report.requested or self.closed:
            return
        self._enable(True)
        window = self._window()
        if getattr(window, "is_locked", False):  # no list of orders over the lock panel
            notify(window, report.result.summary)
            return
        if self.result_dialog is not None:
            self.result_dialog.deleteLater()
        self.result_dialog = run_result_dialog(report, may_run=True, parent=window)
        self.result_dialog.accepted.connect(self._result_accepted)
        self.result_dialog.open()

    @Slot()
    def _result_accepted(self) -> None:
        dialog = self.result_dialog
        if dialog is not None and getattr(dialog, "create_requested", False):
            self.run()

    @Slot(str, bool)
    def _failed(self, message: str, requested: bool) -> None:
        if not requested or self.closed:
            return  # a timed check: the status bar says so, and it is tried again
        self._enable(True)
        if storage.stopped() is not None:
            return  # the database cannot keep what is written: the window's alert says so
        if self.error_box is not None:
            self.error_box.deleteLater()
        self.error_box = QMessageBox(
            QMessageBox.Icon.Warning, "PM check failed",
            f"The PM check did not finish.\n\n{message}", QMessageBox.StandardButton.Ok,
            self._window())
        self.error_box.open()
