"""A table header whose sort arrow points the way people read it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QStyleOptionHeader, QWidget

_ARROW = QStyleOptionHeader.SortIndicator
_FLIPPED = {_ARROW.SortUp: _ARROW.SortDown, _ARROW.SortDown: _ARROW.SortUp}


class SortArrowHeader(QHeaderView):
    """A header whose sort arrow points up for ascending (A to Z, earliest first) and down for
    descending, as in the file managers people know; Qt draws it the other way round, which
    users read as the opposite of the order shown. The column's tooltip says the order in
    words (the model's header tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logical: int) -> None:  # noqa: N802
        super().initStyleOptionForIndex(option, logical)
        option.sortIndicator = _FLIPPED.get(option.sortIndicator, option.sortIndicator)
