"""One work order as its form shows it: header, checklist, log, labor and attachments, read in
a handful of queries into light dataclasses. Also the checks every work-order service shares
(the row locked for the write, technicians on their own orders, finished orders read-only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from app.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from app.models import (
    Asset,
    Attachment,
    LaborEntry,
    Location,
    PmSchedule,
    Task,
    User,
    WorkOrder,
    WorkOrderLog,
    WorkRequest,
)
from app.permissions import Actor, Perm, Role
from app.services.common import last_change_by, lock_rows
from app.services.registry import query
from app.services.work_orders.listing import STATUS_LABELS

FINISHED = ("closed", "cancelled")


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: int
    position: int
    text: str
    kind: str  # check, pass_fail, reading, text
    required: bool
    unit: str
    result: str  # "" while unanswered
    done_by_name: str
    done_at: dt.datetime | None

    @property
    def answered(self) -> bool:
        return self.result != ""


@dataclass(frozen=True, slots=True)
class LogRow:
    id: int
    at: dt.datetime
    author_name: str
    kind: str  # comment, status
    from_status: str
    to_status: str
    text: str


@dataclass(frozen=True, slots=True)
class LaborRow:
    id: int
    user_id: int
    user_name: str
    work_date: dt.date
    hours: Decimal
    rate: Decimal  # the person's hourly rate when the hours were booked
    note: str

    @property
    def cost(self) -> Decimal:
        return (self.hours * self.rate).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    id: int
    filename: str
    media_type: str
    size: int
    uploaded_by_name: str
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class WorkOrderDetail:
    id: int
    number: str
    title: str
    description: str
    type: str
    priority: int
    status: str
    asset_id: int | None
    asset_tag: str
    asset_name: str
    location_id: int | None
    location_name: str
    assignee_id: int | None
    assignee_name: str
    requester_id: int | None
    requester_name: str
    due_date: dt.date | None
    planned_start: dt.date | None
    estimated_hours: Decimal | None
    downtime_hours: Decimal | None
    failure_problem: str
    failure_cause: str
    failure_remedy: str
    completion_notes: str
    hold_reason: str
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_by_id: int | None
    closed_by_name: str
    signature_name: str
    signature_meaning: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    request_number: str  # the work request it was approved from, or ""
    tasks: tuple[TaskRow, ...]
    log: tuple[LogRow, ...]
    labor: tuple[LaborRow, ...]
    attachments: tuple[AttachmentRow, ...]
    # A preventive order: the schedule that raised it and the occurrence it serves.
    pm_schedule_id: int | None = None
    pm_schedule_name: str = ""
    pm_due: dt.date | None = None
    pm_due_reading: Decimal | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def labor_hours(self) -> Decimal:
        return sum((row.hours for row in self.labor), Decimal(0))

    @property
    def labor_cost(self) -> Decimal:
        return sum((row.cost for row in self.labor), Decimal(0))


Assignee = User.alias("assignee")
Requester = User.alias("requester")
Signer = User.alias("signer")


def _name(user: Any) -> Any:
    return peewee.fn.COALESCE(user.full_name, "")


def load_detail(wo_id: int) -> WorkOrderDetail:
    """The whole order as light rows. Called by the services after their checks."""
    header = (
        WorkOrder.select(
            WorkOrder,
            peewee.fn.COALESCE(Asset.tag, "").alias("asset_tag"),
            peewee.fn.COALESCE(Asset.name, "").alias("asset_name"),
            peewee.fn.COALESCE(Location.name, "").alias("location_name"),
            _name(Assignee).alias("assignee_name"),
            _name(Requester).alias("requester_name"),
            _name(Signer).alias("closed_by_name"),
        )
        .join(Asset, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.asset == Asset.id))
        .switch(WorkOrder)
        .join(Location, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.location == Location.id))
        .switch(WorkOrder)
        .join(Assignee, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.assignee == Assignee.id))
        .switch(WorkOrder)
        .join(Requester, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.requester == Requester.id))
        .switch(WorkOrder)
        .join(Signer, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.closed_by == Signer.id))
        .where(WorkOrder.id == wo_id)
        .dicts()
        .first()
    )
    if header is None:
        raise NotFound(f"Work order {wo_id} does not exist (it may have been deleted).")
    request_number = (
        WorkRequest.select(WorkRequest.number).where(WorkRequest.work_order == wo_id).scalar()
    )
    done_by = User.alias("done_by")
    tasks: Any = (
        Task.select(Task.id, Task.position, Task.text, Task.kind, Task.required, Task.unit,
                    Task.result, _name(done_by), Task.done_at)
        .join(done_by, peewee.JOIN.LEFT_OUTER, on=(Task.done_by == done_by.id))
        .where(Task.work_order == wo_id)
        .order_by(Task.position)
        .tuples()
    )
    log: Any = (
        WorkOrderLog.select(WorkOrderLog.id, WorkOrderLog.at, _name(User), WorkOrderLog.kind,
                            WorkOrderLog.from_status, WorkOrderLog.to_status, WorkOrderLog.text)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(WorkOrderLog.author == User.id))
        .where(WorkOrderLog.work_order == wo_id)
        .order_by(WorkOrderLog.at, WorkOrderLog.id)
        .tuples()
    )
    labor: Any = (
        LaborEntry.select(LaborEntry.id, LaborEntry.user, User.full_name, LaborEntry.work_date,
                          LaborEntry.hours, LaborEntry.rate, LaborEntry.note)
        .join(User, on=(LaborEntry.user == User.id))
        .where(LaborEntry.work_order == wo_id)
        .order_by(LaborEntry.work_date, LaborEntry.id)
        .tuples()
    )
    attachments: Any = (
        Attachment.select(Attachment.id, Attachment.filename, Attachment.media_type,
                          Attachment.size, _name(User), Attachment.uploaded_at)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(Attachment.uploaded_by == User.id))
        .where(Attachment.work_order == wo_id)
        .order_by(Attachment.uploaded_at, Attachment.id)
        .tuples()
    )
    fields = {name: header[name] for name in WorkOrderDetail.__dataclass_fields__
              if name in header}
    return WorkOrderDetail(
        **fields,
        asset_id=header["asset"],
        location_id=header["location"],
        assignee_id=header["assignee"],
        requester_id=header["requester"],
        closed_by_id=header["closed_by"],
        request_number=request_number or "",
        pm_schedule_id=header["pm_schedule"],
        pm_schedule_name=(PmSchedule.select(PmSchedule.name)
                          .where(PmSchedule.id == header["pm_schedule"]).scalar() or ""
                          if header["pm_schedule"] else ""),
        tasks=tuple(TaskRow(*r) for r in tasks),
        log=tuple(LogRow(*r) for r in log),
        labor=tuple(LaborRow(*r) for r in labor),
        attachments=tuple(AttachmentRow(*r) for r in attachments),
    )


@query(Perm.WO_VIEW)
def get_work_order(actor: Actor, wo_id: int) -> WorkOrderDetail:
    """Everything the work-order form shows. Raises NotFound."""
    return load_detail(wo_id)


@query(Perm.WO_VIEW)
def get_work_order_by_number(actor: Actor, number: str) -> WorkOrderDetail:
    """The order with this number (as typed or scanned, case-insensitive). Raises NotFound."""
    text = str(number or "").strip().upper()
    wo_id = WorkOrder.select(WorkOrder.id).where(WorkOrder.number == text).scalar()
    if wo_id is None:
        raise NotFound(f"There is no work order {text or '(no number)'}.")
    return load_detail(int(wo_id))


@query(Perm.WO_VIEW)
def get_attachment(actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """An attachment's (filename, media type, content), to open with the desktop's viewer.
    Raises NotFound."""
    row = (
        Attachment.select(Attachment.filename, Attachment.media_type, Attachment.data)
        .where(Attachment.id == attachment_id)
        .tuples()
        .first()
    )
    if row is None:
        raise NotFound(f"Attachment {attachment_id} does not exist (it may have been deleted).")
    filename, media_type, data = row
    return filename, media_type, bytes(data)


def find_asset_id(tag: str) -> int:
    """The id of an asset by its tag (case-insensitive), for the command line and scanners;
    ValidationError on the "asset" field if there is none."""
    text = str(tag or "").strip()
    asset_id = Asset.select(Asset.id).where(
        peewee.fn.UPPER(Asset.tag) == text.upper()).scalar()
    if asset_id is None:
        raise ValidationError({"asset": f"{text!r} is not the tag of any asset"})
    return int(asset_id)


# --- shared checks (building blocks: the caller has checked the permission) ------------------


def lock_work_order(wo_id: int) -> Any:
    """The order, its row locked on PostgreSQL until the transaction ends (SQLite's BEGIN
    IMMEDIATE already keeps writers apart), so a status check cannot race a transition."""
    wo = lock_rows(WorkOrder.select().where(WorkOrder.id == wo_id)).first()
    if wo is None:
        raise NotFound(f"Work order {wo_id} does not exist (it may have been deleted).")
    return wo


def check_own_order(wo: Any, actor: Actor) -> None:
    """Technicians work only on orders assigned to them; the office roles on any order."""
    if actor.role is Role.TECHNICIAN and wo.assignee_id != actor.user_id:
        raise PermissionDenied(
            f"Technicians may only work on orders assigned to them; {wo.number} is not "
            "assigned to you. Ask a planner to assign it to you."
        )


def check_not_finished(wo: WorkOrder, change: str) -> None:
    """Closed and cancelled orders are a record: `change` ("its tasks") cannot be changed."""
    if wo.status in FINISHED:
        hint = "an admin can reopen it" if wo.status == "closed" else "it stays as it was"
        raise ValidationError({"work_order": f"{wo.number} is {wo.status}: {change} cannot be "
                                             f"changed ({hint})"})


def check_version(obj: Any, expected_version: int, entity: str) -> None:
    """ConflictError (as versioned_update raises it) unless `obj` is still at the version the
    user's form was read at; for checks that must run before anything is written."""
    if obj.version == expected_version:
        return
    raise ConflictError(
        f"This {entity.replace('_', ' ')} was changed by {last_change_by(entity, obj.id)}: "
        "reload to see their changes, then make yours again.",
        mine={"version": expected_version},
        theirs=dict(obj.__data__),
    )
