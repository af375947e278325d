"""Creating and editing work orders: the header form, failure codes, downtime, and approving a
work request into an order. Status changes are in lifecycle.py; the work done on an order
(tasks, labor, comments, attachments) in activity.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.clock import utcnow
from app.errors import InvalidTransition, NotFound
from app.models import Attachment, Task, WorkOrder, WorkOrderLog, WorkRequest
from app.permissions import Actor, Perm
from app.services import audit
from app.services.common import clean_date, clean_text, lock_rows, raise_if, versioned_update
from app.services.registry import mutation
from app.services.work_orders.detail import (
    WorkOrderDetail,
    check_not_finished,
    check_own_order,
    check_version,
    load_detail,
    lock_work_order,
)
from app.services.work_orders.fields import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    FAILURE_LISTS,
    TITLE_MAX,
    TaskSpec,
    check_asset,
    check_location,
    check_worker,
    clean_failure_code,
    clean_hours,
    clean_priority,
    clean_tasks,
    clean_type,
)
from app.services.work_orders.fields import FailureCodes as FailureCodes
from app.services.work_orders.fields import failure_codes as failure_codes
from app.services.work_orders.numbering import next_work_order_number

__all__ = [
    "FailureCodes",
    "TaskSpec",
    "WorkOrderDetail",
    "approve_request",
    "create_work_order",
    "failure_codes",
    "set_downtime",
    "set_failure_codes",
    "update_work_order",
]

# The fields of the header form, as create_work_order names them.
FORM_FIELDS = (
    "title", "description", "type", "priority", "asset_id", "location_id", "assignee_id",
    "due_date", "planned_start", "estimated_hours",
)
EDITABLE = (*FORM_FIELDS, "completion_notes")
ASSIGNED_STATUSES = ("assigned", "in_progress", "on_hold")


def _check_form(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Check the given header fields; returns them cleaned (model attribute names)."""
    out: dict[str, Any] = {}
    if "title" in values:
        out["title"] = clean_text(errors, "title", values["title"], max_length=TITLE_MAX)
    if "description" in values:
        out["description"] = clean_text(errors, "description", values["description"],
                                        max_length=DESCRIPTION_MAX, required=False)
    if "completion_notes" in values:
        out["completion_notes"] = clean_text(errors, "completion_notes",
                                             values["completion_notes"],
                                             max_length=COMMENT_MAX, required=False)
    if "type" in values:
        out["type"] = clean_type(errors, values["type"])
    if "priority" in values:
        out["priority"] = clean_priority(errors, values["priority"])
    asset: Any = None
    if "asset_id" in values:
        asset = check_asset(errors, values["asset_id"])
        out["asset_id"] = asset.id if asset else None
    if "location_id" in values:
        out["location_id"] = check_location(errors, values["location_id"])
    if out.get("location_id") is None and asset is not None and asset.location_id:
        out["location_id"] = asset.location_id  # where the asset stands
    if "assignee_id" in values:
        user = check_worker(errors, "assignee", values["assignee_id"])
        out["assignee_id"] = user.id if user else None
    for name in ("due_date", "planned_start"):
        if name in values:
            out[name] = clean_date(errors, name, values[name])
    if "estimated_hours" in values:
        out["estimated_hours"] = clean_hours(errors, "estimated_hours", values["estimated_hours"])
    return out


def _check_dates(errors: dict[str, str], fields: dict[str, Any], wo: WorkOrder | None) -> None:
    start = fields.get("planned_start", wo.planned_start if wo else None)
    due = fields.get("due_date", wo.due_date if wo else None)
    if start and due and start > due and "planned_start" not in errors:
        errors["planned_start"] = f"({start}) is after the due date ({due})"


