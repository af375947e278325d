"""The Details page of the asset form: the asset's register entry (tag, name, category,
criticality, status, parent, location, maker's data, dates, cost, notes), each field with a line
under it for the message of a refused save. `values()` gives them under the names add_asset and
update_asset take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError, field_label
from app.permissions import Actor
from app.services.assets import register
from app.services.assets.fields import CRITICALITIES, STATUS_LABELS
from app.services.assets.register import AssetDetail
from ui.common.pickers import AssetPicker, LocationPicker

CRITICALITY_LABELS = {"A": "A: critical", "B": "B: important", "C": "C: run to failure"}


def _money(value: Any) -> str:
    return "" if value is None else f"{value:,.2f}"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


class AssetFields(QWidget):
    """`fields` and `errors` by the service's field names, in the order the page shows them."""

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self._build_fields()
        self._lay_out()

    # -- building -------------------------------------------------------------------------
    def _build_fields(self) -> None:
        self.tag = QLineEdit()
        self.tag.setPlaceholderText("e.g. PMP-0101 (letters, digits, - . / # _)")
        self.name = QLineEdit()
        self.category = QLineEdit()
        self.category.setPlaceholderText("e.g. Pump, Conveyor, Compressor")
        self.criticality = QComboBox()
        for value in CRITICALITIES:
            self.criticality.addItem(CRITICALITY_LABELS[value], value)
        self.criticality.setCurrentIndex(self.criticality.findData("B"))
        self.status = QComboBox()
        for value, text in STATUS_LABELS.items():
            self.status.addItem(text, value)
        self.parent_asset = AssetPicker(self.actor)
        self.location = LocationPicker(self.actor)
        self.manufacturer = QLineEdit()
        self.model_name = QLineEdit()
        self.serial = QLineEdit()
        self.install_date = QLineEdit()
        self.warranty_end = QLineEdit()
        for edit in (self.install_date, self.warranty_end):
            edit.setPlaceholderText("YYYY-MM-DD")
        self.cost = QLineEdit()
        self.cost.setPlaceholderText("e.g. 12,500.00")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.fields: dict[str, QWidget] = {
            "tag": self.tag, "name": self.name, "category": self.category,
            "criticality": self.criticality, "status": self.status,
            "parent_id": self.parent_asset, "location_id": self.location,
            "manufacturer": self.manufacturer, "model": self.model_name, "serial": self.serial,
            "install_date": self.install_date, "cost": self.cost,
            "warranty_end": self.warranty_end, "notes": self.notes,
        }
        self.errors: dict[str, QLabel] = {}
        self._error_rows: dict[str, tuple[QFormLayout, int]] = {}
        for name in self.fields:
            label = QLabel()
            label.setObjectName("errorText")
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.hide()
            self.errors[name] = label

    def _field(self, name: str) -> QWidget:
        """The field with its error line under it."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.fields[name])
        layout.addWidget(self.errors[name])
        return box

    def _lay_out(self) -> None:
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for form, names in ((left, ("tag", "name", "category", "criticality", "status",
                                    "parent_id", "location_id")),
                            (right, ("manufacturer", "model", "serial", "install_date", "cost",
                                     "warranty_end"))):
            for name in names:
                form.addRow(field_label(name), self.fields[name])
                # The message gets a row of its own under the field, shown only when needed,
                # so the field's label stays level with the field.
                form.addRow("", self.errors[name])
                self._error_rows[name] = (form, form.rowCount() - 1)
                form.setRowVisible(form.rowCount() - 1, False)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addSpacing(16)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(QLabel(field_label("notes")))
        layout.addWidget(self._field("notes"), 1)

    def set_read_only(self, read_only: bool) -> None:
        for widget in self.fields.values():
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(read_only)
            else:
                widget.setEnabled(not read_only)
        if read_only:
            for edit in (self.tag, self.name, self.category, self.manufacturer,
                         self.model_name, self.serial, self.install_date, self.warranty_end,
                         self.cost, self.parent_asset):
                edit.setPlaceholderText("")

    # -- filling and reading --------------------------------------------------------------
    def fill(self, detail: AssetDetail) -> None:
        """Show the asset as stored."""
        self.tag.setText(detail.tag)
        self.name.setText(detail.name)
        self.category.setText(detail.category)
        self.criticality.setCurrentIndex(max(self.criticality.findData(detail.criticality), 0))
        self.status.setCurrentIndex(max(self.status.findData(detail.status), 0))
        self.parent_asset.set_asset(detail.parent_id, detail.parent_tag)
        self.location.set_location(detail.location_id)
        self.manufacturer.setText(detail.manufacturer)
        self.model_name.setText(detail.model)
        self.serial.setText(detail.serial)
        self.install_date.setText(_date(detail.install_date))
        self.cost.setText(_money(detail.cost))
        self.warranty_end.setText(_date(detail.warranty_end))
        self.notes.setPlainText(detail.notes)

    def values(self) -> dict[str, Any]:
        """What the fields say now, as the service takes it (text is checked there)."""
        return {
            "tag": self.tag.text(),
            "name": self.name.text(),
            "category": self.category.text(),
            "criticality": self.criticality.currentData(),
            "status": self.status.currentData(),
            "manufacturer": self.manufacturer.text(),
            "model": self.model_name.text(),
            "serial": self.serial.text(),
            "install_date": self.install_date.text().strip(),
            "cost": self.cost.text().strip(),
            "warranty_end": self.warranty_end.text().strip(),
            "parent_id": self.parent_asset.asset_id(),
            "location_id": self.location.location_id(),
            "notes": self.notes.toPlainText(),
        }

    def apply(self, values: dict[str, Any]) -> None:
        """Put values (as `values()` gives them) back into the fields."""
        for name, value in values.items():
            widget = self.fields[name]
            if isinstance(widget, AssetPicker):
                widget.set_asset(value, self._tag_of(value))
            elif isinstance(widget, LocationPicker):
                widget.set_location(value)
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value), 0))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value)
            elif isinstance(widget, QLineEdit):
                widget.setText(value)

    def _tag_of(self, asset_id: int | None) -> str:
        if asset_id is None:
            return ""
        try:
            return register.get_asset(self.actor, asset_id).tag
        except KeepwellError:
            return ""

    def problems(self) -> dict[str, str]:
        """What is wrong before asking the service: a parent tag that names no asset."""
        if not self.parent_asset.problem():
            return {}
        typed = self.parent_asset.text().strip()
        return {"parent_id": f"must be an existing asset: no asset has the tag {typed!r}"}

    # -- refusals -------------------------------------------------------------------------
    def show_errors(self, fields: dict[str, str]) -> list[str]:
        """Each message under its field, as a sentence; the sentences of those that have no
        field here are returned (for the line at the bottom of the form)."""
        loose = []
        for name, text in fields.items():
            sentence = f"{field_label(name)} {text}."
            if name in self.errors:
                self.errors[name].setText(sentence)
                self._show_error_row(name, True)
            else:
                loose.append(sentence)
        return loose

    def focus_first(self, names: dict[str, str]) -> None:
        """Put the cursor in the first of these fields, in the order the page shows them."""
        first = next((n for n in self.fields if n in names), None)
        if first is not None:
            self.fields[first].setFocus()

    def _show_error_row(self, name: str, shown: bool) -> None:
        if name in self._error_rows:
            form, row = self._error_rows[name]
            form.setRowVisible(row, shown)
        else:
            self.errors[name].setVisible(shown)

    def clear_errors(self) -> None:
        for name, label in self.errors.items():
            label.clear()
            self._show_error_row(name, False)
