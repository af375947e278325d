"""The PM Forecast screen's side panel: the hours each person has in the period shown (with the
hours a person can do in a day, which decides the days over capacity), and the chosen day's
orders, from which one opens with a double-click."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.pm.workload import UNASSIGNED, DayLoad, person_loads, who
from app.services.pm.forecast import ForecastItem
from ui.common.column_fit import ColumnFitter
from ui.common.settings import gui_settings
from ui.common.tables import read_only_table
from ui.pm.forecast_calendar import NOBODY_COLOUR, OVER_INK
from ui.pm.forecast_words import hours_text, is_raised, item_text

CAPACITY_KEY = "pm_forecast/capacity"
PICK_A_DAY = "Click a day to list its orders"
OPENS_ALL = ("Double-click an order to open its schedule, or the order itself when it is "
             "raised already (it has a number)")
OPENS_RAISED = "Double-click an order raised already (it has a number) to open it"
# An assignee's colour, by name order among everyone in the forecast read (the calendar shows
# the same), so it stays put while paging.
PALETTE = ("#3b82c4", "#2f9e44", "#e8590c", "#7048e8", "#0c8599", "#c2255c", "#5c940d",
           "#b08900")
NAME, ORDERS, HOURS, BUSIEST = range(4)  # the people's columns
ORDER, ASSIGNEE, ORDER_HOURS = range(3)  # the day's columns
NAME_MAX = 180  # px a name asks for at most (a longer one is cut in the middle)
SWATCH = 24  # px of the colour swatch before a name


def assign_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per assignee (in the given order); nobody assigned is grey."""
    out = {UNASSIGNED: NOBODY_COLOUR}
    people = [n for n in names if n != UNASSIGNED]
    for n, name in enumerate(people):
        out[name] = PALETTE[n % len(PALETTE)]
    return out


def fitted_table(headers: list[str], stretch: int, hidden_first: tuple[int, ...] = ()
                 ) -> tuple[QTableWidget, ColumnFitter]:
    """A read-only table whose column `stretch` gets the room the others leave, the others
    as wide as fit_columns says (a text too long for its cell is cut in the middle)."""
    table = read_only_table(headers, stretch)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    others = [col for col in range(len(headers)) if col != stretch]
    for col in others:
        table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
    fitter = ColumnFitter(table, {col: (0, 0) for col in others}, hidden_first, 0)
    fit_columns(fitter, 0)  # to their titles while empty
    return table, fitter


def fit_columns(fitter: ColumnFitter, stretch_min: int, wrapped: tuple[int, ...] = ()) -> None:
    """Each column but the stretching one as wide as its widest text (those in `wrapped` may
    shrink to their widest word, the rows then growing); that one keeps `stretch_min`."""
    table = fitter.table
    for col in fitter.preferred:
        texts = [table.item(r, col).text() for r in range(table.rowCount())]
        words = [w for t in texts for w in t.split()] if col in wrapped else texts
        fitter.narrowest[col] = fitter.text_width(col, words)
        fitter.preferred[col] = fitter.text_width(col, texts)
    fitter.stretch_min = stretch_min
    fitter.fit()


