"""The header of the work-order form: what the order is, where, who, and when. It knows what
the user changed since it was filled (only those fields are sent) and shows a refused field's
message under that field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor
from app.pm.engine import amount
from app.services.assets import register
from app.services.pm import schedules
from app.services.work_orders.detail import WorkOrderDetail
from app.services.work_orders.listing import PRIORITY_LABELS
from app.vocabulary import WO_TYPES
from ui.common.form_widgets import (
    DateField,
    FieldBox,
    field_message,
    hours_text,
    set_read_only,
)
from ui.common.pickers import AssetPicker, LocationPicker, PersonPicker

# A refused field's service name -> the header field showing it.
ERROR_FIELDS = {
    "title": "title", "description": "description", "type": "type", "priority": "priority",
    "asset": "asset_id", "asset_id": "asset_id", "location": "location_id",
    "location_id": "location_id", "assignee": "assignee_id", "assignee_id": "assignee_id",
    "due_date": "due_date", "planned_start": "planned_start",
    "estimated_hours": "estimated_hours", "completion_notes": "completion_notes",
}


PREVENTIVE_ROW, DESCRIPTION_ROW = 1, 7  # the rows between them: the fields in two columns


def long_day(day: dt.date) -> str:
    """"Thu 12 Nov 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def preventive_words(detail: WorkOrderDetail, unit: str = "") -> str:
    """The schedule that raised a PM order and the occurrence it serves: "Monthly
    lubrication, due Thu 12 Nov 2026 at 5,000 h" ("" : not raised by a schedule)."""
    if detail.pm_schedule_id is None:
        return ""
    parts = [detail.pm_schedule_name or "a PM schedule"]
    if detail.pm_due is not None:
        parts.append(f"due {long_day(detail.pm_due)}")
    text = ", ".join(parts)
    if detail.pm_due_reading is not None:
        text += f" at {amount(detail.pm_due_reading, unit)}"
    return text


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    label.setContentsMargins(0, 4, 0, 0)  # level with the text of the field beside it
    return label


