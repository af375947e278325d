"""The PM Schedules list marks a next due day estimated from a meter's use as an estimate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt

from app.services.pm_schedules import ScheduleRow
from ui.models.pm_schedules import COL_NEXT_DUE, PmScheduleTableModel

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
