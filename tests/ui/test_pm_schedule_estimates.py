"""The PM Schedules list marks a next due day estimated from a meter's use as an estimate, and
shows it whole however wide the window."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from app.permissions import Role
from app.services.pm import schedules
from app.services.pm.schedules import ScheduleRow
from ui.common.column_fit import CELL_PADDING
from ui.pm.schedules_screen import PmSchedulesScreen
from ui.pm.schedules_table import (
    COL_ASSIGNEE,
    COL_NEXT_AT,
    COL_NEXT_DUE,
    COL_OPEN_ORDER,
    PmScheduleTableModel,
)

TODAY = dt.date(2026, 11, 24)


def _row(estimated: bool) -> ScheduleRow:
    return ScheduleRow(
        id=1, name="Service", asset_id=1, asset_tag="PMP-01", asset_name="Feed pump",
        active=True, trigger="every 500 h (fixed)", next_due=dt.date(2026, 12, 14),
        next_reading="1,500 h", last_done=None, open_order="", compliance=None,
        assignee_name="", estimated_hours=Decimal("2"), version=1, next_due_estimated=estimated)


def test_an_estimated_day_reads_as_one(qtmodeltester) -> None:
    rows = [_row(True), _row(False)]
    model = PmScheduleTableModel(lambda f, offset, limit: rows[offset:offset + limit],
                                 today=lambda: TODAY)
    qtmodeltester.check(model)
    estimated, calendar = model.index(0, COL_NEXT_DUE), model.index(1, COL_NEXT_DUE)
    assert estimated.data() == "≈ 2026-12-14" and calendar.data() == "2026-12-14"
    assert estimated.data(Qt.ItemDataRole.ToolTipRole) == (
        "About Mon 14 Dec 2026: when the meter should reach 1,500 h, at its use over the "
        "last 90 days")
    assert calendar.data(Qt.ItemDataRole.ToolTipRole) == "Next due Mon 14 Dec 2026"


@pytest.mark.parametrize("window", [1000, 1280, 1600])
def test_an_estimated_day_and_an_open_order_are_shown_whole(qtbot, monkeypatch, make_user,
                                                           window) -> None:
    rows = [_row(True), replace(_row(False), id=2, open_order="WO-2026-002359",
                                next_reading="", assignee_name="Hamid Karimi")]
    monkeypatch.setattr(schedules, "list_schedules",
                        lambda _actor, _search, _asset, _active, offset, limit, today:
                        rows[offset:offset + limit])
    monkeypatch.setattr(schedules, "count_schedules", lambda *_args: len(rows))
    screen = PmSchedulesScreen(make_user(Role.PLANNER), today=lambda: TODAY)
    qtbot.addWidget(screen)
    screen.resize(window - 190, 600)  # beside the main window's navigation
    screen.show()
    qtbot.waitExposed(screen)
    table, metrics = screen.table, screen.table.fontMetrics()
    for col, text in ((COL_NEXT_DUE, "≈ 2026-12-14"), (COL_OPEN_ORDER, "WO-2026-002359"),
                      (COL_NEXT_AT, "1,500 h")):
        assert not table.isColumnHidden(col), (window, text)
        assert table.columnWidth(col) >= metrics.horizontalAdvance(text) + CELL_PADDING
        assert table.columnWidth(col) >= table.sizeHintForColumn(col), (window, text)
    if window >= 1280:
        assert table.columnWidth(COL_ASSIGNEE) >= table.sizeHintForColumn(COL_ASSIGNEE)
