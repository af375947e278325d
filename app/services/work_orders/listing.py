"""Reading work orders for lists: light rows, filters, sorting and text search done in SQL, and
keyset paging so that the millionth row comes as fast as the first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import peewee

from app.errors import ValidationError
from app.models import Asset, User, WorkOrder
from app.permissions import Actor, Perm
from app.services.common import page_order, text_search
from app.services.registry import query
from app.vocabulary import WO_STATUSES, WO_TYPES

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
FINISHED_STATUSES = ("closed", "cancelled")
OPEN_STATUSES = ("open", "assigned", "in_progress", "on_hold")  # work still to do
UNFINISHED_STATUSES = tuple(s for s in WO_STATUSES if s not in FINISHED_STATUSES)


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
    version: int  # as read: a bulk change made on this row checks it


@dataclass(frozen=True)
class WorkOrderFilter:
    """What a list shows. Every field narrows it; the defaults show everything."""

    search: str = ""  # number, title, asset tag or name, assignee
    statuses: tuple[str, ...] = ()
    include_finished: bool = True  # False leaves closed and cancelled orders out
    types: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    asset_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    overdue: bool = False  # open work whose due date has passed
    today: dt.date | None = field(default=None, compare=False)  # for "overdue"; None: today

    @property
    def narrowed(self) -> bool:
        """True when anything but the finished-orders switch narrows the list."""
        return self != WorkOrderFilter(include_finished=self.include_finished)


EVERYTHING = WorkOrderFilter()

Assignee = User.alias("assignee")
STATUS_ORDER = peewee.Case(WorkOrder.status, [(s, i) for i, s in enumerate(WO_STATUSES)], 99)

SORT_COLUMNS: dict[str, Any] = {
    "number": WorkOrder.number,
    "title": WorkOrder.title,
    "asset": Asset.tag,
    # Statuses sort in lifecycle order (open ... closed, cancelled), not alphabetically.
    "status": STATUS_ORDER,
    "priority": WorkOrder.priority,
    "due_date": WorkOrder.due_date,
    "assignee": Assignee.full_name,
}


def _sort_value(sort: str, row: WorkOrderRow) -> Any:
    """The value a row has in the sort column, as SQL compares it (None for NULL)."""
    return {
        "number": row.number,
        "title": row.title,
        "asset": row.asset_tag or None,  # a tag is never empty: "" is no asset
        "status": WO_STATUSES.index(row.status) if row.status in WO_STATUSES else 99,
        "priority": row.priority,
        "due_date": row.due_date,
        "assignee": row.assignee_name or None,
    }[sort]


def check_filter(filters: WorkOrderFilter) -> None:
    """ValidationError naming each filter that cannot be applied (before a list is read)."""
    errors: dict[str, str] = {}
    unknown = sorted(set(filters.statuses) - set(WO_STATUSES))
    if unknown:
        errors["status"] = f"cannot be {', '.join(unknown)}: no such status"
    unknown = sorted(set(filters.types) - set(WO_TYPES))
    if unknown:
        errors["type"] = f"cannot be {', '.join(unknown)}: no such type"
    if any(p not in PRIORITY_LABELS for p in filters.priorities):
        errors["priority"] = "must be from 1 (urgent) to 4 (low)"
    if filters.due_from and filters.due_to and filters.due_from > filters.due_to:
        errors["due_from"] = f"({filters.due_from}) is after the end of the range " \
                             f"({filters.due_to})"
    if filters.unassigned and filters.assignee_id is not None:
        errors["assignee"] = "cannot be both someone and nobody"
    if errors:
        raise ValidationError(errors)


def _joined(q: Any) -> Any:
    return (q.join(Asset, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.asset == Asset.id))
            .switch(WorkOrder)
            .join(Assignee, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.assignee == Assignee.id)))


ROW_COLUMNS = (
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
    WorkOrder.version,
)


def _filtered(filters: WorkOrderFilter, counting: bool = False) -> Any:
    """The rows `filters` lets through; `counting` selects only their number, joining the
    asset and assignee only when the search needs them (an order has at most one of each, so
    the joins never change the number)."""
    check_filter(filters)
    if counting:
        q: Any = WorkOrder.select(peewee.fn.COUNT(WorkOrder.id))
        if filters.search.strip():
            q = _joined(q)
    else:
        q = _joined(WorkOrder.select(*ROW_COLUMNS))
    f = filters
    if not f.include_finished:  # IN, not NOT IN: the status index then reads only these
        q = q.where(WorkOrder.status.in_(list(UNFINISHED_STATUSES)))
    if f.statuses:
        q = q.where(WorkOrder.status.in_(list(f.statuses)))
    if f.types:
        q = q.where(WorkOrder.type.in_(list(f.types)))
    if f.priorities:
        q = q.where(WorkOrder.priority.in_(list(f.priorities)))
    if f.asset_id is not None:
        q = q.where(WorkOrder.asset == f.asset_id)
    if f.assignee_id is not None:
        q = q.where(WorkOrder.assignee == f.assignee_id)
    if f.unassigned:
        q = q.where(WorkOrder.assignee.is_null())
    if f.due_from is not None:
        q = q.where(WorkOrder.due_date >= f.due_from)
    if f.due_to is not None:
        q = q.where(WorkOrder.due_date <= f.due_to)
    if f.overdue:
        today = f.today or dt.date.today()
        q = q.where(WorkOrder.status.in_(list(OPEN_STATUSES)) & (WorkOrder.due_date < today))
    matches = text_search(
        (WorkOrder.number, WorkOrder.title, Asset.tag, Asset.name, Assignee.full_name), f.search)
    return q if matches is None else q.where(matches)


# The SQL of first pages by what shapes it (database, filters, order, part, size): building
# it costs more than running it on SQLite, and a desk asks for the same first pages all day.
_FIRST_PAGE_SQL: dict[tuple[Any, ...], tuple[str, Any]] = {}
FIRST_PAGE_SQL_KEPT = 256


def _rows(q: Any, shape: tuple[Any, ...] | None = None) -> list[WorkOrderRow]:
    """The rows of `q` straight from the DB-API cursor: every column arrives as the row wants
    it except the due date, which SQLite gives as text (peewee's per-value conversion would
    cost more than the query on a first page). With a `shape`, its SQL is built once."""
    database = WorkOrder._meta.database
    if shape is None:
        cursor = database.execute(q)
    else:
        shape = (type(database.obj), *shape)  # the SQL depends on the dialect only
        statement = _FIRST_PAGE_SQL.get(shape)
        if statement is None:
            if len(_FIRST_PAGE_SQL) >= FIRST_PAGE_SQL_KEPT:
                _FIRST_PAGE_SQL.clear()
            statement = _FIRST_PAGE_SQL[shape] = q.sql()
        cursor = database.execute_sql(*statement)
    rows = []
    for r in cursor.fetchall():
        due = r[7]
        if isinstance(due, str):
            due = dt.date.fromisoformat(due[:10])
        rows.append(WorkOrderRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], due, r[8], r[9],
                                 r[10]))
    return rows


def _keyset_page(q: Any, sort: str, descending: bool, cursor: WorkOrderRow | None,
                 limit: int, backwards: bool = False,
                 filters: WorkOrderFilter | None = None) -> list[WorkOrderRow]:
    """The `limit` rows after `cursor` (before it when `backwards`; from the start, or the end,
    without one). Rows with a value in the sort column come first (in order, then by id), rows
    without one last (by id): each part is read straight from an index range, however deep the
    page. Backwards reads the same order reversed, then turns the page round."""
    column = SORT_COLUMNS[sort]
    wid = WorkOrder.id
    down = descending != backwards  # the direction this scan walks the values
    value = None if cursor is None else _sort_value(sort, cursor)
    parts = ["empty", "valued"] if backwards else ["valued", "empty"]
    if cursor is not None:  # start in the part the cursor is in
        parts = parts[parts.index("valued" if value is not None else "empty"):]
    rows: list[WorkOrderRow] = []
    for part in parts:
        if part == "valued":
            page = q.where(column.is_null(False))
            if cursor is not None and value is not None:
                key, last = peewee.Tuple(column, wid), peewee.Tuple(value, cursor.id)
                page = page.where(key < last if down else key > last)
            order = [column.desc(), wid.desc()] if down else [column.asc(), wid.asc()]
        else:
            page = q.where(column.is_null())
            if cursor is not None and value is None:
                page = page.where(wid < cursor.id if down else wid > cursor.id)
            order = [wid.desc() if down else wid.asc()]
        size = limit - len(rows)
        shape = None
        if cursor is None and filters is not None:  # a part read from its start: the same SQL
            day = (filters.today or dt.date.today()) if filters.overdue else None
            shape = (filters, day, sort, descending, backwards, part, size)
        rows += _rows(page.order_by(*order).limit(size), shape)
        if len(rows) == limit:
            break
        cursor = None  # the next part is read from its start
    return rows[::-1] if backwards else rows


@query(Perm.WO_VIEW)
def list_work_orders(
    actor: Actor,
    filters: WorkOrderFilter = EVERYTHING,
    sort: str = "due_date",
    descending: bool = False,
    limit: int = PAGE_SIZE,
    after: WorkOrderRow | None = None,
    offset: int = 0,
    before: WorkOrderRow | None = None,
    from_end: bool = False,
) -> list[WorkOrderRow]:
    """One page of the work orders `filters` lets through, sorted in SQL by `sort` (one of
    SORT_COLUMNS; orders without a value in it come last either way), ties broken by id so
    pages never overlap. The next page starts `after` the last row of the one before, or ends
    `before` the first row of the one after, and `from_end` gives the last page (keyset
    paging: as fast at the end of a million rows as at the top); `offset` skips rows instead,
    for a jump into the middle. ValidationError for a bad filter, sort or page."""
    page_order(SORT_COLUMNS, sort, descending, WorkOrder.id, offset, limit)  # checks them
    q = _filtered(filters)
    if sum((after is not None, before is not None, bool(offset), from_end)) > 1:
        raise ValidationError({"offset": "only one of after, before, offset and from_end "
                                         "can say where the page starts"})
    if offset:
        order = page_order(SORT_COLUMNS, sort, descending, WorkOrder.id, offset, limit)
        return _rows(q.order_by(*order).offset(offset).limit(limit))
    if before is not None or from_end:
        return _keyset_page(q, sort, descending, before, limit, backwards=True, filters=filters)
    return _keyset_page(q, sort, descending, after, limit, filters=filters)


@query(Perm.WO_VIEW)
def count_work_orders(actor: Actor, filters: WorkOrderFilter = EVERYTHING) -> int:
    """How many work orders `filters` lets through (for the status line)."""
    return int(_filtered(filters, counting=True).scalar() or 0)



@query(Perm.WO_VIEW)
def order_version(actor: Actor, wo_id: int) -> int:
    """The order's version as stored now (an open form compares it with its own); NotFound."""
    from app.errors import NotFound

    version = WorkOrder.select(WorkOrder.version).where(WorkOrder.id == wo_id).scalar()
    if version is None:
        raise NotFound(f"Work order {wo_id} does not exist (it may have been deleted).")
    return int(version)
