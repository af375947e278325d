"""The PM schedule form: a schedule (new or existing) with its trigger, its calendar and the work
order it generates, and beside them a live preview of the dates the schedule as typed would
give. One service call per save; a refused field is named under that field and nothing is
written; a save that lost a race with another desk says so and lets the user choose (saving:
ui/pm/schedule_saving.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor
from app.services.assets import meters, register
from app.services.pm import schedules
from app.services.pm.schedules import ScheduleDetail
from ui.common.errors import describe
from ui.common.form_widgets import FORM_STYLE, FieldBox, say, text_label
from ui.common.pickers import AssetPicker
from ui.pm.schedule_fields import TriggerFields
from ui.pm.schedule_messages import (
    ask_unsaved,
    show_refusal,
)
from ui.pm.schedule_preview import PreviewPanel
from ui.pm.schedule_saving import ScheduleSaving
from ui.pm.schedule_template import TemplateFields

PREVIEW_DELAY_MS = 300
WHEN, WORK_ORDER = range(2)
NEW_HINT = ("Name, asset and a trigger are needed; the dates they give show on the right as "
            "you type.")


class PmScheduleForm(ScheduleSaving, QDialog):
    """`detail` None: a new schedule (on `asset_id` to start with). `saved(id)` after a save.
    `today` says which dates the preview counts from (tests fix it)."""

    saved = Signal(int)

    def __init__(self, actor: Actor, detail: ScheduleDetail | None = None,
                 parent: QWidget | None = None, asset_id: int | None = None,
                 assignee_name: str = "",
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__(parent)
        self.actor = actor
        self.detail = detail
        self.today = today
        self._assignee_name = assignee_name
        self._asset_text = ""  # the chosen asset as the picker shows it
        self._filling = False
        # What the fields held when a save was refused, and the summary said below (None:
        # no refusal shown); each message goes once its field changes or the preview is clean.
        self._refused: dict[str, Any] | None = None
        self._refusal = ""
        self.setStyleSheet(FORM_STYLE)
        self.setMinimumSize(1000, 560)
        room = self.screen().availableGeometry()
        self.resize(min(1200, room.width() - 40), min(780, room.height() - 60))

        self.heading = QLabel()
        self.heading.setObjectName("dialogTitle")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.subheading = text_label("hintText", hidden=False)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Quarterly inspection, 500 h service")
        self.asset = AssetPicker(actor)
        self.active = QCheckBox("Active: generates work orders when due")
        self.triggers = TriggerFields()
        self.template = TemplateFields(actor)
        self.boxes: dict[str, FieldBox] = {
            "name": FieldBox(self.name), "asset": FieldBox(self.asset),
            "active": FieldBox(self.active), **self.triggers.boxes, **self.template.boxes}
        self.tabs = QTabWidget()
        self.tabs.addTab(self.triggers, "When it is due")
        self.tabs.addTab(self.template, "Work order")
        self.preview = PreviewPanel()
        self.preview.setMinimumWidth(300)
        self.preview.setMaximumWidth(380)

        self.message = text_label("errorText", hidden=False)  # empty: takes no room
        self.notice = text_label("hintText", wrap=False, hidden=False)
        self.save_button = QPushButton("Save")
        self.close_button = QPushButton("Close")
        for button in (self.save_button, self.close_button):
            button.setAutoDefault(False)  # Enter belongs to the fields
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self._layout()

        self.name.textEdited.connect(self._edited)
        self.asset.textEdited.connect(self._edited)
        self.asset.changed.connect(self._asset_chosen)
        self.active.toggled.connect(self._edited)
        self.triggers.edited.connect(self._edited)
        self.template.edited.connect(self._edited)

        if detail is not None:
            self._fill(detail)
            self.tabs.tabBar().setFocus()  # a stray key changes nothing
        else:
            self._start_new(asset_id)
            self.name.setFocus()
        self._mark_unchanged()
        self.update_preview()

    def _layout(self) -> None:
        top = QGridLayout()
        top.setHorizontalSpacing(8)
        top.setColumnStretch(1, 1)
        for row, (text, name) in enumerate((("Name", "name"), ("Asset", "asset"))):
            label = QLabel(text)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 4, 0, 0)
            label.setBuddy(self.boxes[name].field)
            top.addWidget(label, row, 0)
            top.addWidget(self.boxes[name], row, 1, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.boxes["active"], 0, 2, Qt.AlignmentFlag.AlignTop)
        top.setColumnMinimumWidth(2, 260)
        body = QHBoxLayout()
        body.addWidget(self.tabs, 1)
        body.addSpacing(10)
        body.addWidget(self.preview)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.notice)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)

    # -- filling --------------------------------------------------------------------------
    def _start_new(self, asset_id: int | None) -> None:
        self.setWindowTitle("New PM schedule")
        self.heading.setText("New PM schedule")
        say(self.subheading, NEW_HINT)
        self.save_button.setText("Create")
        self.save_button.setToolTip("Create the schedule (Ctrl+S)")
        self.close_button.setText("Cancel")
        self.active.setChecked(True)
        self.triggers.fill({})
        if asset_id is not None:
            self._fill_asset(asset_id)
        self._load_meters()

    def _fill_asset(self, asset_id: int | None) -> None:
        found = None
        if asset_id is not None:
            try:
                found = register.get_asset(self.actor, asset_id)
            except KeepwellError:
                return
        self._show_asset(found.id if found else None, found.tag if found else "",
                         found.name if found else "")

    def _show_asset(self, asset_id: int | None, tag: str, name: str) -> None:
        self.asset.set_asset(asset_id, tag, name)
        self._asset_text = self.asset.text().strip()

    def _fill(self, detail: ScheduleDetail) -> None:
        self.detail = detail
        values = detail.values
        self._filling = True
        try:
            self.name.setText(values["name"])
            self._show_asset(values["asset_id"], detail.asset_tag, detail.asset_name)
            self.active.setChecked(bool(values["active"]))
            self._load_meters(values.get("meter_id"))
            self.triggers.fill(values)
            self.template.fill(values, self._assignee_name)
        finally:
            self._filling = False
        self.setWindowTitle(f"PM schedule: {values['name']}")
        self.heading.setText(f"{detail.asset_tag}  {values['name']}")
        state = "" if values["active"] else " · inactive: generates no orders"
        say(self.subheading,
            f"{detail.asset_name} · due {detail.trigger}{state}")
        self.save_button.setToolTip("Save your changes (Ctrl+S)")

    def _load_meters(self, chosen: int | None = None) -> None:
        asset_id = self.asset.asset_id()
        if asset_id is None:
            self.triggers.set_meters([], None, "Choose the asset first")
            return
        try:
            rows = meters.list_meters(self.actor, asset_id)
        except KeepwellError as exc:
            self.triggers.set_meters([], None, describe(exc))
            return
        self.triggers.set_meters(rows, chosen)

    # -- reading --------------------------------------------------------------------------
    def values(self, resolve: bool = True) -> dict[str, Any]:
        """Every field, as create_schedule takes them (text is checked there); `resolve`
        False leaves the asset out (a typed tag is looked up)."""
        return {"name": self.name.text().strip(),
                "asset_id": self.asset.asset_id() if resolve else None,
                "active": self.active.isChecked(), **self.triggers.values(),
                **self.template.values()}

    def _state(self) -> dict[str, Any]:
        """What the fields show, cheaply (the asset as typed: no look-up per keystroke)."""
        return {**self.values(resolve=False), "asset_id": self.asset.text().strip()}

    def _mark_unchanged(self) -> None:
        """What the fields show now is what is stored."""
        self._baseline = self.values()
        self._baseline_state = self._state()

    def changed_values(self) -> dict[str, Any]:
        now = self.values()
        return {name: value for name, value in now.items() if value != self._baseline[name]}

    def is_dirty(self) -> bool:
        return self._state() != self._baseline_state

    def typing_asset(self) -> bool:
        """An asset tag is being typed (not chosen yet with Enter or from the list)."""
        text = self.asset.text().strip()
        return bool(text) and text != self._asset_text

    def problems(self) -> dict[str, str]:
        """What is wrong before asking the service: a tag that names no asset, a meter
        trigger on an asset without meters."""
        found: dict[str, str] = {}
        if self.asset.problem():
            typed = self.asset.text().strip()
            found["asset"] = f"must be an existing asset: no asset has the tag {typed!r}"
        if self.triggers.by_meter.isChecked() and self.triggers.meter.currentData() is None:
            found["meter"] = "is needed for a meter trigger: this asset has none yet " \
                             "(add it on the asset's form)"
        return found

    # -- the preview ----------------------------------------------------------------------
    def _edited(self, *_args: object) -> None:
        if self._filling:
            return
        self._clear_fixed()
        self._preview_timer.start()  # restarted by every keystroke: runs once typing stops
        self.notice.setText("Unsaved changes" if self.detail and self.is_dirty() else "")

    def _asset_chosen(self) -> None:
        self._asset_text = self.asset.text().strip()
        if self._filling:
            return
        before = self.triggers.meter.currentData()
        self._load_meters()
        if self.triggers.meter.currentData() != before:
            self.triggers.meter_start.clear()  # a new meter counts from its own reading
        self._edited()

    def update_preview(self) -> None:
        """Ask the service for the next dates of the schedule as the form holds it."""
        self._preview_timer.stop()
        if self.typing_asset():  # the preview follows once it is chosen
            self.preview.show_problems(["Asset: press Enter or choose it from the list."])
            return
        values = self.values()
        # The preview is about dates: a name not typed yet is no reason to show none.
        unnamed = not values["name"]
        values["name"] = values["name"] or "(preview)"
        clean = self.preview.show_schedule(self.actor, values,
                                           self.detail.id if self.detail else None,
                                           self.today(), self.problems())
        if clean and self._refused is not None:
            # The service takes what the form holds now: the refusal is history (but for a
            # missing name, which the preview stood in for).
            self._clear_refusal(keep=("name",) if unnamed else ())

    # -- saving (the rest: ui.pm.schedule_saving) -----------------------------------------
    def show_errors(self, fields: dict[str, str]) -> None:
        """Each message under its field (its tab shown), a summary below."""
        first, summary = show_refusal(self.boxes, fields)
        self.message.setText(summary)
        self._refused, self._refusal = self._state(), summary
        if first is not None:
            self.tabs.setCurrentIndex(WHEN if first in self.triggers.boxes.values() else
                                      WORK_ORDER if first in self.template.boxes.values()
                                      else self.tabs.currentIndex())
            first.field.setFocus()

    # -- other desks ----------------------------------------------------------------------
    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Something changed somewhere: show it here unless it would overwrite edits."""
        if self.detail is not None and str(self.detail.id) in changed.get("pm_schedule", ()):
            if self.is_dirty():
                self.message.setText("Someone has just changed this schedule. Saving will "
                                     "ask whether to keep your edits or theirs.")
            else:
                try:
                    self._fill(schedules.get_schedule(self.actor, self.detail.id))
                except KeepwellError:
                    return
                self._mark_unchanged()
        if changed.keys() & {"pm_schedule", "work_order", "meter"}:
            self._preview_timer.start()

    # -- closing --------------------------------------------------------------------------
    def reject(self) -> None:
        """Close, asking first when there are unsaved edits (Esc, Close, the title bar)."""
        if self.is_dirty():
            what = f"“{self.detail.values['name']}”" if self.detail else "the new schedule"
            answer = ask_unsaved(self, what)
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def done(self, result: int) -> None:
        self._preview_timer.stop()  # closed: no preview to show
        super().done(result)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # Enter in a field never closes the form
            return
        super().keyPressEvent(event)
