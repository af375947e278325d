"""PM Schedules: the planner's list of preventive maintenance schedules, with when each is next
due, its compliance and the order it has open; the schedule form opens from it, and a schedule
can be set inactive (it then generates nothing) and active again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableView, QWidget

from app.errors import ConflictError, KeepwellError
from app.permissions import Actor, Perm
from app.services.pm import schedules
from app.services.pm.schedules import ScheduleRow
from ui.common.column_fit import ColumnFitter
from ui.common.errors import show_error
from ui.common.list_screen import ListScreen, TableSpec
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
WATCHED = frozenset({"pm_schedule", "work_order", "asset", "meter", "user"})


class PmSchedulesScreen(ListScreen):
    title = "PM Schedules"
    table_spec = TableSpec("scheduleTable", stretch=COL_NAME, fitted=COLUMN_WIDTHS,
                           hidden_first=HIDDEN_FIRST, stretch_min=NAME_MIN, min_section=36)
    watched = WATCHED
    columns: ColumnFitter

    def __init__(self, actor: Actor, parent: QWidget | None = None,
                 page_size: int = PAGE_SIZE,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__(actor, parent)
        self.today = today
        self.can_edit = actor.can(Perm.PM_MANAGE)
        self.forms: OpenForms[int | None, PmScheduleForm] = OpenForms(self)
        self.model = PmScheduleTableModel(self._fetch_page, page_size, today)
        self._build_actions()
        self.build(self._build_filter_bar())

    def _build_actions(self) -> None:
        self.new_action = self.make_action("New schedule…", self.new_schedule,
                                           shortcut=QKeySequence.StandardKey.New,
                                           tip="Set up a new PM schedule (Ctrl+N)")
        self.open_action = self.make_action("Open…", self.open_selected)
        self.toggle_action = self.make_action("Deactivate", self.toggle_active)
        for action in (self.new_action, self.open_action, self.toggle_action):
            action.setEnabled(self.can_edit)
        self.row_actions = (self.open_action,)

    def toolbar_actions(self) -> list[QAction | None]:
        return [self.new_action, self.open_action, self.toggle_action]

    def menu_actions(self) -> list[QAction | None]:
        return [self.open_action, self.toggle_action, None, self.new_action]

    def _build_filter_bar(self) -> QHBoxLayout:
        self.search_box("scheduleSearch",
                        "Search schedule name, asset tag or asset name  (Ctrl+F)")
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
        return self.filter_bar

    def body(self, table: QTableView) -> QWidget:
        self._fitted = dict(self.columns.preferred)  # the widths ours, until dragged
        self.model.modelReset.connect(self._fit_texts)
        self.model.rowsInserted.connect(self._fit_texts)  # the next page fetched
        return table

    # -- reading --------------------------------------------------------------------------
    def _fetch_page(self, filters: ScheduleFilter, offset: int,
                    limit: int) -> Sequence[ScheduleRow]:
        try:
            return schedules.list_schedules(self.actor, filters.search, filters.asset_id,
                                               filters.active, offset, limit, today=self.today())
        except KeepwellError as exc:
            self.count_label.setText(exc.message)
            return []

    def apply_search(self) -> None:
        self.search_timer.stop()
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

    def update_count(self) -> None:
        f = self.model.filter
        try:
            total = schedules.count_schedules(self.actor, f.search, f.asset_id, f.active)
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

    def update_actions(self) -> None:
        super().update_actions()
        row = self.selected()
        self.open_action.setToolTip(f"Open “{row.name}” (Enter or double-click)" if row
                                    else "Choose a schedule first")
        self.toggle_action.setEnabled(self.can_edit and row is not None)
        active = row is None or row.active
        self.toggle_action.setText("Deactivate" if active else "Activate")
        self.toggle_action.setToolTip(
            "Choose a schedule first" if row is None else
            "Stop generating orders from this schedule (its history stays)" if active else
            "Generate orders from this schedule again")

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something shown here: the list and the open
        forms."""
        super().refresh_for(changed)
        for form in self.forms.values():
            form.refresh_for(changed)

    # -- actions --------------------------------------------------------------------------
    def toggle_active(self) -> None:
        row = self.selected()
        if row is None or not self.can_edit:
            return
        try:
            schedules.update_schedule(self.actor, row.id, row.version, active=not row.active)
        except ConflictError:
            self.refresh()
            notify(self, f"“{row.name}” was changed at another desk; check it and try again.")
            return
        except KeepwellError as exc:
            show_error(self, exc)
            return
        self.refresh(select_id=row.id)
        notify(self, f"“{row.name}” is {'inactive' if row.active else 'active again'}.")

    def open_row(self, row: ScheduleRow) -> None:
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
                detail = schedules.get_schedule(self.actor, schedule_id, as_of=self.today())
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
