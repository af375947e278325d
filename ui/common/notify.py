"""Saying that something worked: a message in the main window's status bar."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

MESSAGE_MS = 8000


def notify(widget: QWidget, text: str) -> None:
    window = widget.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, MESSAGE_MS)
