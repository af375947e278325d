"""My Account: who I am signed in as, what my role may do, and changing my password."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.permissions import Actor, Perm
from ui.dialogs.change_password import ChangePasswordDialog
from ui.widgets.notify import notify

PERMISSION_WORDS: dict[Perm, str] = {
    Perm.REQUEST_FILE: "File work requests",
    Perm.WO_VIEW: "See work orders",
    Perm.WO_EDIT: "Create, edit and assign work orders",
    Perm.WO_WORK: "Work on assigned orders: tasks, labor, parts, complete",
    Perm.WO_CLOSE: "Close, sign off and reopen work orders",
    Perm.WO_PRINT: "Print work orders and labels",
    Perm.PM_MANAGE: "Manage preventive-maintenance schedules",
    Perm.PM_RUN: "Run the preventive-maintenance check",
    Perm.ASSET_MANAGE: "Manage assets, locations and meters",
    Perm.INVENTORY_MANAGE: "Inventory moves and purchase orders",
    Perm.INVENTORY_ISSUE_OWN: "Issue parts to your own work orders",
    Perm.REPORTS_VIEW: "Reports and KPIs",
    Perm.USER_MANAGE: "Manage users and roles",
    Perm.SETTINGS_MANAGE: "Change organisation settings",
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
