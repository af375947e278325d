"""Change my password (also forced after an admin reset)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor
from app.services import auth
from ui.errors import describe


class ChangePasswordDialog(QDialog):
    def __init__(self, actor: Actor, forced: bool = False, parent: QWidget | None = None,
                 current_password: str = "") -> None:
        super().__init__(parent)
        self.actor = actor
        self.setWindowTitle("Change your password")
        self.setMinimumWidth(420)
        intro = QLabel(
            "An administrator reset your password. Choose your own password to continue."
            if forced else f"Change the password of {actor.full_name} ({actor.username})."
        )
        intro.setWordWrap(True)
        rules = QLabel(f"At least {auth.MIN_PASSWORD_LENGTH} characters, not your username.")
        rules.setObjectName("hintText")
        self.current = QLineEdit(current_password)
        self.new = QLineEdit()
        self.confirm = QLineEdit()
        for edit in (self.current, self.new, self.confirm):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        form = QFormLayout()
        if not (forced and current_password):
            form.addRow("Current password", self.current)
        form.addRow("New password", self.new)
        form.addRow("Confirm new password", self.confirm)
        buttons = QDialogButtonBox()
        buttons.addButton("Change password", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(rules)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.new.setFocus()

    def change(self) -> None:
        if self.new.text() != self.confirm.text():
            self.message.setText("The two new passwords differ.")
            return
        try:
            auth.change_own_password(self.actor, self.current.text(), self.new.text())
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return
        self.accept()
