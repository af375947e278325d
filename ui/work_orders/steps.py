"""Planning an order's checklist on its Checklist tab: the line that adds a step (text, kind,
unit of a reading, required) and each step's menu to move or remove it. Both only ask; the tab
runs the one service call each change is (app/services/work_orders/checklist.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.work_orders.checklist import KIND_LABELS
from app.services.work_orders.fields import TEXT_MAX, UNIT_MAX

MOVE_UP = QKeySequence("Alt+Up")
MOVE_DOWN = QKeySequence("Alt+Down")
REMOVE = QKeySequence(Qt.Key.Key_Delete)
NATIVE = QKeySequence.SequenceFormat.NativeText


class AddStepBar(QWidget):
    """"Add a step": Enter in the text (or the unit) or the button asks for it with
    `add_requested(text, kind, required, unit)`. The kind and the tick stay for the next step,
    so a run of readings is typed one after another."""

    add_requested = Signal(str, str, bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit()
        self.text.setObjectName("newStepText")
        self.text.setPlaceholderText("New step, e.g. Check the coupling alignment  (Enter adds)")
        self.text.setMaxLength(TEXT_MAX)
        self.kind = QComboBox()
        self.kind.setObjectName("newStepKind")
        for value, label in KIND_LABELS.items():
            self.kind.addItem(label, value)
        self.kind.setToolTip("What the answer is: a tick when done, pass or fail, a reading "
                             "with its unit, or a line of text")
        self.unit = QLineEdit()
        self.unit.setObjectName("newStepUnit")
        self.unit.setPlaceholderText("unit")
        self.unit.setMaxLength(UNIT_MAX)
        self.unit.setFixedWidth(self.unit.fontMetrics().horizontalAdvance("W" * 7))
        self.unit.setToolTip("The unit of the reading (bar, °C, mm/s)")
        self.required = QCheckBox("Required")
        self.required.setToolTip("The order cannot be completed until this step is answered")
        self.add_button = QPushButton("Add step")
        self.add_button.setAutoDefault(False)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.hide()
        label = QLabel("&Add a step")
        label.setBuddy(self.text)  # Alt+A goes to the text
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(label)
        row.addWidget(self.text, 1)
        row.addWidget(self.kind)
        row.addWidget(self.unit)
        row.addWidget(self.required)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.text.returnPressed.connect(self.request)
        self.unit.returnPressed.connect(self.request)
        self.add_button.clicked.connect(self.request)
        self.kind.currentIndexChanged.connect(self._kind_chosen)
        self._kind_chosen()

    def request(self) -> None:
        self.add_requested.emit(self.text.text(), str(self.kind.currentData()),
                                self.required.isChecked(),
                                self.unit.text() if self.unit.isEnabled() else "")

    def added(self) -> None:
        """The step was stored: ready for the next one."""
        self.text.clear()
        self.say("")
        self.text.setFocus()

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _kind_chosen(self) -> None:
        reading = self.kind.currentData() == "reading"
        self.unit.setEnabled(reading)  # only a reading has a unit


class StepMenu(QToolButton):
    """A step's "⋯" button: Move up (Alt+Up), Move down (Alt+Down), Remove step (Delete while
    the button has focus). The moves also work from the step's answer field."""

    move_requested = Signal(int, int)  # task id, its new position
    remove_requested = Signal(int)  # task id

    def __init__(self, task_id: int, position: int, count: int, text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task_id = task_id
        self.position = position
        self.setText("⋯")
        self.setObjectName("stepMenu")
        self.setAccessibleName(f"Step {position} menu")
        self.setToolTip(f"Move or remove step {position} (Alt+Up, Alt+Down; Delete removes "
                        "it while this button has focus)")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reached with Tab like the answers
        self.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        menu = QMenu(self)
        # The menu's entries name their keys; the keys are actions of their own, always on
        # (a move past either end is simply not made), so that Alt+Down on the last step never
        # falls through to the button, whose arrow keys would move the focus away.
        self.up = menu.addAction(f"Move up\t{MOVE_UP.toString(NATIVE)}")
        self.up.setEnabled(position > 1)
        self.up.triggered.connect(self._up)
        self.down = menu.addAction(f"Move down\t{MOVE_DOWN.toString(NATIVE)}")
        self.down.setEnabled(position < count)
        self.down.triggered.connect(self._down)
        menu.addSeparator()
        self.remove = menu.addAction(f"Remove step “{_short(text)}”\t"
                                     f"{REMOVE.toString(NATIVE)}")
        self.remove.triggered.connect(self._remove)
        self.setMenu(menu)
        self.up_key = self._key(MOVE_UP, self._up)
        self.down_key = self._key(MOVE_DOWN, self._down)
        self._key(REMOVE, self._remove)

    def _key(self, keys: QKeySequence, slot: Callable[[], None]) -> QAction:
        action = QAction(self)
        action.setShortcut(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.addAction(action)  # works while this button has focus
        return action

    def _up(self) -> None:
        self.move_requested.emit(self.task_id, self.position - 1)

    def _down(self) -> None:
        self.move_requested.emit(self.task_id, self.position + 1)

    def _remove(self) -> None:
        self.remove_requested.emit(self.task_id)

    def also_from(self, widget: QWidget) -> None:
        """The moves' keys work from `widget` too (the step's answer field)."""
        widget.addAction(self.up_key)
        widget.addAction(self.down_key)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"
