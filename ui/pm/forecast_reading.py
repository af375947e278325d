"""Reading the PM forecast for the PM Forecast screen (ui/pm/forecast_screen.py): in the
background (a large plant takes seconds), for a window a little wider than the period shown so
paging through the next weeks does not read it again, and again when the schedules, orders or
meter readings it is made of change, at most once a minute for the frequent changes.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from PySide6.QtCore import QTimer

from app.errors import KeepwellError
from app.permissions import Actor
from app.services.pm import forecast
from app.services.pm.forecast import MAX_FORECAST_DAYS, ForecastItem
from ui.common.errors import describe
from ui.common.workers import BackgroundTask

READ_AHEAD_DAYS = 91  # read a quarter past what is shown: paging on needs no new read
RELOAD_DELAY_MS = 150  # several clicks on Next read once
CHANGE_DELAY_MS = 60_000  # orders or readings changed elsewhere: read again after a minute


def _read(actor: Actor, first: dt.date, last: dt.date, asset_id: int | None,
          today: dt.date, _progress: object) -> tuple[int | None, dt.date, dt.date,
                                                      list[ForecastItem]]:
    return asset_id, first, last, forecast.forecast_all(actor, first, last, asset_id, today)


class ForecastReading:
    """The screen's reading half: what has been read (for which asset, which days, the orders)
    and reading more. The screen (a QWidget) calls `_init_reading()` before its widgets and gives it
    `actor`, `asset_filter`, `calendar`, `status`, `period()`, `today()`, `isVisible()`,
    `_apply()` (show what is held) and `_refill_assignees()` (after a read)."""

    def _init_reading(self) -> None:
        # What has been read: for which asset, which days, and the orders.
        self._held: tuple[int | None, dt.date, dt.date] | None = None
        self._items: list[ForecastItem] = []
        self._task: BackgroundTask | None = None
        self._read_again = False
        self._stale = False  # what is held was changed elsewhere since it was read
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self._ensure_read)
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.setInterval(CHANGE_DELAY_MS)
        self._change_timer.timeout.connect(self._ensure_read)

    def days_wanted(self) -> tuple[dt.date, dt.date]:
        """The days that need a forecast: from today (the past has its orders) on."""
        first, last = self.period()
        return max(first, self.today()), last

    def _covers(self, first: dt.date, last: dt.date) -> bool:
        if last < first:
            return True  # all in the past: nothing to read
        return self._held is not None and self._held[0] == self.asset_filter.asset_id() \
            and self._held[1] <= first and last <= self._held[2]

    def held_for(self, first: dt.date, last: dt.date) -> list[ForecastItem] | None:
        """The forecast held, when it was read for the asset chosen and covers these days
        (the export then writes it rather than reading it again)."""
        return self._items if self._covers(first, last) else None

    @property
    def loading(self) -> bool:
        """The forecast for what is shown is being read, or about to be."""
        return self._task is not None or self._reload_timer.isActive()

    def refresh(self) -> None:
        """Read the forecast again (View > Refresh), showing what is held until the new one
        is in."""
        self._stale = True
        self._show_period()

    def _ensure_read(self) -> None:
        first, last = self.days_wanted()
        if self._covers(first, last) and not (self._stale and last >= first):
            self._apply()
            return
        if self._task is not None:
            self._read_again = True  # asked again while reading: read once more after it
            return
        self._stale = False
        last = min(last + dt.timedelta(days=READ_AHEAD_DAYS),
                   first + dt.timedelta(days=MAX_FORECAST_DAYS))
        self._task = BackgroundTask(partial(_read, self.actor, first, last,
                                            self.asset_filter.asset_id(), self.today()))
        self._task.succeeded.connect(self._read_done)
        self._task.failed.connect(self._read_failed)
        self._task.finished.connect(self._read_finished)
        self._task.start()

    def _read_done(self, result: tuple[int | None, dt.date, dt.date, list[ForecastItem]]
                   ) -> None:
        asset_id, first, last, items = result
        self._held = (asset_id, first, last)
        self._items = items
        self._refill_assignees()

    def _read_failed(self, error: object) -> None:
        text = describe(error) if isinstance(error, KeepwellError) else str(error)
        self.calendar.set_message("The forecast could not be read")
        self.status.setText(f"The forecast could not be read: {text}")

    def _read_finished(self) -> None:
        if self._task is not None:
            self._task.wait()  # `finished` arrives a moment before the thread has ended
        self._task = None
        again, self._read_again = self._read_again, False
        if again:  # the period, a filter or the data changed while reading
            self._ensure_read()
        elif self._covers(*self.days_wanted()):
            self._apply()  # (a failed read is not retried until asked again)

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something the forecast is made of. A changed
        schedule is read again at once; orders and meter readings, which move only some
        dates, at most every CHANGE_DELAY_MS (a large plant's forecast takes seconds to
        read, and a busy office changes orders all day). Hidden, it reads when shown."""
        if not changed.keys() & {"pm_schedule", "work_order", "meter", "asset", "user"}:
            return
        self._stale = True
        if not self.isVisible():
            return
        if changed.keys() & {"pm_schedule", "asset", "user"}:
            self._change_timer.stop()
            self._reload_timer.start(RELOAD_DELAY_MS)
        elif not self._change_timer.isActive():
            self._change_timer.start()
