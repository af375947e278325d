"""The selected work request under the list: its full text, its files (opened with the desktop's
viewer) and the decision, with the reason a requester reads when it was turned down."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTemporaryDir, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.services.requests import RequestDetail
from app.services.work_orders.listing import PRIORITY_LABELS
from ui.common.time_text import local_time

# The decision as a banner: what the requester looks for first.
DECISION_STYLES = {
    status: f"background: {bg}; color: {fg}; padding: 6px 8px; border-radius: 3px;"
    for status, bg, fg in (("new", "#eef3f9", "#1d3f66"), ("approved", "#e7f4ea", "#1e5b2e"),
                           ("rejected", "#fdecea", "#8a1c12"))
}
EMPTY_TEXT = "Select a request to read it, open its files and see what was decided."


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 2**20:.1f} MB"


def decision_text(detail: RequestDetail) -> str:
    """What happened to the request, in a sentence (the requester reads the reason here)."""
    when = local_time(detail.decided_at)
    who = f" by {detail.decided_by}" if detail.decided_by else ""
    if detail.status == "approved":
        order = f" as work order {detail.work_order_number}" if detail.work_order_number else ""
        return f"Approved{who} on {when}{order}."
    if detail.status == "rejected":
        return f"Rejected{who} on {when}.\nReason: {detail.reject_reason}"
    return "Waiting for a planner to approve or reject it."


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.PlainText)  # titles and reasons are shown as typed
    return label


class RequestDetailPanel(QFrame):
    """Shows one RequestDetail (or nothing). The screen connects `open_button` and
    `add_button`; `selected_attachment_id()` is the file chosen in the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestDetail")
        self.detail: RequestDetail | None = None
        self.heading = _value_label()
        self.heading.setObjectName("detailTitle")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.heading.setFont(font)
        self.decision = _value_label()
        self.decision.setObjectName("requestDecision")
        self.asset = _value_label()
        self.location = _value_label()
        self.priority = _value_label()
        self.requester = _value_label()
        self.filed = _value_label()
        facts = QFormLayout()
        facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        facts.addRow("Asset", self.asset)
        facts.addRow("Location", self.location)
        facts.addRow("Priority", self.priority)
        facts.addRow("Requested by", self.requester)
        facts.addRow("Filed", self.filed)

        self.description = QPlainTextEdit()
        self.description.setObjectName("requestDescription")
        self.description.setReadOnly(True)
        self.description.setPlaceholderText("No description.")

        self.attachments = QListWidget()
        self.attachments.setObjectName("requestAttachments")
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the file with this computer's viewer")
        self.add_button = QPushButton("Add file…")
        self.add_button.setToolTip("Attach a photo or document to this new request")
        self.attachments.currentRowChanged.connect(self._update_buttons)
        self.attachments.itemActivated.connect(self._activate)
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(self.open_button)
        file_buttons.addWidget(self.add_button)
        file_buttons.addStretch(1)
        files = QVBoxLayout()
        files.addWidget(QLabel("Files"))
        files.addWidget(self.attachments, 1)
        files.addLayout(file_buttons)
        text = QVBoxLayout()
        text.addWidget(QLabel("Description"))
        text.addWidget(self.description, 1)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("hintText")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QWidget()
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(facts)
        left.addStretch(1)
        columns.addLayout(left, 3)
        columns.addLayout(text, 5)
        columns.addLayout(files, 3)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.heading)
        body.addWidget(self.decision)
        body.addLayout(columns, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.body, 1)
        self.may_open = True
        self.may_add = False
        self.show_request(None)

    def show_request(self, detail: RequestDetail | None) -> None:
        self.detail = detail
        self.empty.setVisible(detail is None)
        self.body.setVisible(detail is not None)
        self.attachments.clear()
        if detail is None:
            self.description.clear()
            self._update_buttons()
            return
        self.heading.setText(f"{detail.number}  {detail.title}")
        self.decision.setText(decision_text(detail))
        self.decision.setStyleSheet(DECISION_STYLES.get(detail.status, ""))
        self.asset.setText(detail.asset_tag or "–")
        self.location.setText(detail.location_name or "–")
        self.priority.setText(PRIORITY_LABELS.get(detail.priority, str(detail.priority)))
        self.requester.setText(detail.requester_name)
        self.filed.setText(local_time(detail.created_at))
        self.description.setPlainText(detail.description)
        for attachment in detail.attachments:
            item = QListWidgetItem(f"{attachment.filename}  ({size_text(attachment.size)})")
            item.setData(Qt.ItemDataRole.UserRole, attachment.id)
            item.setToolTip(f"Added by {attachment.uploaded_by or 'someone'} on "
                            f"{local_time(attachment.uploaded_at)}")
            self.attachments.addItem(item)
        if detail.attachments:
            self.attachments.setCurrentRow(0)
        self._update_buttons()

    def set_permissions(self, may_open: bool, may_add: bool) -> None:
        """Whether this user may open files, and add files to the shown request."""
        self.may_open, self.may_add = may_open, may_add
        self._update_buttons()

    def selected_attachment_id(self) -> int | None:
        item = self.attachments.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.may_open and self.selected_attachment_id() is not None)
        if not self.may_open:
            self.open_button.setToolTip("Your account cannot download files yet: ask a planner")
        self.add_button.setEnabled(self.may_add and self.detail is not None
                                   and self.detail.status == "new")

    def _activate(self, _item: QListWidgetItem) -> None:
        if self.open_button.isEnabled():
            self.open_button.click()


class AttachmentOpener:
    """Writes an attachment's bytes to a private temporary folder and hands the file to the
    desktop's viewer. The folder goes when the opener is deleted (the screen closes)."""

    def __init__(self) -> None:
        self._folder = QTemporaryDir()

    def open(self, attachment_id: int, filename: str, data: bytes) -> Path:
        """Write the file (one subfolder per attachment, so two "photo.jpg" never clash) and
        open it; returns where it was written."""
        folder = paths.make_private_dir(Path(self._folder.path()) / str(attachment_id))
        path = paths.write_private_file(folder / safe_filename(filename), data)  # 0600
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path


def safe_filename(name: str) -> str:
    """A name any desktop's file system takes, that cannot point outside the folder it is
    joined to: no folders, no `..`, no reserved or invisible characters (app.paths)."""
    return paths.safe_file_name(name)
