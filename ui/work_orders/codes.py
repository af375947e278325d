"""The Failure codes tab: what failed, why, and what was done (from the shipped ISO 14224 style
lists), and how long the asset was down. These fields carry the order's version, so the form
saves them (with its Save, or this tab's button) and handles a conflict like the header's."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.work_orders.detail import WorkOrderDetail
from app.services.work_orders.edit import failure_codes
from app.services.work_orders.lifecycle import FAILURE_CODED_TYPES
from ui.common.form_widgets import FieldBox, field_message, hours_text, set_read_only
from ui.work_orders.tabs import button

KINDS = ("problem", "cause", "remedy")
DOWNTIME_HINT = "hours the asset was down, e.g. 1.5"
KIND_LABELS = {"problem": "Problem (what failed)", "cause": "Cause (why)",
               "remedy": "Remedy (what was done)"}


class FailureCodesTab(QWidget):
    """`edited` on every user change; `save_requested` when its Save button is pressed."""

    edited = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._baseline: dict[str, Any] = {}
        self._filling = False
        self._refused: dict[str, Any] = {}  # what the fields showed when a save was refused
        lists = failure_codes()
        self.combos: dict[str, QComboBox] = {}
        self.boxes: dict[str, FieldBox] = {}
        form = QFormLayout()
        for kind in KINDS:
            combo = QComboBox()
            combo.addItem("(none)", "")
            for code, text in getattr(lists, kind).items():
                combo.addItem(f"{code} — {text}", code)
            combo.setMaxVisibleItems(20)
            combo.currentIndexChanged.connect(self._edited)
            self.combos[kind] = combo
            self.boxes[f"failure_{kind}"] = FieldBox(combo)
            form.addRow(KIND_LABELS[kind], self.boxes[f"failure_{kind}"])
        self.downtime = QLineEdit()
        self.downtime.setPlaceholderText(DOWNTIME_HINT)
        self.downtime.setMaximumWidth(260)
        self.downtime.textEdited.connect(self._edited)
        self.boxes["downtime_hours"] = FieldBox(self.downtime)
        form.addRow("Downtime (hours)", self.boxes["downtime_hours"])
        self.hint = QLabel()
        self.hint.setObjectName("hintText")
        self.hint.setWordWrap(True)
        self.save_button = button("Save codes and downtime")
        self.save_button.clicked.connect(self.save_requested)
        bar = QHBoxLayout()
        bar.addWidget(self.hint, 1)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(bar)

    def fill(self, detail: WorkOrderDetail, editable: bool) -> None:
        self._filling = True
        try:
            for kind, combo in self.combos.items():
                code = getattr(detail, f"failure_{kind}")
                index = combo.findData(code)
                if index < 0 and code:  # a code no longer shipped: still show it
                    combo.addItem(code, code)
                    index = combo.count() - 1
                combo.setCurrentIndex(max(index, 0))
                self.boxes[f"failure_{kind}"].show_read_only(
                    None if editable else (combo.currentText() if code else "–"))
            self.downtime.setText(hours_text(detail.downtime_hours))
            set_read_only(self.downtime, not editable)
            self.downtime.setPlaceholderText(DOWNTIME_HINT if editable else "")
        finally:
            self._filling = False
        self._baseline = self._state()
        self.save_button.setVisible(editable)
        self.save_button.setEnabled(False)
        article = "an" if detail.type[:1] in "aeiou" else "a"
        self.hint.setText(
            f"All three codes are needed to sign off {article} {detail.type} order."
            if detail.type in FAILURE_CODED_TYPES
            else "Codes are optional on this type of order; they feed the failure reports.")
        self.show_errors({})

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {k: c.currentData() for k, c in self.combos.items()}
        state["downtime"] = self.downtime.text().strip()
        return state

    def codes_dirty(self) -> bool:
        now = self._state()
        return any(now[k] != self._baseline.get(k) for k in KINDS)

    def downtime_dirty(self) -> bool:
        return self._state()["downtime"] != self._baseline.get("downtime")

    def is_dirty(self) -> bool:
        return self.codes_dirty() or self.downtime_dirty()

    def codes(self) -> tuple[str, str, str]:
        problem, cause, remedy = (self.combos[k].currentData() for k in KINDS)
        return problem, cause, remedy

    def downtime_value(self) -> str | None:
        return self.downtime.text().strip() or None

    def show_errors(self, fields: dict[str, str]) -> None:
        for name, box in self.boxes.items():
            box.set_error(field_message(name, fields[name]) if name in fields else "")
        self._refused = self._state() if self.has_errors() else {}

    def has_errors(self) -> bool:
        return any(box.error.text() for box in self.boxes.values())

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            now = self._state()
            for key, value in self._refused.items():  # a changed field's message goes
                if now[key] != value:
                    name = "downtime_hours" if key == "downtime" else f"failure_{key}"
                    self.boxes[name].set_error("")
            self.save_button.setEnabled(self.is_dirty())
            self.edited.emit()