def long_day(day: dt.date) -> str:
    """"Thursday 16 April 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class PmForecastPanel(QWidget):
    """`show_people` and `show_day` fill it; `capacity_changed` when the hours per person per
    day change (remembered for the next session), `item_activated(ForecastItem)` when an
    order in the day's list is double-clicked."""

    capacity_changed = Signal()
    item_activated = Signal(object)  # a ForecastItem

    def __init__(self, opens_schedules: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opens_schedules = opens_schedules  # else only raised orders open
        self.day_items: list[ForecastItem] = []

        self.capacity = QDoubleSpinBox()
        self.capacity.setRange(0.5, 24)
        self.capacity.setSingleStep(0.5)
        self.capacity.setDecimals(1)
        self.capacity.setSuffix(" h")
        self.capacity.setToolTip("A day is marked over capacity when one person (or the "
                                 "unassigned orders) has more hours than this")
        try:
            self.capacity.setValue(float(str(gui_settings().value(CAPACITY_KEY, 8.0))))
        except (TypeError, ValueError):
            self.capacity.setValue(8.0)
        self.capacity.valueChanged.connect(self._capacity_changed)
        capacity_row = QHBoxLayout()
        caption = QLabel("Hours per person per day:")
        caption.setBuddy(self.capacity)
        capacity_row.addWidget(caption)
        capacity_row.addWidget(self.capacity)
        capacity_row.addStretch(1)
        self.people_title = QLabel()
        self.people_title.setObjectName("sectionTitle")
        self.people_title.setWordWrap(True)
        # In a narrow panel the busiest day and an order's hours step aside for the names
        # (each row's tooltip says them); the day's orders and assignees wrap.
        self.people, self.people_columns = fitted_table(
            ["Assignee", "Orders", "Hours", "Busiest day"], NAME, hidden_first=(BUSIEST,))
        self.people.setObjectName("forecastPeople")
        self.day_title = QLabel(PICK_A_DAY)
        self.day_title.setWordWrap(True)
        self.day_table, self.day_columns = fitted_table(["Order", "Assignee", "Hours"], ORDER,
                                                        hidden_first=(ORDER_HOURS,))
        self.day_table.setObjectName("forecastDay")
        self.day_table.setWordWrap(True)
        self.day_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.day_table.setToolTip(OPENS_ALL if self.opens_schedules else OPENS_RAISED)
        self.day_table.cellDoubleClicked.connect(self._day_row_activated)
        self.setMinimumWidth(260)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 0, 0, 0)
        box.addWidget(self.people_title)
        box.addLayout(capacity_row)
        for widget in (self.people, self.day_title, self.day_table):
            box.addWidget(widget)
        for label in (self.people_title, self.day_title):
            font = QFont(label.font())
            font.setBold(True)
            label.setFont(font)

    def capacity_hours(self) -> Decimal:
        """The hours a person can do in a day."""
        return Decimal(str(self.capacity.value()))

    def _capacity_changed(self, value: float) -> None:
        gui_settings().setValue(CAPACITY_KEY, value)
        self.capacity_changed.emit()

    # -- the people ---------------------------------------------------------------------------
    def set_period(self, first: dt.date, last: dt.date) -> None:
        """Name the days the people's hours are for (none when the period shown is past)."""
        self.people_title.setText(f"Hours per person, {first.day} {first:%b} – "
                                  f"{last.day} {last:%b %Y}" if first <= last
                                  else "Hours per person")

    def show_people(self, items: Sequence[ForecastItem], colours: dict[str, str]) -> None:
        """Each assignee's orders and hours in `items`, in their calendar colour; red when
        they have more than the capacity on some day."""
        capacity = self.capacity_hours()
        rows = person_loads(items, capacity)
        cap = hours_text(capacity)
        self.people.setRowCount(len(rows))
        for r, person in enumerate(rows):
            day = person.busiest_day
            cells = [person.name, f"{person.orders:,}", hours_text(person.hours),
                     f"{day.day} {day:%b} · {hours_text(person.busiest_hours)}"]
            tip = f"{person.name}: busiest on {long_day(day)}, " \
                  f"{hours_text(person.busiest_hours)}"
            if person.days_over:
                tip += (f"\nMore than {cap} on {person.days_over} "
                        f"day{'s' if person.days_over != 1 else ''} of this period")
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(tip)
                if c in (ORDERS, HOURS):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if person.days_over:
                    cell.setForeground(QBrush(OVER_INK))
                if c == NAME:
                    cell.setData(Qt.ItemDataRole.DecorationRole,
                                 QColor(colours.get(person.name, NOBODY_COLOUR)))
                self.people.setItem(r, c, cell)
        names = max((self.people.fontMetrics().horizontalAdvance(p.name) for p in rows),
                    default=0)
        fit_columns(self.people_columns, min(NAME_MAX, names + SWATCH))

    def clear(self) -> None:
        """Empty the tables while a new forecast is read (the day's title stays)."""
        self.people.setRowCount(0)
        self.day_table.setRowCount(0)
        self.day_items = []

    # -- the day ------------------------------------------------------------------------------
    def clear_day(self) -> None:
        """No day chosen: ask for one."""
        self.day_items = []
        self.day_table.setRowCount(0)
        self.day_title.setText(PICK_A_DAY)

    def show_day(self, day: dt.date, load: DayLoad[ForecastItem] | None) -> None:
        """List the day's orders (`load` None: it has none), and who is over capacity."""
        items = load.items if load is not None else ()
        self.day_items = list(items)
        if load is None:
            self.day_title.setText(f"{long_day(day)}: no PM orders expected")
        else:
            noun = "order" if len(items) == 1 else "orders"
            text = f"{long_day(day)} · {len(items)} {noun} · {hours_text(load.hours)}"
            if load.overloaded:
                lines = ", ".join(f"{n} {hours_text(h)}" for n, h in load.over)
                text += f"\nOver capacity: {lines}"
            self.day_title.setText(text)
        self.day_table.setRowCount(len(items))
        for r, item in enumerate(items):
            cells = [self._day_text(item), who(item), hours_text(item.hours)]
            tip = self._day_tooltip(item)
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(tip)
                if item.how == "meter":
                    font = QFont(cell.font())
                    font.setItalic(True)
                    cell.setFont(font)
                if c == ORDER_HOURS:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.day_table.setItem(r, c, cell)
        # The order's column keeps room for its longest word (an order number, a tag).
        words = [w for i in items for w in self._day_text(i).split()]
        fit_columns(self.day_columns, self.day_columns.text_width(ORDER, words),
                    wrapped=(ASSIGNEE,))

    @staticmethod
    def _day_text(item: ForecastItem) -> str:
        """The day list's entry: a raised order with its number on a line of its own."""
        if not is_raised(item):
            return item_text(item)
        late = f", overdue since {item.overdue_since:%d %b}" if item.overdue_since else ""
        return f"{item_text(item)}\n{item.number}{late}"

    def _day_tooltip(self, item: ForecastItem) -> str:
        """The entry whole, with the asset's name and what a double-click does."""
        number = f"{item.number}, " if is_raised(item) else ""
        text = f"{item_text(item)} ({number}{who(item)}, {hours_text(item.hours)})\n" \
               f"{item.asset_name}"
        if is_raised(item):
            return f"{text}\n{item.number} is raised already: double-click to open it"
        if item.how == "meter":
            text += ": date estimated from meter use"
        if self.opens_schedules:
            return f"{text}\nDouble-click to open its schedule"
        return text

    def _day_row_activated(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.day_items):
            self.item_activated.emit(self.day_items[row])
