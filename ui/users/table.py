"""The user table model (accounts are few: all rows at once)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.permissions import Role
from app.services.people.users import UserRow
from ui.common.table_model import Index, RowTableModel
from ui.common.time_text import local_time

COLUMNS = ("Username", "Full name", "Role", "Status", "Last sign-in", "E-mail", "Craft")
COL_USERNAME, COL_FULL_NAME, COL_ROLE, COL_STATUS, COL_LAST, COL_EMAIL, COL_CRAFT = range(7)


def status_text(row: UserRow, now: dt.datetime) -> str:
    if not row.active:
        return "Deactivated"
    if row.is_locked(now):
        return f"Locked until {local_time(row.locked_until)}"
    if row.must_change_password:
        return "Must change password"
    return "Active"


class UserTableModel(RowTableModel[UserRow]):
    headers = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def set_rows(self, rows: list[UserRow], now: dt.datetime) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._now = now
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row_for(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.username,
                row.full_name,
                Role(row.role).label,
                status_text(row, self._now),
                local_time(row.last_login_at),
                row.email,
                row.craft,
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(QColor("#8a94a3"))
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS and row.is_locked(
                self._now):
            return QBrush(QColor("#b42318"))
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def row_of(self, user_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == user_id), -1)
