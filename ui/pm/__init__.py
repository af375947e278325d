"""PM Schedules and PM Forecast: lists, the schedule form, the calendar, and what a PM check
did. Others use the PM subject through these names (the screens and the result dialog are
imported on first use, so loading the package costs little at start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.pm.report import PmCheckReport, failure_words, status_words

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QWidget

    from app.permissions import Actor

__all__ = ["PmCheckReport", "failure_words", "pm_forecast_screen", "pm_schedules_screen",
           "run_result_dialog", "status_words"]


def pm_schedules_screen(actor: Actor) -> QWidget:
    from ui.pm.schedules_screen import PmSchedulesScreen

    return PmSchedulesScreen(actor)


def pm_forecast_screen(actor: Actor) -> QWidget:
    from ui.pm.forecast_screen import PmForecastScreen

    return PmForecastScreen(actor)


def run_result_dialog(report: PmCheckReport, *, may_run: bool,
                      parent: QWidget | None = None) -> QDialog:
    """What a finished check did, with "Create these orders now" after a preview when
    `may_run`; its `create_requested` says whether that was chosen."""
    from ui.pm.run_result import PmRunResultDialog

    return PmRunResultDialog(report, may_run=may_run, parent=parent)
