"""A shared database needs an upgrade: an admin confirms it here, or IT runs `db upgrade`."""

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

from app import db, paths
from app.errors import KeepwellError
from app.permissions import Perm, require
from app.services import auth
from ui.errors import describe


class UpgradeDialog(QDialog):
    def __init__(self, target: db.DatabaseTarget, state: db.SchemaState,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.setWindowTitle("Keepwell: database upgrade")
        self.setMinimumWidth(520)
        text = QLabel(
            f"The shared database <b>{target.display}</b> is at schema {state.version}; this "
            f"Keepwell needs {', '.join(state.pending)}.<br><br>A backup is taken first. "
            "Other desks must be updated to this Keepwell afterwards.<br><br>"
            "Sign in as an admin to upgrade now, or ask IT to run <tt>keepwell db upgrade</tt>."
        )
        text.setWordWrap(True)
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Admin username", self.username)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox()
        buttons.addButton("Back up and upgrade", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._upgrade)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _upgrade(self) -> None:
        try:
            signed = auth.sign_in(self.username.text(), self.password.text())
            require(signed.actor, Perm.DB_UPGRADE)
            db.upgrade_schema(db.database.obj, self.target, paths.backup_dir())
        except KeepwellError as exc:
            self.error.setText(describe(exc))
            return
        self.accept()
