"""Reading work orders for lists: light rows, sorting and text filtering done in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee

from app.errors import ValidationError
from app.models import WO_STATUSES, Asset, User, WorkOrder
from app.permissions import Actor, Perm
from app.services.common import page_order, text_search
from app.services.registry import query

PAGE_SIZE = 200

STATUS_LABELS = {
    "open": "Open",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "on_hold": "On hold",
    "completed": "Completed",
    "closed": "Closed",
    "cancelled": "Cancelled",
}
PRIORITY_LABELS = {1: "1 Urgent", 2: "2 High", 3: "3 Normal", 4: "4 Low"}


@dataclass(frozen=True, slots=True)
class WorkOrderRow:
    id: int
    number: str
    title: str
    asset_tag: str
    asset_name: str
    status: str
    priority: int
    due_date: dt.date | None
    assignee_name: str
    type: str


Assignee = User.alias("assignee")

SORT_COLUMNS: dict[str, Any] = {
    "number": WorkOrder.number,
    "title": WorkOrder.title,
    "asset": Asset.tag,
    # Statuses sort in lifecycle order (open ... closed, cancelled), not alphabetically.
    "status": peewee.Case(WorkOrder.status, [(s, i) for i, s in enumerate(WO_STATUSES)], 99),
    "priority": WorkOrder.priority,
    "due_date": WorkOrder.due_date,
    "assignee": Assignee.full_name,
}


FINISHED_STATUSES = ("closed", "cancelled")


def _filtered(search: str, include_finished: bool = True,
              statuses: tuple[str, ...] = ()) -> Any:
    q: Any = (
        WorkOrder.select(
            WorkOrder.id,
            WorkOrder.number,
            WorkOrder.title,
            peewee.fn.COALESCE(Asset.tag, ""),
            peewee.fn.COALESCE(Asset.name, ""),
            WorkOrder.status,
            WorkOrder.priority,
            WorkOrder.due_date,
            peewee.fn.COALESCE(Assignee.full_name, ""),
            WorkOrder.type,
        )
        .join(Asset, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.asset == Asset.id))
        .switch(WorkOrder)
        .join(Assignee, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.assignee == Assignee.id))
    )
    if not include_finished:
        q = q.where(WorkOrder.status.not_in(FINISHED_STATUSES))
    if statuses:
        unknown = sorted(set(statuses) - set(WO_STATUSES))
        if unknown:
            raise ValidationError({"status": f"cannot be {', '.join(unknown)}: no such status"})
        q = q.where(WorkOrder.status.in_(list(statuses)))
    matches = text_search(
        (WorkOrder.number, WorkOrder.title, Asset.tag, Asset.name, Assignee.full_name), search)
    return q if matches is None else q.where(matches)


@query(Perm.WO_VIEW)
def list_work_orders(
    actor: Actor,
    search: str = "",
    sort: str = "due_date",
    descending: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    include_finished: bool = True,
    statuses: tuple[str, ...] = (),
) -> list[WorkOrderRow]:
    """One page of work orders matching `search` (number, title, asset, assignee), sorted in
    SQL by `sort` (one of SORT_COLUMNS); ties broken by id so pages never overlap. Without
    `include_finished`, closed and cancelled orders are left out; `statuses` keeps only those."""
    order = page_order(SORT_COLUMNS, sort, descending, WorkOrder.id, offset, limit)
    q = _filtered(search, include_finished, statuses).order_by(*order).offset(offset)
    q = q.limit(limit)
    q = q.tuples()
    return [WorkOrderRow(*r) for r in q]


@query(Perm.WO_VIEW)
def count_work_orders(actor: Actor, search: str = "", include_finished: bool = True,
                      statuses: tuple[str, ...] = ()) -> int:
    """How many work orders match `search` (for the status line and the scroll range)."""
    return _filtered(search, include_finished, statuses).count()
