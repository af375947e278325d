"""The screens of the main window and who may see them. Later issues add theirs here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from app.permissions import Actor, Perm, Role
from ui.assets import assets_screen
from ui.pm import pm_forecast_screen, pm_schedules_screen
from ui.requests import requests_screen
from ui.users import account_screen, users_screen
from ui.work_orders import my_work_screen, work_orders_screen


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    perm: Perm | None  # None: every signed-in user
    factory: Callable[[Actor], QWidget]
    roles: frozenset[Role] | None = None  # None: every role with `perm`


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("my_work", "My Work", Perm.WO_WORK, my_work_screen, frozenset({Role.TECHNICIAN})),
    ScreenSpec("work_orders", "Work Orders", Perm.WO_VIEW, work_orders_screen),
    ScreenSpec("requests", "Work Requests", Perm.REQUEST_FILE, requests_screen),
    ScreenSpec("assets", "Assets", None, assets_screen),
    ScreenSpec("pm_schedules", "PM Schedules", Perm.PM_MANAGE, pm_schedules_screen),
    ScreenSpec("pm_forecast", "PM Forecast", Perm.WO_EDIT, pm_forecast_screen),
    ScreenSpec("users", "Users", Perm.USER_MANAGE, users_screen),
    ScreenSpec("account", "My Account", None, account_screen),
)


def screens_for(actor: Actor) -> list[ScreenSpec]:
    """The screens this actor's role may use, in navigation order."""
    return [s for s in SCREENS if (s.perm is None or actor.can(s.perm))
            and (s.roles is None or actor.role in s.roles)]
