"""A shared database needs an upgrade: an admin confirms it here, or IT runs `db upgrade`."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app import paths
from app.dburl import DatabaseTarget
from app.permissions import Perm, require
from app.services import database
from app.services.database import SchemaState
from app.services.people import auth
from ui.common.form_dialog import FormDialog, password_edit


class UpgradeDialog(FormDialog):
    def __init__(self, target: DatabaseTarget, state: SchemaState,
                 parent: QWidget | None = None) -> None:
        super().__init__("Keepwell: database upgrade", parent, width=520)
        self.target = target
        text = QLabel(
            f"The shared database <b>{target.display}</b> is at schema {state.version}; this "
            f"Keepwell needs {', '.join(state.pending)}.<br><br>A backup is taken first. "
            "Other desks must be updated to this Keepwell afterwards.<br><br>"
            "Sign in as an admin to upgrade now, or ask IT to run <tt>keepwell db upgrade</tt>."
        )
        text.setWordWrap(True)
        self.username = QLineEdit()
        self.password = password_edit()
        form = QFormLayout()
        form.addRow("Admin username", self.username)
        form.addRow("Password", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Back up and upgrade", self._upgrade))

    def _upgrade(self) -> None:
        def upgrade() -> bool:
            signed = auth.sign_in(self.username.text(), self.password.text())
            require(signed.actor, Perm.DB_UPGRADE)
            database.upgrade_schema(self.target, paths.backup_dir())
            return True

        if self.attempt(upgrade):
            self.accept()
