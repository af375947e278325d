"""Dialogs of the Users screen: add an account, set a temporary password."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.permissions import USER_ROLES, Actor, Role
from app.services.people import auth, users
from ui.common.form_dialog import FormDialog, hint_label, password_edit


class AddUserDialog(FormDialog):
    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("Add a user", parent, width=440)
        self.actor = actor
        self.created: users.UserRow | None = None
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.email = QLineEdit()
        self.role = QComboBox()
        for role in USER_ROLES:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(self.role.findData(Role.TECHNICIAN.value))  # the most common
        self.craft = QLineEdit()
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0, 9999.99)
        self.rate.setDecimals(2)
        self.password = password_edit()
        self.confirm = password_edit()
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Full name", self.full_name)
        form.addRow("E-mail", self.email)
        form.addRow("Role", self.role)
        form.addRow("Craft", self.craft)
        form.addRow("Hourly rate", self.rate)
        form.addRow("Temporary password", self.password)
        form.addRow("Confirm password", self.confirm)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            f"At least {auth.MIN_PASSWORD_LENGTH} characters. The person chooses their own "
            "password at first sign-in."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Add user", self.save))

    def save(self) -> None:
        if not self.passwords_match(self.password, self.confirm):
            return
        self.created = self.attempt(lambda: users.add_user(
            self.actor,
            self.username.text(),
            self.full_name.text(),
            self.role.currentData(),
            self.password.text(),
            email=self.email.text(),
            craft=self.craft.text(),
            hourly_rate=f"{self.rate.value():.2f}",
        ))
        if self.created is not None:
            self.accept()


class ResetPasswordDialog(FormDialog):
    def __init__(self, actor: Actor, user: users.UserRow, parent: QWidget | None = None):
        super().__init__(f"Reset the password of {user.username}", parent)
        self.actor = actor
        self.user = user
        intro = QLabel(f"Set a temporary password for {user.full_name}. They must choose "
                       "their own at next sign-in. This also lifts a lockout.")
        intro.setWordWrap(True)
        self.password = password_edit()
        self.confirm = password_edit()
        form = QFormLayout()
        form.addRow("Temporary password", self.password)
        form.addRow("Confirm password", self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Reset password", self.save))

    def save(self) -> None:
        if not self.passwords_match(self.password, self.confirm):
            return
        done = self.attempt(lambda: users.reset_password(
            self.actor, self.user.id, self.password.text(), expected_version=self.user.version))
        if done is not None:
            self.accept()
