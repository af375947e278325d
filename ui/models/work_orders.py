"""The work-order table model: rows fetched in pages as the view scrolls, sorted in SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.services.work_orders import (
    EVERYTHING,
    PAGE_SIZE,
    PRIORITY_LABELS,
    STATUS_LABELS,
    WorkOrderFilter,
    WorkOrderRow,
)
from ui.models.base import Index, RowTableModel

# (sort key understood by the service, header)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "Number"),
    ("title", "Title"),
    ("asset", "Asset"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("due_date", "Due"),
    ("assignee", "Assignee"),
)
COL_NUMBER, COL_TITLE, COL_ASSET, COL_STATUS, COL_PRIORITY, COL_DUE, COL_ASSIGNEE = range(7)
OPEN_STATUSES = frozenset({"open", "assigned", "in_progress", "on_hold"})
OVERDUE = QColor("#b42318")

# (filters, sort key, descending, limit, after this row) -> the next page
FetchPage = Callable[[WorkOrderFilter, str, bool, int, WorkOrderRow | None], list[WorkOrderRow]]


class WorkOrderTableModel(RowTableModel[WorkOrderRow]):
    """Holds the rows fetched so far; `data()` never queries. `fetch_page(filters, sort,
    descending, limit, after)` is a service call bound to the signed-in user; each page starts
    after the last row fetched (keyset paging)."""

    def __init__(self, fetch_page: FetchPage, page_size: int = PAGE_SIZE,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._page_size = page_size
        self._today = today
        self._exhausted = False
        self.filters = EVERYTHING
        self.sort_key = "due_date"
        self.descending = False

    headers = tuple(title for _key, title in COLUMNS)

    # -- Qt model API ---------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row_for(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_ASSET and row.asset_tag:
                return f"{row.asset_tag}: {row.asset_name}"
            if col == COL_TITLE:
                return row.title
            if col == COL_DUE and self._is_overdue(row):
                return "Overdue"
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_DUE and self._is_overdue(row):
            return QBrush(OVERDUE)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted:
            return
        after = self._rows[-1] if self._rows else None
        page = self._fetch_page(self.filters, self.sort_key, self.descending, self._page_size,
                                after)
        if len(page) < self._page_size:
            self._exhausted = True
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.sort_key = COLUMNS[column][0]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # -- ours -----------------------------------------------------------------------------
    @property
    def search(self) -> str:
        return self.filters.search

    @property
    def include_finished(self) -> bool:
        return self.filters.include_finished

    def set_filters(self, filters: WorkOrderFilter) -> None:
        """Show what `filters` lets through (reloads only when they changed)."""
        if filters != self.filters:
            self.filters = filters
            self.reload()

    def set_search(self, text: str) -> None:
        self.set_filters(dataclasses.replace(self.filters, search=text.strip()))

    def set_include_finished(self, include: bool) -> None:
        self.set_filters(dataclasses.replace(self.filters, include_finished=include))

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

    def row_of(self, work_order_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == work_order_id), -1)

    @property
    def all_fetched(self) -> bool:
        return self._exhausted

    def _is_overdue(self, row: WorkOrderRow) -> bool:
        return (row.status in OPEN_STATUSES and row.due_date is not None
                and row.due_date < self._today())

    @staticmethod
    def _display(row: WorkOrderRow, col: int) -> str:
        if col == COL_NUMBER:
            return row.number
        if col == COL_TITLE:
            return row.title
        if col == COL_ASSET:
            return row.asset_tag
        if col == COL_STATUS:
            return STATUS_LABELS.get(row.status, row.status)
        if col == COL_PRIORITY:
            return PRIORITY_LABELS.get(row.priority, str(row.priority))
        if col == COL_DUE:
            return row.due_date.isoformat() if row.due_date else ""
        if col == COL_ASSIGNEE:
            return row.assignee_name
        return ""
