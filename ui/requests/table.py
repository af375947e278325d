"""The work-request table model: rows fetched in pages as the view scrolls, newest first (the
order the service pages in)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.services.requests import PAGE_SIZE, RequestRow
from app.services.work_orders.listing import PRIORITY_LABELS
from ui.common.table_model import Index, PagedTableModel
from ui.common.time_text import local_time

STATUS_LABELS = {"new": "New", "approved": "Approved", "rejected": "Rejected"}
HEADERS = ("Number", "Title", "Asset", "Location", "Priority", "Status", "Requested by",
           "Filed", "Work order / reason")
(COL_NUMBER, COL_TITLE, COL_ASSET, COL_LOCATION, COL_PRIORITY, COL_STATUS, COL_REQUESTER,
 COL_FILED, COL_OUTCOME) = range(len(HEADERS))
STATUS_COLOURS = {"new": QColor("#1d5fa0"), "approved": QColor("#1e7b34"),
                  "rejected": QColor("#b42318")}

# (status or None for all, only mine, offset, limit) -> one page
FetchPage = Callable[[str | None, bool, int, int], list[RequestRow]]


class RequestTableModel(PagedTableModel[RequestRow]):
    """Holds the rows fetched so far; `data()` never queries. `fetch_requests(status, mine,
    offset, limit)` is a service call bound to the signed-in user; pages come newest first
    (the service's one order: the headers do not sort)."""

    def __init__(self, fetch_requests: FetchPage, page_size: int = PAGE_SIZE) -> None:
        self._fetch_requests = fetch_requests
        self.status: str | None = None
        self.mine = False
        super().__init__(self._page, page_size)
        self.headers = HEADERS

    def _page(self, offset: int, limit: int, _sort: str, _descending: bool) -> list[RequestRow]:
        return self._fetch_requests(self.status, self.mine, offset, limit)

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

    # -- ours -----------------------------------------------------------------------------
    def set_filter(self, status: str | None, mine: bool) -> None:
        if (status, mine) != (self.status, self.mine):
            self.status, self.mine = status, mine
            self.reload()

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
