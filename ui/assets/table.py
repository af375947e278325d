"""Table models of the asset register: the asset list of the Assets screen and the work orders
of one asset in its form. Both fetch rows in pages as the view scrolls and sort in SQL; `data()`
never queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt

from app.services.assets.fields import STATUS_LABELS
from app.services.assets.register import PAGE_SIZE, AssetRow
from app.services.work_orders.listing import PRIORITY_LABELS, WorkOrderRow
from app.services.work_orders.listing import STATUS_LABELS as WO_STATUS_LABELS
from ui.common.table_model import Index, PagedTableModel

# --- the asset list -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetFilter:
    """What the asset list shows: a text search, a location (and everything under it), a
    status (None: any)."""

    search: str = ""
    location_id: int | None = None
    status: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.search and self.location_id is None and self.status is None


ASSET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tag", "Tag"),
    ("name", "Name"),
    ("category", "Category"),
    ("criticality", "Crit."),
    ("status", "Status"),
    ("location", "Location"),
    ("parent", "Parent"),
    ("manufacturer", "Maker"),  # "Manufacturer" would need a wider column than its names
)
(COL_TAG, COL_NAME, COL_CATEGORY, COL_CRITICALITY, COL_STATUS, COL_LOCATION, COL_PARENT,
 COL_MANUFACTURER) = range(8)
CRITICALITY_TIPS = {"A": "A: critical to production or safety", "B": "B: important",
                    "C": "C: run to failure is acceptable"}

# (filter, offset, limit, sort key, descending) -> one page
FetchAssets = Callable[[AssetFilter, int, int, str, bool], Sequence[AssetRow]]


class AssetTableModel(PagedTableModel[AssetRow]):
    """`fetch_assets(filter, offset, limit, sort, descending)` is `list_assets` bound to the
    signed-in user."""

    columns = ASSET_COLUMNS
    default_sort = ("tag", False)
    sort_words = {key: ("A to Z", "Z to A") for key, _title in ASSET_COLUMNS} | {
        "criticality": ("A (critical) first", "C (run to failure) first")}

    def __init__(self, fetch_assets: FetchAssets, page_size: int = PAGE_SIZE) -> None:
        self._fetch_assets = fetch_assets
        self.filter = AssetFilter()
        super().__init__(self._page, page_size)

    def _page(self, offset: int, limit: int, sort: str, descending: bool) -> Sequence[AssetRow]:
        return self._fetch_assets(self.filter, offset, limit, sort, descending)

    def set_filter(self, **changes: object) -> bool:
        """Change some of search / location_id / status and reload; False when nothing
        changed (then nothing is fetched)."""
        wanted = replace(self.filter, **changes)  # type: ignore[arg-type]
        wanted = replace(wanted, search=wanted.search.strip())
        if wanted == self.filter:
            return False
        self.filter = wanted
        self.reload()
        return True

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row_for(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _asset_text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_LOCATION and row.location_code:
                return f"{row.location_code} {row.location_name}"
            if col == COL_CRITICALITY:
                return CRITICALITY_TIPS.get(row.criticality)
            if col in (COL_NAME, COL_CATEGORY, COL_MANUFACTURER):  # cut short in narrow columns
                text = _asset_text(row, col)
                if col == COL_MANUFACTURER and row.model:
                    text = f"{text} {row.model}".strip()
                return text or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_CRITICALITY:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None


def _asset_text(row: AssetRow, col: int) -> str:
    if col == COL_TAG:
        return row.tag
    if col == COL_NAME:
        return row.name
    if col == COL_CATEGORY:
        return row.category
    if col == COL_CRITICALITY:
        return row.criticality
    if col == COL_STATUS:
        return STATUS_LABELS.get(row.status, row.status)
    if col == COL_LOCATION:
        return f"{row.location_code}  {row.location_name}".strip()
    if col == COL_PARENT:
        return row.parent_tag
    if col == COL_MANUFACTURER:
        return row.manufacturer
    return ""


# --- the work orders of one asset -----------------------------------------------------------

WO_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "Number"),
    ("title", "Title"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("due_date", "Due"),
    ("assignee", "Assignee"),
)
WO_COL_NUMBER, WO_COL_TITLE, WO_COL_STATUS, WO_COL_PRIORITY, WO_COL_DUE, WO_COL_ASSIGNEE = \
    range(6)


class AssetWorkOrderModel(PagedTableModel[WorkOrderRow]):
    """The orders of one asset, newest due date first; `fetch_page(offset, limit, sort,
    descending)` is `list_work_orders` filtered to the asset."""

    columns = WO_COLUMNS
    default_sort = ("due_date", True)
    sort_words = {"number": ("oldest first", "newest first"), "title": ("A to Z", "Z to A"),
                  "priority": ("most urgent first", "least urgent first"),
                  "due_date": ("earliest first", "latest first"),
                  "assignee": ("A to Z", "Z to A")}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row_for(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == WO_COL_NUMBER:
                return row.number
            if col == WO_COL_TITLE:
                return row.title
            if col == WO_COL_STATUS:
                return WO_STATUS_LABELS.get(row.status, row.status)
            if col == WO_COL_PRIORITY:
                return PRIORITY_LABELS.get(row.priority, str(row.priority))
            if col == WO_COL_DUE:
                return row.due_date.isoformat() if row.due_date else ""
            if col == WO_COL_ASSIGNEE:
                return row.assignee_name
        if role == Qt.ItemDataRole.ToolTipRole and col == WO_COL_TITLE:
            return row.title
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None
