"""The "Work order" page of the PM schedule form: what each generated order says (description,
type, priority, estimated hours, assignee) and the checklist it carries, edited as rows that
can be added, removed and reordered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.permissions import Actor
from app.services.work_orders.listing import PRIORITY_LABELS
from app.vocabulary import TASK_KINDS, WO_TYPES
from ui.common.form_widgets import FieldBox, hours_text
from ui.common.pickers import PersonPicker

KIND_LABELS = {"check": "Check (tick when done)", "pass_fail": "Pass / fail",
               "reading": "Reading (a number)", "text": "Text answer"}
CHECKLIST_HEADERS = ("Step", "Answer", "Required", "Unit")
COL_TEXT, COL_KIND, COL_REQUIRED, COL_UNIT = range(4)


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    label.setContentsMargins(0, 4, 0, 0)
    return label


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.setToolTip(tip)
    return button


class ChecklistEditor(QWidget):
    """The checklist of the orders to come. `tasks()` as the service takes them (text, kind,
    required, unit); `edited` on every change the user makes."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self.table = QTableWidget(0, len(CHECKLIST_HEADERS))
        self.table.setObjectName("checklistTemplate")
        self.table.setHorizontalHeaderLabels(CHECKLIST_HEADERS)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_KIND, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(COL_KIND, 170)
        header.setSectionResizeMode(COL_REQUIRED, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_UNIT, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(COL_UNIT, 70)
        self.table.itemChanged.connect(self._edited)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = _button("Add step", "Add a step at the end (or under the selected one)")
        self.remove_button = _button("Remove", "Remove the selected step")
        self.up_button = _button("Move up", "Move the selected step up")
        self.down_button = _button("Move down", "Move the selected step down")
        self.add_button.clicked.connect(self.add_step)
        self.remove_button.clicked.connect(self.remove_step)
        self.up_button.clicked.connect(self.move_up)
        self.down_button.clicked.connect(self.move_down)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def tasks(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.table.rowCount()):
            text_item, required_item, unit_item = (self.table.item(r, c) for c in
                                                   (COL_TEXT, COL_REQUIRED, COL_UNIT))
            kind = self.table.cellWidget(r, COL_KIND)
            out.append({
                "text": text_item.text().strip() if text_item else "",
                "kind": kind.currentData() if isinstance(kind, QComboBox) else "check",
                "required": bool(required_item and
                                 required_item.checkState() == Qt.CheckState.Checked),
                "unit": unit_item.text().strip() if unit_item else "",
            })
        return out

    def set_tasks(self, tasks: list[dict[str, Any]], select: int = -1) -> None:
        self._filling = True
        try:
            self.table.setRowCount(0)
            for task in tasks:
                self._append(task)
        finally:
            self._filling = False
        if 0 <= select < self.table.rowCount():
            self.table.selectRow(select)
        self._update_buttons()

    def _append(self, task: dict[str, Any]) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, COL_TEXT, QTableWidgetItem(str(task.get("text", ""))))
        kind = QComboBox()
        for value in TASK_KINDS:
            kind.addItem(KIND_LABELS.get(value, value), value)
        kind.setCurrentIndex(max(kind.findData(task.get("kind", "check")), 0))
        kind.currentIndexChanged.connect(self._edited)
        self.table.setCellWidget(r, COL_KIND, kind)
        required = QTableWidgetItem("yes")
        required.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                          | Qt.ItemFlag.ItemIsSelectable)
        required.setCheckState(Qt.CheckState.Checked if task.get("required")
                               else Qt.CheckState.Unchecked)
        required.setToolTip("The order cannot be completed without an answer to this step")
        self.table.setItem(r, COL_REQUIRED, required)
        unit = QTableWidgetItem(str(task.get("unit", "")))
        unit.setToolTip("For a reading: its unit (bar, °C, mm)")
        self.table.setItem(r, COL_UNIT, unit)

    def selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def add_step(self) -> None:
        tasks = self.tasks()
        at = self.selected_row() + 1 if self.selected_row() >= 0 else len(tasks)
        tasks.insert(at, {"text": "", "kind": "check", "required": False, "unit": ""})
        self.set_tasks(tasks, at)
        self.table.setCurrentCell(at, COL_TEXT)
        self.table.editItem(self.table.item(at, COL_TEXT))
        self._edited()

    def remove_step(self) -> None:
        row = self.selected_row()
        if row < 0:
            return
        tasks = self.tasks()
        del tasks[row]
        self.set_tasks(tasks, min(row, len(tasks) - 1))
        self._edited()

    def move_up(self) -> None:
        self._move(-1)

    def move_down(self) -> None:
        self._move(1)

    def _move(self, step: int) -> None:
        row = self.selected_row()
        tasks = self.tasks()
        to = row + step
        if row < 0 or not 0 <= to < len(tasks):
            return
        tasks[row], tasks[to] = tasks[to], tasks[row]
        self.set_tasks(tasks, to)
        self._edited()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.table.rowCount() - 1)

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            self.edited.emit()


