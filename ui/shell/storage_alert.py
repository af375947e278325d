"""When the database cannot keep what is written: a modal message in words, Retry or Quit.

app.storage stops writing in the whole process when a save meets a full disk, a read-only or
damaged file or a lost WAL, and tells its listeners (from whichever thread met it). The
`StorageNotifier` brings that to the GUI thread and shows a `StorageAlert`: what happened and
what to do, in text that can be selected and copied; Retry (looks again: see
app.services.health), Quit, or "Copy my work first", which closes the message and leaves the
open forms as they are (their contents unsaved, on screen, copyable) with a red status-bar
button to retry from. Nothing is written meanwhile: every save is refused in the same words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import storage
from app.errors import StorageFailure

log = logging.getLogger(__name__)

Check = Callable[[], StorageFailure | None]  # None: writing works again
STOPPED_WORDS = ("Keepwell has stopped saving so that nothing is lost half-way. What you were "
                 "typing is still on screen: copy it somewhere safe if you need to, then choose "
                 "Retry once the problem is fixed.")


def _selectable(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


class StorageAlert(QDialog):
    """The modal message. `result()` after exec: RETRIED_OK, KEEP_OPEN or QUIT."""

    RETRIED_OK, KEEP_OPEN, QUIT = 1, 2, 3

    def __init__(self, failure: StorageFailure, check: Check,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self.setWindowTitle("Changes cannot be saved")
        self.setModal(True)
        self.setMinimumWidth(520)
        heading = QLabel("Keepwell cannot save changes")
        heading.setObjectName("alertHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        self.message = _selectable(QLabel())
        self.hint = _selectable(QLabel())
        self.retry_note = _selectable(QLabel())
        self.retry_note.setObjectName("errorText")
        self.retry_button = QPushButton("&Retry")
        self.keep_button = QPushButton("&Copy my work first")
        self.keep_button.setToolTip("Close this message; the open forms keep what you typed "
                                    "(nothing is saved until Retry succeeds)")
        self.quit_button = QPushButton("&Quit Keepwell")
        self.retry_button.setDefault(True)
        self.retry_button.clicked.connect(self.retry)
        self.keep_button.clicked.connect(self._keep_open)
        self.quit_button.clicked.connect(self._quit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.retry_button, self.keep_button, self.quit_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.message)
        layout.addWidget(self.hint)
        layout.addWidget(self.retry_note)
        layout.addLayout(buttons)
        self.show_failure(failure)
        self.retry_note.hide()

    def show_failure(self, failure: StorageFailure) -> None:
        self.message.setText(failure.message)
        self.hint.setText(f"{failure.hint}\n\n{STOPPED_WORDS}")

    @Slot()
    def retry(self) -> None:
        still = self._check()
        if still is None:
            self.done(self.RETRIED_OK)
            return
        self.show_failure(still)
        self.retry_note.setText("Tried again: the problem is still there.")
        self.retry_note.show()

    @Slot()
    def _keep_open(self) -> None:
        self.done(self.KEEP_OPEN)

    @Slot()
    def _quit(self) -> None:
        self.done(self.QUIT)

    def reject(self) -> None:  # Escape or the window's close button: keep the work open
        self.done(self.KEEP_OPEN)


class StorageNotifier(QObject):
    """Shows the alert on the GUI thread when writing stops. Owned by the main window, which
    calls `close()` as it closes (the listener is removed then)."""

    failed = Signal(object)  # a StorageFailure; emitted from any thread, handled on this one
    resumed = Signal()

    def __init__(self, check: Check, window: Callable[[], QMainWindow | None],
                 quit_program: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self._window = window
        self._quit_program = quit_program
        self._alert: StorageAlert | None = None
        self._banner: QPushButton | None = None
        self.failed.connect(self._show, Qt.ConnectionType.QueuedConnection)
        storage.add_listener(self._notify)
        already = storage.stopped()
        if already is not None:  # stopped before this window opened: say so over it
            self.failed.emit(already)

    def close(self) -> None:
        storage.remove_listener(self._notify)
        self._drop_banner()

    def _notify(self, failure: StorageFailure) -> None:
        self.failed.emit(failure)  # queued: the alert is made on the GUI thread

    @Slot(object)
    def _show(self, failure: StorageFailure) -> None:
        if self._alert is not None:  # one message at a time
            self._alert.show_failure(failure)
            return
        current = storage.stopped()
        if current is None:  # already resumed (a Retry elsewhere)
            return
        self._drop_banner()
        alert = StorageAlert(current, self._check, self._window())
        self._alert = alert
        try:
            outcome = alert.exec()
        finally:
            self._alert = None
            alert.deleteLater()
        if outcome == StorageAlert.RETRIED_OK:
            log.info("saving works again")
            self.resumed.emit()
            again = storage.stopped()
            if again is not None:  # stopped again while the message closed
                self.failed.emit(again)
        elif outcome == StorageAlert.QUIT:
            self._quit_program()
        else:
            self._show_banner()

    def _show_banner(self) -> None:
        window = self._window()
        if window is None or storage.stopped() is None:
            return
        banner = QPushButton("Changes cannot be saved: Retry…")
        banner.setObjectName("storageBanner")
        banner.setStyleSheet("QPushButton#storageBanner { color: white; background: #b3261e;"
                             " border: none; padding: 2px 10px; font-weight: bold; }")
        banner.clicked.connect(self._banner_clicked)
        banner.destroyed.connect(self._banner_gone)  # with its window, at sign-out
        window.statusBar().addPermanentWidget(banner)
        self._banner = banner

    @Slot()
    def _banner_gone(self) -> None:
        self._banner = None

    @Slot()
    def _banner_clicked(self) -> None:
        failure = storage.stopped()
        if failure is None:
            self._drop_banner()
            return
        self._show(failure)

    def _drop_banner(self) -> None:
        if self._banner is not None:
            banner, self._banner = self._banner, None
            banner.hide()
            banner.deleteLater()


def quit_program() -> None:
    QApplication.quit()
