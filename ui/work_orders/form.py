"""The work-order form: the planner's and the technician's main dialog. The header edits what
the order is (with the version it was read at, so someone else's save is never overwritten),
the status buttons move it as the lifecycle allows this user, and the tabs record the work.
`WorkOrderForm(actor, None)` raises a new order. Saving it: ui/work_orders/saving.py."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, KeepwellError, ValidationError
from app.permissions import Actor, Perm
from app.services.work_orders import lifecycle
from app.services.work_orders.checklist import EDITABLE_STATUSES
from app.services.work_orders.detail import WorkOrderDetail, get_work_order
from ui.common.errors import describe
from ui.common.form_widgets import (
    FORM_STYLE,
    paint_badge,
    say,
    status_badge,
    text_label,
)
from ui.work_orders.checklist import ChecklistTab
from ui.work_orders.codes import FailureCodesTab
from ui.work_orders.conflicts import UnsavedBox
from ui.work_orders.header import WorkOrderHeader
from ui.work_orders.lifecycle import (
    MoveBar,
    MoveButton,
    missing_codes,
    move_dialog,
    move_label,
    needs_dialog,
)
from ui.work_orders.rights import Rights, rights_for, state_words
from ui.work_orders.saving import WorkOrderSaving
from ui.work_orders.tabs import (
    AttachmentsTab,
    CommentsTab,
    HistoryTab,
    LaborTab,
    button,
    work_tab_titles,
)


class WorkOrderForm(WorkOrderSaving, QDialog):
    """`changed(id)` after every change this form stored."""

    changed = Signal(int)

    def __init__(self, actor: Actor, wo_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.detail: WorkOrderDetail | None = None
        self.version = 0  # what the user's edits are based on; a save sends it
        self.rights = Rights(actor.can(Perm.WO_EDIT), False, False, "")
        self._summary_of_fields = False  # the bottom message sums up refused fields
        self._fit(1060, 780)
        self.setMinimumSize(760, 440)
        self.setStyleSheet(FORM_STYLE)

        self.number = QLabel()
        self.number.setObjectName("dialogTitle")
        self.badge = status_badge()
        self.moves = MoveBar()
        self.moves.chosen.connect(self._move)
        top = QHBoxLayout()
        top.addWidget(self.number)
        top.addSpacing(8)
        top.addWidget(self.badge)
        top.addStretch(1)
        top.addWidget(self.moves)
        self.state = text_label("hintText")
        self.move_message = text_label("errorText")

        self.header = WorkOrderHeader(actor)
        self.header.edited.connect(self._edited)
        self.checklist = ChecklistTab(actor)
        self.labor = LaborTab(actor)
        self.comments = CommentsTab(actor)
        self.attachments = AttachmentsTab(actor)
        self.codes = FailureCodesTab()
        self.history = HistoryTab(actor)
        for tab in (self.labor, self.comments, self.attachments):
            tab.done.connect(self._work_recorded)
        self.checklist.answered.connect(self._work_recorded)
        self.checklist.steps_changed.connect(self._steps_changed)
        self.checklist.conflict.connect(self._conflict)
        self.codes.edited.connect(self._edited)
        self.codes.save_requested.connect(self.save)
        self.tabs = QTabWidget()
        pages: tuple[tuple[QWidget, str], ...] = (
            (self.checklist, "Checklist"), (self.labor, "Labor"),
            (self.comments, "Comments && log"), (self.attachments, "Attachments"),
            (self.codes, "Failure codes"), (self.history, "History"))
        for page, title in pages:
            self.tabs.addTab(page, title)

        self.message = text_label("errorText", hidden=False)
        self.notice = text_label("hintText", wrap=False, hidden=False)
        self.reload_button = button("Reload")
        self.reload_button.setToolTip("Show the order as it is stored now")
        self.reload_button.clicked.connect(self._reload_asked)
        self.save_button = button("Save")
        self.save_button.setToolTip("Save your changes (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.close_button = button("Close")
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.notice)
        bottom.addWidget(self.reload_button)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(self.move_message)
        layout.addWidget(self.header)
        layout.addSpacing(4)
        layout.addWidget(self.tabs, 1)
        self.filler = QWidget()  # takes the tabs' room while a new order has none
        layout.addWidget(self.filler, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

        if wo_id is None:
            self._start_new()
        else:
            self.reload(wo_id)

    @property
    def move_buttons(self) -> list[MoveButton]:
        return self.moves.buttons

    def _fit(self, width: int, height: int) -> None:
        """Resize, but never past the screen (a laptop's 768 pixels)."""
        room = self.screen().availableGeometry()
        self.resize(min(width, room.width() - 40), min(height, room.height() - 60))

    # --- loading ------------------------------------------------------------------------------

    def _start_new(self) -> None:
        self.setWindowTitle("New work order")
        self.number.setText("New work order")
        paint_badge(self.badge, "new", "New")
        self.header.fill(None)
        self.header.set_editable(True)
        self.header.set_new(True)
        self._fit(self.width(), 480)
        self.tabs.hide()
        self.reload_button.hide()
        self.save_button.setText("Create")
        self.save_button.setToolTip("Raise the order (Ctrl+S)")
        say(self.state, "Choosing an assignee assigns the order as it is raised; without one "
                        "it is raised open.")
        self.header.title.setFocus()

    def reload(self, wo_id: int | None = None) -> bool:
        """Show the order as stored now; unsaved edits are dropped."""
        wo_id = wo_id if wo_id is not None else (self.detail.id if self.detail else None)
        if wo_id is None:
            return False
        try:
            detail = get_work_order(self.actor, wo_id)
            allowed = lifecycle.allowed_transitions(self.actor, wo_id)
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return False
        self._show(detail, allowed)
        return True

    def _show(self, detail: WorkOrderDetail, allowed: list[str]) -> None:
        self.detail = detail
        self.version = detail.version
        self.rights = rights_for(self.actor, detail)
        self.setWindowTitle(f"{detail.number}: {detail.title}")
        self.number.setText(detail.number)
        paint_badge(self.badge, detail.status, detail.status_label)
        self.header.fill(detail)
        # A technician writes the completion notes of their own order, not the rest.
        self.header.set_editable(self.rights.edit, self.rights.edit or self.rights.work)
        self.codes.fill(detail, self.rights.work)
        self._fill_work(detail)
        self.moves.show_moves(detail.status, allowed)
        if self.filler.isVisibleTo(self):  # a new order just created: room for its tabs
            self.header.set_new(False)
            self.filler.hide()
            self._fit(self.width(), max(self.height(), 780))
        self.tabs.show()
        self.reload_button.show()
        self.save_button.setText("Save")
        self.save_button.setVisible(self.rights.edit or self.rights.work)
        self.message.clear()
        say(self.move_message, "")
        self._edited()

    def _fill_work(self, detail: WorkOrderDetail) -> None:
        """The tabs of work recorded on the order (they carry no version of it)."""
        rights = self.rights
        self.checklist.fill(detail, rights.answer, "" if rights.answer else rights.why_not,
                            steps_editable=rights.edit and detail.status in EDITABLE_STATUSES)
        self.checklist.version = self.version  # header edits in progress are based on it
        self.labor.fill(detail, rights.work)
        self.comments.fill(detail, rights.work)
        self.attachments.fill(detail, rights.work)
        self.history.fill(detail.id)
        self.header.show_labor(detail)
        for index, title in enumerate(work_tab_titles(detail)):
            self.tabs.setTabText(index, title)
        say(self.state, state_words(detail, self.rights))

    # --- editing (saving: ui.work_orders.saving) -------------------------------------------

    def is_dirty(self) -> bool:
        if self.detail is None:
            return self.header.is_dirty()
        if self.rights.edit and self.header.is_dirty():
            return True
        return self.rights.work and (self.header.notes_dirty() or self.codes.is_dirty())

    def _edited(self) -> None:
        if self._summary_of_fields and not (self.header.has_errors()
                                            or self.codes.has_errors()):
            self.message.clear()  # every refused field was changed: the summary is done
            self._summary_of_fields = False
        dirty = self.is_dirty()
        self.save_button.setEnabled(self.detail is None or dirty)
        self.notice.setText("Unsaved changes" if dirty and self.detail else "")

    # --- moves ---------------------------------------------------------------------------

    def _move(self, to_status: str) -> None:
        if self.detail is None or not self._settle_edits("moving it"):
            return
        detail = self.detail
        say(self.move_message, "")
        missing = missing_codes(detail, to_status)
        if missing:  # say so before asking for the signature, and show where they go
            self._move_refused(detail, to_status, ValidationError(missing))
            self.tabs.setCurrentWidget(self.codes)
            return
        if needs_dialog(detail.status, to_status):
            dialog = move_dialog(self.actor, detail, to_status, self)
            dialog.exec()
            if dialog.conflict is not None:
                self._conflict(dialog.conflict)
                return
            if dialog.moved is None:
                return
        else:
            try:
                lifecycle.transition(self.actor, detail.id, to_status, self.version)
            except ConflictError as exc:
                self._conflict(exc)
                return
            except KeepwellError as exc:
                self._move_refused(detail, to_status, exc)
                return
        self.changed.emit(detail.id)
        self.reload(detail.id)
        self.notice.setText(f"Moved to {self.detail.status_label if self.detail else ''}")

    def _move_refused(self, detail: WorkOrderDetail, to_status: str,
                      exc: KeepwellError) -> None:
        action = move_label(detail.status, to_status).rstrip("…").lower()
        say(self.move_message, f"Cannot {action} {detail.number}: {describe(exc)}")
        if isinstance(exc, ValidationError) and "tasks" in exc.fields:
            self.tabs.setCurrentWidget(self.checklist)

    def _steps_changed(self, detail: WorkOrderDetail) -> None:
        """A step added, moved or removed (a planned change: the order's version moved on,
        and header edits in progress are kept, to be saved on top of it)."""
        self.detail = detail
        self.version = detail.version
        self._fill_work(detail)
        say(self.move_message, "")
        self.changed.emit(detail.id)

    def _work_recorded(self) -> None:
        """A task answered, hours booked, a comment or a file added: show it, tell the
        screens. The header and its version stay as they are (edits in progress are kept)."""
        if self.detail is None:
            return
        try:
            detail = get_work_order(self.actor, self.detail.id)
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return
        self._fill_work(detail)
        say(self.move_message, "")
        self.changed.emit(detail.id)

    # --- leaving --------------------------------------------------------------------------

    def _settle_edits(self, before: str) -> bool:
        """True when there are no unsaved edits, or they were saved or discarded."""
        if not self.is_dirty():
            return True
        number = self.detail.number if self.detail else "the new order"
        box = UnsavedBox(number, before, self)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _reload_asked(self) -> None:
        if self._settle_edits("reloading"):
            self.reload()

    def reject(self) -> None:
        """Esc, Close and the window's close button: unsaved edits are asked about first."""
        if self._settle_edits("closing"):
            super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # Enter in a field never closes the form nor presses a button
            return
        super().keyPressEvent(event)

