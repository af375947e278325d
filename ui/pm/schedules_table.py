"""The PM schedule table model: rows fetched in pages as the view scrolls, by asset tag then
schedule name (the service's one order: the headers do not sort). `data()` never queries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.services.pm.schedules import ScheduleRow
from ui.common.table_model import PAGE_SIZE, Index, PagedTableModel

HEADERS = ("Asset", "Schedule", "Trigger", "Next due", "Next at", "Last done", "Open order",
           "Compliance", "Assignee")
(COL_ASSET, COL_NAME, COL_TRIGGER, COL_NEXT_DUE, COL_NEXT_AT, COL_LAST_DONE, COL_OPEN_ORDER,
 COL_COMPLIANCE, COL_ASSIGNEE) = range(len(HEADERS))
OVERDUE = QColor("#b42318")  # as the Work Orders screen shows an overdue order
INACTIVE = QColor("#8a8f98")
NO_VALUE = "—"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
TIP_WIDTH = 80  # characters in a line of a tooltip


@dataclass(frozen=True)
class ScheduleFilter:
    """What the list shows: a text search, one asset (None: all), active ones, inactive ones
    or both (None)."""

    search: str = ""
    asset_id: int | None = None
    active: bool | None = True


# (filter, offset, limit) -> one page
FetchSchedules = Callable[[ScheduleFilter, int, int], Sequence[ScheduleRow]]


def compliance_text(rate: float | None) -> str:
    """0.92 -> "92 %"; None (nothing was due yet) -> "—"."""
    return NO_VALUE if rate is None else f"{round(rate * 100)} %"


def day_text(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def tooltip_lines(text: str, width: int = TIP_WIDTH) -> str:
    """`text` broken after the ";"s of a rule in it into lines of about `width` characters (a
    tooltip does not wrap plain text); joined again, the lines are `text`."""
    lines = [""]
    for part in re.split(r"(?<=;)", text):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


class PmScheduleTableModel(PagedTableModel[ScheduleRow]):
    """`fetch(filter, offset, limit)` is `list_schedules` bound to the signed-in user;
    `today` says which next due dates are overdue."""

    def __init__(self, fetch: FetchSchedules, page_size: int = PAGE_SIZE,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self._fetch = fetch
        self._today = today
        self.filter = ScheduleFilter()
        super().__init__(self._page, page_size)
        self.headers = HEADERS

    def _page(self, offset: int, limit: int, _sort: str, _descending: bool
              ) -> Sequence[ScheduleRow]:
        return self._fetch(self.filter, offset, limit)

    def set_filter(self, **changes: object) -> None:
        """Show what the filter with `changes` lets through (reloads only when it changed)."""
        wanted = replace(self.filter, **changes)  # type: ignore[arg-type]
        if wanted != self.filter:
            self.filter = wanted
            self.reload()

    def column_texts(self, col: int) -> set[str]:
        """What the rows fetched so far show in column `col` (for fitting its width)."""
        return {self._display(row, col) for row in self._rows}

    def is_overdue(self, row: ScheduleRow) -> bool:
        return row.active and row.next_due is not None and row.next_due < self._today()

    # -- Qt model API ---------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row_for(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not row.active:
                return QBrush(INACTIVE)
            if col == COL_NEXT_DUE and self.is_overdue(row):
                return QBrush(OVERDUE)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_COMPLIANCE:
            return int(RIGHT)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    @staticmethod
    def _display(row: ScheduleRow, col: int) -> str:
        if col == COL_ASSET:
            return row.asset_tag
        if col == COL_NAME:
            return row.name if row.active else f"{row.name} (inactive)"
        if col == COL_TRIGGER:
            return row.trigger
        if col == COL_NEXT_DUE:
            return f"≈ {day_text(row.next_due)}" if row.next_due_estimated else day_text(
                row.next_due)
        if col == COL_NEXT_AT:
            return row.next_reading
        if col == COL_LAST_DONE:
            return day_text(row.last_done)
        if col == COL_OPEN_ORDER:
            return row.open_order
        if col == COL_COMPLIANCE:
            return compliance_text(row.compliance)
        if col == COL_ASSIGNEE:
            return row.assignee_name
        return ""

    def _tooltip(self, row: ScheduleRow, col: int) -> str | None:
        if col == COL_ASSET:
            return f"{row.asset_tag}: {row.asset_name}"
        if col == COL_NAME:
            return row.name if row.active else f"{row.name}: inactive, generates no orders"
        if col == COL_TRIGGER:
            return tooltip_lines(f"Due {row.trigger}")
        if col == COL_NEXT_DUE and row.next_due is not None:
            if row.next_due_estimated:
                return (f"About {row.next_due:%a %d %b %Y}: when the meter should reach "
                        f"{row.next_reading}, at its use over the last 90 days")
            return "Overdue" if self.is_overdue(row) else f"Next due {row.next_due:%a %d %b %Y}"
        if col == COL_NEXT_AT and row.next_reading:
            return f"Next due when the meter reaches {row.next_reading}"
        if col == COL_OPEN_ORDER and row.open_order:
            return f"{row.open_order} is open: no new order until it is finished"
        if col == COL_COMPLIANCE:
            if row.compliance is None:
                return ("No order was due and no date missed in the last 12 months (a "
                        "date passed is counted once the PM check has looked at it)")
            return "Orders completed of those due in the last 12 months (missed ones count)"
        return None
