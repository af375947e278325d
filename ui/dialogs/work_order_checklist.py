"""The Checklist tab: each task answered in place by its kind (a tick, pass or fail, a reading
with its unit, a line of text); every answer is stored at once, with who and when."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError, ValidationError
from app.permissions import Actor
from app.services import work_order_activity
from app.services.work_order_detail import TaskRow, WorkOrderDetail
from ui.dialogs.work_order_widgets import local_time, read_only_mirror, say, set_read_only
from ui.errors import describe

PASS_FAIL = (("– not answered –", ""), ("Pass", "pass"), ("Fail", "fail"))
# The answer and who-answered columns get their widths from the room the list has, never from
# what the rows hold: sized by content, every answer box moved left when the first "who,
# when" appeared, and the next click missed.
ANSWER_SHARE, DONE_SHARE = 0.34, 0.28
ANSWER_SAMPLES = ("W" * 14, "W" * 24)  # the narrowest and widest an answer column gets
DONE_SAMPLES = ("Alexandra Montgomery, 2026-12-31 23:59",
                "Wilhelmina Featherstone-Smythe, 2026-12-31 23:59")
NUMBER_SAMPLE = "200."


@dataclass(frozen=True)
class ColumnWidths:
    number: int
    answer: int
    done: int


def column_widths(metrics: QFontMetrics, room: int) -> ColumnWidths:
    """The fixed widths of the checklist's columns when the list is `room` pixels wide."""

    def share(part: float, samples: tuple[str, str]) -> int:
        low, high = (metrics.horizontalAdvance(text) for text in samples)
        return max(low, min(high, int(room * part)))

    return ColumnWidths(metrics.horizontalAdvance(NUMBER_SAMPLE),
                        share(ANSWER_SHARE, ANSWER_SAMPLES), share(DONE_SHARE, DONE_SAMPLES))