def _insert(actor: Actor, fields: dict[str, Any], tasks: list[dict[str, Any]],
            requester_id: int | None) -> WorkOrder:
    """Number and insert a checked order with its tasks and audit event. Inside a transaction:
    the number is reserved here, so a rollback leaves no gap in the series."""
    status = "assigned" if fields.get("assignee_id") else "open"
    wo = WorkOrder.create(number=next_work_order_number(), requester=requester_id,
                          status=status, **fields)
    if tasks:
        Task.insert_many([dict(t, work_order=wo.id) for t in tasks]).execute()
    if status == "assigned":
        _log_assigned(actor, wo.id, "assigned when raised")
    created = {k: [None, v] for k, v in fields.items() if v not in (None, "")}
    created["number"] = [None, wo.number]
    created["status"] = [None, status]
    if tasks:
        created["tasks"] = [None, len(tasks)]
    audit.record(actor, "work_order", wo.id, "created", created)
    return wo


def _log_assigned(actor: Actor, wo_id: int, text: str) -> None:
    """Choosing who does an open order assigns it: the status log says so."""
    WorkOrderLog.create(work_order=wo_id, author=actor.user_id, kind="status",
                        from_status="open", to_status="assigned", text=text)


@mutation(Perm.WO_EDIT)
def create_work_order(
    actor: Actor,
    title: str,
    description: str = "",
    type: str = "corrective",
    priority: int = 3,
    asset_id: int | None = None,
    location_id: int | None = None,
    assignee_id: int | None = None,
    due_date: Any = None,
    planned_start: Any = None,
    estimated_hours: Any = None,
    tasks: Iterable[TaskSpec | dict[str, Any]] = (),
) -> WorkOrderDetail:
    """Raise a new order with its checklist: open, or assigned when `assignee_id` names who
    does it. The number (WO-2026-000123) is allocated in the same transaction. The location
    defaults to the asset's. Raises ValidationError naming every bad field (tasks as
    "task_<n>"); nothing is written then."""
    values = dict(title=title, description=description, type=type, priority=priority,
                  asset_id=asset_id, location_id=location_id, assignee_id=assignee_id,
                  due_date=due_date, planned_start=planned_start,
                  estimated_hours=estimated_hours)
    errors: dict[str, str] = {}
    fields = _check_form(values, errors)
    _check_dates(errors, fields, None)
    checked_tasks = clean_tasks(errors, tasks)
    raise_if(errors)
    wo = _insert(actor, fields, checked_tasks, requester_id=actor.user_id)
    return load_detail(wo.id)


@mutation(Perm.WO_EDIT)
def update_work_order(
    actor: Actor, wo_id: int, expected_version: int, **fields: Any
) -> WorkOrderDetail:
    """Change header fields (any of create_work_order's, plus completion_notes). Only the
    fields given change; choosing an assignee for an open order assigns it. Raises
    ValidationError per field (also for a closed or cancelled order, and for removing the
    assignee of an assigned order: unassign it instead), ConflictError naming who saved the
    order since `expected_version`, NotFound."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise TypeError(f"update_work_order() got unknown fields {unknown}")
    wo = lock_work_order(wo_id)
    check_not_finished(wo, "its details")
    errors: dict[str, str] = {}
    cleaned = _check_form(fields, errors)
    _check_dates(errors, cleaned, wo)
    if ("assignee_id" in cleaned and cleaned["assignee_id"] is None
            and "assignee" not in errors and wo.status in ASSIGNED_STATUSES):
        errors["assignee"] = (f"cannot be removed while the order is {wo.status.replace('_', ' ')}"
                              ": use Unassign, or choose another person")
    raise_if(errors)
    assigning = wo.status == "open" and cleaned.get("assignee_id") is not None
    if assigning:
        cleaned["status"] = "assigned"
    changes = versioned_update(wo, expected_version, "work_order", **cleaned)
    if assigning:
        _log_assigned(actor, wo.id, "assigned by choosing who does it")
    if changes:
        audit.record(actor, "work_order", wo.id, "updated", changes)
    return load_detail(wo.id)


@mutation(Perm.WO_WORK)
def set_failure_codes(
    actor: Actor, wo_id: int, expected_version: int, problem: str, cause: str, remedy: str
) -> WorkOrderDetail:
    """Record what failed, why, and what was done, from the shipped lists (failure_codes());
    "" clears a code. Closing a corrective or emergency order needs all three. Technicians on
    their own orders only (PermissionDenied). Raises ValidationError, ConflictError, NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    check_not_finished(wo, "its failure codes")
    errors: dict[str, str] = {}
    codes = {f"failure_{kind}": clean_failure_code(errors, kind, value)
             for kind, value in zip(FAILURE_LISTS, (problem, cause, remedy), strict=True)}
    raise_if(errors)
    changes = versioned_update(wo, expected_version, "work_order", **codes)
    if changes:
        audit.record(actor, "work_order", wo.id, "failure_codes_set", changes)
    return load_detail(wo.id)


