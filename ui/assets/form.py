"""The asset form: the register entry (new or existing) with its meters, work orders and
history. One service call per save; a refused field is named under the field and nothing is
written; a save that lost a race with another desk says who won and lets the user choose."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, KeepwellError, ValidationError
from app.permissions import Actor, Perm
from app.services.assets import register
from app.services.assets.register import AssetDetail, AssetRow
from app.services.common import MAX_PAGE
from ui.assets.activity import AssetHistoryTab, AssetWorkOrdersTab
from ui.assets.conflict import ask_about_conflict
from ui.assets.fields import AssetFields
from ui.assets.meters import MetersTab
from ui.common.errors import describe
from ui.common.form_dialog import hint_label
from ui.common.time_text import local_time

DETAILS, METERS, WORK_ORDERS, HISTORY = range(4)
SUB_ASSETS_LINK = "sub-assets"


class AssetForm(QDialog):
    """`detail` None: a new asset (placed in `location_id` to start with). `saved(id)` after a
    save; `open_work_order(id)` when an order on the Work orders tab is opened; `open_asset(id)`
    when a sub-asset is chosen from the list under the heading."""

    saved = Signal(int)
    open_work_order = Signal(int)
    open_asset = Signal(int)

    def __init__(self, actor: Actor, detail: AssetDetail | None = None,
                 parent: QWidget | None = None, location_id: int | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.detail = detail
        self.can_edit = actor.can(Perm.ASSET_MANAGE)
        self.resize(900, 640)

        self.heading = QLabel()
        self.heading.setObjectName("dialogTitle")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)  # a name is text, never markup
        self.heading.setWordWrap(True)
        self.subheading = hint_label("")
        self.subheading.setTextFormat(Qt.TextFormat.RichText)
        self.subheading.linkActivated.connect(self.show_sub_assets)
        self.sub_asset_menu = QMenu(self)
        self.sub_asset_menu.triggered.connect(self._sub_asset_chosen)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.hide()

        self.details = AssetFields(actor)
        self._expose_fields()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.details, "Details")
        self.meters_tab: MetersTab | None = None
        self.work_orders_tab: AssetWorkOrdersTab | None = None
        self.history_tab: AssetHistoryTab | None = None
        if detail is not None:
            self._add_record_tabs(detail)

        self.button_box = QDialogButtonBox()
        self.save_button: QPushButton | None = None
        if self.can_edit:
            self.save_button = self.button_box.addButton(
                "Save" if detail else "Add asset", QDialogButtonBox.ButtonRole.AcceptRole)
            self.button_box.addButton(QDialogButtonBox.StandardButton.Close if detail else
                                      QDialogButtonBox.StandardButton.Cancel)
        else:
            self.button_box.addButton(QDialogButtonBox.StandardButton.Close)
        for button in self.button_box.buttons():
            # Enter belongs to the fields (the parent picker takes a scanned tag with it).
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.button_box)

        if detail is not None:
            self._fill(detail)
        else:
            self.details.location.set_location(location_id)
            self._show_heading()
        self.details.set_read_only(not self.can_edit)
        self._baseline = self.values()
        # A new asset starts at its tag. An existing one starts on its tabs: a stray key there
        # changes nothing, where in the tag field it would overwrite the asset's identifier.
        (self.details.tag if detail is None else self.tabs.tabBar()).setFocus()

    # -- building -------------------------------------------------------------------------
    def _expose_fields(self) -> None:
        """The fields stay the form's own attributes (form.tag, form.errors, ...): that is how
        the tests type into the form and read its messages."""
        page = self.details
        self.fields, self.errors = page.fields, page.errors
        self.tag, self.name, self.category = page.tag, page.name, page.category
        self.criticality, self.status = page.criticality, page.status
        self.parent_asset, self.location = page.parent_asset, page.location
        self.manufacturer, self.model_name = page.manufacturer, page.model_name
        self.serial, self.install_date = page.serial, page.install_date
        self.cost, self.warranty_end = page.cost, page.warranty_end
        self.notes = page.notes

    def _add_record_tabs(self, detail: AssetDetail) -> None:
        self.meters_tab = MetersTab(self.actor, detail.id, detail.tag)
        self.meters_tab.changed.connect(self._update_tab_titles)
        self.tabs.addTab(self.meters_tab, "Meters")
        if self.actor.can(Perm.WO_VIEW):
            self.work_orders_tab = AssetWorkOrdersTab(self.actor, detail.id)
            self.work_orders_tab.open_work_order.connect(self.open_work_order)
            self.tabs.addTab(self.work_orders_tab, "Work orders")
        self.history_tab = AssetHistoryTab(self.actor, detail.id)
        self.tabs.addTab(self.history_tab, "History")

    # -- state ----------------------------------------------------------------------------
    def _fill(self, detail: AssetDetail) -> None:
        self.detail = detail
        self.details.fill(detail)
        self._show_heading()
        self._update_tab_titles()

    def _show_heading(self) -> None:
        detail = self.detail
        if detail is None:
            self.setWindowTitle("New asset")
            self.heading.setText("New asset")
            self.subheading.setText("Tag and name are required; the rest can follow later.")
            return
        self.setWindowTitle(f"Asset {detail.tag}: {detail.name}")
        self.heading.setText(f"{detail.tag}  {detail.name}")
        parts = [html.escape(detail.location_path or "Not placed in a location")]
        if detail.child_count:
            noun = "sub-asset" if detail.child_count == 1 else "sub-assets"
            parts.append(f'<a href="{SUB_ASSETS_LINK}">{detail.child_count} {noun}</a>')
        parts.append(f"last changed {local_time(detail.updated_at)}")
        if not self.can_edit:
            parts.append("read only: your role may not change assets")
        self.subheading.setText(" · ".join(parts))
        self.subheading.setToolTip(
            "Click the sub-assets to list them" if detail.child_count else "")

    # -- sub-assets -----------------------------------------------------------------------
    def show_sub_assets(self, _link: str = "") -> None:
        """List the sub-assets under the heading; choosing one opens its form."""
        if self.detail is None:
            return
        self.sub_asset_menu.clear()
        try:
            children = self.sub_assets()
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            self.message.show()
            return
        for row in children:
            action = self.sub_asset_menu.addAction(f"{row.tag}  {row.name}")
            action.setData(row.id)
        if not children:
            self.sub_asset_menu.addAction("No sub-assets any more").setEnabled(False)
        self.sub_asset_menu.popup(
            self.subheading.mapToGlobal(self.subheading.rect().bottomLeft()))

    def sub_assets(self) -> list[AssetRow]:
        """The assets whose parent this one is, by tag."""
        assert self.detail is not None
        return register.list_assets(self.actor, parent_id=self.detail.id, limit=MAX_PAGE)

    def _sub_asset_chosen(self, action: QAction) -> None:
        if isinstance(action.data(), int):
            self.open_asset.emit(action.data())

    def _update_tab_titles(self) -> None:
        if self.detail is None:
            return
        if self.meters_tab is not None:
            count = len(self.meters_tab.meters)
            self.tabs.setTabText(self.tabs.indexOf(self.meters_tab),
                                 f"Meters ({count})" if count else "Meters")
        if self.work_orders_tab is not None:
            total = self.detail.open_work_orders + self.detail.past_work_orders
            self.tabs.setTabText(self.tabs.indexOf(self.work_orders_tab),
                                 f"Work orders ({total})" if total else "Work orders")

    def values(self) -> dict[str, Any]:
        """What the form says now, as the service takes it (text is checked there)."""
        return self.details.values()

    def changed_values(self) -> dict[str, Any]:
        now = self.values()
        return {name: value for name, value in now.items() if value != self._baseline[name]}

    def is_dirty(self) -> bool:
        return self.can_edit and bool(self.changed_values())

    def show_errors(self, fields: dict[str, str]) -> None:
        """Each message under its field; what has no field goes to the line at the bottom."""
        loose = self.details.show_errors(fields)
        count = len(fields)
        summary = ("Nothing was saved: " + ("one field needs" if count == 1 else
                                              f"{count} fields need") + " attention.")
        self.message.setText("\n".join([summary, *loose]))
        self.message.show()
        self.tabs.setCurrentIndex(DETAILS)
        self.details.focus_first(fields)

    def clear_errors(self) -> None:
        self.details.clear_errors()
        self.message.clear()
        self.message.hide()

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> bool:
        """Add or update the asset; True (and the form closes) when it was saved."""
        if not self.can_edit:
            return False
        self.clear_errors()
        if problems := self.details.problems():
            self.show_errors(problems)
            return False
        try:
            if self.detail is None:
                detail = register.add_asset(self.actor, **self.values())
            else:
                changes = self.changed_values()
                if not changes:
                    self.accept()
                    return True
                detail = register.update_asset(self.actor, self.detail.id, self.detail.version,
                                             **changes)
        except ValidationError as exc:
            self.show_errors(exc.fields)
            return False
        except ConflictError as exc:
            self.resolve_conflict(exc)
            return False
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            self.message.show()
            return False
        self.detail = detail
        self._baseline = self.values()
        self.saved.emit(detail.id)
        self.accept()
        return True

    def resolve_conflict(self, exc: ConflictError) -> None:
        """Say who saved first and what they changed; Reload takes their version, Keep my
        edits puts this form's changes on top of it (saved with the next Save)."""
        assert self.detail is not None
        wants_reload, by = ask_about_conflict(self, self.actor, self.detail.id, exc)
        mine = self.changed_values()
        try:
            theirs = register.get_asset(self.actor, self.detail.id)
        except KeepwellError as exc2:
            self.message.setText(describe(exc2))
            self.message.show()
            return
        self._fill(theirs)
        self._baseline = self.values()
        if wants_reload:
            self.message.setText(f"Reloaded: this is the asset as {by} left it.")
        else:
            self.details.apply(mine)
            self.message.setText(
                f"Your edits are on top of the version {by} saved. "
                "Check them and save again.")
        self.message.show()
        if self.history_tab is not None:
            self.history_tab.refresh()

    # -- closing --------------------------------------------------------------------------
    def reject(self) -> None:
        """Close, asking first when there are unsaved edits (Esc, Close and the title bar's
        close button all come here)."""
        if self.is_dirty():
            answer = self.ask_unsaved()
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        what = self.detail.tag if self.detail else "the new asset"
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(self, "Unsaved changes",
                                    f"Save your changes to {what} before closing?", buttons,
                                    QMessageBox.StandardButton.Save)

    # -- other desks ----------------------------------------------------------------------
    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Something changed somewhere: show it here unless it would overwrite edits."""
        if self.detail is None:
            return
        mine = str(self.detail.id)
        if mine in changed.get("asset", set()):
            if self.is_dirty():
                self.message.setText("Someone has just changed this asset. Saving will ask "
                                     "whether to keep your edits or theirs.")
                self.message.show()
            else:
                try:
                    self._fill(register.get_asset(self.actor, self.detail.id))
                except KeepwellError:
                    return
                self._baseline = self.values()
            if self.history_tab is not None:
                self.history_tab.refresh()
        if "meter" in changed and self.meters_tab is not None:
            self.meters_tab.refresh()
            self._update_tab_titles()
        if "work_order" in changed and self.work_orders_tab is not None:
            self.work_orders_tab.refresh()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        # Enter in a field must not close the form (QDialog would press a default button).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)
