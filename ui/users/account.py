"""My Account: who I am signed in as, what my role may do, and changing my password."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.permissions import Actor, Perm
from ui.common.notify import notify
from ui.users.change_password import ChangePasswordDialog

# What this release lets each permission do (printing, preventive maintenance, inventory and
# reports join the list when they are in the program).
PERMISSION_WORDS: dict[Perm, str] = {
    Perm.REQUEST_FILE: "File work requests",
    Perm.WO_VIEW: "See work orders and assets",
    Perm.WO_EDIT: "Create, edit and assign work orders; approve work requests",
    Perm.WO_WORK: "Work on assigned orders: checklist, hours, comments, files, complete",
    Perm.WO_CLOSE: "Sign off and reopen work orders",
    Perm.ASSET_MANAGE: "Manage assets, locations and meters",
    Perm.USER_MANAGE: "Manage users and roles",
    Perm.AUDIT_VERIFY: "Verify the audit trail",
    Perm.DB_UPGRADE: "Upgrade the database",
}


class AccountScreen(QWidget):
    title = "My Account"

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        heading = QLabel(self.title)
        heading.setObjectName("screenTitle")
        form = QFormLayout()
        form.addRow("Name", QLabel(actor.full_name))
        form.addRow("Username", QLabel(actor.username))
        form.addRow("Role", QLabel(actor.role.label))
        allowed = [words for perm, words in PERMISSION_WORDS.items() if actor.can(perm)]
        self.allowed_label = QLabel("\n".join(f"•  {w}" for w in allowed))
        form.addRow("Your role may", self.allowed_label)
        change = QPushButton("Change my password…")
        change.clicked.connect(self.change_password)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addSpacing(12)
        layout.addWidget(change, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def change_password(self) -> None:
        if ChangePasswordDialog(self.actor, parent=self).exec() == QDialog.DialogCode.Accepted:
            notify(self, "Your password was changed.")
