"""What happened to an asset, for its form: its work orders (open and past) and the audited
changes to the record."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor
from app.services import history
from app.services.assets.fields import STATUS_LABELS
from app.services.work_orders import listing
from app.services.work_orders.listing import WorkOrderFilter, WorkOrderRow
from ui.assets.table import WO_COL_DUE, WO_COL_TITLE, AssetWorkOrderModel
from ui.common.errors import describe
from ui.common.sort_header import SortArrowHeader
from ui.common.time_text import local_time


def history_summary(row: history.HistoryRow) -> str:
    """What changed, with an asset's status in words ("In service", not "in_service")."""
    status = row.changes.get("status")
    if isinstance(status, list):
        words = [STATUS_LABELS.get(v, v) if isinstance(v, str) else v for v in status]
        row = replace(row, changes={**row.changes, "status": words})
    return row.summary


class AssetWorkOrdersTab(QWidget):
    """The asset's orders, newest due date first, fetched in pages; double-click or Enter on
    one emits `open_work_order(id)`."""

    open_work_order = Signal(int)

    def __init__(self, actor: Actor, asset_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.filters = WorkOrderFilter(asset_id=asset_id)
        self.model = AssetWorkOrderModel(self._fetch_page)
        self.count_label = QLabel()
        self.count_label.setObjectName("hintText")
        self.table = QTableView()
        self.table.setObjectName("assetWorkOrderTable")
        self.table.setHorizontalHeader(SortArrowHeader(self.table))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WO_COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in enumerate((130, 0, 95, 80, 90, 140)):
            if width:
                self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._activated)
        self.model.modelReset.connect(self.table.scrollToTop)
        self.model.modelReset.connect(self._update_count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        header.setSortIndicator(WO_COL_DUE, Qt.SortOrder.DescendingOrder)  # loads a page

    def _fetch_page(self, offset: int, limit: int, sort: str,
                    descending: bool) -> list[WorkOrderRow]:
        # Keyset paging: the next page starts after the last row already shown.
        after = self.model.row_at(offset - 1) if offset else None
        try:
            return listing.list_work_orders(self.actor, self.filters, sort=sort,
                                                descending=descending, limit=limit, after=after)
        except KeepwellError as exc:
            self.count_label.setText(describe(exc))
            return []

    def _update_count(self) -> None:
        try:
            total = listing.count_work_orders(self.actor, self.filters)
            still_open = listing.count_work_orders(
                self.actor, WorkOrderFilter(asset_id=self.filters.asset_id,
                                            include_finished=False))
        except KeepwellError as exc:
            self.count_label.setText(describe(exc))
            return
        if not total:
            self.count_label.setText("No work orders for this asset yet.")
            return
        noun = "work order" if total == 1 else "work orders"
        pending = f"{still_open:,} not closed yet" if still_open else "all closed or cancelled"
        self.count_label.setText(f"{total:,} {noun}, {pending}. Double-click an order to open "
                                 "it.")

    def refresh(self) -> None:
        self.model.reload_at_least(self.model.rowCount())

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_work_order.emit(self.model.row_at(index.row()).id)


class AssetHistoryTab(QWidget):
    """Every audited change to the asset record, newest first, in local time."""

    HEADERS = ("When", "Who", "Action", "What changed")

    def __init__(self, actor: Actor, asset_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.asset_id = asset_id
        self.rows: list[history.HistoryRow] = []
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setObjectName("assetHistoryTable")
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setObjectName("hintText")
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.rows = history.asset_history(self.actor, self.asset_id)
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return
        self.message.setText(f"{len(self.rows)} changes, newest first." if self.rows else
                             "No recorded changes.")
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            summary = history_summary(row)
            for c, text in enumerate((local_time(row.at), row.actor, row.action_label,
                                      summary)):
                item = QTableWidgetItem(text)
                if c == 3:
                    item.setToolTip(summary.replace("; ", "\n"))
                self.table.setItem(r, c, item)
