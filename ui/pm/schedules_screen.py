"""PM Schedules: the planner's list of preventive maintenance schedules, with when each is next
due, its compliance and the order it has open; the schedule form opens from it, and a schedule
can be set inactive (it then generates nothing) and active again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, KeepwellError
from app.permissions import Actor, Perm
from app.services.pm import schedules as pm_schedules
from app.services.pm.schedules import ScheduleRow
from ui.common.column_fit import ColumnFitter
from ui.common.errors import show_error
from ui.common.notify import notify
from ui.common.open_forms import OpenForms
from ui.common.pickers import AssetPicker
from ui.common.table_model import PAGE_SIZE
from ui.pm.schedule_form import PmScheduleForm
from ui.pm.schedules_table import (
    COL_ASSET,
    COL_ASSIGNEE,
    COL_COMPLIANCE,
    COL_LAST_DONE,
    COL_NAME,
    COL_NEXT_AT,
    COL_NEXT_DUE,
    COL_OPEN_ORDER,
    COL_TRIGGER,
    PmScheduleTableModel,
    ScheduleFilter,
)

SEARCH_DELAY_MS = 250
# (label, `active` for the service)
ACTIVE_CHOICES: tuple[tuple[str, bool | None], ...] = (
    ("Active", True), ("Inactive", False), ("All", None))
# The columns beside Schedule: (narrowest, preferred) width. The schedule's name stretches over
# what is left and keeps NAME_MIN; when even the narrowest widths leave it less, the columns in
# HIDDEN_FIRST step aside in that order (the form shows what they say). Trigger prefers the width
# of its longest text (up to TRIGGER_MAX): "every month" needs little, a rule on five weekdays
# much, and the room it does not need goes to the name. The columns in WHOLE are read whole (a
# tag, a date or an order number cut short says nothing): they are never narrower than their
# widest text, such as "≈ 2026-12-04", a day estimated from a meter's use.
COLUMN_WIDTHS = {COL_ASSET: (56, 96), COL_TRIGGER: (150, 240), COL_NEXT_DUE: (72, 88),
                 COL_NEXT_AT: (60, 78), COL_LAST_DONE: (72, 88), COL_OPEN_ORDER: (88, 120),
                 COL_COMPLIANCE: (88, 92), COL_ASSIGNEE: (90, 120)}
WHOLE = (COL_ASSET, COL_NEXT_DUE, COL_NEXT_AT, COL_LAST_DONE, COL_OPEN_ORDER)
HIDDEN_FIRST = (COL_LAST_DONE, COL_COMPLIANCE, COL_ASSIGNEE)
NAME_MIN = 180
TRIGGER_MAX = 380
# What other desks change that this list shows.
WATCHED = {"pm_schedule", "work_order", "asset", "meter", "user"}


class PmSchedulesScreen(QWidget):
    title = "PM Schedules"

    def __init__(self, actor: Actor, parent: QWidget | None = None,
                 page_size: int = PAGE_SIZE,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__(parent)
        self.actor = actor
        self.today = today
        self.can_edit = actor.can(Perm.PM_MANAGE)
        self.forms: OpenForms[int | None, PmScheduleForm] = OpenForms(self)
        self.model = PmScheduleTableModel(self._fetch_page, page_size, today)

        heading = QLabel(self.title)
        heading.setObjectName("screenTitle")
        self.count_label = QLabel()
        self.count_label.setObjectName("hintText")
        self._build_actions()
        self._build_filter_bar()
        self._build_table()

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.toolbar)
        layout.addLayout(self.filter_bar)
        layout.addWidget(self.table, 1)
        self.model.reload()

    def _build_actions(self) -> None:
        self.new_action = QAction("New schedule…", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.setToolTip("Set up a new PM schedule (Ctrl+N)")
        self.new_action.triggered.connect(self.new_schedule)
        self.open_action = QAction("Open…", self)
        self.open_action.triggered.connect(self.open_selected)
        self.toggle_action = QAction("Deactivate", self)
        self.toggle_action.triggered.connect(self.toggle_active)
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.new_action, self.open_action, self.toggle_action):
            self.toolbar.addAction(action)
            action.setEnabled(self.can_edit)
        self.addAction(self.new_action)

    def _build_filter_bar(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("scheduleSearch")
        self.search.setPlaceholderText("Search schedule name, asset tag or asset name  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.apply_search)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        self.active_box = QComboBox()
        self.active_box.setObjectName("scheduleActive")
        for label, active in ACTIVE_CHOICES:
            self.active_box.addItem(label, active)
        self.active_box.currentIndexChanged.connect(self._active_chosen)
        self.asset_filter = AssetPicker(self.actor)
        self.asset_filter.setObjectName("scheduleAsset")
        self.asset_filter.setPlaceholderText("Any asset: type a tag or name")
        self.asset_filter.setMinimumWidth(220)
        self.asset_filter.changed.connect(self._asset_chosen)
        self.filter_bar = QHBoxLayout()
        self.filter_bar.addWidget(self.search, 1)
        self.filter_bar.addSpacing(8)
        self.filter_bar.addWidget(QLabel("Asset"))
        self.filter_bar.addWidget(self.asset_filter)
        self.filter_bar.addSpacing(8)
        self.filter_bar.addWidget(QLabel("Show"))
        self.filter_bar.addWidget(self.active_box)

    def _build_table(self) -> None:
        self.table = QTableView()
        self.table.setObjectName("scheduleTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        self.columns = ColumnFitter(self.table, COLUMN_WIDTHS, HIDDEN_FIRST, NAME_MIN)
        self._fitted = dict(self.columns.preferred)  # the widths ours, until dragged
        self.model.modelReset.connect(self._fit_texts)
        self.model.rowsInserted.connect(self._fit_texts)  # the next page fetched
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.activated.connect(self.open_schedule)  # double-click or Enter
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_count)
        self.model.modelReset.connect(self.table.scrollToTop)
        self.model.modelReset.connect(self._update_actions)

    # -- reading --------------------------------------------------------------------------
    def _fetch_page(self, filters: ScheduleFilter, offset: int,
                    limit: int) -> Sequence[ScheduleRow]:
        try:
            return pm_schedules.list_schedules(self.actor, filters.search, filters.asset_id,
                                               filters.active, offset, limit, today=self.today())
        except KeepwellError as exc:
            self.count_label.setText(exc.message)
            return []

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_filter(search=self.search.text().strip())

    def _active_chosen(self, _index: int) -> None:
        self.model.set_filter(active=self.active_box.currentData())

    def _asset_chosen(self) -> None:
        self.model.set_filter(asset_id=self.asset_filter.asset_id())

    def _fit_texts(self, *_args: object) -> None:
        """Fit the columns to the texts fetched: those read whole at least as wide as their
        widest, Trigger asking for the width of its longest (a width the user dragged stays
        as their wish)."""
        for col in (*WHOLE, COL_TRIGGER):
            least, wish = COLUMN_WIDTHS[col]
            need = self.columns.text_width(col, self.model.column_texts(col))
            if col == COL_TRIGGER:
                wish = max(least, min(TRIGGER_MAX, need))
            else:
                least, wish = max(least, need), max(wish, need)
                self.columns.narrowest[col] = least
            if self.columns.preferred[col] == self._fitted[col]:
                self.columns.preferred[col] = self._fitted[col] = wish
        self.columns.fit()

    def _update_count(self) -> None:
        f = self.model.filter
        try:
            total = pm_schedules.count_schedules(self.actor, f.search, f.asset_id, f.active)
        except KeepwellError as exc:
            self.count_label.setText(exc.message)
            return
        kind = {True: "active ", False: "inactive ", None: ""}[f.active]
        noun = "schedule" if total == 1 else "schedules"
        if f.search or f.asset_id is not None:
            verb = "matches" if total == 1 else "match"
            text = f"{total:,} {kind}{noun} {verb}" if total else f"No {kind}schedules match"
        else:
            text = f"{total:,} {kind}{noun}" if total else f"No {kind}schedules yet"
        self.count_label.setText(text)

    def selected(self) -> ScheduleRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        row = self.selected()
        self.open_action.setEnabled(row is not None)
        self.open_action.setToolTip(f"Open “{row.name}” (Enter or double-click)" if row
                                    else "Choose a schedule first")
        self.toggle_action.setEnabled(self.can_edit and row is not None)
        active = row is None or row.active
        self.toggle_action.setText("Deactivate" if active else "Activate")
        self.toggle_action.setToolTip(
            "Choose a schedule first" if row is None else
            "Stop generating orders from this schedule (its history stays)" if active else
            "Generate orders from this schedule again")

    # -- refreshing -----------------------------------------------------------------------
    def refresh(self, select_id: int | None = None) -> None:
        """Reload what is shown, keeping the selection and the scroll position."""
        current = self.selected()
        keep = select_id if select_id is not None else (current.id if current else None)
        scroll = self.table.verticalScrollBar().value()
        self.model.reload_at_least(self.model.rowCount())
        if keep is not None and (row := self.model.row_of(keep)) >= 0:
            self.table.selectRow(row)
        if select_id is None:
            self.table.verticalScrollBar().setValue(scroll)  # after selecting, which scrolls
        self._update_actions()

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something shown here."""
        if changed.keys() & WATCHED:
            self.refresh()
        for form in self.forms.values():
            form.refresh_for(changed)

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self.open_action)
        menu.addAction(self.toggle_action)
        menu.addSeparator()
        menu.addAction(self.new_action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # -- actions --------------------------------------------------------------------------
    def toggle_active(self) -> None:
        row = self.selected()
        if row is None or not self.can_edit:
            return
        try:
            pm_schedules.update_schedule(self.actor, row.id, row.version, active=not row.active)
        except ConflictError:
            self.refresh()
            notify(self, f"“{row.name}” was changed at another desk; check it and try again.")
            return
        except KeepwellError as exc:
            show_error(self, exc)
            return
        self.refresh(select_id=row.id)
        notify(self, f"“{row.name}” is {'inactive' if row.active else 'active again'}.")

    def open_selected(self) -> None:
        index = self.table.currentIndex()
        if self.selected() is not None and index.isValid():
            self.open_schedule(index)

    def open_schedule(self, index: QModelIndex) -> None:
        if index.isValid():
            row = self.model.row_at(index.row())
            self.open_schedule_id(row.id, row.assignee_name)

    def open_schedule_id(self, schedule_id: int, assignee_name: str = "") -> PmScheduleForm | None:
        """Show the form of a schedule (raising it if it is open already), the schedule
        chosen in the list when the list shows it (opened from elsewhere: the forecast)."""
        if (row := self.model.row_of(schedule_id)) >= 0 and (
                (chosen := self.selected()) is None or chosen.id != schedule_id):
            self.table.selectRow(row)
        return self.forms.open(schedule_id,
                               partial(self._schedule_form, assignee_name=assignee_name))

    def new_schedule(self) -> PmScheduleForm | None:
        if not self.can_edit:
            return None
        return self.forms.open(None, self._schedule_form)

    def _schedule_form(self, schedule_id: int | None,
                       assignee_name: str = "") -> PmScheduleForm | None:
        """A new form for the schedule (None: a new schedule, on the asset the list shows);
        None when the schedule cannot be read, which is said in words."""
        if schedule_id is None:
            form = PmScheduleForm(self.actor, None, self, asset_id=self.model.filter.asset_id,
                                  today=self.today)
        else:
            try:
                detail = pm_schedules.get_schedule(self.actor, schedule_id, as_of=self.today())
            except KeepwellError as exc:
                show_error(self, exc)
                return None
            form = PmScheduleForm(self.actor, detail, self,
                                  assignee_name=assignee_name or detail.assignee_name,
                                  today=self.today)
        form.saved.connect(self._schedule_saved)
        return form

    def _schedule_saved(self, schedule_id: int) -> None:
        self.refresh(select_id=schedule_id)
        if self.model.row_of(schedule_id) < 0 and self.model.filter.active is False:
            self.active_box.setCurrentIndex(len(ACTIVE_CHOICES) - 1)  # All: show it
            self.refresh(select_id=schedule_id)
        notify(self, "Schedule saved.")
