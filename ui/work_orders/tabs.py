"""The work recorded on an order, one tab each: labor booked, comments and the status log,
attachments, and the audit history. Each tab calls its service and emits `done` after a
change, so the form refreshes and tells the screens."""

from __future__ import annotations

import datetime as dt
import functools
import html
import mimetypes
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.errors import KeepwellError
from app.permissions import Actor, Role
from app.services import history
from app.services.work_orders import activity
from app.services.work_orders.detail import WorkOrderDetail, get_attachment
from app.services.work_orders.listing import STATUS_LABELS
from app.vocabulary import ATTACHMENT_MAX_BYTES
from ui.common.errors import describe
from ui.common.form_dialog import FormDialog
from ui.common.form_widgets import (
    fill_table,
    say,
    size_text,
    text_label,
)
from ui.common.pickers import PersonPicker
from ui.common.tables import read_only_table
from ui.common.time_text import local_time


def button(text: str) -> QPushButton:
    """A push button that Enter in a field never presses by accident."""
    widget = QPushButton(text)
    widget.setAutoDefault(False)
    return widget


def work_tab_titles(detail: WorkOrderDetail) -> list[str]:
    """The first four tabs' titles, with how much each holds."""
    answered = sum(t.answered for t in detail.tasks)
    return [f"Checklist ({answered}/{len(detail.tasks)})" if detail.tasks else "Checklist",
            f"Labor ({len(detail.labor)})", f"Comments && log ({len(detail.log)})",
            f"Attachments ({len(detail.attachments)})"]


# --- labor ------------------------------------------------------------------------------------


class BookLaborDialog(FormDialog):
    """Hours worked by a person on a day; a technician books only their own."""

    def __init__(self, actor: Actor, wo_id: int, parent: QWidget | None = None) -> None:
        super().__init__("Book hours", parent, width=400)
        self.actor = actor
        self.wo_id = wo_id
        self.booked: activity.LaborRow | None = None
        self.person = PersonPicker(actor, none_text="(choose a person)")
        self.person.set_user(actor.user_id, actor.full_name)
        self.person.setEnabled(actor.role is not Role.TECHNICIAN)
        today = dt.date.today()
        self.work_date = QDateEdit(QDate(today.year, today.month, today.day))
        self.work_date.setCalendarPopup(True)
        self.work_date.setDisplayFormat("yyyy-MM-dd")
        self.work_date.setMaximumDate(QDate(today.year, today.month, today.day))
        self.hours = QDoubleSpinBox()
        self.hours.setRange(0, 24)
        self.hours.setDecimals(2)
        self.hours.setSingleStep(0.25)
        self.hours.setSuffix(" h")
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional: what was done")
        form = QFormLayout()
        form.addRow("Person", self.person)
        form.addRow("Date", self.work_date)
        form.addRow("Hours", self.hours)
        form.addRow("Note", self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Book", self.save))
        self.hours.setFocus()

    def save(self) -> None:
        person = self.person.user_id()
        if person is None:
            self.message.setText("Choose the person who did the work.")
            return
        day = self.work_date.date()
        hours = f"{self.hours.value():.2f}" if self.hours.value() else ""
        self.booked = self.attempt(functools.partial(
            activity.book_labor, self.actor, self.wo_id, person,
            dt.date(day.year(), day.month(), day.day()), hours, self.note.text()))
        if self.booked is not None:
            self.accept()


class LaborTab(QWidget):
    """The hours booked; rates and costs only for the roles that plan and pay (a technician
    sees hours, not what a colleague earns)."""

    done = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.wo_id: int | None = None
        self.costs = actor.role is not Role.TECHNICIAN
        headers = ["Date", "Who", "Hours", "Rate", "Cost", "Note"] if self.costs else [
            "Date", "Who", "Hours", "Note"]
        self.table = read_only_table(headers, len(headers) - 1)
        self.totals = QLabel()
        self.book_button = button("Book hours…")
        self.book_button.clicked.connect(self.book)
        bar = QHBoxLayout()
        bar.addWidget(self.totals, 1)
        bar.addWidget(self.book_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)

    def fill(self, detail: WorkOrderDetail, editable: bool) -> None:
        self.wo_id = detail.id
        if self.costs:
            rows = [[r.work_date.isoformat(), r.user_name, f"{r.hours:.2f}", f"{r.rate:,.2f}",
                     f"{r.cost:,.2f}", r.note] for r in detail.labor]
        else:
            rows = [[r.work_date.isoformat(), r.user_name, f"{r.hours:.2f}", r.note]
                    for r in detail.labor]
        fill_table(self.table, rows, right_aligned=(2, 3, 4) if self.costs else (2,))
        people = len({r.user_id for r in detail.labor})
        total = (f"Total: {detail.labor_hours:.2f} hours by {people} "
                 f"{'person' if people == 1 else 'people'}")
        if self.costs:
            total += f", cost {detail.labor_cost:,.2f}"
        self.totals.setText(total if detail.labor else "No hours booked yet.")
        self.book_button.setVisible(editable)

    def book(self) -> None:
        assert self.wo_id is not None
        dialog = BookLaborDialog(self.actor, self.wo_id, self)
        if dialog.exec() and dialog.booked is not None:
            self.done.emit()


# --- comments and the status log ---------------------------------------------------------------


class CommentsTab(QWidget):
    done = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.wo_id: int | None = None
        self.log = QTextBrowser()
        self.log.setOpenLinks(False)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("Add a comment  (Ctrl+Enter posts it)")
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(self.comment.fontMetrics().lineSpacing() * 3 + 14)
        self.post_button = button("Add comment")
        self.post_button.clicked.connect(self.post)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.comment)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.post)
        self.message = text_label("errorText")
        self.entry = QWidget()
        row = QHBoxLayout(self.entry)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.comment, 1)
        row.addWidget(self.post_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.entry)

    def fill(self, detail: WorkOrderDetail, editable: bool) -> None:
        self.wo_id = detail.id
        parts = []
        for row in detail.log:
            who = html.escape(row.author_name or "Keepwell")
            head = f"<b>{who}</b> <span style='color:#5b6675'>{local_time(row.at)}</span>"
            if row.kind == "status":
                move = (f"{STATUS_LABELS.get(row.from_status, row.from_status)} → "
                        f"{STATUS_LABELS.get(row.to_status, row.to_status)}")
                body = f"<i>Status: {html.escape(move)}</i>"
                if row.text:
                    body += f"<i>: {html.escape(row.text)}</i>"
            else:
                body = html.escape(row.text).replace("\n", "<br>")
            parts.append(f"<p style='margin-bottom:8px'>{head}<br>{body}</p>")
        self.log.setHtml("".join(parts) or "<p style='color:#5b6675'>No comments yet.</p>")
        bar = self.log.verticalScrollBar()
        bar.setValue(bar.maximum())  # the latest at the bottom, in view
        self.entry.setVisible(editable)

    def post(self) -> None:
        if self.wo_id is None or not self.entry.isVisible():
            return
        try:
            activity.add_comment(self.actor, self.wo_id, self.comment.toPlainText())
        except KeepwellError as exc:
            say(self.message, describe(exc))
            return
        say(self.message, "")
        self.comment.clear()
        self.done.emit()


