"""Users (admin): add, change role, deactivate / reactivate, reset password, unlock."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, KeepwellError
from app.models import utcnow
from app.permissions import USER_ROLES, Actor, Role
from app.services.people import users
from ui.common.errors import show_error
from ui.common.notify import notify
from ui.users.dialogs import AddUserDialog, ResetPasswordDialog
from ui.users.table import (
    COL_CRAFT,
    COL_EMAIL,
    COL_FULL_NAME,
    COL_LAST,
    COL_STATUS,
    UserTableModel,
)


class UsersScreen(QWidget):
    title = "Users"

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.model = UserTableModel()
        heading = QLabel(self.title)
        heading.setObjectName("screenTitle")

        self.add_action = QAction("Add user…", self)
        self.add_action.setShortcut(QKeySequence.StandardKey.New)
        self.role_action = QAction("Change role…", self)
        self.deactivate_action = QAction("Deactivate", self)
        self.reactivate_action = QAction("Reactivate", self)
        self.reset_action = QAction("Reset password…", self)
        self.unlock_action = QAction("Unlock", self)
        self.add_action.triggered.connect(self.add_user)
        self.role_action.triggered.connect(self.change_role)
        self.deactivate_action.triggered.connect(self.deactivate)
        self.reactivate_action.triggered.connect(self.reactivate)
        self.reset_action.triggered.connect(self.reset_password)
        self.unlock_action.triggered.connect(self.unlock)
        self.selection_actions = (self.role_action, self.deactivate_action,
                                  self.reactivate_action, self.reset_action, self.unlock_action)
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.add_action)
        toolbar.addSeparator()
        for action in self.selection_actions:
            toolbar.addAction(action)
            self.addAction(action)
        self.addAction(self.add_action)

        self.table = QTableView()
        self.table.setObjectName("userTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(
            COL_FULL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 130)
        for col, width in ((COL_STATUS, 190), (COL_LAST, 130)):
            self.table.setColumnWidth(col, width)
        for col in (COL_EMAIL, COL_CRAFT):  # as wide as their longest entry
            self.table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(toolbar)
        layout.addWidget(self.table, 1)
        self.refresh()

    # -- state ----------------------------------------------------------------------------
    def refresh(self, select_id: int | None = None) -> None:
        current = self.selected()
        keep = select_id if select_id is not None else (current.id if current else None)
        self.model.set_rows(users.list_users(self.actor), utcnow())
        if keep is not None and (row := self.model.row_of(keep)) >= 0:
            self.table.selectRow(row)
        self._update_actions()

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        if "user" in changed:
            self.refresh()

    def selected(self) -> users.UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        user = self.selected()
        now = utcnow()
        self.role_action.setEnabled(user is not None)
        self.reset_action.setEnabled(user is not None and user.active)
        self.deactivate_action.setEnabled(
            user is not None and user.active and user.id != self.actor.user_id)
        self.reactivate_action.setEnabled(user is not None and not user.active)
        self.unlock_action.setEnabled(user is not None and user.is_locked(now))
        own = user is not None and user.id == self.actor.user_id
        self.deactivate_action.setToolTip(
            "You cannot deactivate your own account" if own else
            "Stop this account from signing in; its history stays")
        self.unlock_action.setToolTip(
            "Lift the lockout after failed sign-ins" if self.unlock_action.isEnabled() else
            "This account is not locked")

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self.add_action)
        menu.addSeparator()
        for action in self.selection_actions:
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # -- questions (separate so tests can answer them) -------------------------------------
    def confirm(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(self, title, text, buttons, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def choose_role(self, user: users.UserRow) -> str | None:
        labels = [r.label for r in USER_ROLES]
        current = labels.index(Role(user.role).label)
        label, ok = QInputDialog.getItem(self, "Change role",
                                         f"New role for {user.full_name}:", labels, current,
                                         False)
        return USER_ROLES[labels.index(label)].value if ok else None

    # -- actions --------------------------------------------------------------------------
    def _run(self, change, user_id: int | None, done: str) -> None:
        """Run one service call; say `done` when it worked, show why when it did not. A
        conflict reloads the list, so the user sees what is true now."""
        try:
            change()
        except ConflictError as exc:
            show_error(self, exc)
        except KeepwellError as exc:
            show_error(self, exc)
            return
        else:
            notify(self, done)
        self.refresh(select_id=user_id)

    def add_user(self) -> None:
        dialog = AddUserDialog(self.actor, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created:
            notify(self, f"Added {dialog.created.username}: they choose their own password "
                         "at first sign-in.")
            self.refresh(select_id=dialog.created.id)

    def change_role(self) -> None:
        user = self.selected()
        if user is None:
            return
        role = self.choose_role(user)
        if role is None or role == user.role:
            return
        self._run(lambda: users.change_role(self.actor, user.id, role, user.version), user.id,
                  f"{user.username} is now {Role(role).label}.")

    def deactivate(self) -> None:
        user = self.selected()
        if user is None or not self.confirm(
            "Deactivate user",
            f"Deactivate {user.full_name} ({user.username})? They can no longer sign in; "
            "their history stays.",
        ):
            return
        self._run(lambda: users.deactivate_user(self.actor, user.id, user.version), user.id,
                  f"Deactivated {user.username}; their history stays.")

    def reactivate(self) -> None:
        user = self.selected()
        if user is None:
            return
        self._run(lambda: users.reactivate_user(self.actor, user.id, user.version), user.id,
                  f"{user.username} can sign in again.")

    def reset_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        dialog = ResetPasswordDialog(self.actor, user, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            notify(self, f"Reset the password of {user.username}: they choose a new one at "
                         "next sign-in.")
            self.refresh(select_id=user.id)

    def unlock(self) -> None:
        user = self.selected()
        if user is None:
            return
        self._run(lambda: users.unlock_user(self.actor, user.id, user.version), user.id,
                  f"Unlocked {user.username}.")
