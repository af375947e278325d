"""Dialogs of the Users screen: add an account, set a temporary password."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError, ValidationError
from app.permissions import USER_ROLES, Actor
from app.services import auth, users
from ui.errors import FIELD_LABELS, describe


def _field_errors(exc: ValidationError) -> str:
    return "\n".join(f"{FIELD_LABELS.get(k, k)}: {v}." for k, v in exc.fields.items())


class AddUserDialog(QDialog):
    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.created: users.UserRow | None = None
        self.setWindowTitle("Add a user")
        self.setMinimumWidth(440)
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.email = QLineEdit()
        self.role = QComboBox()
        for role in USER_ROLES:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(USER_ROLES.index(USER_ROLES[3]))  # technician: the most common
        self.craft = QLineEdit()
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0, 9999.99)
        self.rate.setDecimals(2)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Full name", self.full_name)
        form.addRow("E-mail", self.email)
        form.addRow("Role", self.role)
        form.addRow("Craft", self.craft)
        form.addRow("Hourly rate", self.rate)
        form.addRow("Temporary password", self.password)
        form.addRow("Confirm password", self.confirm)
        hint = QLabel(f"At least {auth.MIN_PASSWORD_LENGTH} characters. The person chooses "
                      "their own password at first sign-in.")
        hint.setObjectName("hintText")
        hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        buttons.addButton("Add user", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def save(self) -> None:
        if self.password.text() != self.confirm.text():
            self.message.setText("The two passwords differ.")
            return
        try:
            self.created = users.add_user(
                self.actor,
                self.username.text(),
                self.full_name.text(),
                self.role.currentData(),
                self.password.text(),
                email=self.email.text(),
                craft=self.craft.text(),
                hourly_rate=f"{self.rate.value():.2f}",
            )
        except ValidationError as exc:
            self.message.setText(_field_errors(exc))
            return
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return
        self.accept()


class ResetPasswordDialog(QDialog):
    def __init__(self, actor: Actor, user: users.UserRow, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor = actor
        self.user = user
        self.setWindowTitle(f"Reset the password of {user.username}")
        self.setMinimumWidth(420)
        intro = QLabel(f"Set a temporary password for {user.full_name}. They must choose "
                       "their own at next sign-in. This also lifts a lockout.")
        intro.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Temporary password", self.password)
        form.addRow("Confirm password", self.confirm)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        buttons.addButton("Reset password", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def save(self) -> None:
        if self.password.text() != self.confirm.text():
            self.message.setText("The two passwords differ.")
            return
        try:
            users.reset_password(self.actor, self.user.id, self.password.text(),
                                 expected_version=self.user.version)
        except ValidationError as exc:
            self.message.setText(_field_errors(exc))
            return
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return
        self.accept()
