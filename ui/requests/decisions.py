"""Deciding a work request: approve it into a work order (planning type, priority, assignee and
due date on the way) or reject it with a reason the requester reads.

Both pass the version of the request the planner read. When another desk decided it meanwhile
the service refuses (ConflictError or InvalidTransition): the dialog closes with `refusal` set
and the screen explains it and reloads, since there is nothing left to decide here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, InvalidTransition, KeepwellError, NotFound, PermissionDenied
from app.permissions import Actor
from app.services import requests
from app.services.requests import RequestDetail
from app.services.work_orders import edit
from app.services.work_orders.detail import WorkOrderDetail
from app.vocabulary import WO_TYPES
from ui.common.errors import describe
from ui.common.form_dialog import FormDialog, hint_label
from ui.common.pickers import PersonPicker
from ui.common.time_text import local_time
from ui.requests.dialogs import priority_combo

T = TypeVar("T")
DEFAULT_DUE_DAYS = 7
# Refusals no change in this dialog can cure (most often: another desk decided first).
CANNOT_DECIDE_HERE = (ConflictError, InvalidTransition, NotFound, PermissionDenied)


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def request_summary(detail: RequestDetail, description_lines: int = 5) -> QFrame:
    """What the requester wrote, as the decider reads it before deciding."""
    frame = QFrame()
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    title = _plain(detail.title)
    title.setObjectName("summaryTitle")
    font = title.font()
    font.setBold(True)
    title.setFont(font)
    where = " · ".join(part for part in (
        f"Asset {detail.asset_tag}" if detail.asset_tag else "",
        f"Location {detail.location_name}" if detail.location_name else "") if part)
    filed = _plain(f"Filed by {detail.requester_name} on {local_time(detail.created_at)}"
                   + (f" · {where}" if where else ""))
    filed.setObjectName("hintText")
    layout = QVBoxLayout(frame)
    layout.addWidget(title)
    layout.addWidget(filed)
    if detail.description:
        text = QPlainTextEdit(detail.description)
        text.setReadOnly(True)
        text.setObjectName("summaryDescription")
        line = text.fontMetrics().lineSpacing()
        text.setMaximumHeight(line * description_lines + 12)
        layout.addWidget(text)
    if detail.attachments:
        names = ", ".join(a.filename for a in detail.attachments)
        files = _plain(f"Files: {names}")
        files.setObjectName("hintText")
        layout.addWidget(files)
    return frame


class OptionalDate(QWidget):
    """A date that may be left out: a check box switches the date edit on."""

    def __init__(self, default: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_box = QCheckBox("Set")
        self.edit = QDateEdit(QDate(default.year, default.month, default.day))
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setEnabled(False)
        self.set_box.toggled.connect(self.edit.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.set_box)
        row.addWidget(self.edit)
        row.addStretch(1)

    def date(self) -> dt.date | None:
        if not self.set_box.isChecked():
            return None
        chosen = self.edit.date()
        return dt.date(chosen.year(), chosen.month(), chosen.day())

    def set_date(self, value: dt.date | None) -> None:
        self.set_box.setChecked(value is not None)
        if value is not None:
            self.edit.setDate(QDate(value.year, value.month, value.day))


class DecisionDialog(FormDialog):
    """`refusal` is set (and the dialog rejected) when the request was decided elsewhere."""

    def __init__(self, title: str, detail: RequestDetail, parent: QWidget | None = None,
                 width: int = 520) -> None:
        super().__init__(title, parent, width)
        self.detail = detail
        self.refusal: KeepwellError | None = None

    def decide(self, call: Callable[[], T]) -> T | None:
        self.message.clear()
        try:
            return call()
        except CANNOT_DECIDE_HERE as exc:
            self.refusal = exc
            self.reject()
        except KeepwellError as exc:
            self.message.setText(describe(exc))  # per field; the dialog stays open
        return None


class ApproveRequestDialog(DecisionDialog):
    """`created` is the new work order; `open_after` whether the planner wants it opened."""

    def __init__(self, actor: Actor, detail: RequestDetail, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(f"Approve {detail.number}", detail, parent, width=560)
        self.actor = actor
        self.created: WorkOrderDetail | None = None
        self.open_after = False
        self.title = QLineEdit(detail.title)
        self.type = QComboBox()
        for kind in WO_TYPES:
            self.type.addItem(kind.capitalize(), kind)
        self.type.setCurrentIndex(self.type.findData("corrective"))
        self.priority = priority_combo(detail.priority)
        self.assignee = PersonPicker(actor)
        start = today or dt.date.today()
        self.due_date = OptionalDate(start + dt.timedelta(days=DEFAULT_DUE_DAYS))
        self.estimated_hours = QLineEdit()
        self.estimated_hours.setPlaceholderText("e.g. 2.5 (optional)")
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Type", self.type)
        form.addRow("Priority", self.priority)
        form.addRow("Assignee", self.assignee)
        form.addRow("Due date", self.due_date)
        form.addRow("Estimated hours", self.estimated_hours)

        box = QDialogButtonBox()
        self.open_button = QPushButton("Approve and open")
        self.open_button.setToolTip("Approve, then open the new work order to plan it further")
        self.accept_button = QPushButton("Approve")
        self.accept_button.setDefault(True)
        box.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        box.addButton(self.accept_button, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.clicked.connect(self.approve_and_open)
        self.accept_button.clicked.connect(self.approve)
        box.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(request_summary(detail))
        heading = QLabel("The work order")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        layout.addLayout(form)
        files = len(detail.attachments)
        layout.addWidget(hint_label(
            "The work order is raised open with the request's text"
            + (f" and a copy of its {files} file{'s' if files != 1 else ''}" if files else "")
            + f"; {detail.requester_name} sees it approved."))
        layout.addWidget(self.message)
        layout.addWidget(box)

    def approve(self) -> None:
        self._approve(open_after=False)

    def approve_and_open(self) -> None:
        self._approve(open_after=True)

    def _approve(self, open_after: bool) -> None:
        self.created = self.decide(self._call)
        if self.created is not None:
            self.open_after = open_after
            self.accept()

    def _call(self) -> WorkOrderDetail:
        return edit.approve_request(
            self.actor, self.detail.id, self.detail.version,
            title=self.title.text(), type=self.type.currentData(),
            priority=self.priority.currentData(), assignee_id=self.assignee.user_id(),
            due_date=self.due_date.date(),
            estimated_hours=self.estimated_hours.text().strip() or None)


class RejectRequestDialog(DecisionDialog):
    """`decided` is the request as turned down."""

    def __init__(self, actor: Actor, detail: RequestDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Reject {detail.number}", detail, parent)
        self.actor = actor
        self.decided: RequestDetail | None = None  # (`rejected` is QDialog's signal)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("rejectReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("For example: a duplicate of WR-2026-000012; or: covered "
                                       "by next week's preventive maintenance")
        self.reason.setMaximumHeight(self.reason.fontMetrics().lineSpacing() * 5 + 12)
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(request_summary(detail, description_lines=3))
        layout.addLayout(form)
        layout.addWidget(hint_label(
            f"{detail.requester_name} reads this reason with the request; say why, and what "
            f"happens instead. At most {requests.REASON_MAX} characters."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Reject request", self.save))
        self.reason.setFocus()

    def save(self) -> None:
        self.decided = self.decide(self._call)
        if self.decided is not None:
            self.accept()

    def _call(self) -> RequestDetail:
        return requests.reject_request(self.actor, self.detail.id, self.detail.version,
                                       self.reason.toPlainText())
