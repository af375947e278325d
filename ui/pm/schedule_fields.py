"""The "When it is due" page of the PM schedule form: the time trigger (every N days, weeks,
months, years, or a rule), the meter trigger, the anchor, and the calendar (start, end, lead
days, season, plant holidays). `values()` gives them under the names create_schedule takes."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.pm.engine import amount
from app.services.assets.meters import MeterRow
from app.services.pm.fields import MAX_LEAD_DAYS
from ui.common.form_widgets import DateField, FieldBox
from ui.pm.rrule_builder import RRuleBuilder
from ui.pm.schedule_skip_dates import SkipDatesEditor

# (label for one, label for more, time_unit)
TIME_UNITS = (("day", "days", "day"), ("week", "weeks", "week"), ("month", "months", "month"),
              ("year", "years", "year"), ("custom rule", "custom rule", "rrule"))
MONTHS = tuple(calendar.month_name[m] for m in range(1, 13))
FIXED_HINT = "Fixed: due on the series' own dates (1 Mar, 1 Jun, ...) however early or late " \
             "the last one was done; one not done in time counts as missed."
FLOATING_HINT = "Floating: due one interval after the last completion (done late on 10 Mar, " \
                "monthly: next due 10 Apr)."
BOTH_HINT = "Floating is required with both triggers: each completion restarts the time and " \
            "the meter count together, whichever came first."


def amount_text(value: Any) -> str:
    """A meter amount as the planner types it: Decimal("500.00") -> "500"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    try:
        text = f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return str(value)
    return text.rstrip("0").rstrip(".")


def date_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    label.setContentsMargins(0, 4, 0, 0)  # level with the text of the field beside it
    return label


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    label.setWordWrap(True)
    return label


