"""The screens of the main window and who may see them. Later issues add theirs here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from app.permissions import Actor, Perm, Role


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    perm: Perm | None  # None: every signed-in user
    factory: Callable[[Actor], QWidget]
    roles: frozenset[Role] | None = None  # None: every role with `perm`


def _work_orders(actor: Actor) -> QWidget:
    from ui.work_orders.screen import WorkOrdersScreen

    return WorkOrdersScreen(actor)


def _my_work(actor: Actor) -> QWidget:
    from ui.work_orders.screen import my_work_screen

    return my_work_screen(actor)


def _requests(actor: Actor) -> QWidget:
    from ui.requests.screen import RequestsScreen

    return RequestsScreen(actor)


def _assets(actor: Actor) -> QWidget:
    from ui.assets.screen import AssetsScreen

    return AssetsScreen(actor)


def _pm_schedules(actor: Actor) -> QWidget:
    from ui.pm.schedules_screen import PmSchedulesScreen

    return PmSchedulesScreen(actor)


def _pm_forecast(actor: Actor) -> QWidget:
    from ui.pm.forecast_screen import PmForecastScreen

    return PmForecastScreen(actor)


def _users(actor: Actor) -> QWidget:
    from ui.users.screen import UsersScreen

    return UsersScreen(actor)


def _account(actor: Actor) -> QWidget:
    from ui.users.account import AccountScreen

    return AccountScreen(actor)


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("my_work", "My Work", Perm.WO_WORK, _my_work, frozenset({Role.TECHNICIAN})),
    ScreenSpec("work_orders", "Work Orders", Perm.WO_VIEW, _work_orders),
    ScreenSpec("requests", "Work Requests", Perm.REQUEST_FILE, _requests),
    ScreenSpec("assets", "Assets", None, _assets),
    ScreenSpec("pm_schedules", "PM Schedules", Perm.PM_MANAGE, _pm_schedules),
    ScreenSpec("pm_forecast", "PM Forecast", Perm.WO_EDIT, _pm_forecast),
    ScreenSpec("users", "Users", Perm.USER_MANAGE, _users),
    ScreenSpec("account", "My Account", None, _account),
)


def screens_for(actor: Actor) -> list[ScreenSpec]:
    """The screens this actor's role may use, in navigation order."""
    return [s for s in SCREENS if (s.perm is None or actor.can(s.perm))
            and (s.roles is None or actor.role in s.roles)]
