"""PM Forecast: the preventive work the schedules will bring, on a month or week calendar, with
the hours each person gets per day so a planner sees overloaded days and people before the
orders arrive; and the forecast as an .ics file for the office's calendars (its button and
what it writes: ui.pm.forecast_export).

The forecast is read in the background (a large plant takes seconds) for a window a little
wider than the period shown, so paging through the next weeks does not read it again
(ui.pm.forecast_reading).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor, Perm
from app.pm.periods import MONTH, WEEK, period, period_title, step
from app.pm.workload import UNASSIGNED, DayLoad, day_loads, total_hours, who
from app.services import search
from app.services.pm.forecast import ForecastItem
from ui.common.errors import describe
from ui.common.notify import notify
from ui.common.pickers import AssetPicker
from ui.common.settings import gui_settings
from ui.pm.forecast_calendar import PmCalendar
from ui.pm.forecast_export import PmForecastExport
from ui.pm.forecast_panel import PmForecastPanel, assign_colours
from ui.pm.forecast_reading import RELOAD_DELAY_MS, ForecastReading
from ui.pm.forecast_words import hours_text, is_raised

EVERYONE = "Everyone"
VIEW_KEY = "pm_forecast/view"
PANEL_WIDTH = 340
NOT_RAISED = "Not raised yet; only planners open PM schedules."


def _matches(item: ForecastItem, assignee: str | None) -> bool:
    return assignee is None or who(item) == assignee


class PmForecastScreen(ForecastReading, QWidget):
    title = "PM Forecast"
    schedule_activated = Signal(int)  # an order still to come double-clicked: its schedule
    open_work_order = Signal(int)  # an order raised already double-clicked: its id

    def __init__(self, actor: Actor, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.opens_schedules = actor.can(Perm.PM_MANAGE)  # else only raised orders open
        self._fixed_today = today
        self.mode = MONTH if gui_settings().value(VIEW_KEY, MONTH) != WEEK else WEEK
        self.anchor = self.today()
        self._init_reading()
        self.visible: list[ForecastItem] = []
        self.loads: dict[dt.date, DayLoad[ForecastItem]] = {}

        heading = QLabel(self.title)
        heading.setObjectName("screenTitle")
        self.status = QLabel()
        self.status.setObjectName("hintText")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.status)

        self.calendar = PmCalendar()
        self.calendar.day_clicked.connect(self.show_day)
        self.calendar.item_activated.connect(self.activate)
        self.panel = PmForecastPanel(self.opens_schedules)
        self.panel.capacity_changed.connect(self._capacity_changed)
        self.panel.item_activated.connect(self.activate)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self._navigation_bar())
        layout.addLayout(self._filter_bar())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.calendar)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([1000, PANEL_WIDTH])
        layout.addWidget(splitter, 1)
        self._shortcuts()
        self._show_period()

    # -- building -----------------------------------------------------------------------------
    def _navigation_bar(self) -> QHBoxLayout:
        self.previous_button = QPushButton("‹ Previous")
        self.previous_button.setToolTip("The previous month or week (PgUp, Alt+Left)")
        self.previous_button.clicked.connect(self.go_previous)
        self.today_button = QPushButton("Today")
        self.today_button.setToolTip("Back to today (T)")
        self.today_button.clicked.connect(self.go_today)
        self.next_button = QPushButton("Next ›")
        self.next_button.setToolTip("The next month or week (PgDn, Alt+Right)")
        self.next_button.clicked.connect(self.go_next)
        self.period_label = QLabel()
        self.period_label.setObjectName("periodTitle")
        font = QFont(self.period_label.font())
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.period_label.setFont(font)
        self.month_button = QPushButton("Month")
        self.week_button = QPushButton("Week")
        self.views = QButtonGroup(self)
        for button, mode in ((self.month_button, MONTH), (self.week_button, WEEK)):
            button.setCheckable(True)
            button.setChecked(mode == self.mode)
            self.views.addButton(button)
        self.month_button.toggled.connect(self._view_toggled)
        bar = QHBoxLayout()
        for button in (self.previous_button, self.today_button, self.next_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        bar.addWidget(self.period_label)
        bar.addStretch(1)
        bar.addWidget(self.month_button)
        bar.addWidget(self.week_button)
        bar.setSpacing(4)
        return bar

    def _filter_bar(self) -> QHBoxLayout:
        self.asset_filter = AssetPicker(self.actor)
        self.asset_filter.setPlaceholderText("All assets (type a tag or name)")
        self.asset_filter.setMinimumWidth(170)
        self.asset_filter.setMaximumWidth(340)
        self.asset_filter.changed.connect(self._asset_chosen)
        self.assignee_filter = QComboBox()
        self.assignee_filter.setMinimumContentsLength(12)
        self.assignee_filter.addItem(EVERYONE, None)
        self.assignee_filter.currentIndexChanged.connect(self._assignee_chosen)
        self.export = PmForecastExport(self)
        bar = QHBoxLayout()
        for text, widget in (("Asset:", self.asset_filter),
                             ("Assignee:", self.assignee_filter)):
            caption = QLabel(text)
            caption.setBuddy(widget)
            bar.addWidget(caption)
            bar.addWidget(widget, 2 if widget is self.asset_filter else 0)
            bar.addSpacing(8)
        bar.addStretch(1)
        bar.addWidget(self.export.range_box)
        bar.addWidget(self.export.button)
        return bar

    def _shortcuts(self) -> None:
        # Alt+arrows anywhere on the screen; PgUp, PgDn and T where the calendar has the focus
        # (it starts with it), so they do not take those keys from the tables and lists.
        for key, slot in (("Alt+Left", self.go_previous), ("Alt+Right", self.go_next)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.calendar.page_requested.connect(self.go_by)
        self.calendar.today_requested.connect(self.go_today)
        self.setFocusProxy(self.calendar)

    # -- the side panel's parts, reached as the screen's own (its tests do) -----------------
    @property
    def capacity(self) -> QDoubleSpinBox:
        return self.panel.capacity

    @property
    def people(self) -> QTableWidget:
        return self.panel.people

    @property
    def day_title(self) -> QLabel:
        return self.panel.day_title

    @property
    def day_table(self) -> QTableWidget:
        return self.panel.day_table

    @property
    def day_items(self) -> list[ForecastItem]:
        """The orders listed for the chosen day, row by row."""
        return self.panel.day_items

    # -- the period -------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self._fixed_today or dt.date.today()

    def period(self) -> tuple[dt.date, dt.date]:
        """The first and last day shown."""
        return period(self.anchor, self.mode)

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        # The week shown is the chosen day's, else today's if it is shown, else the month's
        # first week; back to a month shows the month of the week's anchor.
        if mode == WEEK:
            first, last = self.period()
            pick = self.calendar.selected or self.today()
            self.anchor = pick if first <= pick <= last else self.anchor.replace(day=1)
        self.mode = mode
        self.month_button.setChecked(mode == MONTH)
        self.week_button.setChecked(mode == WEEK)
        gui_settings().setValue(VIEW_KEY, mode)
        self._show_period()

    def _view_toggled(self, month: bool) -> None:
        self.set_mode(MONTH if month else WEEK)

    def go_by(self, periods: int) -> None:
        """Page `periods` months or weeks on (back when negative)."""
        self.anchor = step(self.anchor, self.mode, periods)
        self._show_period()

    def go_previous(self) -> None:
        self.go_by(-1)

    def go_next(self) -> None:
        self.go_by(1)

    def show_date(self, day: dt.date) -> None:
        """Show the month or week that holds `day`, with the day chosen."""
        self.anchor = day
        self._show_period()
        self.calendar.select_day(day)
        self.show_day(day)

    def go_today(self) -> None:
        self.show_date(self.today())

    def _show_period(self) -> None:
        self.period_label.setText(period_title(self.anchor, self.mode))
        self.calendar.show_period(self.anchor, self.mode, self.today())
        if self.calendar.selected is None:  # the day chosen is not shown any more
            self.panel.clear_day()
        first, last = self.days_wanted()
        self.panel.set_period(first, last)
        if self._covers(*self.days_wanted()):
            self._apply()  # what is held, even when a change elsewhere asks for a new read
            if self._stale:
                self._reload_timer.start(RELOAD_DELAY_MS)
        else:
            self.panel.clear()
            self.calendar.set_message("Loading forecast…")
            self.status.setText("Loading forecast…")
            self._reload_timer.start(RELOAD_DELAY_MS)

    # -- reading (the rest: ui.pm.forecast_reading) -----------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale and not self.loading:
            self._reload_timer.start(RELOAD_DELAY_MS)

    # -- showing ----------------------------------------------------------------------------
    def chosen_assignee(self) -> str | None:
        value = self.assignee_filter.currentData()
        return str(value) if value is not None else None

    def _apply(self) -> None:
        """Show the held forecast for the period and the filters chosen."""
        first, last = self.period()
        assignee = self.chosen_assignee()
        self.visible = [i for i in self._items
                        if first <= i.day <= last and _matches(i, assignee)]
        capacity = self.panel.capacity_hours()
        self.loads = day_loads(self.visible, capacity)
        colours = assign_colours(sorted({who(i) for i in self._items}))
        self.calendar.set_loads(self.loads, capacity, colours)
        self.panel.show_people(self.visible, colours)
        over = sum(1 for load in self.loads.values() if load.overloaded)
        hours = total_hours(self.visible)
        if self.visible:
            noun = "PM order" if len(self.visible) == 1 else "PM orders"
            text = f"{len(self.visible):,} {noun} · {hours_text(hours)}"
            if over:
                text += f" · {over} day{'s' if over != 1 else ''} over capacity"
            self.calendar.set_message("")
        elif last < self.today():
            text = "This period is past: the forecast starts today"
            self.calendar.set_message(text)
        else:
            text = "No PM work expected in this period"
            self.calendar.set_message(text)
        self.status.setText(text)
        if self.calendar.selected is not None:
            self.show_day(self.calendar.selected)

    def _refill_assignees(self) -> None:
        """Offer the people with orders in the forecast held (keeping the choice made)."""
        chosen = self.chosen_assignee()
        names = sorted({who(i) for i in self._items} - {UNASSIGNED})
        self.assignee_filter.blockSignals(True)
        try:
            self.assignee_filter.clear()
            self.assignee_filter.addItem(EVERYONE, None)
            for name in names:
                self.assignee_filter.addItem(name, name)
            self.assignee_filter.addItem(UNASSIGNED, UNASSIGNED)
            if chosen is not None and self.assignee_filter.findData(chosen) < 0:
                self.assignee_filter.addItem(chosen, chosen)  # nothing of theirs now; keep it
            self.assignee_filter.setCurrentIndex(max(0, self.assignee_filter.findData(chosen)))
        finally:
            self.assignee_filter.blockSignals(False)

    def show_day(self, day: dt.date) -> None:
        """List the day's orders in the side panel."""
        self.panel.show_day(day, self.loads.get(day))

    def activate(self, item: ForecastItem) -> None:
        """An order double-clicked: one raised already opens its form; one still to come, its
        schedule's form (for those who manage schedules; the others are told why not)."""
        if is_raised(item):
            try:
                wo_id = search.exact_work_order(self.actor, item.number)
            except KeepwellError as exc:
                self.status.setText(describe(exc))
                return
            if wo_id is None:  # deleted since the forecast was read: read it again
                self.refresh()
                notify(self, f"{item.number} is not there any more")
                return
            self.open_work_order.emit(wo_id)
        elif self.opens_schedules:
            self.schedule_activated.emit(item.schedule_id)
        else:
            QToolTip.showText(QCursor.pos(), NOT_RAISED, self)
            notify(self, NOT_RAISED)

    # -- filters --------------------------------------------------------------------------------
    def _asset_chosen(self) -> None:
        self._show_period()

    def _assignee_chosen(self, _index: int) -> None:
        self._apply()

    def _capacity_changed(self) -> None:
        if self._covers(*self.days_wanted()):
            self._apply()
