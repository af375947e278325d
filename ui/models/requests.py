"""The work-request table model: rows fetched in pages as the view scrolls, newest first (the
order the service pages in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.services.requests import PAGE_SIZE, RequestRow
from app.services.work_orders import PRIORITY_LABELS
from ui.models.base import Index, RowTableModel

STATUS_LABELS = {"new": "New", "approved": "Approved", "rejected": "Rejected"}
HEADERS = ("Number", "Title", "Asset", "Location", "Priority", "Status", "Requested by",
           "Filed", "Work order / reason")
(COL_NUMBER, COL_TITLE, COL_ASSET, COL_LOCATION, COL_PRIORITY, COL_STATUS, COL_REQUESTER,
 COL_FILED, COL_OUTCOME) = range(len(HEADERS))
STATUS_COLOURS = {"new": QColor("#1d5fa0"), "approved": QColor("#1e7b34"),
                  "rejected": QColor("#b42318")}

# (status or None for all, only mine, offset, limit) -> one page
FetchPage = Callable[[str | None, bool, int, int], list[RequestRow]]


def local_time(stamp: dt.datetime | None) -> str:
    """A naive UTC time from the database as this desk's local time."""
    if stamp is None:
        return ""
    return f"{stamp.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"


class RequestTableModel(RowTableModel[RequestRow]):
    """Holds the rows fetched so far; `data()` never queries. `fetch_page(status, mine,
    offset, limit)` is a service call bound to the signed-in user."""

    headers = HEADERS

    def __init__(self, fetch_page: FetchPage, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._page_size = page_size
        self._exhausted = False
        self.status: str | None = None
        self.mine = False

    # -- Qt model API ---------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row_for(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_TITLE:
                return row.title
            if col == COL_OUTCOME and row.status == "rejected":
                return f"Rejected: {row.reject_reason}"
            if col == COL_OUTCOME and row.work_order_number:
                return f"Approved as work order {row.work_order_number}"
            if col == COL_LOCATION and row.location_name:
                return row.location_name
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS:
            colour = STATUS_COLOURS.get(row.status)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted:
            return
        page = self._fetch_page(self.status, self.mine, len(self._rows), self._page_size)
        if len(page) < self._page_size:
            self._exhausted = True
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    # -- ours -----------------------------------------------------------------------------
    def set_filter(self, status: str | None, mine: bool) -> None:
        if (status, mine) != (self.status, self.mine):
            self.status, self.mine = status, mine
            self.reload()

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

    def row_of(self, request_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == request_id), -1)

    @staticmethod
    def _display(row: RequestRow, col: int) -> str:
        if col == COL_NUMBER:
            return row.number
        if col == COL_TITLE:
            return row.title
        if col == COL_ASSET:
            return row.asset_tag
        if col == COL_LOCATION:
            return row.location_name
        if col == COL_PRIORITY:
            return PRIORITY_LABELS.get(row.priority, str(row.priority))
        if col == COL_STATUS:
            return STATUS_LABELS.get(row.status, row.status)
        if col == COL_REQUESTER:
            return row.requester_name
        if col == COL_FILED:
            return local_time(row.created_at)
        if col == COL_OUTCOME:
            if row.status == "rejected":
                return row.reject_reason
            return row.work_order_number
        return ""
