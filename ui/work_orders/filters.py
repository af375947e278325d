"""The Work Orders filter bar: a saved view to start from, free text, and filters for status,
type, priority, assignee, asset, due range and overdue. It only builds a WorkOrderFilter; the
list applies it in SQL. The views to start from are in saved_views.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.permissions import Actor
from app.services.work_orders.listing import (
    FINISHED_STATUSES,
    PRIORITY_LABELS,
    STATUS_LABELS,
    WorkOrderFilter,
)
from app.vocabulary import WO_TYPES
from ui.common.pickers import AssetPicker, PersonPicker
from ui.work_orders.saved_views import (
    SavedView,
    agreed,
    built_in_views,
    load_user_views,
    store_user_views,
)

SEARCH_DELAY_MS = 250
NOBODY = -1  # the assignee choice "nobody (unassigned)"
NO_DATE = QDate(2000, 1, 1)  # a date edit at its minimum shows "any"

class ChoiceMenu(QToolButton):
    """A drop-down of checkable choices; none checked means any."""

    changed = Signal()

    def __init__(self, title: str, choices: Iterable[tuple[object, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setStyleSheet("QToolButton { padding-right: 16px; }")  # room for the arrow
        menu = QMenu(self)
        self.actions_by_value: dict[object, QAction] = {}
        for value, label in choices:
            action = menu.addAction(label)
            action.setCheckable(True)
            action.toggled.connect(self._toggled)
            self.actions_by_value[value] = action
        self.setMenu(menu)
        self._update_text()

    def values(self) -> tuple:
        return tuple(v for v, a in self.actions_by_value.items() if a.isChecked())

    def set_values(self, values: Iterable[object]) -> None:
        wanted = set(values)
        for value, action in self.actions_by_value.items():
            action.blockSignals(True)
            action.setChecked(value in wanted)
            action.blockSignals(False)
        self._update_text()

    def _toggled(self, _checked: bool) -> None:
        self._update_text()
        self.changed.emit()

    def _update_text(self) -> None:
        chosen = [a.text() for a in self.actions_by_value.values() if a.isChecked()]
        self.setToolTip(", ".join(chosen) if len(chosen) > 2 else "")  # "4 chosen": which
        if not chosen:
            self.setText(f"{self.title}: any")
        elif len(chosen) <= 2:
            self.setText(f"{self.title}: {', '.join(chosen)}")
        else:
            self.setText(f"{self.title}: {len(chosen)} chosen")


class WorkOrderFilterBar(QWidget):
    """Emits `changed` (debounced while typing) when the filters change; `filters()` reads
    them, `set_filters()` shows a view's."""

    changed = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self._quiet = False
        self.views = built_in_views(actor) + load_user_views(actor.username)

        self.view = QComboBox()
        self.view.setObjectName("workOrderView")
        self.view.setToolTip("Start from a saved view")
        self._fill_views()
        self.view.activated.connect(self._view_chosen)
        self.search = QLineEdit()
        self.search.setObjectName("workOrderSearch")
        self.search.setPlaceholderText("Search number, title, asset or assignee  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.status = ChoiceMenu("Status", STATUS_LABELS.items())
        self.type = ChoiceMenu("Type", ((t, t.capitalize()) for t in WO_TYPES))
        self.priority = ChoiceMenu("Priority", PRIORITY_LABELS.items())
        self.assignee = PersonPicker(actor, none_text="Any assignee")
        self.assignee.insertItem(1, "Unassigned", NOBODY)
        self.assignee.setToolTip("Who the orders are assigned to")
        self.asset = AssetPicker(actor)
        self.asset.setPlaceholderText("Asset tag or name")
        self.asset.setMaximumWidth(220)
        self.asset.setMinimumWidth(110)
        self.due_from = _date_edit("Due from: any")
        self.due_to = _date_edit("Due to: any")
        self.overdue = QCheckBox("Overdue")
        self.finished = QCheckBox("Show closed and cancelled")
        self.finished.setObjectName("showFinished")
        self.clear_button = QPushButton("Clear filters")
        self.save_button = QPushButton("Save view…")
        self.delete_button = QPushButton("Delete view")

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)  # not a constructor keyword: that leaks a
        self._timer.setInterval(SEARCH_DELAY_MS)  # reference to True in PySide 6.12
        self._timer.timeout.connect(self._emit)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self._emit)
        self.status.changed.connect(self._statuses_chosen)
        for menu in (self.type, self.priority):
            menu.changed.connect(self._emit)
        self.assignee.currentIndexChanged.connect(self._emit)
        self.asset.changed.connect(self._emit)
        self.due_from.dateChanged.connect(self._emit)
        self.due_to.dateChanged.connect(self._emit)
        self.overdue.toggled.connect(self._emit)
        self.finished.toggled.connect(self._finished_toggled)
        self.clear_button.clicked.connect(self.clear)

        self.view.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.view.setMinimumContentsLength(10)
        # A name with its role ("Hamid Karimi (technician)") reads whole; a plant's longest
        # name does not push the other filters off the row.
        self.assignee.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.assignee.setMaximumWidth(300)
        top = QHBoxLayout()
        top.addWidget(QLabel("View"))
        top.addWidget(self.view)
        top.addWidget(self.search, 1)
        top.addWidget(self.save_button)
        top.addWidget(self.delete_button)
        top.addWidget(self.clear_button)
        who = QHBoxLayout()
        for widget in (self.status, self.type, self.priority, self.assignee, self.asset):
            who.addWidget(widget)
        who.addStretch(1)
        when = QHBoxLayout()
        for widget in (self.due_from, self.due_to, self.overdue, self.finished):
            when.addWidget(widget)
        when.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for row in (top, who, when):
            layout.addLayout(row)
        self.set_filters(self.views[0].filters)
        self.delete_button.setEnabled(False)

    # -- reading and showing filters -------------------------------------------------------
    def filters(self) -> WorkOrderFilter:
        person = self.assignee.currentData()
        return agreed(WorkOrderFilter(
            search=self.search.text().strip(),
            statuses=tuple(str(s) for s in self.status.values()),
            include_finished=self.finished.isChecked(),
            types=tuple(str(t) for t in self.type.values()),
            priorities=tuple(int(str(p)) for p in self.priority.values()),
            asset_id=self.asset.asset_id(),
            assignee_id=None if person in (None, NOBODY) else int(person),
            unassigned=person == NOBODY,
            due_from=_date_of(self.due_from),
            due_to=_date_of(self.due_to),
            overdue=self.overdue.isChecked(),
        ))

    def set_filters(self, filters: WorkOrderFilter) -> None:
        filters = agreed(filters)
        self._quiet = True
        try:
            self.search.setText(filters.search)
            self.status.set_values(filters.statuses)
            self.type.set_values(filters.types)
            self.priority.set_values(filters.priorities)
            person = NOBODY if filters.unassigned else filters.assignee_id
            self.assignee.set_user(person)
            self.asset.set_asset(None)
            if filters.asset_id is not None:
                self._show_asset(filters.asset_id)
            _set_date(self.due_from, filters.due_from)
            _set_date(self.due_to, filters.due_to)
            self.overdue.setChecked(filters.overdue)
            self.finished.setChecked(filters.include_finished)
        finally:
            self._quiet = False
        self._timer.stop()
        self.changed.emit()

    def clear(self) -> None:
        """Back to the first view, "Current work"."""
        self.view.setCurrentIndex(0)
        self._view_chosen(0)

    # -- saved views ----------------------------------------------------------------------
    def save_view(self, name: str) -> str:
        """Keep the current filters under `name` (replacing a view of the user's own with that
        name); returns a refusal in words, or ""."""
        name = " ".join(name.split())
        if not name:
            return "A view needs a name."
        if len(name) > 60:
            return "A view's name can be at most 60 characters."
        if any(v.built_in and v.name.casefold() == name.casefold() for v in self.views):
            return f"“{name}” is a built-in view; choose another name."
        self.views = [v for v in self.views if v.built_in or v.name != name]
        self.views.append(SavedView(name, self.filters(), built_in=False))
        store_user_views(self.actor.username, self.views)
        self._fill_views()
        self.view.setCurrentIndex(self.view.findText(name))
        self.delete_button.setEnabled(True)
        return ""

    def delete_view(self) -> None:
        view = self.views[self.view.currentIndex()]
        if view.built_in:
            return
        self.views.remove(view)
        store_user_views(self.actor.username, self.views)
        self._fill_views()
        self.clear()

    def _fill_views(self) -> None:
        self.view.blockSignals(True)
        self.view.clear()
        for view in self.views:
            self.view.addItem(view.name)
        self.view.blockSignals(False)

    def _view_chosen(self, index: int) -> None:
        for i, view in enumerate(self.views):
            self.view.setItemText(i, view.name)
        if 0 <= index < len(self.views):
            self.delete_button.setEnabled(not self.views[index].built_in)
            self.set_filters(self.views[index].filters)

    # -- the status menu and the finished switch agree -------------------------------------
    def _statuses_chosen(self) -> None:
        """Chosen statuses decide whether closed and cancelled orders show: the switch follows
        them (choosing none leaves it as it was: then it decides)."""
        chosen = set(self.status.values())
        if chosen:
            self.finished.blockSignals(True)
            self.finished.setChecked(bool(chosen & set(FINISHED_STATUSES)))
            self.finished.blockSignals(False)
        self._emit()

    def _finished_toggled(self, checked: bool) -> None:
        """With statuses chosen, the switch adds closed and cancelled to them or takes them
        away (taking away the only ones chosen leaves "any" status of current work)."""
        chosen = self.status.values()
        if self._quiet or not chosen:
            self._emit()
            return
        keep = [s for s in chosen if s not in FINISHED_STATUSES]
        if not checked:
            self.status.set_values(keep)
        elif len(keep) == len(chosen):  # none of them chosen yet
            self.status.set_values([*keep, *FINISHED_STATUSES])
        self._emit()

    # -- internals ------------------------------------------------------------------------
    def _emit(self, *_args: object) -> None:
        if not self._quiet:
            self._timer.stop()
            self._mark_custom()
            self.changed.emit()

    def _mark_custom(self) -> None:
        """The view box says "(changed)" once the filters differ from the chosen view."""
        index = self.view.currentIndex()
        if not 0 <= index < len(self.views):
            return
        changed = self.filters() != self.views[index].filters
        name = self.views[index].name
        self.view.setItemText(index, f"{name} (changed)" if changed else name)

    def _show_asset(self, asset_id: int) -> None:
        from app.errors import KeepwellError
        from app.services.assets import register

        try:
            found = register.get_asset(self.actor, asset_id)
        except KeepwellError:
            return
        self.asset.set_asset(found.id, found.tag, found.name)


def _date_edit(any_text: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText(any_text)
    edit.setDate(NO_DATE)
    return edit


def _date_of(edit: QDateEdit) -> dt.date | None:
    value = edit.date()
    return None if value == NO_DATE else dt.date(value.year(), value.month(), value.day())


def _set_date(edit: QDateEdit, value: dt.date | None) -> None:
    edit.setDate(NO_DATE if value is None else QDate(value.year, value.month, value.day))

