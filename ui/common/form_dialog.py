"""The common shape of Keepwell's small forms: fields, refusals shown in words under them, and
one service call on the accept button. A refused save leaves the dialog open and nothing
written."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QWidget

from app.errors import KeepwellError
from ui.common.errors import describe

T = TypeVar("T")


def password_edit(text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    label.setWordWrap(True)
    return label


class FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None, width: int = 420) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(width)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)

    def buttons(self, accept_text: str, on_accept: Callable[[], None]) -> QDialogButtonBox:
        """An accept button running `on_accept`, and Cancel."""
        box = QDialogButtonBox()
        self.accept_button = box.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(on_accept)
        box.rejected.connect(self.reject)
        return box

    def passwords_match(self, first: QLineEdit, second: QLineEdit) -> bool:
        if first.text() != second.text():
            self.message.setText("The two passwords differ.")
            return False
        return True

    def attempt(self, change: Callable[[], T]) -> T | None:
        """Run one service call; show a refusal in words and return None, or return its result
        (the caller then accepts the dialog)."""
        self.message.clear()
        try:
            return change()
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return None