@mutation(Perm.WO_WORK)
def set_downtime(
    actor: Actor, wo_id: int, expected_version: int, hours: Any
) -> WorkOrderDetail:
    """Record how long the asset was down for this work (None clears it; for MTTR). Technicians
    on their own orders only. Raises ValidationError, ConflictError, NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    check_not_finished(wo, "its downtime")
    errors: dict[str, str] = {}
    value = clean_hours(errors, "downtime_hours", hours)
    raise_if(errors)
    changes = versioned_update(wo, expected_version, "work_order", downtime_hours=value)
    if changes:
        audit.record(actor, "work_order", wo.id, "downtime_set", changes)
    return load_detail(wo.id)


@mutation(Perm.WO_EDIT)
def approve_request(
    actor: Actor, request_id: int, expected_version: int, **overrides: Any
) -> WorkOrderDetail:
    """Turn a new work request into an open work order carrying its title, description,
    asset, location, priority, requester and (copies of) its attachments; `overrides` are
    create_work_order's fields to set or change on the way (type, assignee_id, due_date, ...,
    tasks). The request becomes approved and links to the order, in one transaction.
    Raises InvalidTransition when the request was already decided, ConflictError when someone
    changed it since `expected_version`, ValidationError per field, NotFound."""
    unknown = sorted(set(overrides) - {*FORM_FIELDS, "tasks"})
    if unknown:
        raise TypeError(f"approve_request() got unknown fields {unknown}")
    request = lock_rows(WorkRequest.select().where(WorkRequest.id == request_id)).first()
    if request is None:
        raise NotFound(f"Work request {request_id} does not exist (it may have been deleted).")
    check_version(request, expected_version, "work_request")  # decided or edited meanwhile
    if request.status != "new":
        raise InvalidTransition(
            f"Work request {request.number} is already {request.status}; only a new request "
            "can be approved.")
    values: dict[str, Any] = dict(
        title=request.title, description=request.description, type="corrective",
        priority=request.priority, asset_id=request.asset_id, location_id=request.location_id,
        assignee_id=None, due_date=None, planned_start=None, estimated_hours=None,
    )
    values.update({k: v for k, v in overrides.items() if k != "tasks"})
    errors: dict[str, str] = {}
    fields = _check_form(values, errors)
    _check_dates(errors, fields, None)
    tasks = clean_tasks(errors, overrides.get("tasks", ()))
    raise_if(errors)
    wo = _insert(actor, fields, tasks, requester_id=request.requester_id)
    _copy_attachments(request.id, wo.id)
    changes = versioned_update(
        request, expected_version, "work_request",
        status="approved", decided_by=actor.user_id, decided_at=utcnow(), work_order=wo.id,
    )
    audit.record(actor, "work_request", request.id, "approved", changes)
    return load_detail(wo.id)


def _copy_attachments(request_id: int, wo_id: int) -> None:
    """The request keeps its attachments; the order gets its own copies (one INSERT ...
    SELECT, so the files never pass through this desk)."""
    columns = (Attachment.filename, Attachment.media_type, Attachment.size, Attachment.data,
               Attachment.uploaded_by, Attachment.uploaded_at)
    source = Attachment.select(WorkOrder.id, *columns).join(
        WorkOrder, on=(WorkOrder.id == wo_id)
    ).where(Attachment.work_request == request_id).order_by(Attachment.id)
    Attachment.insert_from(source, [Attachment.work_order, *columns]).execute()
