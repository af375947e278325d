"""A work order as a planner reads it: header, checklist, labor and its history (read-only for
now; the form that edits and moves orders builds on this)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.work_order_detail import WorkOrderDetail
from app.services.work_orders import PRIORITY_LABELS, STATUS_LABELS

TASK_KIND_LABELS = {"check": "Check", "pass_fail": "Pass / fail", "reading": "Reading",
                    "text": "Note"}


def _local(stamp: dt.datetime | None) -> str:
    if stamp is None:
        return ""
    return f"{stamp.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"


def _table(headers: list[str], rows: list[list[str]], stretch: int) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class WorkOrderView(QDialog):
    def __init__(self, detail: WorkOrderDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        self.setWindowTitle(f"{detail.number}: {detail.title}")
        self.resize(900, 620)
        title = QLabel(f"{detail.number}  {detail.title}")
        title.setObjectName("dialogTitle")
        title.setWordWrap(True)

        left, right = QFormLayout(), QFormLayout()
        asset = f"{detail.asset_tag}: {detail.asset_name}" if detail.asset_tag else ""
        left.addRow("Status", QLabel(STATUS_LABELS.get(detail.status, detail.status)))
        left.addRow("Type", QLabel(detail.type.capitalize()))
        left.addRow("Priority", QLabel(PRIORITY_LABELS.get(detail.priority, "")))
        left.addRow("Asset", QLabel(asset))
        left.addRow("Location", QLabel(detail.location_name))
        right.addRow("Assignee", QLabel(detail.assignee_name))
        right.addRow("Requested by", QLabel(detail.requester_name))
        right.addRow("Due", QLabel(detail.due_date.isoformat() if detail.due_date else ""))
        right.addRow("Estimated hours",
                     QLabel(f"{detail.estimated_hours}" if detail.estimated_hours else ""))
        right.addRow("Labor booked", QLabel(f"{detail.labor_hours} h"))
        codes = [detail.failure_problem, detail.failure_cause, detail.failure_remedy]
        if any(codes):
            right.addRow("Problem / cause / remedy", QLabel(" / ".join(c or "–" for c in codes)))
        header = QHBoxLayout()
        header.addLayout(left, 1)
        header.addLayout(right, 1)

        description = QLabel(detail.description or "No description.")
        description.setWordWrap(True)
        if detail.hold_reason and detail.status == "on_hold":
            description.setText(f"{description.text()}\n\nOn hold: {detail.hold_reason}")
        if detail.signature_name:
            description.setText(
                f"{description.text()}\n\nSigned off by {detail.signature_name} on "
                f"{_local(detail.closed_at)}: {detail.signature_meaning}.")

        self.tabs = QTabWidget()
        self.tasks = _table(
            ["#", "Task", "Kind", "Required", "Result", "By", "When"],
            [[str(t.position), t.text, TASK_KIND_LABELS.get(t.kind, t.kind),
              "yes" if t.required else "", f"{t.result} {t.unit}".strip() if t.result else "",
              t.done_by_name, _local(t.done_at)] for t in detail.tasks],
            stretch=1)
        self.labor = _table(
            ["Date", "Who", "Hours", "Note"],
            [[row.work_date.isoformat(), row.user_name, f"{row.hours}", row.note]
             for row in detail.labor],
            stretch=3)
        self.history = _table(
            ["When", "Who", "What"],
            [[_local(row.at), row.author_name, _log_text(row.kind, row.from_status,
                                                         row.to_status, row.text)]
             for row in detail.log],
            stretch=2)
        self.tabs.addTab(self.tasks, f"Checklist ({len(detail.tasks)})")
        self.tabs.addTab(self.labor, f"Labor ({len(detail.labor)})")
        self.tabs.addTab(self.history, f"History ({len(detail.log)})")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(header)
        layout.addWidget(description)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)


def _log_text(kind: str, from_status: str, to_status: str, text: str) -> str:
    if kind != "status":
        return text
    move = (f"{STATUS_LABELS.get(from_status, from_status)} → "
            f"{STATUS_LABELS.get(to_status, to_status)}")
    return f"{move}: {text}" if text else move
