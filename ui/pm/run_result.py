"""What a PM check did (or, previewed, would do): the orders created, the schedules skipped and
why, and the occurrences recorded as missed. (The main window's actions that ask for a check
are ui/shell/pm_check_actions.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.pm.engine import amount
from app.services.pm.run import Created, RunResult
from ui.common.form_dialog import hint_label
from ui.common.tables import read_only_table
from ui.pm.report import PmCheckReport

WRAP_ROWS = 500  # more rows than this: one line each (measuring them all would be slow)
SIZE = (1000, 520)  # at most: the screen's room is less on a small laptop


def day_text(day: dt.date) -> str:
    return f"{day:%d %b %Y}"


def headline(result: RunResult) -> str:
    if result.not_run:
        return "The PM check did not run"
    n = len(result.created)
    orders = f"{n} work order{'s' if n != 1 else ''}"
    if result.dry_run:
        return f"Would create {orders}" if n else "Nothing is due"
    return f"Created {orders}" if n else "Nothing was due"


def schedules_checked(active: int, checked: int) -> str:
    """How many schedules a check looked at, of how many: "35 active schedules checked";
    "35 active schedules; 12 needed a look, the others are not due yet"."""
    noun = f"{active} active schedule{'s' if active != 1 else ''}"
    if active == 0:
        return "there are no active schedules"
    if checked >= active:
        return f"{noun} checked"
    if checked == 0:
        return ("the one active schedule was not due to be looked at" if active == 1 else
                f"nothing was due to be looked at among the {noun}")
    others = "the other is" if active - checked == 1 else "the others are"
    return f"{noun}; {checked} needed a look, {others} not due yet"


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> QTableWidget:
    """The rows, the last column (the longest text: why) wrapped over as many lines as it
    needs while the rows are few enough to measure, and in a tooltip always."""
    table.setRowCount(len(rows))
    last = table.columnCount() - 1
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c == last:
                item.setToolTip(text)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(last, QHeaderView.ResizeMode.Stretch)
    if len(rows) <= WRAP_ROWS:
        table.setWordWrap(True)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class PmRunResultDialog(QDialog):
    """Shows a check's report. In a preview, "Create these orders" accepts the dialog with
    `create_requested` set (the caller then runs the check for real)."""

    def __init__(self, report: PmCheckReport, may_run: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        result = report.result
        self.report = report
        self.create_requested = False
        self.setWindowTitle("PM check preview" if result.dry_run else "PM check")
        self.setMinimumWidth(640)

        title = QLabel(headline(result))
        title.setObjectName("dialogTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint_label(self._explanation(report)))

        self.tabs = QTabWidget()
        self.created_table = self._created_table(result)
        self.skipped_table = _fill(read_only_table(["Schedule", "Asset", "Why"], 2), [
            (s.schedule, s.asset_tag, s.why) for s in result.skipped])
        self.missed_table = _fill(read_only_table(["Schedule", "Asset", "Missed"], 2), [
            (m.schedule, m.asset_tag, day_text(m.due) if m.reading is None else
             f"at {amount(m.reading, m.unit)} (passed {day_text(m.due)})")
            for m in result.missed])
        created = "Would create" if result.dry_run else "Created"
        for table, name, items in (
                (self.created_table, created, result.created),
                (self.skipped_table, "Skipped", result.skipped),
                (self.missed_table, "Missed", result.missed)):
            if items:
                self.tabs.addTab(table, f"{name} ({len(items)})")
        if self.tabs.count():
            layout.addWidget(self.tabs, 1)
            room = self.screen().availableGeometry()
            self.resize(min(SIZE[0], room.width() - 40), min(SIZE[1], room.height() - 60))

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        self.create_button: QPushButton | None = None
        if result.dry_run and result.created and may_run:
            self.create_button = box.addButton("Create these orders",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
            self.create_button.clicked.connect(self._create)
        layout.addWidget(box)

    @staticmethod
    def _explanation(report: PmCheckReport) -> str:
        result = report.result
        if result.not_run:
            return result.not_run
        text = (f"Checked for {day_text(result.as_of)} at {report.at:%H:%M}: "
                f"{schedules_checked(result.active, result.checked)}.")
        if result.missed:
            text += (" Missed occurrences passed while an earlier order was still open; "
                     "they count against PM compliance.")
        if result.waited_for:
            text += f" Waited for {result.waited_for} to finish first."
        if result.dry_run:
            text += " Nothing was written."
        return text

    @staticmethod
    def _created_table(result: RunResult) -> QTableWidget:
        def due(c: Created) -> str:
            if c.due_reading is None:
                return day_text(c.due)
            return f"{day_text(c.due)} (at {amount(c.due_reading, c.unit)})"

        if result.dry_run:
            return _fill(read_only_table(["Schedule", "Asset", "Due", "Why"], 3), [
                (c.schedule, c.asset_tag, due(c), c.why) for c in result.created])
        return _fill(read_only_table(["Number", "Schedule", "Asset", "Due", "Why"], 4), [
            (c.number, c.schedule, c.asset_tag, due(c), c.why) for c in result.created])

    def _create(self) -> None:
        self.create_requested = True
        self.accept()