def _row(*widgets: QWidget | str, stretch: bool = True) -> QWidget:
    """Widgets side by side; a hint at the end takes the room left (and wraps only when it
    must)."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    for w in widgets:
        widget = QLabel(w) if isinstance(w, str) else w
        hint = widget.objectName() == "hintText"
        layout.addWidget(widget, 1 if hint else 0)
        stretch = stretch and not hint
    if stretch:
        layout.addStretch(1)
    return box


class TriggerFields(QWidget):
    """`edited` on every change the user makes (not while filling)."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self.meters: dict[int, MeterRow] = {}
        self._build_time()
        self._build_meter()
        self._build_calendar()
        self.boxes: dict[str, FieldBox] = {
            "trigger": FieldBox(self.trigger_note), "time": FieldBox(self.time_row),
            "rrule": FieldBox(self.rrule), "meter": FieldBox(self.meter_row),
            "meter_every": FieldBox(self.every_row),
            "meter_tolerance": FieldBox(self.tolerance_row),
            "meter_start": FieldBox(self.start_row), "anchor": FieldBox(self.anchor_box),
            "start_date": FieldBox(self.start_date), "end_date": FieldBox(self.end_date),
            "lead_days": FieldBox(self.lead_row), "season": FieldBox(self.season_row),
            "skip_dates": FieldBox(self.skip_dates),
        }
        left = QGridLayout()
        right = QGridLayout()
        for grid in (left, right):
            grid.setHorizontalSpacing(8)
            grid.setVerticalSpacing(6)
            grid.setColumnStretch(1, 1)
        self._place(left, 0, "", "trigger")
        self._place(left, 1, self.by_time, "time")
        # The rule builder spans the labels' column too: its rule text, one long word, gets
        # the whole width; its other controls line up with the fields (see showEvent).
        left.addWidget(self.boxes["rrule"], 2, 0, 1, 2, Qt.AlignmentFlag.AlignTop)
        self._place(left, 3, self.by_meter, "meter")
        for n, name in enumerate(("meter_every", "meter_tolerance", "meter_start"), 4):
            self._place(left, n, "", name)
        left.addWidget(self.meter_hint, 7, 1)
        self._place(left, 8, "Anchor", "anchor")
        left.setRowStretch(9, 1)
        self._place(right, 0, "Start date", "start_date")
        self._place(right, 1, "End date", "end_date")
        self._place(right, 2, "Lead days", "lead_days")
        self._place(right, 3, self.in_season, "season")
        self._place(right, 4, "Skip dates", "skip_dates")
        right.setRowStretch(5, 1)
        self.left = left
        columns = QHBoxLayout(self)
        columns.addLayout(left, 11)
        columns.addSpacing(14)
        columns.addLayout(right, 8)
        self._update_enabled()

    # -- building -------------------------------------------------------------------------
    def _build_time(self) -> None:
        self.by_time = QCheckBox("By time")
        self.by_time.setToolTip("Due by the calendar: every so many days, weeks, months, years")
        self.time_every = QSpinBox()
        self.time_every.setRange(1, 1000)
        self.time_unit = QComboBox()
        for _one, many, unit in TIME_UNITS:
            self.time_unit.addItem(many, unit)
        self.time_unit.setCurrentIndex(self.time_unit.findData("month"))
        self.every_label = QLabel("every")
        self.time_row = _row(self.every_label, self.time_every, self.time_unit)
        self.rrule = RRuleBuilder()
        self.trigger_note = _hint("Due by time, by meter, or whichever comes first when both "
                                  "are ticked.")
        self.by_time.toggled.connect(self._triggers_changed)
        self.time_every.valueChanged.connect(self._every_changed)
        self.time_unit.currentIndexChanged.connect(self._triggers_changed)
        self.rrule.changed.connect(self._edited)
        self._every_changed(self.time_every.value())

    def _build_meter(self) -> None:
        self.by_meter = QCheckBox("By meter")
        self.by_meter.setToolTip("Due when a meter of the asset (run hours, km, cycles) has "
                                 "risen by so much")
        self.meter = QComboBox()
        self.meter.setMinimumContentsLength(18)
        self.meter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.meter_every = QLineEdit()
        self.meter_tolerance = QLineEdit()
        self.meter_start = QLineEdit()
        for edit, hint in ((self.meter_every, "e.g. 500"), (self.meter_tolerance, "0"),
                           (self.meter_start, "")):
            edit.setPlaceholderText(hint)
            edit.setMinimumWidth(70)
            edit.setMaximumWidth(110)
            edit.textEdited.connect(self._edited)
        self.units = [QLabel(), QLabel(), QLabel()]
        self.meter_row = _row(self.meter)
        self.every_row = _row("every", self.meter_every, self.units[0])
        self.tolerance_row = _row("tolerance", self.meter_tolerance, self.units[1])
        self.start_row = _row("count from", self.meter_start, self.units[2])
        self.meter_hint = _hint()
        self.fixed = QRadioButton("Fixed")
        self.floating = QRadioButton("Floating")
        self.fixed.setChecked(True)
        self.anchors = QButtonGroup(self)
        self.anchors.addButton(self.fixed)
        self.anchors.addButton(self.floating)
        self.anchor_hint = _hint()
        self.anchor_box = QWidget()
        anchor_layout = QVBoxLayout(self.anchor_box)
        anchor_layout.setContentsMargins(0, 0, 0, 0)
        anchor_layout.setSpacing(2)
        anchor_layout.addWidget(_row(self.fixed, self.floating))
        anchor_layout.addWidget(self.anchor_hint)
        self.by_meter.toggled.connect(self._triggers_changed)
        self.meter.currentIndexChanged.connect(self._meter_chosen)
        self.fixed.toggled.connect(self._triggers_changed)

    def _build_calendar(self) -> None:
        self.start_date = DateField()
        self.start_date.edit.setPlaceholderText("YYYY-MM-DD (empty: today)")
        self.end_date = DateField()
        self.end_date.edit.setPlaceholderText("YYYY-MM-DD (empty: no end)")
        self.lead_days = QSpinBox()
        self.lead_days.setRange(0, MAX_LEAD_DAYS)
        self.lead_days.setSuffix(" days")
        self.lead_days.setToolTip("The work order is raised this many days before its due "
                                  "date, so that parts and people can be planned")
        self.lead_row = _row(self.lead_days, _hint("ahead of the due date"))
        self.in_season = QCheckBox("Season")
        self.in_season.setToolTip("Only due in these months (e.g. a cooling tower April to "
                                  "October); outside them nothing is due or missed")
        self.season_from = QComboBox()
        self.season_to = QComboBox()
        for combo, default in ((self.season_from, 4), (self.season_to, 10)):
            for number, name in enumerate(MONTHS, 1):
                combo.addItem(name, number)
            combo.setCurrentIndex(default - 1)
        # One month under the other: side by side they would leave the rule builder, in the
        # left column, too little room in a narrow form.
        self.season_row = QWidget()
        months = QGridLayout(self.season_row)
        months.setContentsMargins(0, 0, 0, 0)
        months.setSpacing(4)
        for row, (text, combo) in enumerate((("from", self.season_from),
                                             ("to", self.season_to))):
            months.addWidget(QLabel(text), row, 0)
            months.addWidget(combo, row, 1)
        months.setColumnStretch(2, 1)
        self.skip_dates = SkipDatesEditor()
        self.start_date.edited.connect(self._edited)
        self.end_date.edited.connect(self._edited)
        self.lead_days.valueChanged.connect(self._edited)
        self.in_season.toggled.connect(self._triggers_changed)
        self.season_from.currentIndexChanged.connect(self._edited)
        self.season_to.currentIndexChanged.connect(self._edited)
        self.skip_dates.edited.connect(self._edited)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        # The labels' column is as wide as its widest label, known once they are styled.
        labels = [item.widget() for row in range(self.left.rowCount())
                  if (item := self.left.itemAtPosition(row, 0)) is not None
                  and item.widget() is not self.boxes["rrule"]]
        width = max(label.sizeHint().width() for label in labels)
        self.left.setColumnMinimumWidth(0, width)
        self.rrule.set_indent(width + self.left.horizontalSpacing())
        super().showEvent(event)

    def _place(self, grid: QGridLayout, row: int, label: QWidget | str, name: str) -> None:
        if isinstance(label, str):
            if label:  # none on a row that may hide: it would keep the row's height
                grid.addWidget(_label(label), row, 0)
        else:
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.boxes[name], row, 1, Qt.AlignmentFlag.AlignTop)

    # -- filling and reading --------------------------------------------------------------
    def set_meters(self, meters: list[MeterRow], chosen: int | None = None,
                   no_meters: str = "") -> None:
        """The meters of the chosen asset to choose from; `no_meters` says why there are none."""
        filling, self._filling = self._filling, True
        try:
            self.meters = {m.id: m for m in meters}
            self.meter.clear()
            for m in meters:
                self.meter.addItem(f"{m.name}, now {amount(m.last_reading, m.unit)}"
                                   if m.last_reading is not None else
                                   f"{m.name} ({m.unit}), no reading yet", m.id)
            if not meters:
                self.meter.addItem(no_meters or "This asset has no meters", None)
            self.meter.setCurrentIndex(max(self.meter.findData(chosen), 0))
        finally:
            self._filling = filling
        self._show_meter()
        self._update_enabled()

    def fill(self, values: dict[str, Any]) -> None:
        """Show a schedule's values (as stored_values or values() give them)."""
        self._filling = True
        try:
            unit = values.get("time_unit") or ""
            self.by_time.setChecked(bool(unit))
            if unit:
                self.time_unit.setCurrentIndex(max(self.time_unit.findData(unit), 0))
            self.time_every.setValue(int(values.get("time_every") or 1))
            self.rrule.set_rule((values.get("rrule") or "") if unit == "rrule" else "")
            meter_id = values.get("meter_id")
            self.by_meter.setChecked(meter_id is not None)
            if meter_id is not None:
                self.meter.setCurrentIndex(max(self.meter.findData(meter_id), 0))
            self.meter_every.setText(amount_text(values.get("meter_every")))
            tolerance = amount_text(values.get("meter_tolerance"))
            self.meter_tolerance.setText("" if tolerance == "0" else tolerance)
            self.meter_start.setText(amount_text(values.get("meter_start")))
            (self.floating if values.get("anchor") == "floating" else self.fixed).setChecked(True)
            self.start_date.edit.setText(date_text(values.get("start_date")))
            self.end_date.edit.setText(date_text(values.get("end_date")))
            self.lead_days.setValue(int(values.get("lead_days") or 0))
            season = (values.get("season_from"), values.get("season_to"))
            self.in_season.setChecked(None not in season and "" not in season)
            if self.in_season.isChecked():
                self.season_from.setCurrentIndex(int(season[0] or 1) - 1)
                self.season_to.setCurrentIndex(int(season[1] or 1) - 1)
            self.skip_dates.set_days(values.get("skip_dates"))
        finally:
            self._filling = False
        self._show_meter()
        self._update_enabled()

    def values(self) -> dict[str, Any]:
        unit = self.time_unit.currentData() if self.by_time.isChecked() else ""
        season = self.in_season.isChecked()
        return {
            "anchor": "floating" if self.floating.isChecked() else "fixed",
            "time_unit": unit,
            "time_every": self.time_every.value(),
            "rrule": self.rrule.rule() if unit == "rrule" else "",
            "meter_id": self.meter.currentData() if self.by_meter.isChecked() else None,
            "meter_every": self.meter_every.text().strip(),
            "meter_tolerance": self.meter_tolerance.text().strip(),
            "meter_start": self.meter_start.text().strip(),
            "start_date": self.start_date.text(),
            "end_date": self.end_date.text(),
            "lead_days": self.lead_days.value(),
            "season_from": self.season_from.currentData() if season else None,
            "season_to": self.season_to.currentData() if season else None,
            "skip_dates": ",".join(self.skip_dates.days()),
        }

    # -- reactions ------------------------------------------------------------------------
    def _meter_chosen(self, _index: int) -> None:
        if self._filling:
            return
        # Another meter counts from its own reading, not from the last one's start.
        self.meter_start.clear()
        self._show_meter()
        self._edited()

    def _show_meter(self) -> None:
        meter = self.meters.get(self.meter.currentData())
        unit = meter.unit if meter else ""
        for label in self.units:
            label.setText(unit)
        reading = meter.last_reading if meter else None
        now = amount_text(reading) if reading is not None else "0"
        self.meter_start.setPlaceholderText(now)
        self.meter_hint.setText(
            "The tolerance raises the order that much early. The count starts from the reading "
            f"given, or if none, from the reading now ({now} {unit}).".replace(" )", ")"))

    def _every_changed(self, n: int) -> None:
        for i, (one, many, _unit) in enumerate(TIME_UNITS):
            self.time_unit.setItemText(i, one if n == 1 else many)  # "every 1 month"
        self._edited()

    def _triggers_changed(self, *_args: object) -> None:
        self._update_enabled()
        self._edited()

    def _update_enabled(self) -> None:
        timed = self.by_time.isChecked()
        rule = timed and self.time_unit.currentData() == "rrule"
        self.time_row.setEnabled(timed)
        self.time_every.setVisible(not rule)
        self.every_label.setVisible(not rule)
        self.boxes["rrule"].setVisible(rule)
        has_meters = bool(self.meters)
        self.by_meter.setEnabled(has_meters or self.by_meter.isChecked())
        self.by_meter.setToolTip("" if has_meters else "Add a meter on the asset's form first")
        metered = self.by_meter.isChecked()
        self.boxes["meter"].setEnabled(metered and has_meters)
        for name in ("meter_every", "meter_tolerance", "meter_start"):  # only when ticked
            self.boxes[name].setVisible(metered)
            self.boxes[name].setEnabled(has_meters)
        self.meter_hint.setVisible(metered)
        both = timed and metered
        if both and not self.floating.isChecked():
            self.floating.setChecked(True)  # the service refuses fixed; say why below
        self.fixed.setEnabled(not both)
        self.fixed.setToolTip(BOTH_HINT if both else "")
        self.anchor_hint.setText(BOTH_HINT if both else
                                 FLOATING_HINT if self.floating.isChecked() else FIXED_HINT)
        self.season_row.setEnabled(self.in_season.isChecked())

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            self.edited.emit()