class TaskLine(QObject):
    """The widgets of one task: its text, the answer editor, who answered it and when.
    `given(line)` is emitted when the user answers (or leaves the answer field)."""

    given = Signal(object)

    def __init__(self, task: TaskRow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self.number = QLabel(f"{task.position}.")
        self.number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.number.setContentsMargins(0, 4, 0, 0)
        marker = "  <span style='color:#b42318'>required</span>" if task.required else ""
        self.text = QLabel(f"{_escape(task.text)}{marker}")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setContentsMargins(0, 4, 0, 0)
        self.done = QLabel()
        self.done.setObjectName("hintText")
        self.done.setContentsMargins(0, 4, 0, 0)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        self.editor: QWidget
        if task.kind == "check":
            self.editor = QCheckBox("Done")
        elif task.kind == "pass_fail":
            combo = QComboBox()
            for label, value in PASS_FAIL:
                combo.addItem(label, value)
            self.editor = combo
        else:
            edit = QLineEdit()
            if task.kind == "reading":
                edit.setMaximumWidth(120)
            self.editor = edit
        self.mirror = read_only_mirror()  # a pass or fail answer while read-only
        self.mirror.setMaximumWidth(120)
        self.cell = QWidget()
        cell = QHBoxLayout(self.cell)
        cell.setContentsMargins(0, 0, 0, 0)
        cell.addWidget(self.editor, 1 if task.kind == "text" else 0)
        cell.addWidget(self.mirror)
        if task.kind == "reading" and task.unit:
            cell.addWidget(QLabel(task.unit))
        if task.kind != "text":
            cell.addStretch(1)
        if isinstance(self.editor, QCheckBox):
            self.editor.toggled.connect(self._given)
        elif isinstance(self.editor, QComboBox):
            self.editor.activated.connect(self._given)
        elif isinstance(self.editor, QLineEdit):
            self.editor.editingFinished.connect(self._given)

    def _given(self, *_args: object) -> None:
        self.given.emit(self)

    def show_task(self, task: TaskRow) -> None:
        """Show the stored answer (signals blocked: this is not the user answering)."""
        self.task = task
        self.editor.blockSignals(True)
        if isinstance(self.editor, QCheckBox):
            self.editor.setChecked(task.result == "done")
        elif isinstance(self.editor, QComboBox):
            self.editor.setCurrentIndex(max(self.editor.findData(task.result), 0))
        elif isinstance(self.editor, QLineEdit) and self.editor.text().strip() != task.result:
            self.editor.setText(task.result)
        self.editor.blockSignals(False)
        self._show_who()
        self.set_error("")

    def fit(self, widths: ColumnWidths) -> None:
        self.cell.setFixedWidth(widths.answer)
        self.done.setFixedWidth(widths.done)
        self._show_who()

    def _show_who(self) -> None:
        """Who answered and when; a name too long for the column is cut short (the time
        never is), the whole of it in the tooltip."""
        task = self.task
        if not task.answered:
            self.done.setText("")
            self.done.setToolTip("")
            return
        when = f", {local_time(task.done_at)}"
        metrics = self.done.fontMetrics()
        room = self.done.width() - metrics.horizontalAdvance(when) - 2
        name = metrics.elidedText(task.done_by_name, Qt.TextElideMode.ElideRight, max(room, 0))
        self.done.setText(name + when)
        self.done.setToolTip(task.done_by_name + when if name != task.done_by_name else "")

    def answer(self) -> object:
        if isinstance(self.editor, QCheckBox):
            return self.editor.isChecked()
        if isinstance(self.editor, QComboBox):
            return self.editor.currentData()
        assert isinstance(self.editor, QLineEdit)
        return self.editor.text().strip()

    def set_editable(self, editable: bool) -> None:
        if isinstance(self.editor, QLineEdit):
            set_read_only(self.editor, not editable)
            hint = "number" if self.task.kind == "reading" else "answer"
            self.editor.setPlaceholderText(hint if editable else "")  # no hint posing as a value
        elif isinstance(self.editor, QComboBox):
            self.editor.setVisible(editable)
            self.mirror.setVisible(not editable)
            self.mirror.setText(self.editor.currentText() if self.task.answered else "")
        else:
            self.editor.setEnabled(editable)

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ChecklistTab(QWidget):
    """`answered` is emitted after an answer was stored."""

    answered = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.wo_id: int | None = None
        self.lines: list[TaskLine] = []
        self.summary = QLabel()
        self.summary.setObjectName("hintText")
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.hide()
        self.rows = QWidget()
        self.grid = QGridLayout(self.rows)
        # Only the steps' text takes up (or gives back) room: the answers stay put.
        self.grid.setColumnMinimumWidth(0, self.rows.fontMetrics().horizontalAdvance(
            NUMBER_SAMPLE))
        self.grid.setColumnStretch(1, 1)
        self.grid.setHorizontalSpacing(12)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Always there, so a message under a step that makes the list scroll does not
        # narrow it and move the answers either.
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        scroll.setWidget(self.rows)
        self.scroll = scroll
        scroll.viewport().installEventFilter(self)  # the columns follow its width
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)

    def fill(self, detail: WorkOrderDetail, editable: bool, why_not: str) -> None:
        """Show the tasks; answers in place when they are the same tasks as shown."""
        self.wo_id = detail.id
        if [line.task.id for line in self.lines] != [t.id for t in detail.tasks]:
            self._build(detail.tasks)
        for line, task in zip(self.lines, detail.tasks, strict=True):
            line.show_task(task)
            line.set_editable(editable)
        say(self.message, "")
        answered = sum(t.answered for t in detail.tasks)
        open_required = sum(t.required and not t.answered for t in detail.tasks)
        if not detail.tasks:
            text = "This order has no checklist."
        else:
            text = f"{answered} of {len(detail.tasks)} answered"
            if open_required:
                text += f"; {open_required} required still open"
        if why_not and detail.tasks:
            text += f". {why_not}"
        self.summary.setText(text)

    def _build(self, tasks: tuple[TaskRow, ...]) -> None:
        for line in self.lines:
            for widget in (line.number, line.text, line.cell, line.done, line.error):
                self.grid.removeWidget(widget)
                widget.deleteLater()
            line.deleteLater()
        self.lines = []
        for n, task in enumerate(tasks):
            line = TaskLine(task, self)
            row = n * 2
            self.grid.addWidget(line.number, row, 0)
            self.grid.addWidget(line.text, row, 1)
            self.grid.addWidget(line.cell, row, 2, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(line.done, row, 3, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(line.error, row + 1, 1, 1, 3)
            line.given.connect(self._store)
            self.lines.append(line)
        self.grid.setRowStretch(len(tasks) * 2, 1)
        self._fit_columns()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        widths = column_widths(self.rows.fontMetrics(), self.scroll.viewport().width())
        for line in self.lines:
            line.fit(widths)

    def _store(self, line: TaskLine) -> None:
        """Store the answer the user gave; a refused answer is named and the stored one shown."""
        value = line.answer()
        if (value == line.task.result or (value is True and line.task.result == "done")
                or (value is False and line.task.result == "")):
            return  # focus left an unchanged field
        assert self.wo_id is not None
        try:
            task = work_order_activity.answer_task(self.actor, self.wo_id, line.task.id, value)
        except ValidationError as exc:
            text = "\n".join(exc.lines)
            if isinstance(line.editor, QLineEdit):
                line.set_error(text)  # keep what was typed, to correct it
            else:
                line.show_task(line.task)
                say(self.message, text)
            return
        except KeepwellError as exc:
            line.show_task(line.task)
            say(self.message, describe(exc))
            return
        line.show_task(task)
        self.answered.emit()
