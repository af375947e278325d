"""Users (admin): add, change role, deactivate / reactivate, reset password, unlock."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWidget

from app.clock import utcnow
from app.errors import ConflictError, KeepwellError
from app.permissions import USER_ROLES, Actor, Role
from app.services.people import users
from ui.common.errors import show_error
from ui.common.list_screen import ListScreen, TableSpec
from ui.common.notify import notify
from ui.users.dialogs import AddUserDialog, ResetPasswordDialog
from ui.users.table import (
    COL_CRAFT,
    COL_EMAIL,
    COL_FULL_NAME,
    COL_LAST,
    COL_STATUS,
    COL_USERNAME,
    UserTableModel,
)


class UsersScreen(ListScreen):
    title = "Users"
    table_spec = TableSpec("userTable", stretch=COL_FULL_NAME,
                           widths={COL_USERNAME: 130, COL_STATUS: 190, COL_LAST: 130},
                           to_contents=(COL_EMAIL, COL_CRAFT))  # as wide as their longest
    watched = frozenset({"user"})
    count_place = ""  # a handful of accounts
    starts_at_top = False

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(actor, parent)
        self.model = UserTableModel()
        self.add_action = self.make_action("Add user…", self.add_user,
                                           shortcut=QKeySequence.StandardKey.New)
        self.role_action = self.make_action("Change role…", self.change_role)
        self.deactivate_action = self.make_action("Deactivate", self.deactivate)
        self.reactivate_action = self.make_action("Reactivate", self.reactivate)
        self.reset_action = self.make_action("Reset password…", self.reset_password)
        self.unlock_action = self.make_action("Unlock", self.unlock)
        self.selection_actions = (self.role_action, self.deactivate_action,
                                  self.reactivate_action, self.reset_action, self.unlock_action)
        self.row_actions = (self.role_action,)
        self.build()

    def toolbar_actions(self) -> list[QAction | None]:
        return [self.add_action, None, *self.selection_actions]

    # -- state ----------------------------------------------------------------------------
    def reload_rows(self) -> None:
        self.model.set_rows(users.list_users(self.actor), utcnow())

    def refresh(self, select_id: int | None = None) -> None:
        """Read the accounts again, keeping the one chosen (or choosing `select_id`)."""
        current = self.selected()
        keep = select_id if select_id is not None else (current.id if current else None)
        self.reload_rows()
        if keep is not None and (row := self.model.row_of(keep)) >= 0:
            self.table.selectRow(row)
        self.update_actions()

    def update_actions(self) -> None:
        super().update_actions()
        user = self.selected()
        now = utcnow()
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
