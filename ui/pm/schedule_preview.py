"""The PM schedule form's preview: the next due dates of the schedule as the form holds it,
before it is saved, and why it is (not) due now; or, while the form holds something the
service would refuse, what that is, in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from app.errors import KeepwellError, ValidationError
from app.permissions import Actor
from app.services.pm import schedules
from app.services.pm.schedules import PREVIEW_COUNT, Occurrence
from ui.common.errors import describe
from ui.common.tables import read_only_table
from ui.pm.schedule_messages import sentence

HEADERS = ["Due", "Day", "By"]
METER_WORDS = "by meter (estimated)"


def occurrence_cells(occurrence: Occurrence, both: bool) -> list[str]:
    """[date, weekday, how]; `how` is said when the schedule has a meter trigger."""
    if occurrence.how == "meter":
        how = METER_WORDS
    else:
        how = "by time" if both else ""
    return [occurrence.day.isoformat(), f"{occurrence.day:%A}", how]


class PreviewPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(f"Next {PREVIEW_COUNT} due dates")
        self.heading.setObjectName("sectionTitle")
        self.heading.setStyleSheet("font-weight: 600;")
        self.table = read_only_table(HEADERS, stretch=2)
        self.table.setObjectName("previewDates")
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # "By", or "Day" while "By" is hidden
        self.empty = QLabel()
        self.empty.setObjectName("hintText")
        self.empty.setWordWrap(True)
        self.empty.hide()
        self.problems = QLabel()
        self.problems.setObjectName("errorText")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.hide()
        self.why_heading = QLabel("Now")
        self.why_heading.setStyleSheet("font-weight: 600;")
        self.explanation = QLabel()
        self.explanation.setObjectName("previewExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.problems)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addSpacing(6)
        layout.addWidget(self.why_heading)
        layout.addWidget(self.explanation)
        layout.addStretch(0)  # takes the table's room while it is hidden

    def show_schedule(self, actor: Actor, values: dict[str, Any], schedule_id: int | None,
                      today: dt.date, problems: dict[str, str]) -> bool:
        """Ask the service for the next dates of a schedule as a form holds it (`values`, over
        the stored schedule `schedule_id`), counting from `today`; `problems` found before
        asking are shown as the service's refusals are. True when the service found nothing
        wrong (the dates are shown)."""
        try:
            if problems:
                raise ValidationError(problems)
            found, words = schedules.preview_schedule(actor, values, schedule_id,
                                                         as_of=today)
        except ValidationError as exc:
            self.show_problems([sentence(n, m) for n, m in exc.fields.items()])
            return False
        except KeepwellError as exc:
            self.show_problems([describe(exc)])
            return False
        metered = values.get("meter_id") is not None
        self.show_dates(found, words, both=metered and bool(values.get("time_unit")),
                        metered=metered)
        return True

    def show_dates(self, occurrences: Sequence[Occurrence], explanation: str,
                   both: bool = False, metered: bool = False) -> None:
        """The dates and the verdict of a schedule the service accepts."""
        self.problems.hide()
        self.table.show()
        self.table.setColumnHidden(2, not metered)  # "by time" alone says nothing
        self.table.setRowCount(len(occurrences))
        for r, occurrence in enumerate(occurrences):
            for c, text in enumerate(occurrence_cells(occurrence, both)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if occurrences:
            self.empty.hide()
        else:
            self.empty.setText(
                "No dates can be estimated yet: the meter needs readings on at least two days "
                "of the last 90 to tell how fast it rises." if metered else
                "No more due dates: the schedule ends or is inactive.")
            self.empty.show()
        self.explanation.setText(explanation)
        self.why_heading.setVisible(bool(explanation))

    def show_problems(self, lines: Sequence[str]) -> None:
        """What keeps the schedule from being previewed (and saved), in words."""
        self.problems.setText("No dates yet:\n" + "\n".join(f"• {line}" for line in lines))
        self.problems.show()
        self.table.setRowCount(0)
        self.table.hide()
        self.empty.hide()
        self.explanation.clear()
        self.why_heading.hide()

    def dates(self) -> list[str]:
        """The dates shown, for tests and screenshots."""
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
