"""Users and My Account.

Others use this subject through the functions below; each imports its module on first call,
so loading the package costs nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QWidget

    from app.permissions import Actor


def users_screen(actor: Actor) -> QWidget:
    from ui.users.screen import UsersScreen

    return UsersScreen(actor)


def account_screen(actor: Actor) -> QWidget:
    from ui.users.account import AccountScreen

    return AccountScreen(actor)


def change_password_dialog(actor: Actor, *, forced: bool = False, parent: QWidget | None = None,
                           current_password: str = "") -> QDialog:
    """The dialog to change one's own password; `forced` after an administrator's reset."""
    from ui.users.change_password import ChangePasswordDialog

    return ChangePasswordDialog(actor, forced=forced, parent=parent,
                                current_password=current_password)