class TemplateFields(QWidget):
    """`edited` on every change the user makes (not while filling)."""

    edited = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText("What to do, safety notes, parts to bring")
        height = self.description.fontMetrics().lineSpacing() * 4 + 12
        self.description.setFixedHeight(height)
        self.wo_type = QComboBox()
        for kind in WO_TYPES:
            self.wo_type.addItem(kind.capitalize(), kind)
        self.priority = QComboBox()
        for number, label in PRIORITY_LABELS.items():
            self.priority.addItem(label, number)
        self.estimated_hours = QLineEdit()
        self.estimated_hours.setPlaceholderText("hours, e.g. 2.5")
        self.assignee = PersonPicker(actor)
        self.checklist = ChecklistEditor()
        self.boxes: dict[str, FieldBox] = {
            "description": FieldBox(self.description), "wo_type": FieldBox(self.wo_type),
            "priority": FieldBox(self.priority),
            "estimated_hours": FieldBox(self.estimated_hours),
            "assignee": FieldBox(self.assignee), "tasks": FieldBox(self.checklist),
        }
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.addWidget(_label("Description"), 0, 0)
        grid.addWidget(self.boxes["description"], 0, 1, 1, 3)
        for row, pairs in enumerate(((("Type", "wo_type"), ("Estimated hours",
                                                             "estimated_hours")),
                                     (("Priority", "priority"), ("Assignee", "assignee"))), 1):
            for n, (text, name) in enumerate(pairs):
                grid.addWidget(_label(text), row, 2 * n)
                grid.addWidget(self.boxes[name], row, 2 * n + 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(_label("Checklist"), 3, 0)
        grid.addWidget(self.boxes["tasks"], 3, 1, 1, 3)
        grid.setRowStretch(3, 1)
        self.description.textChanged.connect(self._edited)
        self.estimated_hours.textEdited.connect(self._edited)
        for combo in (self.wo_type, self.priority, self.assignee):
            combo.currentIndexChanged.connect(self._edited)
        self.checklist.edited.connect(self._edited)
        self.fill({})

    def fill(self, values: dict[str, Any], assignee_name: str = "") -> None:
        self._filling = True
        try:
            self.description.setPlainText(values.get("description") or "")
            self.wo_type.setCurrentIndex(max(self.wo_type.findData(
                values.get("wo_type") or "preventive"), 0))
            self.priority.setCurrentIndex(max(self.priority.findData(
                values.get("priority") or 3), 0))
            hours = values.get("estimated_hours")
            self.estimated_hours.setText(hours_text(hours) if isinstance(hours, Decimal)
                                         else str(hours or ""))
            self.assignee.set_user(values.get("assignee_id"), assignee_name)
            self.checklist.set_tasks([dict(t) for t in values.get("tasks") or ()])
        finally:
            self._filling = False

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description.toPlainText(),
            "wo_type": self.wo_type.currentData(),
            "priority": self.priority.currentData(),
            "estimated_hours": self.estimated_hours.text().strip(),
            "assignee_id": self.assignee.user_id(),
            "tasks": self.checklist.tasks(),
        }

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            self.edited.emit()
