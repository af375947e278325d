"""PM Schedules and PM Forecast: lists, the schedule form, the calendar.

What the rest of the program uses (each import waits for the first call):
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.permissions import Actor
    from ui.pm.run_result import PmCheckActions
    from ui.shell.pm_worker import PmWorker


def pm_schedules_screen(actor: Actor) -> QWidget:
    from ui.pm.schedules_screen import PmSchedulesScreen

    return PmSchedulesScreen(actor)


def pm_forecast_screen(actor: Actor) -> QWidget:
    from ui.pm.forecast_screen import PmForecastScreen

    return PmForecastScreen(actor)


def pm_check_actions(actor: Actor, worker: PmWorker, window: QWidget) -> PmCheckActions:
    """"Run PM check now" and "Preview PM check…" for the window's Tools menu."""
    from ui.pm.run_result import PmCheckActions

    return PmCheckActions(actor, worker, window)
