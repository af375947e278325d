"""The PM forecast calendar's grid of days: a month or a week in rows of seven under a header of
weekday names, with the ISO week numbers in a gutter on the left; which days are shown, which are
greyed, and where each day's cell lies (a week already past is only a strip). What the cells
say, how they are painted and what the keys and clicks do are the calendar's
(ui/pm/forecast_calendar.py).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from app.pm.periods import MONTH, period

HEADER_H = 24
GUTTER_W = 30  # ISO week numbers
PAD = 4


class DayGrid(QWidget):
    """The days from `first` to `last` (the period of `anchor` in `mode`; those before `today`
    are past) and where each is drawn, in the fonts the cells are written in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = MONTH
        self.anchor = dt.date.today()
        self.today = dt.date.today()
        self.first, self.last = period(self.anchor, self.mode)

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days
                                                                 + 1)]

    def is_outside(self, day: dt.date) -> bool:
        """Greyed: in another month (month view) or already past."""
        return day < self.today or (self.mode == MONTH and day.month != self.anchor.month)

    # -- geometry -----------------------------------------------------------------------------
    def _rows(self) -> int:
        return ((self.last - self.first).days + 1) // 7

    def _row_edges(self) -> list[int]:
        """The top of each row, and the bottom of the last. A week already past is only a
        strip (its orders exist; the forecast starts today), leaving the room to the rest."""
        rows = self._rows()
        past = [self.first + dt.timedelta(weeks=r, days=6) < self.today for r in range(rows)]
        if all(past):
            past = [False] * rows  # a period all past is drawn whole, with its message
        strip = self._top_height() + 2
        tall = (self.height() - HEADER_H - strip * sum(past)) / (rows - sum(past))
        edges, y = [HEADER_H], float(HEADER_H)
        for is_past in past:
            y += strip if is_past else tall
            edges.append(round(y))
        return edges

    def cell_rect(self, day: dt.date) -> QRect:
        """Where the day is drawn (an empty rect when it is not shown)."""
        if not self.first <= day <= self.last:
            return QRect()
        row, col = divmod((day - self.first).days, 7)
        width = (self.width() - GUTTER_W) / 7
        edges = self._row_edges()
        left = GUTTER_W + round(col * width)
        return QRect(left, edges[row], GUTTER_W + round((col + 1) * width) - left,
                     edges[row + 1] - edges[row])

    def day_at(self, pos: QPoint) -> dt.date | None:
        if pos.x() < GUTTER_W or pos.y() < HEADER_H:
            return None
        col = min(6, int((pos.x() - GUTTER_W) * 7 / max(1, self.width() - GUTTER_W)))
        edges = self._row_edges()
        row = next((r for r in range(self._rows()) if pos.y() < edges[r + 1]), None)
        if row is None:
            return None
        return self.first + dt.timedelta(days=row * 7 + col)

    def _fonts(self) -> tuple[QFont, QFont, QFont]:
        base = QFont(self.font())
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 0.5))
        meter = QFont(small)
        meter.setItalic(True)
        return base, small, meter

    def _line_height(self) -> int:
        return QFontMetrics(self._fonts()[1]).height() + 1

    def _top_height(self) -> int:
        return QFontMetrics(self._fonts()[0]).height() + PAD + 2
