"""Work Orders, the planner's main tool: saved views and filters applied in SQL, a lazy table
sorted in SQL on every column, multi-select for bulk assign and bulk status change, and the
work-order form on Enter or double-click. Technicians get the same screen as "My Work"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QWidget

from app.errors import KeepwellError
from app.permissions import Actor, Perm
from app.services.work_orders import bulk, listing
from app.services.work_orders.bulk import BulkResult
from app.services.work_orders.listing import STATUS_LABELS, WorkOrderRow
from ui.common.errors import show_error
from ui.common.list_screen import ListScreen, TableSpec
from ui.common.notify import notify
from ui.work_orders.filters import WorkOrderFilterBar
from ui.work_orders.table import COL_DUE, COL_TITLE, COLUMNS, WorkOrderTableModel

# Bulk status changes offered on a selection (sign-off is per order: it is a signature).
BULK_MOVES = ("assigned", "in_progress", "on_hold", "completed", "cancelled")
NEEDS_REASON = ("on_hold", "cancelled")
TECHNICIAN_MOVES = ("in_progress", "on_hold", "completed")  # on their own orders


class WorkOrdersScreen(ListScreen):
    title = "Work Orders"
    table_spec = TableSpec("workOrderTable", stretch=COL_TITLE,
                           widths={col: width for col, width in
                                   enumerate((130, 0, 90, 100, 90, 95, 150)) if width},
                           sort=(COL_DUE, Qt.SortOrder.AscendingOrder), many=True)
    watched = frozenset({"work_order", "asset", "user"})

    def __init__(self, actor: Actor, parent: QWidget | None = None,
                 start_view: str = "", title: str = "") -> None:
        super().__init__(actor, parent)
        self.title = title or self.title
        self.count_label.setText("Counting…")
        self.forms: dict[int, QWidget] = {}
        self.model = WorkOrderTableModel(partial(listing.list_work_orders, actor),
                                         count=partial(listing.count_work_orders, actor))
        self.model.counted.connect(self._show_count)
        self.model.count_failed.connect(self.count_label.setText)

        self.filter_bar = WorkOrderFilterBar(actor)
        self.search = self.filter_bar.search
        self.finished_box = self.filter_bar.finished
        self.filter_bar.changed.connect(self.apply_filters)
        self.filter_bar.save_button.clicked.connect(self.save_view)
        self.filter_bar.delete_button.clicked.connect(self.filter_bar.delete_view)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        if start_view:
            self.filter_bar.view.setCurrentText(start_view)
            self.filter_bar.set_filters(
                self.filter_bar.views[self.filter_bar.view.currentIndex()].filters)
        self.model.filters = self.filter_bar.filters()
        self._build_actions()
        self.build(self.filter_bar)

    def _build_actions(self) -> None:
        self.new_action = self.make_action("New work order…", self.new_order,
                                           shortcut=QKeySequence.StandardKey.New)
        self.open_action = self.make_action("Open", self.open_selected)
        self.assign_action = self.make_action(
            "Assign…", self.bulk_assign, tip="Assign or reassign the selected orders")
        self.status_menu = QMenu("Change status", self)
        moves = BULK_MOVES if self.actor.can(Perm.WO_EDIT) else TECHNICIAN_MOVES
        for status in moves:
            action = self.status_menu.addAction(STATUS_LABELS[status] + "…"
                                                if status in NEEDS_REASON
                                                else STATUS_LABELS[status])
            action.setData(status)
        self.status_menu.triggered.connect(self._bulk_status_chosen)
        self.status_action = self.status_menu.menuAction()
        if not self.actor.can(Perm.WO_WORK):
            self.status_action.setVisible(False)
        self.row_actions = (self.open_action, self.assign_action, self.status_action)

    def toolbar_actions(self) -> list[QAction | None]:
        if not self.actor.can(Perm.WO_EDIT):  # a technician works on orders, makes none
            return [self.open_action, self.status_action]
        return [self.new_action, self.open_action, self.assign_action, self.status_action]

    def menu_actions(self) -> list[QAction | None]:
        menu: list[QAction | None] = [a for a in (self.open_action, self.assign_action)
                                      if a in self.toolbar.actions()]
        if self.status_action.isVisible():
            menu.append(self.status_action)
        return menu

    # -- data -----------------------------------------------------------------------------
    def apply_filters(self) -> None:
        """Show what the filter bar asks for; a bad filter is named and the list stays."""
        filters = self.filter_bar.filters()
        if filters == self.model.filters:
            return
        try:
            listing.check_filter(filters)
        except KeepwellError as exc:
            self.count_label.setText(str(exc))
            return
        self.count_label.setText("Counting…")
        self.model.set_filters(filters)

    def apply_search(self) -> None:
        """Apply the text typed so far at once (Enter does this too)."""
        self.apply_filters()

    def refresh(self) -> None:
        """Read again what is on screen, keeping the selection and the scroll position."""
        selected = {row.id for row in self.selected_rows()}
        scroll = self.table.verticalScrollBar().value()
        self.model.refresh()
        selection = self.table.selectionModel()
        if selected and not {row.id for row in self.selected_rows()} == selected:
            selection.clear()  # a short list was read again: select the same orders
            for work_order_id in selected:
                if (row := self.model.row_of(work_order_id)) >= 0:
                    selection.select(self.model.index(row, 0),
                                     selection.SelectionFlag.Select
                                     | selection.SelectionFlag.Rows)
        self.table.verticalScrollBar().setValue(scroll)  # after selecting, which scrolls

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something shown here: the list, and the open
        forms of the orders that changed (one with unsaved edits is told, not reloaded)."""
        super().refresh_for(changed)
        orders = changed.get("work_order", set())
        for wo_id, form in list(self.forms.items()):
            if str(wo_id) not in orders or not _alive(form):
                continue
            if form.is_dirty():
                form.notice.setText("Changed at another desk: save shows what, or Reload")
            elif form.detail is not None and form.version != _version_now(form, wo_id):
                form.reload()

    # -- opening orders -------------------------------------------------------------------
    def open_row(self, row: WorkOrderRow) -> None:
        self.open_order_id(row.id)

    def open_selected(self) -> None:
        for row in self.selected_rows()[:10]:  # ten forms at once is plenty
            self.open_order_id(row.id)

    def open_order_id(self, wo_id: int | None) -> None:
        """Show the order's form (or bring its open form to the front)."""
        from ui.work_orders.form import WorkOrderForm

        if wo_id is not None and (form := self.forms.get(wo_id)) is not None:
            form.raise_()
            form.activateWindow()
            return
        try:
            form = WorkOrderForm(self.actor, wo_id, self)
        except KeepwellError as exc:
            show_error(self, exc)
            return
        form.changed.connect(self._order_changed)
        form.finished.connect(form.deleteLater)
        if wo_id is not None:
            self.forms[wo_id] = form
            form.destroyed.connect(self._forget_forms)
        form.show()

    def new_order(self) -> None:
        self.open_order_id(None)

    def _order_changed(self, _wo_id: int) -> None:
        self.refresh()

    def _forget_forms(self) -> None:
        self.forms = {k: f for k, f in self.forms.items() if _alive(f)}

    # -- bulk changes ---------------------------------------------------------------------
    def bulk_assign(self) -> None:
        from app.services.people import assignees

        rows = self.selected_rows()
        if not rows:
            return
        # Technicians first: they do most of the work; then the office roles.
        workers = sorted(assignees.list_workers(self.actor), key=_technicians_first)
        labels = [p.label for p in workers]
        label, ok = QInputDialog.getItem(
            self, "Assign work orders",
            f"Assign {_orders_text(rows)} to:", labels, 0, False)
        if not ok:
            return
        person = workers[labels.index(label)]
        self._run_bulk(bulk.bulk_assign, rows, person.id)

    def _bulk_status_chosen(self, action: QAction) -> None:
        self.bulk_status(str(action.data()))

    def bulk_status(self, to_status: str) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        reason = ""
        if to_status in NEEDS_REASON:
            reason, ok = QInputDialog.getText(
                self, f"{STATUS_LABELS[to_status]}: {_orders_text(rows)}",
                f"Why are {_orders_text(rows)} {STATUS_LABELS[to_status].lower()}?")
            if not ok:
                return
        elif to_status == "assigned":
            self.bulk_assign()
            return
        elif len(rows) > 1 and not self.confirm(
                "Change status",
                f"Move {_orders_text(rows)} to {STATUS_LABELS[to_status]}? Each order is "
                "checked on its own; those that cannot move are listed afterwards."):
            return
        self._run_bulk(bulk.bulk_transition, rows, to_status, reason)

    def confirm(self, title: str, text: str) -> bool:
        """Ask before a change to many orders (separate so tests can answer it)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _run_bulk(self, service: Callable[..., BulkResult], rows: list[WorkOrderRow],
                  *args: object) -> None:
        items = [(row.id, row.version) for row in rows]  # as the user saw them
        try:
            result = service(self.actor, items, *args)
        except KeepwellError as exc:
            show_error(self, exc)
            return
        self.refresh()
        notify(self, result.summary)
        if result.refused:
            lines = "\n".join(f"{number}: {why}" for number, why in result.refused[:20])
            more = len(result.refused) - 20
            if more > 0:
                lines += f"\n… and {more} more"
            QMessageBox.warning(self, "Some orders were not changed",
                                f"{result.summary}.\n\n{lines}")

    # -- small parts ----------------------------------------------------------------------
    def save_view(self) -> None:
        name, ok = QInputDialog.getText(self, "Save view", "Name of the view:")
        if ok:
            problem = self.filter_bar.save_view(name)
            if problem:
                QMessageBox.warning(self, "Save view", problem)
            else:
                notify(self, f"View “{' '.join(name.split())}” saved")

    def _show_count(self, total: int) -> None:
        noun = "work order" if total == 1 else "work orders"
        if self.model.filters.narrowed:
            text = f"{total:,} {noun} match" if total else "No work orders match"
        elif not self.model.include_finished:
            text = f"{total:,} current {noun}" if total else "No current work orders"
        else:
            text = f"{total:,} {noun}" if total else "No work orders yet"
        self.count_label.setText(text)

    @staticmethod
    def column_titles() -> list[str]:
        return [title for _key, title in COLUMNS]


def _technicians_first(person: Any) -> tuple[bool, str]:
    return (person.role != "technician", person.full_name)


def _orders_text(rows: list[WorkOrderRow]) -> str:
    return rows[0].number if len(rows) == 1 else f"{len(rows)} orders"


def _version_now(form: Any, wo_id: int) -> int | None:
    try:
        return int(listing.order_version(form.actor, wo_id))
    except KeepwellError:
        return None


def _alive(widget: QWidget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True


def my_work_screen(actor: Actor) -> WorkOrdersScreen:
    """A technician's list: their open orders, oldest due first, where they open an order to
    tick tasks, book hours and complete it."""
    return WorkOrdersScreen(actor, start_view="My work", title="My Work")