# --- attachments -----------------------------------------------------------------------------


class AttachmentsTab(QWidget):
    done = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.wo_id: int | None = None
        self.ids: list[int] = []
        self.opened: list[Path] = []  # temporary copies handed to the desktop's viewer
        self.table = read_only_table(["File", "Size", "Added by", "When"], 0)
        self.table.doubleClicked.connect(self.open_selected)
        self.add_button = button("Add file…")
        self.add_button.clicked.connect(self.add)
        self.open_button = button("Open")
        self.open_button.clicked.connect(self.open_selected)
        self.message = text_label("errorText")
        hint = QLabel(f"Files are stored in the database (at most "
                      f"{ATTACHMENT_MAX_BYTES // 2**20} MB each), so every desk can open them.")
        hint.setObjectName("hintText")
        bar = QHBoxLayout()
        bar.addWidget(hint, 1)
        bar.addWidget(self.open_button)
        bar.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bar)

    def fill(self, detail: WorkOrderDetail, editable: bool) -> None:
        self.wo_id = detail.id
        self.ids = [a.id for a in detail.attachments]
        fill_table(self.table, [[a.filename, size_text(a.size), a.uploaded_by_name,
                                 local_time(a.uploaded_at)] for a in detail.attachments],
                   right_aligned=(1,))
        self.add_button.setVisible(editable)
        self.open_button.setEnabled(bool(self.ids))
        if self.ids and not self.table.selectedIndexes():
            self.table.selectRow(len(self.ids) - 1)

    def add(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Attach a file to the order")
        if not path or self.wo_id is None:
            return
        file = Path(path)
        try:
            size = file.stat().st_size
            if size > ATTACHMENT_MAX_BYTES:
                say(self.message,
                    f"{file.name} is {size_text(size)}; at most "
                    f"{ATTACHMENT_MAX_BYTES // 2**20} MB can be stored. Attach a smaller copy.")
                return
            data = file.read_bytes()
        except OSError as exc:
            say(self.message, f"{file.name} cannot be read: {exc.strerror or exc}.")
            return
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        try:
            activity.add_attachment(self.actor, self.wo_id, file.name, data,
                                               media_type)
        except KeepwellError as exc:
            say(self.message, describe(exc))
            return
        say(self.message, "")
        self.table.clearSelection()
        self.done.emit()

    def open_selected(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            say(self.message, "Choose a file in the list to open.")
            return
        try:
            filename, _kind, data = get_attachment(self.actor, self.ids[rows[0].row()])
        except KeepwellError as exc:
            say(self.message, describe(exc))
            return
        try:
            path = write_attachment_copy(filename, data)
        except OSError as exc:
            say(self.message, f"Could not write a copy to open: {exc.strerror or exc}.")
            return
        self.opened.append(path)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            say(self.message, "")
        else:
            say(self.message, f"No program on this desk opens {filename}; a copy is at "
                                 f"{path}.")


def write_attachment_copy(filename: str, data: bytes) -> Path:
    """Write an attachment's bytes to open them: a private temporary folder of its own (0700)
    keeps the file's name, which is how the desktop picks a viewer, cleaned so that a stored
    name cannot point outside the folder; the copy is the user's only (0600)."""
    folder = Path(tempfile.mkdtemp(prefix="keepwell-"))  # 0700, whatever the umask
    return paths.write_private_file(folder / paths.safe_file_name(filename), data)


# --- history ---------------------------------------------------------------------------------


class HistoryTab(QWidget):
    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.table = read_only_table(["When", "Who", "What", "Changes"], 3)
        self.message = text_label("errorText")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    def fill(self, wo_id: int) -> None:
        try:
            rows = history.work_order_history(self.actor, wo_id)
        except KeepwellError as exc:
            say(self.message, describe(exc))
            return
        fill_table(self.table, [[local_time(r.at), r.actor, r.action_label, r.summary]
                                for r in rows])

