"""The PM forecast calendar: a month or week of day cells, each listing the expected PM orders
and the day's estimated hours, tinted when someone has more work that day than a person can do.

The hours per day and per person, and who is over capacity, are counted in app.pm.workload (no
Qt), so the screen's side panel and the tests use the same numbers the cells show; the month
and week periods are app.pm.periods; the words are ui/pm/forecast_words.py; the grid of days
and where each cell lies, ui/pm/forecast_grid.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from app.pm.periods import WEEK, period
from app.pm.workload import DayLoad, who
from app.services.pm.forecast import ForecastItem
from ui.pm.forecast_grid import GUTTER_W, HEADER_H, PAD, DayGrid
from ui.pm.forecast_words import (
    METER_MARK,
    ORDER_MARK,
    hours_text,
    is_raised,
    item_text,
    mark,
    over_lines,
    short_day,
)

TOOLTIP_ITEMS = 15


@dataclass(frozen=True)
class CellLine:
    text: str
    item: ForecastItem | None  # None: the "+ 3 more" line
    detail: bool = False  # the week view's second line of an order


# --- the widget -----------------------------------------------------------------------------

PILL = 6  # what today's blue pill adds to the width of its day
GRID = QColor("#d5dbe2")
INK = QColor("#1f2933")
MUTED = QColor("#6b7583")
PLAIN_BG = QColor("#ffffff")
WEEKEND_BG = QColor("#f6f7f9")
OUTSIDE_BG = QColor("#eef0f3")  # another month's days, and days already past
OVER_BG = QColor("#fdeeec")
OVER_BAND = QColor("#f7cdc6")  # the top line of a day over capacity
OVER_INK = QColor("#b42318")
ACCENT = QColor("#3b82c4")
NOBODY_COLOUR = "#9aa3ad"  # nobody assigned (the others: pm_forecast_panel.assign_colours)


class PmCalendar(DayGrid):
    """Call `show_period`, then `set_loads`; `day_clicked(date)` when a day is chosen,
    `item_activated(ForecastItem)` when an order in a cell is double-clicked. The arrow keys
    move the chosen day; PgUp, PgDn and T ask the owner to page or go to today (here, not as
    window shortcuts, so a table's PgDn and a list's type-to-find keep working)."""

    day_clicked = Signal(object)
    item_activated = Signal(object)  # a ForecastItem
    page_requested = Signal(int)  # PgUp -1, PgDn +1
    today_requested = Signal()  # T

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pmCalendar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(7 * 70 + GUTTER_W, 380)
        self.loads: dict[dt.date, DayLoad[ForecastItem]] = {}
        self.capacity = Decimal(8)
        self.selected: dt.date | None = None
        self.message = ""  # drawn over the grid: "Loading forecast…", an empty state
        self.colours: dict[str, str] = {}

    # -- what is shown ------------------------------------------------------------------------
    def show_period(self, anchor: dt.date, mode: str, today: dt.date) -> None:
        self.anchor, self.mode, self.today = anchor, mode, today
        self.first, self.last = period(anchor, mode)
        self.loads = {}
        if self.selected is not None and not self.first <= self.selected <= self.last:
            self.selected = None
        self.update()

    def set_loads(self, loads: dict[dt.date, DayLoad[ForecastItem]], capacity: Decimal,
                  colours: dict[str, str]) -> None:
        self.loads, self.capacity, self.colours = loads, capacity, colours
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def select_day(self, day: dt.date | None) -> None:
        self.selected = day
        self.update()

    # -- what a cell says ---------------------------------------------------------------------
    def cell_lines(self, day: dt.date) -> list[CellLine]:
        """The lines the day's cell has room for: its orders (in the week view each with a
        second line: hours, assignee, the number of one raised), then "+ 3 more" when they do
        not all fit. What paintEvent draws; tests read it."""
        load = self.loads.get(day)
        if load is None or day < self.today:
            return []
        per_item = 2 if self.mode == WEEK else 1
        room = max(0, (self.cell_rect(day).height() - self._top_height() - PAD)
                   // self._line_height())
        items = load.items
        shown = len(items) if len(items) * per_item <= room else max(0, (room - 1) // per_item)
        lines = []
        for item in items[:shown]:
            lines.append(CellLine(item_text(item), item))
            if per_item == 2:
                number = f" · {item.number}" if is_raised(item) else ""
                lines.append(CellLine(f"{hours_text(item.hours)} · {who(item)}{number}", item,
                                      True))
        if shown < len(items):
            lines.append(CellLine(f"+ {len(items) - shown} more", None))
        return lines

    def top_line(self, day: dt.date) -> tuple[str, str, QFont]:
        """The day's label, its hours ("" when none) and their font: in a cell too narrow for
        both, "1 Dec" or "24 Nov" gives way to the day alone, then the hours to a smaller font
        (and at the last are cut short), so that the two never overlap."""
        load = self.loads.get(day)
        hours = hours_text(load.hours) if load is not None and day >= self.today else ""
        base, small, _meter = self._fonts()
        room = self.cell_rect(day).width() - 3 * PAD - (PILL if day == self.today else 0)
        labels = [f"{day.day} {day:%b}"] if self.mode == WEEK or day.day == 1 else []
        labels.append(f"{day.day}")
        for font in (QFont(base), QFont(small)):
            font.setBold(load is not None and load.overloaded)
            for label in labels:
                if QFontMetrics(base).horizontalAdvance(label) \
                        + QFontMetrics(font).horizontalAdvance(hours) <= room:
                    return label, hours, font
        return label, hours, font

    def tooltip_for(self, day: dt.date) -> str:
        load = self.loads.get(day)
        if load is None or day < self.today:
            return ""
        noun = "PM order" if len(load.items) == 1 else "PM orders"
        lines = []
        if load.overloaded:
            lines += ["Over capacity:", *over_lines(load, self.capacity), ""]
        lines.append(f"{short_day(day)} {day.year}: {len(load.items)} {noun}, "
                     f"{hours_text(load.hours)}")
        for item in load.items[:TOOLTIP_ITEMS]:
            number = f"{item.number}, " if is_raised(item) else ""
            lines.append(f"{item_text(item)} ({number}{who(item)}, {hours_text(item.hours)})")
        if len(load.items) > TOOLTIP_ITEMS:
            lines.append(f"… and {len(load.items) - TOOLTIP_ITEMS} more")
        if any(i.how == "meter" for i in load.items):
            lines.append(f"{METER_MARK}date estimated from meter use")
        if any(i.how == "order" for i in load.items):
            lines.append(f"{ORDER_MARK}order already raised")
        return "\n".join(lines)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(840, 620)

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, p: QPainter) -> None:
        base, small, meter = self._fonts()
        p.fillRect(self.rect(), PLAIN_BG)
        p.setFont(small)
        p.setPen(MUTED)
        for col in range(7):
            day = self.first + dt.timedelta(days=col)
            rect = self.cell_rect(day)
            p.drawText(QRect(rect.left(), 0, rect.width(), HEADER_H),
                       Qt.AlignmentFlag.AlignCenter, f"{day:%a}")
        for row in range(self._rows()):
            monday = self.first + dt.timedelta(weeks=row)
            rect = self.cell_rect(monday)
            p.drawText(QRect(0, rect.top() + PAD, GUTTER_W - 2, 16),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                       f"W{monday.isocalendar().week}")
        for day in self.days():
            self._paint_cell(p, day, base, small, meter)
        if self.message:
            self._paint_message(p)

    def _paint_cell(self, p: QPainter, day: dt.date, base: QFont, small: QFont,
                    meter: QFont) -> None:
        rect = self.cell_rect(day)
        load = self.loads.get(day)
        outside = self.is_outside(day)
        if load is not None and load.overloaded and day >= self.today:
            bg = OVER_BG
        elif outside:
            bg = OUTSIDE_BG
        else:
            bg = WEEKEND_BG if day.weekday() >= 5 else PLAIN_BG
        p.fillRect(rect, bg)
        if bg == OVER_BG:
            p.fillRect(QRect(rect.left(), rect.top(), rect.width(), self._top_height() - 2),
                       OVER_BAND)
        p.setPen(QPen(GRID, 1))
        p.drawRect(rect.adjusted(0, 0, -1, -1) if rect.right() >= self.width() - 1
                   else rect)
        # The top line: the day (today in a blue pill), and the day's hours on the right.
        fm = QFontMetrics(base)
        top = QRect(rect.left() + PAD, rect.top() + PAD - 1, rect.width() - 2 * PAD,
                    fm.height() + 2)
        label, hours, hours_font = self.top_line(day)
        label_w = fm.horizontalAdvance(label) + (PILL if day == self.today else 0)
        p.setFont(base)
        if day == self.today:
            pill = QRect(top.left() - 2, top.top(), label_w + 2, top.height())
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setBrush(ACCENT)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawRoundedRect(pill, 4, 4)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QColor("white"))
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        else:
            p.setPen(MUTED if outside else INK)
            p.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        if hours:
            p.setFont(hours_font)
            p.setPen(OVER_INK if hours_font.bold() else MUTED)
            _draw_elided(p, top.adjusted(label_w + PAD, 0, 0, 0), hours,
                         Qt.AlignmentFlag.AlignRight)
        # The orders, with their assignee's colour on the left, each led by its asset tag
        # (kept whole when the rest is cut short: the tooltip and the day's list have it all).
        line_h = self._line_height()
        y = rect.top() + self._top_height()
        text_left = rect.left() + PAD + 6
        width = rect.right() - PAD - text_left
        for line in self.cell_lines(day):
            box = QRect(text_left, y, width, line_h)
            y += line_h
            item = line.item
            if item is None or line.detail:
                p.setFont(small)
                p.setPen(MUTED)
                _draw_elided(p, box, line.text)
                continue
            swatch_h = line_h * (2 if self.mode == WEEK else 1) - 4
            p.fillRect(QRect(rect.left() + PAD, box.top() + 2, 3, swatch_h),
                       QColor(self.colours.get(who(item), NOBODY_COLOUR)))
            p.setFont(meter if item.how == "meter" else small)
            p.setPen(INK)
            p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       item.asset_tag)  # clipped by the box in a cell narrower than the tag
            tag_w = QFontMetrics(p.font()).horizontalAdvance(f"{item.asset_tag} ")
            _draw_elided(p, box.adjusted(tag_w, 0, 0, 0), mark(item) + item.name)
        if day == self.selected:
            p.setPen(QPen(ACCENT, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect.adjusted(1, 1, -1, -1))

    def _paint_message(self, p: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() + 1)
        p.setFont(font)
        fm = QFontMetrics(font)
        box = QRect(0, 0, fm.horizontalAdvance(self.message) + 40, fm.height() + 24)
        box.moveCenter(self.rect().center())
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(GRID, 1))
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRoundedRect(box, 6, 6)
        p.setPen(INK)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, self.message)

    # -- input --------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self.day_at(event.pos())
            text = self.tooltip_for(day) if day is not None else ""
            if day is not None and text:
                QToolTip.showText(event.globalPos(), text, self, self.cell_rect(day))
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        day = self.day_at(event.position().toPoint())
        if day is not None and event.button() == Qt.MouseButton.LeftButton:
            self._choose(day)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        item = self.item_at(event.position().toPoint())
        if item is not None:
            self.item_activated.emit(item)

    def item_at(self, pos: QPoint) -> ForecastItem | None:
        day = self.day_at(pos)
        if day is None:
            return None
        n = (pos.y() - self.cell_rect(day).top() - self._top_height()) // self._line_height()
        lines = self.cell_lines(day)
        return lines[n].item if 0 <= n < len(lines) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7,
                 Qt.Key.Key_Down: 7}
        key = Qt.Key(event.key())
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and plain:
            self.page_requested.emit(-1 if key == Qt.Key.Key_PageUp else 1)
            return
        if key == Qt.Key.Key_T and plain:
            self.today_requested.emit()
            return
        move = moves.get(key)
        if move is not None and plain:
            start = self.selected or max(self.first, min(self.today, self.last))
            day = start + dt.timedelta(days=move)
            if self.first <= day <= self.last:
                self._choose(day)
            return
        super().keyPressEvent(event)

    def _choose(self, day: dt.date) -> None:
        self.select_day(day)
        self.day_clicked.emit(day)


def _draw_elided(p: QPainter, box: QRect, text: str,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
    elided = QFontMetrics(p.font()).elidedText(text, Qt.TextElideMode.ElideRight, box.width())
    p.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, elided)