def _plain_text(lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 12
    edit.setMinimumHeight(height)
    edit.setMaximumHeight(height)
    return edit


class WorkOrderHeader(QWidget):
    """`edited` is emitted on every change the user makes (not on fill())."""

    edited = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self._filling = False
        self._editable = True
        self._notes_editable = True
        self._refused: dict[str, Any] = {}  # what the fields showed when a save was refused
        self._baseline: dict[str, Any] = {}
        self.title = QLineEdit()
        self.title.setPlaceholderText("What needs doing, in a line")
        self.type = QComboBox()
        for kind in WO_TYPES:
            self.type.addItem(kind.capitalize(), kind)
        self.priority = QComboBox()
        for number, label in PRIORITY_LABELS.items():
            self.priority.addItem(label, number)
        self.asset = AssetPicker(actor)
        self.location = LocationPicker(actor)
        self.assignee = PersonPicker(actor)
        self.due_date = DateField()
        self.planned_start = DateField()
        self.estimated_hours = QLineEdit()
        self.estimated_hours.setPlaceholderText("hours, e.g. 2.5")
        self.requester = QLabel()
        self.labor = QLabel()
        self.preventive = QLabel()  # the schedule that raised the order: read-only, always
        self.preventive.setObjectName("preventiveSource")
        self.preventive.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._units: dict[int, str] = {}  # a schedule's meter unit, asked once
        self.description = _plain_text(4)
        self.description.setPlaceholderText("What is wrong, what to do, safety notes")
        self.completion_notes = _plain_text(4)
        self.completion_notes.setPlaceholderText("What was found and done")

        self.boxes: dict[str, FieldBox] = {}
        self.labels: dict[str, QLabel] = {}
        grid = self.grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(5)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        self._place(grid, 0, 0, "Title", "title", self.title, span=3)
        self._place(grid, PREVENTIVE_ROW, 0, "Preventive", "", self.preventive, span=3)
        left = (("Type", "type", self.type), ("Priority", "priority", self.priority),
                ("Asset", "asset_id", self.asset), ("Location", "location_id", self.location),
                ("Assignee", "assignee_id", self.assignee))
        right = (("Due date", "due_date", self.due_date),
                 ("Planned start", "planned_start", self.planned_start),
                 ("Estimated hours", "estimated_hours", self.estimated_hours),
                 ("Requested by", "", self.requester), ("Labor booked", "", self.labor))
        for row, (text, name, widget) in enumerate(left, PREVENTIVE_ROW + 1):
            self._place(grid, row, 0, text, name, widget)
        for row, (text, name, widget) in enumerate(right, PREVENTIVE_ROW + 1):
            self._place(grid, row, 2, text, name, widget)
        self._place(grid, DESCRIPTION_ROW, 0, "Description", "description", self.description)
        self._place(grid, DESCRIPTION_ROW, 2, "Completion notes", "completion_notes",
                    self.completion_notes)
        self.setTabOrder(self.title, self.type)
        for first, second in zip(
            (self.type, self.priority, self.asset, self.location, self.assignee,
             self.due_date, self.planned_start, self.estimated_hours, self.description),
            (self.priority, self.asset, self.location, self.assignee, self.due_date,
             self.planned_start, self.estimated_hours, self.description,
             self.completion_notes), strict=True):
            self.setTabOrder(first, second)

        self.title.textEdited.connect(self._edited)
        self.estimated_hours.textEdited.connect(self._edited)
        self.asset.textEdited.connect(self._edited)
        self.asset.changed.connect(self._asset_chosen)
        self.due_date.edited.connect(self._edited)
        self.planned_start.edited.connect(self._edited)
        for combo in (self.type, self.priority, self.location, self.assignee):
            combo.currentIndexChanged.connect(self._edited)
        self.description.textChanged.connect(self._edited)
        self.completion_notes.textChanged.connect(self._edited)

    def _place(self, grid: QGridLayout, row: int, column: int, text: str, name: str,
               widget: QWidget, span: int = 1) -> None:
        label = _label(text)
        self.labels[text] = label
        grid.addWidget(label, row, column)
        if name:
            box = FieldBox(widget)
            self.boxes[name] = box
            label.setBuddy(widget)
            # Top-aligned: a message under a field on one side leaves the other side in place.
            grid.addWidget(box, row, column + 1, 1, span, Qt.AlignmentFlag.AlignTop)
        else:
            widget.setContentsMargins(0, 4, 0, 0)
            grid.addWidget(widget, row, column + 1, 1, span, Qt.AlignmentFlag.AlignTop)

    # --- filling and reading --------------------------------------------------------------

    def fill(self, detail: WorkOrderDetail | None) -> None:
        """Show the order (None: a new order's defaults); what is shown becomes unchanged."""
        self._filling = True
        try:
            self.title.setText(detail.title if detail else "")
            self.type.setCurrentIndex(self.type.findData(detail.type if detail else "corrective"))
            self.priority.setCurrentIndex(self.priority.findData(detail.priority if detail
                                                                 else 3))
            if detail and detail.asset_id is not None:
                self.asset.set_asset(detail.asset_id, detail.asset_tag, detail.asset_name)
            else:
                self.asset.set_asset(None)
            self.location.set_location(detail.location_id if detail else None)
            if detail and detail.assignee_id is not None:
                self.assignee.set_user(detail.assignee_id, detail.assignee_name)
            else:
                self.assignee.set_user(None)
            self.due_date.set_date(detail.due_date if detail else None)
            self.planned_start.set_date(detail.planned_start if detail else None)
            self.estimated_hours.setText(hours_text(detail.estimated_hours) if detail else "")
            self.description.setPlainText(detail.description if detail else "")
            self.completion_notes.setPlainText(detail.completion_notes if detail else "")
            self.requester.setText((detail.requester_name or "–") if detail
                                   else self.actor.full_name)
            self.show_labor(detail)
            self.show_preventive(detail)
        finally:
            self._filling = False
        self._baseline = self._state()
        self.show_errors({})
        self.set_editable(self._editable, self._notes_editable)

    def set_new(self, new: bool) -> None:
        """A new order has no work recorded yet: no completion notes, no labor."""
        for text, widget in (("Completion notes", self.boxes["completion_notes"]),
                             ("Labor booked", self.labor)):
            self.labels[text].setVisible(not new)
            widget.setVisible(not new)
        # The description takes the room of the completion notes, and more lines.
        self.grid.addWidget(self.boxes["description"], DESCRIPTION_ROW, 1, 1, 3 if new else 1)
        lines = 8 if new else 4
        height = self.description.fontMetrics().lineSpacing() * lines + 12
        self.description.setMinimumHeight(height)
        self.description.setMaximumHeight(height)

    def show_preventive(self, detail: WorkOrderDetail | None) -> None:
        """Say which schedule raised the order and for which occurrence (a line only PM
        orders have)."""
        text = preventive_words(detail, self._unit(detail)) if detail is not None else ""
        self.preventive.setText(text)
        self.preventive.setToolTip(
            f"Raised by the PM schedule “{detail.pm_schedule_name}” for this occurrence. The "
            "due date can be moved; the occurrence it serves stays."
            if detail is not None and text else "")
        self.preventive.setVisible(bool(text))
        self.labels["Preventive"].setVisible(bool(text))

    def _unit(self, detail: WorkOrderDetail | None) -> str:
        """The meter unit of the reading a PM order is due at ("" if none or unknown)."""
        if detail is None or detail.pm_schedule_id is None or detail.pm_due_reading is None:
            return ""
        schedule_id = detail.pm_schedule_id
        if schedule_id not in self._units:
            try:
                self._units[schedule_id] = schedules.get_schedule(
                    self.actor, schedule_id).meter_unit
            except KeepwellError:
                return ""
        return self._units[schedule_id]

    def show_labor(self, detail: WorkOrderDetail | None) -> None:
        if detail is None or not detail.labor:
            self.labor.setText("none yet")
        else:
            count = len(detail.labor)
            self.labor.setText(f"{detail.labor_hours:.2f} h  ({count} "
                               f"{'entry' if count == 1 else 'entries'})")

    def _state(self) -> dict[str, Any]:
        """What the fields show, cheaply (the asset as typed: no look-up per keystroke)."""
        return {
            "title": self.title.text(),
            "description": self.description.toPlainText(),
            "type": self.type.currentData(),
            "priority": self.priority.currentData(),
            "asset_id": self.asset.text().strip(),
            "location_id": self.location.location_id(),
            "assignee_id": self.assignee.user_id(),
            "due_date": self.due_date.text(),
            "planned_start": self.planned_start.text(),
            "estimated_hours": self.estimated_hours.text().strip(),
            "completion_notes": self.completion_notes.toPlainText(),
        }

    def is_dirty(self) -> bool:
        return self._state() != self._baseline

    def notes_dirty(self) -> bool:
        return self.completion_notes.toPlainText() != self._baseline.get("completion_notes")

    def notes(self) -> str:
        return self.completion_notes.toPlainText()

    def changes(self) -> dict[str, Any]:
        """The fields the user changed, as update_work_order takes them."""
        now = self._state()
        changed = {name: value for name, value in now.items() if value != self._baseline[name]}
        if "asset_id" in changed:
            changed["asset_id"] = self.asset.asset_id()
        return changed

    def values(self) -> dict[str, Any]:
        """Every field, as create_work_order takes them (completion notes are not asked)."""
        values = self._state()
        values.pop("completion_notes")
        values["asset_id"] = self.asset.asset_id()
        return values

    def problems(self) -> dict[str, str]:
        """What is wrong before asking the service: a tag that names no asset."""
        problem = self.asset.problem()
        return {"asset": problem} if problem else {}

    def show_errors(self, fields: dict[str, str]) -> None:
        """Each refused field's message under it; the fields not named are cleared."""
        shown = {ERROR_FIELDS[name]: field_message(name, message)
                 for name, message in fields.items() if name in ERROR_FIELDS}
        for name, box in self.boxes.items():
            box.set_error(shown.get(name, ""))
        self._refused = self._state() if shown else {}
        first = next((self.boxes[n] for n in self.boxes if n in shown), None)
        if first is not None:
            first.field.setFocus()

    def has_errors(self) -> bool:
        return any(box.error.text() for box in self.boxes.values())

    def _clear_fixed(self) -> None:
        """A refused field's message goes as soon as the user changes that field."""
        if not self._refused:
            return
        now = self._state()
        for name, value in now.items():
            if value != self._refused.get(name, value):
                self.boxes[name].set_error("")

    def set_editable(self, editable: bool, notes: bool | None = None) -> None:
        """Lock or unlock the fields; `notes` unlocks the completion notes alone (a technician
        writes them on their own order). The fields look locked at once."""
        self._editable = editable
        self._notes_editable = editable if notes is None else notes
        # Hints on how to fill a field read as values when nothing can be filled in.
        for hinted in (self.title, self.asset, self.estimated_hours, self.due_date.edit,
                       self.planned_start.edit, self.description, self.completion_notes):
            if hinted.property("hint") is None:
                hinted.setProperty("hint", hinted.placeholderText())
            open_ = self._notes_editable if hinted is self.completion_notes else editable
            hinted.setPlaceholderText(hinted.property("hint") if open_ else "")
        for edit in (self.title, self.estimated_hours, self.asset, self.description):
            set_read_only(edit, not editable)
        set_read_only(self.completion_notes, not self._notes_editable)
        self.asset.setClearButtonEnabled(editable)
        for date in (self.due_date, self.planned_start):
            date.setReadOnly(not editable)
        for name in ("type", "priority", "location_id", "assignee_id"):
            box = self.boxes[name]
            combo = box.field
            assert isinstance(combo, QComboBox)
            box.show_read_only(None if editable else combo.currentText())

    # --- reactions ------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            self._clear_fixed()
            self.edited.emit()

    def _asset_chosen(self) -> None:
        """A newly chosen asset brings its location (the user may still change it)."""
        asset_id = self.asset.asset_id()
        if asset_id is not None and not self._filling:
            try:
                location_id = register.get_asset(self.actor, asset_id).location_id
            except KeepwellError:
                location_id = None
            if location_id is not None:
                self.location.set_location(location_id)
        self._edited()
