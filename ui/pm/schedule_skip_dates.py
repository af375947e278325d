"""Plant holidays of a PM schedule: a sorted list of dates, added from a date field (typed or
picked from a calendar) and removed from the list. An occurrence on one moves to the next day
that is not one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.common.form_widgets import DateField, say


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)  # Enter in the date field adds; it never closes the form
    return button


class SkipDatesEditor(QWidget):
    """`days()` as YYYY-MM-DD texts in order; `edited` when the user adds or removes one."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        hint = QLabel("Plant holidays: a date due on one moves to the next day that is not a "
                      "plant holiday.")
        hint.setObjectName("hintText")
        hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("skipDates")
        self.list.setMaximumHeight(96)
        self.date = DateField()
        self.date.edit.setMinimumWidth(100)
        self.add_button = _button("Add")
        self.remove_button = _button("Remove")
        self.problem = QLabel()
        self.problem.setObjectName("errorText")
        self.problem.hide()
        # The buttons beside the list and the field, so the field is as wide as the list
        # even in a narrow form.
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        grid.addWidget(self.list, 0, 0)
        grid.addWidget(self.remove_button, 0, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.date, 1, 0)
        grid.addWidget(self.add_button, 1, 1)
        grid.setColumnStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(hint)
        layout.addLayout(grid)
        layout.addWidget(self.problem)
        self.add_button.clicked.connect(self.add_date)
        self.date.edit.returnPressed.connect(self.add_date)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def days(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def set_days(self, value: Any) -> None:
        """"YYYY-MM-DD,..." as stored, or a list of dates or texts."""
        items: Iterable[Any] = value.split(",") if isinstance(value, str) else value or ()
        texts = {d.isoformat() if isinstance(d, dt.date) else str(d).strip() for d in items}
        self._show(texts - {""})

    def _show(self, days: set[str]) -> None:
        self.list.clear()
        self.list.addItems(sorted(days))
        self._update_buttons()

    def add_date(self) -> None:
        text = self.date.text()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            say(self.problem, f"{text!r} is not a date written YYYY-MM-DD." if text else
                "Type a date or pick one from the calendar first.")
            return
        days = set(self.days())
        if day.isoformat() in days:
            say(self.problem, f"{day.isoformat()} is in the list already.")
            return
        self._show(days | {day.isoformat()})
        self.date.edit.clear()
        say(self.problem, "")
        self.edited.emit()

    def remove_selected(self) -> None:
        selected = self.list.selectedItems()
        for item in selected:
            self.list.takeItem(self.list.row(item))
        self._update_buttons()
        if selected:
            self.edited.emit()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
