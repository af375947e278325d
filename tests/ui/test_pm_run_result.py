"""What a PM check did, as its dialog says it: how many schedules were looked at, in words that
read right for every count, and the reasons in full (wrapped, in a tooltip) in a dialog wide
enough for them."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QHeaderView

from app.services.pm.run import Created, RunResult, Skipped
from ui.pm.run_result import PmRunResultDialog, schedules_checked
from ui.shell.pm_worker import PmCheckReport

DAY = dt.date(2026, 11, 24)
AT = dt.datetime(2026, 11, 24, 14, 31)
WHY = ("Due Fri 22 Jan 2027 (overdue). Fri 04 Dec 2026, Fri 11 Dec 2026, Fri 18 Dec 2026 and 4 "
       "more passed without an order and are recorded as missed.")


def test_how_many_schedules_were_looked_at_reads_right_for_every_count():
    assert schedules_checked(35, 35) == "35 active schedules checked"
    assert schedules_checked(35, 12) == \
        "35 active schedules; 12 needed a look, the others are not due yet"
    assert schedules_checked(35, 0) == \
        "nothing was due to be looked at among the 35 active schedules"
    assert schedules_checked(1, 1) == "1 active schedule checked"
    assert schedules_checked(2, 1) == \
        "2 active schedules; 1 needed a look, the other is not due yet"
    assert schedules_checked(1, 0) == "the one active schedule was not due to be looked at"
    assert schedules_checked(0, 0) == "there are no active schedules"


def test_the_explanation_uses_those_words():
    def explained(**counts: int) -> str:
        return PmRunResultDialog._explanation(
            PmCheckReport(RunResult(as_of=DAY, dry_run=False, **counts), True, AT))

    assert explained(active=35, checked=35) == \
        "Checked for 24 Nov 2026 at 14:31: 35 active schedules checked."
    assert explained(active=35, checked=0) == ("Checked for 24 Nov 2026 at 14:31: nothing was "
                                               "due to be looked at among the 35 active "
                                               "schedules.")


def test_long_reasons_are_wrapped_in_a_dialog_wide_enough(qtbot):
    result = RunResult(
        as_of=DAY, dry_run=True, checked=2, active=2,
        created=[Created(1, "Filter and belt inspection", "CMP-0001", "", DAY, None, WHY)],
        skipped=[Skipped(2, "Weekly walk-round", "CMP-0001", "Not ordered: WO-2026-000002 "
                         "is still open.")])
    dialog = PmRunResultDialog(PmCheckReport(result, True, AT), may_run=True)
    qtbot.addWidget(dialog)
    room = dialog.screen().availableGeometry()
    assert (dialog.width(), dialog.height()) == (min(1000, room.width() - 40),
                                                  min(520, room.height() - 60))
    for table in (dialog.created_table, dialog.skipped_table):
        last = table.columnCount() - 1
        assert table.horizontalHeader().sectionResizeMode(last) == QHeaderView.ResizeMode.Stretch
        assert table.item(0, last).toolTip() == table.item(0, last).text()
        assert table.wordWrap()
    dialog.resize(1000, 520)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.created_table
    assert table.columnWidth(3) < table.fontMetrics().horizontalAdvance(WHY)  # so it wraps:
    assert table.rowHeight(0) >= 2 * table.fontMetrics().lineSpacing()


def test_meter_orders_and_misses_read_with_their_units(qtbot):
    from decimal import Decimal

    from app.services.pm.run import MissedRow

    result = RunResult(
        as_of=DAY, dry_run=False, checked=2, active=2,
        created=[Created(1, "500 h service", "CMP-0003", "WO-2026-000009", DAY,
                         Decimal("8500.00"), "Due by meter.", "h")],
        missed=[MissedRow(2, "Weekly walk-round", "CHL-0002", "2026-11-15", dt.date(2026, 11, 15)),
                MissedRow(1, "500 h service", "CMP-0003", "meter 8000.00", DAY,
                          Decimal("8000.00"), "h")])
    dialog = PmRunResultDialog(PmCheckReport(result, True, AT), may_run=True)
    qtbot.addWidget(dialog)
    assert dialog.created_table.item(0, 3).text() == "24 Nov 2026 (at 8,500 h)"
    missed = [dialog.missed_table.item(r, 2).text() for r in range(2)]
    assert missed == ["15 Nov 2026", "at 8,000 h (passed 24 Nov 2026)"]
    assert result.missed[1].words == "at 8,000 h (passed 2026-11-24)"  # as the CLI says it
