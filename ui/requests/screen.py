"""Work Requests: anyone files one; planners and supervisors approve them into work orders or
reject them with a reason the requester reads here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSplitter,
    QTableView,
    QWidget,
)

from app.errors import KeepwellError, NotFound, PermissionDenied
from app.permissions import Actor, Perm
from app.services import requests
from app.services.requests import RequestDetail, RequestRow
from ui.common.errors import describe, show_error, title_for
from ui.common.list_screen import ListScreen, TableSpec
from ui.common.notify import notify
from ui.requests.decisions import ApproveRequestDialog, RejectRequestDialog
from ui.requests.detail import AttachmentOpener, RequestDetailPanel, decision_text
from ui.requests.dialogs import (
    NewRequestDialog,
    choose_attachment_files,
    file_problem,
    media_type_of,
)
from ui.requests.table import (
    COL_ASSET,
    COL_FILED,
    COL_LOCATION,
    COL_NUMBER,
    COL_OUTCOME,
    COL_PRIORITY,
    COL_REQUESTER,
    COL_STATUS,
    COL_TITLE,
    RequestTableModel,
)

# (label, status filter for the service)
STATUS_CHOICES: tuple[tuple[str, str | None], ...] = (
    ("New", "new"), ("Approved", "approved"), ("Rejected", "rejected"), ("All", None))
COLUMN_WIDTHS = {COL_NUMBER: 118, COL_ASSET: 85, COL_LOCATION: 110, COL_PRIORITY: 72,
                 COL_STATUS: 72, COL_REQUESTER: 120, COL_FILED: 122, COL_OUTCOME: 160}


class RequestsScreen(ListScreen):
    title = "Work Requests"
    table_spec = TableSpec("requestTable", stretch=COL_TITLE, widths=COLUMN_WIDTHS,
                           min_section=60)
    watched = frozenset({"work_request", "asset", "location", "user"})
    open_work_order = Signal(int)  # a work order's id: "Approve and open" was chosen

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(actor, parent)
        self.decides = actor.can(Perm.WO_EDIT)  # sees every request, approves and rejects
        self.model = RequestTableModel(self._fetch_page)
        self.model.status = "new" if self.decides else None  # the desk's work: what waits
        self._opener = AttachmentOpener()
        self._build_actions()
        self.build(self._build_filter_bar())

    def _build_actions(self) -> None:
        self.new_action = self.make_action(
            "New request…", self.new_request, shortcut=QKeySequence.StandardKey.New,
            tip="Report a problem for maintenance to look at (Ctrl+N)")
        self.approve_action = self.make_action(
            "Approve…", self.approve, tip="Turn the selected request into a work order")
        self.reject_action = self.make_action(
            "Reject…", self.reject, tip="Turn the selected request down, saying why")
        if not self.decides:  # a requester never decides: nothing to show, and never enabled
            self.approve_action.setVisible(False)
            self.reject_action.setVisible(False)

    def toolbar_actions(self) -> list[QAction | None]:
        if not self.decides:
            return [self.new_action]
        return [self.new_action, None, self.approve_action, self.reject_action]

    def _build_filter_bar(self) -> QHBoxLayout:
        self.status_box = QComboBox()
        self.status_box.setObjectName("requestStatus")
        for label, status in STATUS_CHOICES:
            self.status_box.addItem(label, status)
        self.status_box.setCurrentIndex(self.status_box.findData(self.model.status))
        self.status_box.currentIndexChanged.connect(self.apply_filters)
        self.mine_box = QCheckBox("Only mine")
        self.mine_box.setObjectName("onlyMine")
        self.mine_box.setToolTip("Only the requests you filed yourself")
        self.mine_box.setVisible(self.decides)  # a requester sees only theirs anyway
        self.mine_box.toggled.connect(self.apply_filters)
        self.filter_bar = QHBoxLayout()
        self.filter_bar.addWidget(QLabel("Status"))
        self.filter_bar.addWidget(self.status_box)
        self.filter_bar.addSpacing(12)
        self.filter_bar.addWidget(self.mine_box)
        self.filter_bar.addStretch(1)
        return self.filter_bar

    def body(self, table: QTableView) -> QWidget:
        """The list above the request shown."""
        self.panel = RequestDetailPanel()
        self.panel.open_button.clicked.connect(self.open_attachment)
        self.panel.add_button.clicked.connect(self.add_files)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(table)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([400, 290])  # the panel has room for a rejection's reason
        self.splitter.setChildrenCollapsible(False)
        return self.splitter

    def first_load(self) -> None:
        self._fit_columns()
        super().first_load()

    # -- data -----------------------------------------------------------------------------
    def _fetch_page(self, status: str | None, mine: bool, offset: int,
                    limit: int) -> list[RequestRow]:
        return requests.list_requests(self.actor, status, mine, offset, limit)

    def apply_filters(self) -> None:
        self.model.set_filter(self.status_box.currentData(),
                              self.decides and self.mine_box.isChecked())
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Leave out what every row would repeat: the status when one status is shown, the
        outcome of requests not yet decided, a requester's own name on their own list."""
        status = self.model.status
        self.table.setColumnHidden(COL_STATUS, status is not None)
        self.table.setColumnHidden(COL_OUTCOME, status == "new")
        self.table.setColumnHidden(COL_REQUESTER, not self.decides)

    def selection_changed(self) -> None:
        """Show the request chosen (its decision, its files) and what may be done to it."""
        row = self.selected()
        detail: RequestDetail | None = None
        if row is not None:
            try:
                detail = requests.get_request(self.actor, row.id)
            except (NotFound, PermissionDenied):
                detail = None  # gone since the list was read; the next refresh drops it
            except KeepwellError as exc:
                show_error(self, exc)
        self.panel.show_request(detail)
        self.update_actions()

    def update_actions(self) -> None:
        detail = self.panel.detail
        decidable = self.decides and detail is not None and detail.status == "new"
        self.approve_action.setEnabled(decidable)
        self.reject_action.setEnabled(decidable)
        # Opening a file downloads it through the work-order service (Perm.WO_VIEW).
        self.panel.set_permissions(may_open=True,
                                   may_add=detail is not None)

    def update_count(self) -> None:
        status, mine = self.model.status, self.model.mine
        total = requests.count_requests(self.actor, status, mine)
        kind = f"{status} " if status else ""
        noun = "request" if total == 1 else "requests"
        if not self.decides and not status and not total:
            text = "You have not filed any requests yet"
        elif mine or not self.decides:
            text = f"{total:,} {kind}{noun} of yours" if total else f"No {kind}requests of yours"
        else:
            text = f"{total:,} {kind}{noun}" if total else f"No {kind}requests"
        self.count_label.setText(text)

    def row_activated(self, _index: QModelIndex) -> None:
        """Enter or a double-click: a decider goes on to approve a new request; an approved
        request opens its work order (for those who may see orders)."""
        if self.approve_action.isEnabled():
            self.approve_action.trigger()
            return
        detail = self.panel.detail
        if (detail is not None and detail.work_order_id is not None
                and self.actor.can(Perm.WO_VIEW)):
            self.open_work_order.emit(detail.work_order_id)

    # -- questions (separate so tests can answer them) -------------------------------------
    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def choose_files(self) -> list[str]:
        return choose_attachment_files(self)

    # -- actions --------------------------------------------------------------------------
    def new_request(self) -> None:
        dialog = NewRequestDialog(self.actor, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.created is None:
            return
        created = dialog.created
        if self.model.status not in (None, "new"):  # show where the new request is
            self.status_box.setCurrentIndex(self.status_box.findData("new"))
        self.refresh(select_id=created.id)
        notify(self, f"Filed {created.number}. A planner will review it.")
        if dialog.attach_failures:
            self.warn("Some files were not attached",
                      f"{created.number} is filed, but these files could not be added:\n\n"
                      + "\n".join(dialog.attach_failures)
                      + "\n\nSelect the request and use “Add file…” to try again.")

    def _decidable(self) -> RequestDetail | None:
        """The request shown, as the user read it, if it may be decided."""
        detail = self.panel.detail
        if not self.decides or detail is None or detail.status != "new":
            return None
        return detail

    def approve(self) -> None:
        detail = self._decidable()
        if detail is None:
            return
        dialog = ApproveRequestDialog(self.actor, detail, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if dialog.refusal is not None:
            self._explain_refusal(detail, dialog.refusal)
            return
        if not accepted or dialog.created is None:
            return
        order = dialog.created
        self.refresh()
        notify(self, f"Approved {detail.number}: work order {order.number} raised.")
        if dialog.open_after:
            self.open_work_order.emit(order.id)

    def reject(self) -> None:
        detail = self._decidable()
        if detail is None:
            return
        dialog = RejectRequestDialog(self.actor, detail, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if dialog.refusal is not None:
            self._explain_refusal(detail, dialog.refusal)
            return
        if accepted and dialog.decided is not None:
            self.refresh()
            notify(self, f"Rejected {detail.number}; {detail.requester_name} sees your reason.")

    def _explain_refusal(self, seen: RequestDetail, exc: KeepwellError) -> None:
        """Say what happened to the request meanwhile (most often: another desk decided it),
        then show the list as it is now."""
        try:
            now: RequestDetail | None = requests.get_request(self.actor, seen.id)
        except KeepwellError:
            now = None
        self.refresh()
        if now is not None and now.status != "new":
            self.warn("Already decided",
                      f"Nothing was changed: {now.number} was decided at another desk while "
                      f"you had it open.\n\n{decision_text(now)}")
        else:
            self.warn(title_for(exc), f"Nothing was changed. {describe(exc)}")

    def add_files(self) -> None:
        detail = self.panel.detail
        if detail is None or detail.status != "new":
            return
        paths = [Path(name) for name in self.choose_files()]
        added, problems = 0, []
        for path in paths:
            if problem := file_problem(path):
                problems.append(problem)
                continue
            try:
                requests.add_request_attachment(self.actor, detail.id, path.name,
                                                path.read_bytes(), media_type_of(path))
            except KeepwellError as exc:
                problems.append(f"{path.name}: {describe(exc)}")
            except OSError as exc:
                problems.append(f"{path.name} cannot be read ({exc.strerror or exc}).")
            else:
                added += 1
        if added:
            notify(self, f"Added {added} file{'s' if added != 1 else ''} to {detail.number}.")
            self.selection_changed()
        if problems:
            self.warn("Some files were not added", "\n".join(problems))

    def open_attachment(self) -> None:
        attachment_id = self.panel.selected_attachment_id()
        if attachment_id is None:
            return
        try:
            filename, _media_type, data = requests.get_request_attachment(self.actor,
                                                                        attachment_id)
        except KeepwellError as exc:
            show_error(self, exc)
            return
        try:
            self._opener.open(attachment_id, filename, data)
        except OSError as exc:
            self.warn("Cannot open the file",
                      f"{filename} could not be written for the viewer: {exc}")
