"""The screens of the main window and who may see them. Later issues add theirs here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from app.permissions import Actor, Perm


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    perm: Perm | None  # None: every signed-in user
    factory: Callable[[Actor], QWidget]


def _work_orders(actor: Actor) -> QWidget:
    from ui.screens.work_orders import WorkOrdersScreen

    return WorkOrdersScreen(actor)


def _users(actor: Actor) -> QWidget:
    from ui.screens.users import UsersScreen

    return UsersScreen(actor)


def _account(actor: Actor) -> QWidget:
    from ui.screens.account import AccountScreen

    return AccountScreen(actor)


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("work_orders", "Work Orders", Perm.WO_VIEW, _work_orders),
    ScreenSpec("users", "Users", Perm.USER_MANAGE, _users),
    ScreenSpec("account", "My Account", None, _account),
)


def screens_for(actor: Actor) -> list[ScreenSpec]:
    """The screens this actor's role may use, in navigation order."""
    return [s for s in SCREENS if s.perm is None or actor.can(s.perm)]
