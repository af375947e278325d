"""Work Orders: a read-only lazy table with SQL-side sort and a text filter."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor
from app.services import work_orders
from ui.errors import show_error
from ui.models.work_orders import COL_DUE, COL_TITLE, COLUMNS, WorkOrderTableModel

SEARCH_DELAY_MS = 250


class WorkOrdersScreen(QWidget):
    title = "Work Orders"

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.model = WorkOrderTableModel(self._fetch_page)
        self.model.include_finished = False  # open work first; one click shows the history

        heading = QLabel(self.title)
        heading.setObjectName("screenTitle")
        self.search = QLineEdit()
        self.search.setObjectName("workOrderSearch")
        self.search.setPlaceholderText("Search number, title, asset or assignee  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("hintText")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.apply_search)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)

        self.table = QTableView()
        self.table.setObjectName("workOrderTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in enumerate((130, 0, 90, 100, 90, 95, 150)):
            if width:
                self.table.setColumnWidth(col, width)
        header.setSortIndicator(COL_DUE, Qt.SortOrder.AscendingOrder)  # loads the first page
        self.table.activated.connect(self.open_order)  # double-click or Enter
        self.model.modelReset.connect(self._update_count)
        self.model.modelReset.connect(self.table.scrollToTop)  # a new sort starts at its top

        self.finished_box = QCheckBox("Show closed and cancelled")
        self.finished_box.setObjectName("showFinished")
        self.finished_box.toggled.connect(self.model.set_include_finished)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.finished_box)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._update_count()

    def _fetch_page(self, search: str, sort: str, descending: bool, offset: int,
                    limit: int, include_finished: bool) -> list[work_orders.WorkOrderRow]:
        return work_orders.list_work_orders(self.actor, search, sort, descending, offset, limit,
                                            include_finished)

    def open_order(self, index: QModelIndex) -> None:
        """Show the order (read-only for now)."""
        from app.services.work_order_detail import get_work_order
        from ui.dialogs.work_order_view import WorkOrderView

        if not index.isValid():
            return
        try:
            detail = get_work_order(self.actor, self.model.row_at(index.row()).id)
        except KeepwellError as exc:
            show_error(self, exc)
            return
        self.view = WorkOrderView(detail, self)
        self.view.show()

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_search(self.search.text())

    def refresh(self) -> None:
        """Reload what is on screen, keeping the selection and the scroll position."""
        selected = {self.model.row_at(i.row()).id
                    for i in self.table.selectionModel().selectedRows()}
        scroll = self.table.verticalScrollBar().value()
        self.model.reload_at_least(self.model.rowCount())
        for work_order_id in selected:
            if (row := self.model.row_of(work_order_id)) >= 0:
                self.table.selectRow(row)
        self.table.verticalScrollBar().setValue(scroll)  # after selecting, which scrolls

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something shown here."""
        if changed.keys() & {"work_order", "asset", "user"}:
            self.refresh()

    def _update_count(self) -> None:
        total = work_orders.count_work_orders(self.actor, self.model.search,
                                              self.model.include_finished)
        noun = "work order" if total == 1 else "work orders"
        if self.model.search:
            text = f"{total:,} {noun} match" if total else "No work orders match"
        elif not self.model.include_finished:
            text = f"{total:,} current {noun}" if total else "No current work orders"
        else:
            text = f"{total:,} {noun}" if total else "No work orders yet"
        self.count_label.setText(text)

    @staticmethod
    def column_titles() -> list[str]:
        return [title for _key, title in COLUMNS]
