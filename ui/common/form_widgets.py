"""Small pieces the forms share (the work-order form and the PM schedule form): a field with its
message underneath, a date field with a calendar, filling a read-only table, the status badge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.errors import field_label

STATUS_COLOURS = {
    "open": "#5b6675",
    "assigned": "#2563eb",
    "in_progress": "#0f766e",
    "on_hold": "#b45309",
    "completed": "#15803d",
    "closed": "#334155",
    "cancelled": "#94a3b8",
    "new": "#7c3aed",
}

# Read-only fields look read-only, yet stay as legible as editable ones (disabled text is
# too faint to read an order by).
READ_ONLY_BACKGROUND = "#eef1f4"
FORM_STYLE = f"""
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"] {{
    background: {READ_ONLY_BACKGROUND}; border: 1px solid #d5dae0; border-radius: 2px;
    color: #1f2933; padding: 2px 1px;
}}
QCheckBox:disabled {{ color: #1f2933; }}
"""


def hours_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 2**20:.1f} MB"


def field_message(name: str, message: str) -> str:
    """A service's field message as a sentence: "Title is required."."""
    return f"{field_label(name)} {message}."


def refusal_summary(fields: dict[str, str], shown: set[str]) -> str:
    """The line under a refused form: every refused field named, and in full the messages of
    those not `shown` under a field of their own."""
    names = ", ".join(field_label(name) for name in fields)
    others = [field_message(n, m) for n, m in fields.items() if n not in shown]
    return " ".join([f"Not saved. Please check: {names}.", *others])


def say(label: QLabel, text: str) -> None:
    """Show a message label only while it has something to say (no empty gap)."""
    label.setText(text)
    label.setVisible(bool(text))


def text_label(name: str, wrap: bool = True, hidden: bool = True) -> QLabel:
    """A message line styled by `name` (errorText, hintText); hidden until it says something
    unless `hidden` is False."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)
    if hidden:
        label.hide()
    return label


def status_badge() -> QLabel:
    badge = QLabel()
    badge.setObjectName("statusBadge")
    badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return badge


def paint_badge(badge: QLabel, status: str, text: str) -> None:
    colour = STATUS_COLOURS.get(status, "#5b6675")
    badge.setText(text)
    badge.setStyleSheet(f"QLabel#statusBadge {{ background: {colour}; color: white; "
                        "border-radius: 9px; padding: 2px 10px; font-weight: 600; }")


def set_read_only(field: QLineEdit | QPlainTextEdit, read_only: bool) -> None:
    """Lock or unlock a text field and let it look so at once: the style's [readOnly="true"]
    rule is matched when a widget is polished, not when the property changes."""
    if field.isReadOnly() == read_only:
        return
    field.setReadOnly(read_only)
    style = field.style()
    style.unpolish(field)
    style.polish(field)
    field.update()


def read_only_mirror() -> QLineEdit:
    """Stands in for a combo box while the form is read-only (a disabled combo's text is too
    faint to read an order by)."""
    mirror = QLineEdit()
    mirror.setReadOnly(True)
    mirror.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    mirror.hide()
    return mirror


class FieldBox(QWidget):
    """A field with the message that refuses it underneath (hidden while there is none).
    A combo box is shown as read-only text while the form is read-only."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.mirror = read_only_mirror()
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(field)
        layout.addWidget(self.mirror)
        layout.addWidget(self.error)
        self.setFocusProxy(field)

    def show_read_only(self, text: str | None) -> None:
        """Show `text` read-only in place of the field; None shows the field again."""
        self.mirror.setText(text or "")
        self.mirror.setVisible(text is not None)
        self.field.setVisible(text is None)

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class DateField(QWidget):
    """A date typed as YYYY-MM-DD (empty: no date), or picked from a calendar. The text goes to
    the service as typed, which names a malformed date in words."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.edit.setClearButtonEnabled(True)
        self.edit.textEdited.connect(self.edited)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._show_current)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        self.button.setToolTip("Pick a date from the calendar")
        self.button.setMenu(menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_date(self, day: dt.date | None) -> None:
        self.edit.setText(day.isoformat() if day else "")

    def setReadOnly(self, read_only: bool) -> None:  # noqa: N802 (Qt's spelling)
        set_read_only(self.edit, read_only)
        self.edit.setClearButtonEnabled(not read_only)
        self.button.setVisible(not read_only)

    def _show_current(self) -> None:
        try:
            day = dt.date.fromisoformat(self.text())
        except ValueError:
            day = dt.date.today()
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def _picked(self, date: QDate) -> None:
        self.edit.setText(f"{date.year():04d}-{date.month():02d}-{date.day():02d}")
        self.button.menu().hide()
        self.edited.emit()


def fill_table(table: QTableWidget, rows: list[list[str]],
               right_aligned: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text if len(text) > 40 else "")
            if c in right_aligned:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
