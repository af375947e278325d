"""What Keepwell's table models share: a list of light rows and fixed column headers.
Rows are plain dataclasses from a service, so `data()` never touches the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
PAGE_SIZE = 200  # rows a paged model fetches at a time


class RowTableModel(QAbstractTableModel, Generic[Row]):
    headers: Sequence[str] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.headers)):
            return self.headers[section]
        return None

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def _row_for(self, index: Index) -> Row | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]


# (offset, limit, sort key, descending) -> one page
FetchPage = Callable[[int, int, str, bool], Sequence[Row]]


class PagedTableModel(RowTableModel[Row], Generic[Row]):
    """Rows arrive a page at a time (`canFetchMore` / `fetchMore`, which the view calls as it
    scrolls); a header click re-sorts in SQL by the column's sort key and starts again."""

    columns: Sequence[tuple[str, str]] = ()  # (sort key understood by the service, header)
    default_sort: tuple[str, bool] = ("", False)
    # The order in words, (ascending, descending), for the sorted column's tooltip: an arrow
    # alone is read both ways.
    sort_words: dict[str, tuple[str, str]] = {}

    def __init__(self, fetch_page: FetchPage, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._page_size = page_size
        self._exhausted = False
        self._fetching = False
        self.sort_key, self.descending = self.default_sort
        self.headers = tuple(title for _key, title in self.columns)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        # A view (or a model tester) may ask for more while rows are being inserted; the
        # page being added is not counted yet then, so that request would fetch it twice.
        if parent.isValid() or self._exhausted or self._fetching:
            return
        self._fetching = True
        try:
            page = self._fetch_page(len(self._rows), self._page_size, self.sort_key,
                                    self.descending)
            if len(page) < self._page_size:
                self._exhausted = True
            if page:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
                self._rows.extend(page)
                self.endInsertRows()
        finally:
            self._fetching = False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.sort_key = self.columns[column][0]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.columns)):
            key, title = self.columns[section]
            if key != self.sort_key:
                return f"Click to sort by {title}"
            ascending, descending = self.sort_words.get(key, ("ascending", "descending"))
            order = descending if self.descending else ascending
            return f"Sorted by {title}, {order}. Click to reverse."
        return super().headerData(section, orientation, role)

    def sort_column(self) -> int:
        keys = [key for key, _title in self.columns]
        return keys.index(self.sort_key) if self.sort_key in keys else -1

    def reload(self) -> None:
        """Drop the fetched rows and fetch the first page again."""
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def reload_at_least(self, rows: int) -> None:
        """Reload, fetching pages until `rows` rows are back (or there are no more): a refresh
        keeps what the user had scrolled to."""
        self.reload()
        while len(self._rows) < rows and not self._exhausted:
            self.fetchMore(QModelIndex())

    def row_of(self, record_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if getattr(r, "id", None) == record_id),
                    -1)

    @property
    def all_fetched(self) -> bool:
        return self._exhausted
