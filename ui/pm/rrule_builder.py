"""Building a recurrence rule (RFC 5545 RRULE) from the cases a planner meets: "the first Monday
of every quarter", "every two weeks on Monday and Thursday"; anything else is typed as a rule.
The rule text is what the PM service takes as `rrule` (its body, without DTSTART)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.pm.rules import (
    DAY_NAMES,
    MAX_INTERVAL,
    MONTH_DAY,
    ORDINALS,
    WEEK_DAYS,
    RuleParts,
    monthly_weekday_rule,
    parse_rule,
    rule_words,
    weekly_rule,
)

ADVANCED = 2  # the mode where the rule is typed
MODES = ("Weekday of the month", "Days of the week", "Advanced (type a rule)")
DAYS_PER_ROW = 4
RULE_TIP = ("The rule in RFC 5545 (iCalendar RRULE) form; the schedule's start date is its "
            "first possible date")


class IntervalBox(QSpinBox):
    """A whole number of months or weeks, its unit in the singular or plural as it reads."""

    def __init__(self, one: str, many: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._one, self._many = one, many
        self.setRange(1, MAX_INTERVAL)
        self.valueChanged.connect(self._show_unit)
        self._show_unit(self.value())

    def _show_unit(self, n: int) -> None:
        self.setSuffix(f" {self._one if n == 1 else self._many}")


def _line(*widgets: QWidget, fill: bool = False) -> QHBoxLayout:
    """Widgets side by side, each as wide as its content; with `fill` the last one takes the
    room left, else it stays empty."""
    line = QHBoxLayout()
    line.setSpacing(6)
    for widget in widgets[:-1] if fill else widgets:
        widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        line.addWidget(widget)
    if fill:
        line.addWidget(widgets[-1], 1)
    else:
        line.addStretch(1)
    return line


class RRuleBuilder(QWidget):
    """`rule()` is the rule text; `set_rule(text)` shows a rule (in the simple controls when
    they can show it, else as text). `changed` is emitted on every edit by the user."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self.mode = QComboBox()
        for text in MODES:
            self.mode.addItem(text)

        # The first / second / ... weekday of every N months, on two lines so that each
        # control keeps the width of its longest choice in a narrow form.
        self.ordinal = QComboBox()
        for number, words in ORDINALS:
            self.ordinal.addItem(words, number)
        self.weekday = QComboBox()
        for name in DAY_NAMES:
            self.weekday.addItem(name)
        self.months = IntervalBox("month", "months")
        month_page = QWidget()
        column = QVBoxLayout(month_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(_line(QLabel("The"), self.ordinal, self.weekday))
        column.addLayout(_line(QLabel("of every"), self.months))

        # Every N weeks on the days ticked: Mon to Thu, then Fri to Sun under them (as
        # Outlook lays them out), from the left edge, so that the days keep their names in the
        # form's left column however narrow the form is.
        self.weeks = IntervalBox("week", "weeks")
        self.day_boxes = [QCheckBox(name[:3]) for name in DAY_NAMES]
        for box, name in zip(self.day_boxes, DAY_NAMES, strict=True):
            box.setToolTip(name)
            box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        week_page = QWidget()
        days = QGridLayout()
        days.setHorizontalSpacing(8)
        days.setVerticalSpacing(2)
        for n, box in enumerate(self.day_boxes):
            days.addWidget(box, *divmod(n, DAYS_PER_ROW))
        days.setColumnStretch(DAYS_PER_ROW, 1)
        column = QVBoxLayout(week_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(_line(QLabel("Every"), self.weeks, QLabel("on")))
        column.addLayout(days)

        # One page shown at a time, each as tall as it is (Advanced: the rule text alone).
        self.pages = [month_page, week_page]

        self.text = QLineEdit()
        self.text.setObjectName("rruleText")
        self.text.setPlaceholderText("e.g. FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO")
        self.text.setToolTip(RULE_TIP)
        self.words = QLabel()
        self.words.setObjectName("hintText")
        self.words.setWordWrap(True)

        # The controls and the words keep to the right of `indent`; the rule, a long word,
        # takes the whole width (in the form: from under the "By time" box on).
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(0)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        self.grid.addLayout(_line(self.mode), 0, 1)
        for row, page in enumerate(self.pages, 1):
            self.grid.addWidget(page, row, 1)
        self.grid.addLayout(_line(QLabel("Rule"), self.text, fill=True), 3, 0, 1, 2)
        self.grid.addWidget(self.words, 4, 1)

        self.mode.currentIndexChanged.connect(self._mode_chosen)
        for combo in (self.ordinal, self.weekday):
            combo.currentIndexChanged.connect(self._controls_edited)
        for spin in (self.months, self.weeks):
            spin.valueChanged.connect(self._controls_edited)
        for box in self.day_boxes:
            box.toggled.connect(self._controls_edited)
        self.text.textEdited.connect(self._text_edited)
        self.text.textChanged.connect(self._show_rule_tip)
        self.set_rule("")

    def set_indent(self, width: int) -> None:
        """Keep the controls and the words `width` px from the left edge (the rule not)."""
        self.grid.setColumnMinimumWidth(0, width)

    # -- reading and showing ------------------------------------------------------------
    def rule(self) -> str:
        return self.text.text().strip()

    def parts(self) -> RuleParts | None:
        mode = self.mode.currentIndex()
        if mode == MONTH_DAY:
            return RuleParts(MONTH_DAY, self.months.value(), int(self.ordinal.currentData()),
                             (self.weekday.currentIndex(),))
        if mode == WEEK_DAYS:
            days = tuple(i for i, box in enumerate(self.day_boxes) if box.isChecked())
            return RuleParts(WEEK_DAYS, self.weeks.value(), 1, days)
        return None

    def set_rule(self, text: str) -> bool:
        """Show `text` ("" : the controls' defaults); True when the simple controls show it,
        False when it is shown as text only (Advanced)."""
        text = text.strip()
        parts = parse_rule(text) if text else RuleParts(MONTH_DAY)
        self._filling = True
        try:
            if parts is None:
                self.mode.setCurrentIndex(ADVANCED)
                self.text.setText(text)
            else:
                self._show_parts(parts)
                self.mode.setCurrentIndex(parts.mode)
                self.text.setText(self._built())
        finally:
            self._filling = False
        self._show_mode()
        return parts is not None

    def _show_parts(self, parts: RuleParts) -> None:
        if parts.mode == MONTH_DAY:
            self.ordinal.setCurrentIndex(max(self.ordinal.findData(parts.ordinal), 0))
            self.weekday.setCurrentIndex(parts.days[0] if parts.days else 0)
            self.months.setValue(parts.every)
        else:
            self.weeks.setValue(parts.every)
            for i, box in enumerate(self.day_boxes):
                box.setChecked(i in parts.days)

    def _built(self) -> str:
        parts = self.parts()
        if parts is None:
            return self.text.text().strip()
        if parts.mode == MONTH_DAY:
            return monthly_weekday_rule(parts.ordinal, parts.days[0], parts.every)
        return weekly_rule(parts.days, parts.every)

    def _show_mode(self) -> None:
        mode = self.mode.currentIndex()
        for n, page in enumerate(self.pages):
            page.setVisible(n == mode)
        self.text.setReadOnly(mode != ADVANCED)
        parts = self.parts()
        if parts is not None:
            self.words.setText(f"Due {rule_words(parts)}, from the start date on.")
        else:
            self.words.setText("Type any RRULE; the preview shows the dates it gives.")

    def _show_rule_tip(self, text: str) -> None:
        # The whole rule, for one longer than the field is wide in a narrow form.
        self.text.setToolTip((f"{text}\n" if text else "") + RULE_TIP)

    # -- the user's edits -----------------------------------------------------------------
    def _mode_chosen(self, mode: int) -> None:
        if not self._filling and mode != ADVANCED:
            # Back from the text: show it in the controls if they can, else start from them.
            parsed = parse_rule(self.text.text())
            if parsed is not None and parsed.mode == mode:
                self._filling = True
                try:
                    self._show_parts(parsed)
                finally:
                    self._filling = False
            self.text.setText(self._built())
        self._show_mode()  # Advanced starts from the rule built so far
        if not self._filling:
            self.changed.emit()

    def _controls_edited(self, *_args: object) -> None:
        if self._filling:
            return
        self.text.setText(self._built())
        self._show_mode()
        self.changed.emit()

    def _text_edited(self, _text: str) -> None:
        if not self._filling:
            self.changed.emit()
