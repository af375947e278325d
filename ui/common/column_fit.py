"""Columns that make room for the one that matters: one column stretches and keeps at least
its minimum; the others shrink towards their narrowest together and, when that is not enough,
step aside (hide) in a given order. A column the user drags keeps that width as its wish."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QTableView

CELL_PADDING = 8  # a cell's text margins and grid line
TITLE_PADDING = 16  # a header section's padding (the style sheet's) and frame


def fitted_widths(available: int, wanted: dict[int, int], narrowest: dict[int, int],
                  hidden_first: Sequence[int], stretch_min: int) -> dict[int, int]:
    """Widths of the other columns so that the stretching one keeps `stretch_min` of
    `available` if it can: each gives up the same share of its room above its narrowest, and
    if that is not enough, `hidden_first` columns get width 0 (hidden)."""
    shown = dict(wanted)
    for col in hidden_first:
        if sum(min(narrowest[c], w) for c, w in shown.items()) <= available - stretch_min:
            break
        del shown[col]
    spare = available - stretch_min - sum(shown.values())
    room = {col: max(0, width - narrowest[col]) for col, width in shown.items()}
    share = min(1.0, -spare / sum(room.values())) if spare < 0 and sum(room.values()) else 0.0
    return {col: shown[col] - int(room[col] * share + 0.999) if col in shown else 0
            for col in wanted}


class ColumnFitter(QObject):
    """Keeps `table`'s columns fitted as its viewport resizes. `widths` maps each column
    beside the stretching one to (narrowest, preferred)."""

    def __init__(self, table: QTableView, widths: dict[int, tuple[int, int]],
                 hidden_first: Sequence[int], stretch_min: int) -> None:
        super().__init__(table)
        self.table = table
        self.narrowest = {col: least for col, (least, _wish) in widths.items()}
        self.preferred = {col: wish for col, (_least, wish) in widths.items()}
        self.hidden_first = tuple(hidden_first)
        self.stretch_min = stretch_min
        self._fitting = False
        table.horizontalHeader().sectionResized.connect(self._dragged)
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self.fit()
        return False

    def fit(self) -> None:
        widths = fitted_widths(self.table.viewport().width(), self.preferred, self.narrowest,
                               self.hidden_first, self.stretch_min)
        self._fitting = True
        try:
            for col, width in widths.items():
                self.table.setColumnHidden(col, width == 0)
                if width:
                    self.table.setColumnWidth(col, width)
        finally:
            self._fitting = False

    def text_width(self, col: int, texts: Iterable[str]) -> int:
        """The width column `col` needs to show its title and each of `texts` whole."""
        header = self.table.horizontalHeader()
        title = header.sectionSizeHint(col)  # 0 while hidden: then as the style sheet has it
        if title <= 0:
            font = QFont(header.font())
            font.setBold(True)
            text = str(self.table.model().headerData(col, Qt.Orientation.Horizontal) or "")
            title = QFontMetrics(font).horizontalAdvance(text) + TITLE_PADDING
        widest = max((self.table.fontMetrics().horizontalAdvance(t) for t in texts), default=0)
        return max(widest + CELL_PADDING, title)

    def _dragged(self, col: int, _old: int, new: int) -> None:
        # Hiding a column reports it resized to 0, and not always at once: not a wish.
        if (not self._fitting and col in self.preferred and new > 0
                and not self.table.isColumnHidden(col)):
            self.preferred[col] = new
