"""Driving the real program in a process of its own, as a user would: answering the sign-in
dialog once it is ready, waiting for the main window. Used by the scripts that tests run in
subprocesses (sign_out_stress.py, gui_soak_desk.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.shell.app import AppController
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow

# The offscreen platform's own notes (pyproject.toml's qt_log_ignore says why they are harmless).
OFFSCREEN_NOTES = ("This plugin does not support propagateSizeHints",
                   "This plugin does not support raise",
                   "This plugin does not support grabbing the keyboard")


def when_sign_in_ready(then: Callable[[LoginDialog], None]) -> None:
    """Call `then(dialog)` once the sign-in dialog is up and its database open."""
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, LoginDialog) or not dialog.ready:
        QTimer.singleShot(2, lambda: when_sign_in_ready(then))
        return
    then(dialog)


def sign_in(dialog: LoginDialog, username: str, password: str) -> None:
    """Type the name and the password and press Sign in."""
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.try_sign_in()


def when_window(controller: AppController, then: Callable[[MainWindow], None]) -> None:
    """Call `then(window)` once the controller shows the main window."""
    window = controller.window
    if window is None:
        QTimer.singleShot(2, lambda: when_window(controller, then))
        return
    then(window)
