"""Change my password (also forced after an admin reset)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from app.permissions import Actor
from app.services.people import auth
from ui.common.form_dialog import FormDialog, hint_label, password_edit


class ChangePasswordDialog(FormDialog):
    def __init__(self, actor: Actor, forced: bool = False, parent: QWidget | None = None,
                 current_password: str = "") -> None:
        super().__init__("Change your password", parent)
        self.actor = actor
        intro = QLabel(
            "An administrator reset your password. Choose your own password to continue."
            if forced else f"Change the password of {actor.full_name} ({actor.username})."
        )
        intro.setWordWrap(True)
        self.current = password_edit(current_password)
        self.new = password_edit()
        self.confirm = password_edit()
        form = QFormLayout()
        if not (forced and current_password):
            form.addRow("Current password", self.current)
        form.addRow("New password", self.new)
        form.addRow("Confirm new password", self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            f"At least {auth.MIN_PASSWORD_LENGTH} characters, not your username."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Change password", self.change))
        (self.new if forced and current_password else self.current).setFocus()

    def change(self) -> None:
        if not self.passwords_match(self.new, self.confirm):
            return
        done = self.attempt(lambda: auth.change_own_password(
            self.actor, self.current.text(), self.new.text()) or True)
        if done:
            self.accept()
