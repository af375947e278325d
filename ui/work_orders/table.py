"""The work-order table model: the columns of the Work Orders list, what each shows (an overdue
due date in red, "Loading…" while a row is being read) and the sort in SQL by any of them, over
the window of pages in page_window.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.services.work_orders.listing import (
    EVERYTHING,
    PAGE_SIZE,
    PRIORITY_LABELS,
    STATUS_LABELS,
    WorkOrderRow,
)
from ui.common.table_model import Index
from ui.work_orders.page_window import MAX_PAGES, CountRows, FetchPage, PageWindowModel

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
LOADING = QColor("#8a8f98")
SERVED_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                          Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.UserRole})


class WorkOrderTableModel(PageWindowModel):
    """The Work Orders list (see PageWindowModel for `fetch_page` and `count`); `today` says
    which orders are overdue."""

    def __init__(self, fetch_page: FetchPage, page_size: int = PAGE_SIZE,
                 today: Callable[[], dt.date] = dt.date.today,
                 count: CountRows | None = None, max_pages: int = MAX_PAGES) -> None:
        super().__init__(fetch_page, page_size, count, max_pages)
        self._today = today
        self.filters = EVERYTHING
        self.sort_key = "due_date"
        self.descending = False

    headers = tuple(title for _key, title in COLUMNS)

    # -- Qt model API ---------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in SERVED_ROLES or not 0 <= index.row() < self._rows_shown:
            return None  # a view asks for a dozen roles per cell while painting: be quick
        row = self._row(index.row())
        col = index.column()
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole and col == COL_TITLE:
                return "Loading…"
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(LOADING)
            return None
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

    def set_search(self, text: str) -> None:
        self.set_filters(dataclasses.replace(self.filters, search=text.strip()))

    def set_include_finished(self, include: bool) -> None:
        self.set_filters(dataclasses.replace(self.filters, include_finished=include))

    # -- display --------------------------------------------------------------------------
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
