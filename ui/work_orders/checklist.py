"""The Checklist tab: each task answered in place by its kind (a tick, pass or fail, a reading
with its unit, a line of text); every answer is stored at once, with who and when."""

from __future__ import annotations

import functools
from collections.abc import Callable
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

from app.errors import ConflictError, KeepwellError, ValidationError
from app.permissions import Actor
from app.services.work_orders import (
    activity,
    checklist,
)
from app.services.work_orders.detail import TaskRow, WorkOrderDetail
from ui.common.errors import describe
from ui.common.form_widgets import read_only_mirror, say, set_read_only
from ui.common.time_text import local_time
from ui.work_orders.steps import AddStepBar, StepMenu

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
    """The checklist answered in place and, for those who plan the order while it is still to
    be done, its steps added, moved and removed. `answered` is emitted after an answer was
    stored, `steps_changed(detail)` after a change of the steps (the order's new version),
    `conflict(error)` when someone else saved the order since `version`."""

    answered = Signal()
    steps_changed = Signal(object)
    conflict = Signal(object)

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.wo_id: int | None = None
        # The order's version as the form shows it (the form keeps it): a change of the
        # steps sends it, so that it never overwrites what someone else saved meanwhile.
        self.version = 0
        self.steps_editable = False
        self.lines: list[TaskLine] = []
        self.menus: list[StepMenu] = []
        self.add_bar = AddStepBar()
        self.add_bar.add_requested.connect(self._add_step)
        self.add_bar.hide()
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
        layout.addWidget(self.add_bar)

    def fill(self, detail: WorkOrderDetail, editable: bool, why_not: str,
             steps_editable: bool = False) -> None:
        """Show the tasks; answers in place when they are the same tasks as shown.
        `steps_editable`: the user may add, move and remove steps (they plan the order, and
        it is still to be done)."""
        self.wo_id = detail.id
        rebuilt = [line.task.id for line in self.lines] != [t.id for t in detail.tasks]
        if rebuilt:
            self._build(detail.tasks)
        for line, task in zip(self.lines, detail.tasks, strict=True):
            line.show_task(task)
            line.set_editable(editable)
        if rebuilt or steps_editable != self.steps_editable:
            self.steps_editable = steps_editable
            for menu in self.menus:
                menu.setVisible(steps_editable)
            self.add_bar.setVisible(steps_editable)
            self._chain_tabs()
        say(self.message, "")
        answered = sum(t.answered for t in detail.tasks)
        open_required = sum(t.required and not t.answered for t in detail.tasks)
        if not detail.tasks:
            text = ("This order has no checklist yet: add its steps below." if steps_editable
                    else "This order has no checklist.")
        else:
            text = f"{answered} of {len(detail.tasks)} answered"
            if open_required:
                text += f"; {open_required} required still open"
        if why_not and detail.tasks:
            text += f". {why_not}"
        self.summary.setText(text)

    def _build(self, tasks: tuple[TaskRow, ...]) -> None:
        for line, menu in zip(self.lines, self.menus, strict=True):
            for widget in (line.number, line.text, line.cell, line.done, line.error, menu):
                self.grid.removeWidget(widget)
                widget.hide()  # at once: a deleted row must not take Tab or a click
                widget.deleteLater()
            line.deleteLater()
        self.grid.setRowStretch(len(self.lines) * 2, 0)
        self.lines, self.menus = [], []
        for n, task in enumerate(tasks):
            line = TaskLine(task, self)
            menu = StepMenu(task.id, task.position, len(tasks), task.text)
            menu.also_from(line.editor)
            menu.move_requested.connect(self._move_step)
            menu.remove_requested.connect(self._remove_step)
            row = n * 2
            self.grid.addWidget(line.number, row, 0)
            self.grid.addWidget(line.text, row, 1)
            self.grid.addWidget(line.cell, row, 2, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(line.done, row, 3, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(menu, row, 4, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(line.error, row + 1, 1, 1, 3)
            # Shown now, not when the layout gets round to it: the focus can then go to a
            # step moved a moment ago.
            for widget in (line.number, line.text, line.cell, line.done):
                widget.setVisible(True)
            menu.setVisible(self.steps_editable)
            line.given.connect(self._store)
            self.lines.append(line)
            self.menus.append(menu)
        self.grid.setRowStretch(len(tasks) * 2, 1)
        self._fit_columns()

    def _chain_tabs(self) -> None:
        """Tab goes down the list (each answer, then its step's menu), then to the line that
        adds a step."""
        chain: list[QWidget] = []
        for line, menu in zip(self.lines, self.menus, strict=True):
            chain.append(line.editor)
            if self.steps_editable:
                chain.append(menu)
        if self.steps_editable:
            bar = self.add_bar
            chain += [bar.text, bar.kind, bar.unit, bar.required, bar.add_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

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
            task = activity.answer_task(self.actor, self.wo_id, line.task.id, value)
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

    # --- planning the steps -----------------------------------------------------------------

    def _add_step(self, text: str, kind: str, required: bool, unit: str) -> None:
        if self._change_steps(checklist.add_checklist_step, text, kind=kind,
                              required=required, unit=unit, message=self.add_bar.say):
            self.add_bar.added()

    def _move_step(self, task_id: int, position: int) -> None:
        if not 1 <= position <= len(self.lines):
            return  # already first or last (the shortcut works from there too)
        if self._change_steps(checklist.move_checklist_step, task_id, position):
            self.menus[position - 1].setFocus()  # the step moved, to move it on

    def _remove_step(self, task_id: int) -> None:
        index = next(i for i, line in enumerate(self.lines) if line.task.id == task_id)
        if self._change_steps(checklist.remove_checklist_step, task_id):
            if self.menus:
                self.menus[min(index, len(self.menus) - 1)].setFocus()  # the next step
            else:
                self.add_bar.text.setFocus()

    def _change_steps(self, service: Callable[..., WorkOrderDetail], *args: object,
                      message: Callable[[str], None] | None = None, **kwargs: object) -> bool:
        """Run one change of the steps at the version shown; True when it was stored. A
        refusal is said in words (under the add line for a new step); someone else's save
        goes to the form, which shows it as for any save."""
        assert self.wo_id is not None
        tell = message or functools.partial(say, self.message)
        try:
            detail = service(self.actor, self.wo_id, self.version, *args, **kwargs)
        except ValidationError as exc:
            tell("\n".join(exc.lines))
            return False
        except ConflictError as exc:
            tell("")
            self.conflict.emit(exc)
            return False
        except KeepwellError as exc:
            tell(describe(exc))
            return False
        tell("")
        self.steps_changed.emit(detail)  # the form shows it (and fills this tab again)
        return True
