"""Export .ics… on the PM Forecast screen: the forecast of the period shown, or of the next 3, 6
or 12 months, filtered as the screen filters it, written as an iCalendar file for the office's
Outlook, Google or Apple calendars.

The file is written in the background: a year of a large plant's forecast may have to be read
first (what the screen holds already is written as it is).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Protocol, cast

from PySide6.QtCore import QObject, QStandardPaths, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor
from app.pm import ics
from app.pm.periods import months_ahead
from app.pm.workload import who
from app.services.pm import forecast
from app.services.pm.forecast import ForecastItem
from ui.common.errors import describe
from ui.common.notify import notify
from ui.common.pickers import AssetPicker
from ui.common.workers import BackgroundTask
from ui.pm.forecast_words import short_day

DEFAULT_FILE = "keepwell-pm-forecast.ics"
RANGES = (("Visible period", 0), ("Next 3 months", 3), ("Next 6 months", 6),
          ("Next 12 months", 12))
TITLE = "Export PM forecast"


class ForecastOnScreen(Protocol):
    """What the export reads from the screen that owns it (PmForecastScreen), when clicked."""

    actor: Actor
    status: QLabel  # where the export says what it did
    asset_filter: AssetPicker

    def today(self) -> dt.date: ...

    def days_wanted(self) -> tuple[dt.date, dt.date]: ...

    def chosen_assignee(self) -> str | None: ...

    def held_for(self, first: dt.date, last: dt.date) -> list[ForecastItem] | None: ...


def _write(actor: Actor, first: dt.date, last: dt.date, asset_id: int | None, today: dt.date,
           assignee: str | None, held: list[ForecastItem] | None, name: str, path: str,
           _progress: object) -> tuple[str, int]:
    items = held if held is not None else forecast.forecast_all(actor, first, last,
                                                                    asset_id, today)
    items = [i for i in items
             if first <= i.day <= last and (assignee is None or who(i) == assignee)]
    try:
        Path(path).write_bytes(ics.forecast_calendar(items, name))
    except OSError as exc:
        raise KeepwellError(f"{path} could not be written: {exc.strerror or exc}") from None
    return path, len(items)


class PmForecastExport(QObject):
    """The range box and the "Export .ics…" button (`range_box`, `button`) for the screen's
    filter bar. Clicked, it asks for a file and writes it in the background; the screen's
    status line says what was written, a message box why it could not be."""

    def __init__(self, screen: ForecastOnScreen) -> None:
        assert isinstance(screen, QWidget)
        super().__init__(screen)
        self._task: BackgroundTask | None = None
        self.range_box = QComboBox()
        self.range_box.setToolTip("What Export .ics… writes")
        for label, months in RANGES:
            self.range_box.addItem(label, months)
        self.button = QPushButton("Export .ics…")
        self.button.setToolTip("Save the forecast as an iCalendar file for Outlook, "
                               "Google or Apple calendars")
        self.button.clicked.connect(self.export)

    def _owner(self) -> QWidget:
        # The screen, asked for each time: holding it too would be a reference cycle (as in
        # ui.shell.pm_check_actions.PmCheckActions).
        owner = self.parent()
        assert isinstance(owner, QWidget)
        return owner

    def _screen(self) -> ForecastOnScreen:
        return cast(ForecastOnScreen, self._owner())

    @property
    def running(self) -> bool:
        return self._task is not None

    def range_days(self) -> tuple[dt.date, dt.date]:
        """The first and last day the export writes: the forecast shown, or from today."""
        screen = self._screen()
        months = int(self.range_box.currentData() or 0)
        if not months:
            return screen.days_wanted()  # (the last before the first when the period is past)
        return months_ahead(screen.today(), months)

    @Slot()
    def export(self) -> None:
        """Ask for a file, then write the forecast of the chosen range to it."""
        if self._task is not None:
            return
        screen = self._screen()
        first, last = self.range_days()
        if last < first:
            screen.status.setText("Nothing to export: the period shown is past")
            return
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        path, _filter = QFileDialog.getSaveFileName(
            self._owner(), TITLE, str(Path(folder) / DEFAULT_FILE),
            "iCalendar files (*.ics);;All files (*)")
        if not path:
            return
        if not Path(path).suffix:
            path += ".ics"
        asset_id = screen.asset_filter.asset_id()
        assignee = screen.chosen_assignee()
        name = ics.CALENDAR_NAME
        if asset_id is not None:
            name += f" · {screen.asset_filter.text().strip()}"
        if assignee is not None:
            name += f" · {assignee}"
        self.button.setEnabled(False)
        screen.status.setText(f"Exporting the forecast {short_day(first)} {first.year} – "
                              f"{short_day(last)} {last.year}…")
        self._task = BackgroundTask(partial(
            _write, screen.actor, first, last, asset_id, screen.today(), assignee,
            screen.held_for(first, last), name, path))
        self._task.succeeded.connect(self._written)
        self._task.failed.connect(self._failed)
        self._task.finished.connect(self._finished)
        self._task.start()

    @Slot(object)
    def _written(self, result: tuple[str, int]) -> None:
        path, count = result
        noun = "event" if count == 1 else "events"
        text = f"Exported {count:,} PM {noun} to {Path(path).name}"
        self._screen().status.setText(text)
        notify(self._owner(), text)

    @Slot(object)
    def _failed(self, error: object) -> None:
        text = describe(error) if isinstance(error, KeepwellError) else str(error)
        self._screen().status.setText("Export failed")
        QMessageBox.warning(self._owner(), TITLE, text)

    @Slot()
    def _finished(self) -> None:
        if self._task is not None:
            self._task.wait()  # `finished` arrives a moment before the thread has ended
        self._task = None
        self.button.setEnabled(True)
