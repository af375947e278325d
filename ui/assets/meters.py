"""The Meters tab of the asset form: the asset's meters, the readings of the chosen one, and the
small dialogs that add a meter and record a reading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor, Perm
from app.services.assets import meters
from ui.common.errors import describe
from ui.common.form_dialog import FormDialog, hint_label
from ui.common.tables import read_only_table
from ui.common.time_text import local_time

READINGS_SHOWN = 100


def reading_text(value: Decimal | None, unit: str) -> str:
    """A reading as every part of the Meters tab shows it: "1,250.00 h". Two decimals always
    (readings are kept to 0.01), so the numbers line up in a column and a last reading reads
    the same as the reading it came from."""
    if value is None:
        return ""
    return f"{value:,.2f} {unit}".strip()


def _fill(table: QTableWidget, rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class MetersTab(QWidget):
    """`changed` is emitted after a meter or a reading was added here."""

    changed = Signal()

    def __init__(self, actor: Actor, asset_id: int, asset_tag: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.asset_id = asset_id
        self.asset_tag = asset_tag
        self.meters: list[meters.MeterRow] = []
        self.readings: list[meters.ReadingRow] = []
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.hide()

        self.meter_table = read_only_table(["Meter", "Unit", "Kind", "Last reading", "Read at"], 0)
        self.meter_table.setObjectName("meterTable")
        self.meter_table.itemSelectionChanged.connect(self._meter_chosen)
        self.reading_table = read_only_table(["Read at", "Reading", "Recorded by", "Note"], 3)
        self.reading_table.setObjectName("readingTable")
        self.readings_title = QLabel()
        self.readings_title.setObjectName("hintText")

        self.add_button = QPushButton("Add meter…")
        self.add_button.clicked.connect(self.add_meter)
        self.add_button.setVisible(actor.can(Perm.ASSET_MANAGE))
        self.record_button = QPushButton("Record reading…")
        self.record_button.clicked.connect(self.record_reading)
        self.record_button.setVisible(actor.can(meters.READING_PERM))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.readings_title)
        lower_layout.addWidget(self.reading_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.meter_table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the meters (keeping the chosen one) and its readings."""
        keep = self.current_meter()
        try:
            self.meters = meters.list_meters(self.actor, self.asset_id)
        except KeepwellError as exc:
            self._show(exc)
            return
        self.message.hide()
        self.meter_table.blockSignals(True)  # one readings query below, not one per change
        _fill(self.meter_table, [
            [m.name, m.unit, "Cumulative" if m.cumulative else "Gauge",
             reading_text(m.last_reading, m.unit), local_time(m.last_reading_at)]
            for m in self.meters],
            right=(3,))
        for r, meter in enumerate(self.meters):
            kind = self.meter_table.item(r, 2)
            assert kind is not None
            kind.setToolTip(
                "Counts up (run hours, km, cycles); a lower reading means the meter was "
                "replaced" if meter.cumulative else "Goes up and down (temperature, pressure)")
        ids = [m.id for m in self.meters]
        wanted = keep.id if keep is not None and keep.id in ids else (ids[0] if ids else None)
        if wanted is not None:
            self.meter_table.selectRow(ids.index(wanted))
        self.meter_table.blockSignals(False)
        self._meter_chosen()

    def current_meter(self) -> meters.MeterRow | None:
        rows = self.meter_table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.meters):
            return None
        return self.meters[rows[0].row()]

    def select_meter(self, meter_id: int) -> None:
        for r, meter in enumerate(self.meters):
            if meter.id == meter_id:
                self.meter_table.selectRow(r)

    def _meter_chosen(self) -> None:
        meter = self.current_meter()
        self.record_button.setEnabled(meter is not None)
        self.record_button.setToolTip("" if meter else "Choose a meter first")
        if meter is None:
            self.readings = []
            self.readings_title.setText("No meters yet." if not self.meters else
                                        "Choose a meter to see its readings.")
            _fill(self.reading_table, [])
            return
        try:
            self.readings = meters.list_readings(self.actor, meter.id, READINGS_SHOWN)
        except KeepwellError as exc:
            self._show(exc)
            return
        shown = len(self.readings)
        self.readings_title.setText(
            f"Readings of {meter.name}" + (f" (latest {shown})" if shown == READINGS_SHOWN
                                           else f" ({shown})" if shown else ": none yet"))
        _fill(self.reading_table, [
            [local_time(r.at), reading_text(r.value, meter.unit), r.recorded_by,
             "; ".join(t for t in ("Meter replaced" if r.replacement else "", r.note) if t)]
            for r in self.readings], right=(1,))

    def _show(self, exc: KeepwellError) -> None:
        self.message.setText(describe(exc))
        self.message.show()

    def add_meter(self) -> None:
        dialog = AddMeterDialog(self.actor, self.asset_id, self.asset_tag, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created is not None:
            self.refresh()
            self.select_meter(dialog.created.id)
            self.changed.emit()

    def record_reading(self) -> None:
        meter = self.current_meter()
        if meter is None:
            return
        dialog = RecordReadingDialog(self.actor, meter, self.asset_tag, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.changed.emit()


class AddMeterDialog(FormDialog):
    def __init__(self, actor: Actor, asset_id: int, asset_tag: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Add a meter to {asset_tag}", parent)
        self.actor = actor
        self.asset_id = asset_id
        self.created: meters.MeterRow | None = None
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Run hours")
        self.unit = QLineEdit()
        self.unit.setPlaceholderText("e.g. h, km, cycles, °C")
        self.cumulative = QCheckBox("Cumulative: counts up, never down")
        self.cumulative.setChecked(True)
        form = QFormLayout()
        form.addRow("Meter name", self.name)
        form.addRow("Unit", self.unit)
        form.addRow("", self.cumulative)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            "Run hours, kilometres and cycle counters are cumulative. Untick it for a gauge "
            "that goes up and down, such as a temperature."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Add meter", self.save))

    def save(self) -> None:
        self.created = self.attempt(self._add)
        if self.created is not None:
            self.accept()

    def _add(self) -> meters.MeterRow:
        return meters.add_meter(self.actor, self.asset_id, self.name.text(), self.unit.text(),
                                self.cumulative.isChecked())


class RecordReadingDialog(FormDialog):
    """A reading now (or at a time typed in, for a reading taken earlier on a round)."""

    def __init__(self, actor: Actor, meter: meters.MeterRow, asset_tag: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Record a reading: {asset_tag} {meter.name}", parent, width=460)
        self.actor = actor
        self.meter = meter
        self.value = QLineEdit()
        self.value.setPlaceholderText(meter.unit)
        self.time = QDateTimeEdit()
        self.time.setCalendarPopup(True)
        self.time.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.time.setDateTime(QDateTime.currentDateTime())
        self._shown_time = self.time.dateTime()
        self.replacement = QCheckBox("This is a meter replacement (the new meter starts lower)")
        self.note = QLineEdit()
        last = ("No readings yet." if meter.last_reading is None else
                f"Last reading: {reading_text(meter.last_reading, meter.unit)} on "
                f"{local_time(meter.last_reading_at)} (local time).")
        form = QFormLayout()
        form.addRow(f"Reading ({meter.unit})" if meter.unit else "Reading", self.value)
        form.addRow("Read at", self.time)
        form.addRow("Note", self.note)
        form.addRow("", self.replacement)
        self.replacement.setVisible(meter.cumulative)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(last))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Record", self.save))

    def reading_time(self) -> dt.datetime | None:
        """None (the service takes "now") unless the user changed the time shown."""
        if self.time.dateTime() == self._shown_time:
            return None
        local = self.time.dateTime().toPython()
        assert isinstance(local, dt.datetime)
        return local.astimezone()  # naive local time -> aware, so the service stores UTC

    def save(self) -> None:
        done = self.attempt(self._record)
        if done is not None:
            self.accept()

    def _record(self) -> meters.ReadingRow:
        return meters.record_reading(self.actor, self.meter.id, self.value.text(),
                                     at=self.reading_time(),
                                     replacement=self.replacement.isChecked(),
                                     note=self.note.text())
