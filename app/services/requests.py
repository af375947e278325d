"""Work requests: anyone signed in reports a problem; planners and supervisors decide.

A requester sees only their own requests; whoever may edit work orders (Perm.WO_EDIT: planners,
supervisors, admins) sees them all, rejects them with a reason the requester reads, or approves
them into a work order (work_order_edit.approve_request).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import peewee

from app.clock import utcnow
from app.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from app.models import Asset, Attachment, Location, User, WorkOrder, WorkRequest
from app.permissions import Actor, Perm
from app.services import audit
from app.services.common import clean_file, clean_text, lock_rows, raise_if, versioned_update
from app.services.registry import mutation, query
from app.services.work_orders.numbering import reserve
from app.vocabulary import REQUEST_STATUSES

PAGE_SIZE = 200
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
REASON_MAX = 500
PRIORITIES = (1, 2, 3, 4)


def format_request_number(year: int, value: int) -> str:
    return f"WR-{year}-{value:06d}"


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    number: str
    title: str
    status: str
    priority: int
    asset_tag: str
    location_name: str
    requester_name: str
    created_at: dt.datetime  # naive UTC
    reject_reason: str
    work_order_number: str
    version: int


@dataclass(frozen=True, slots=True)
class RequestAttachment:
    id: int
    filename: str
    media_type: str
    size: int
    uploaded_by: str
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class RequestDetail:
    id: int
    number: str
    title: str
    description: str
    status: str
    priority: int
    asset_id: int | None
    asset_tag: str
    location_id: int | None
    location_name: str
    requester_id: int
    requester_name: str
    created_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    reject_reason: str  # shown to the requester
    work_order_id: int | None
    work_order_number: str
    attachments: tuple[RequestAttachment, ...]
    version: int


Requester = User.alias("requester")
Decider = User.alias("decider")
_ROW_FIELDS = (
    WorkRequest.id, WorkRequest.number, WorkRequest.title, WorkRequest.status,
    WorkRequest.priority, peewee.fn.COALESCE(Asset.tag, ""),
    peewee.fn.COALESCE(Location.name, ""), Requester.full_name, WorkRequest.created_at,
    WorkRequest.reject_reason, peewee.fn.COALESCE(WorkOrder.number, ""), WorkRequest.version,
)


def _joined(*fields: Any) -> Any:
    return (
        WorkRequest.select(*fields)
        .join(Requester, on=(WorkRequest.requester == Requester.id))
        .switch(WorkRequest)
        .join(Asset, peewee.JOIN.LEFT_OUTER, on=(WorkRequest.asset == Asset.id))
        .switch(WorkRequest)
        .join(Location, peewee.JOIN.LEFT_OUTER, on=(WorkRequest.location == Location.id))
        .switch(WorkRequest)
        .join(WorkOrder, peewee.JOIN.LEFT_OUTER, on=(WorkRequest.work_order == WorkOrder.id))
    )


def _sees_all(actor: Actor) -> bool:
    return actor.can(Perm.WO_EDIT)


def _clean_priority(errors: dict[str, str], value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or value not in PRIORITIES:
        errors["priority"] = "must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)"
        return 3
    return int(value)


def _check_id(errors: dict[str, str], name: str, model: Any, value: Any, what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors[name] = "must be chosen from the list"
    elif not model.select().where(model.id == value).exists():
        errors[name] = f"does not exist ({what} {value})"


@mutation(Perm.REQUEST_FILE)
def file_request(
    actor: Actor,
    title: str,
    description: str = "",
    asset_id: int | None = None,
    location_id: int | None = None,
    priority: int = 3,
) -> RequestDetail:
    """Report a problem; it gets a number WR-YYYY-NNNNNN and waits for a planner. Raises
    ValidationError naming every bad field (nothing is written then)."""
    errors: dict[str, str] = {}
    title = clean_text(errors, "title", title, max_length=TITLE_MAX)
    description = clean_text(errors, "description", description, max_length=DESCRIPTION_MAX,
                              required=False)
    _check_id(errors, "asset_id", Asset, asset_id, "asset")
    _check_id(errors, "location_id", Location, location_id, "location")
    priority = _clean_priority(errors, priority)
    raise_if(errors)
    if location_id is None and asset_id is not None:  # where the asset stands
        location_id = Asset.select(Asset.location).where(Asset.id == asset_id).scalar()
    year = utcnow().year
    number = format_request_number(year, reserve("wr", year))
    request = WorkRequest.create(number=number, title=title, description=description,
                                 asset=asset_id, location=location_id, priority=priority,
                                 requester=actor.user_id)
    audit.record(actor, "work_request", request.id, "filed",
                 {"number": [None, number], "title": [None, title],
                  "priority": [None, priority], "asset": [None, asset_id],
                  "location": [None, location_id]})
    return _detail(request.id)


def _filtered(actor: Actor, status: str | None, mine: bool) -> Any:
    q: Any = _joined(*_ROW_FIELDS)
    if status is not None:
        if status not in REQUEST_STATUSES:
            raise ValidationError({"status": "must be one of " + ", ".join(REQUEST_STATUSES)})
        q = q.where(WorkRequest.status == status)
    if mine or not _sees_all(actor):
        q = q.where(WorkRequest.requester == actor.user_id)
    return q


@query(Perm.REQUEST_FILE)
def list_requests(
    actor: Actor,
    status: str | None = None,
    mine: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[RequestRow]:
    """One page of requests, newest first. Requesters and technicians get only their own;
    planners, supervisors and admins all (or only their own with `mine`)."""
    if offset < 0 or not 0 < limit <= 1000:
        raise ValidationError({"limit": "must be between 1 and 1,000 rows from offset 0 on"})
    q = _filtered(actor, status, mine).order_by(WorkRequest.created_at.desc(),
                                                 WorkRequest.id.desc())
    return [RequestRow(*r) for r in q.offset(offset).limit(limit).tuples()]


@query(Perm.REQUEST_FILE)
def count_requests(actor: Actor, status: str | None = None, mine: bool = False) -> int:
    """How many requests `list_requests` would page through."""
    return _filtered(actor, status, mine).count()


def _detail(request_id: int) -> RequestDetail:
    values = _joined(
        *_ROW_FIELDS, WorkRequest.description, WorkRequest.asset, WorkRequest.location,
        WorkRequest.requester, peewee.fn.COALESCE(Decider.full_name, ""),
        WorkRequest.decided_at, WorkRequest.work_order,
    ).join(Decider, peewee.JOIN.LEFT_OUTER, on=(WorkRequest.decided_by == Decider.id)) \
        .where(WorkRequest.id == request_id).tuples().first()
    if values is None:
        raise NotFound(f"Work request {request_id} does not exist (it may have been deleted).")
    (rid, number, title, status, priority, asset_tag, location_name, requester_name, created,
     reason, wo_number, version, description, asset_id, location_id, requester_id, decider,
     decided_at, wo_id) = values
    files: Any = (
        Attachment.select(Attachment.id, Attachment.filename, Attachment.media_type,
                          Attachment.size, peewee.fn.COALESCE(User.full_name, ""),
                          Attachment.uploaded_at)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(Attachment.uploaded_by == User.id))
        .where(Attachment.work_request == rid).order_by(Attachment.id).tuples()
    )
    return RequestDetail(
        id=rid, number=number, title=title, description=description, status=status,
        priority=priority, asset_id=asset_id, asset_tag=asset_tag, location_id=location_id,
        location_name=location_name, requester_id=requester_id, requester_name=requester_name,
        created_at=created, decided_by=decider, decided_at=decided_at, reject_reason=reason,
        work_order_id=wo_id, work_order_number=wo_number,
        attachments=tuple(RequestAttachment(*f) for f in files), version=version,
    )


def _check_may_see(actor: Actor, request: Any) -> None:
    if request.requester_id != actor.user_id and not _sees_all(actor):
        raise PermissionDenied("You may only see and add to work requests you filed yourself.")


@query(Perm.REQUEST_FILE)
def get_request(actor: Actor, request_id: int) -> RequestDetail:
    """A request with its attachments (names and sizes) and decision. PermissionDenied for
    someone else's request unless the actor may edit work orders; NotFound."""
    request = WorkRequest.get_or_none(WorkRequest.id == request_id)
    if request is None:
        raise NotFound(f"Work request {request_id} does not exist (it may have been deleted).")
    _check_may_see(actor, request)
    return _detail(request.id)


@query(Perm.REQUEST_FILE)
def get_request_attachment(actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """A file of a request this actor may see: (filename, media type, content), to open with
    the desktop's viewer. PermissionDenied for someone else's request (unless the actor may
    edit work orders); NotFound."""
    row = (Attachment.select(Attachment.filename, Attachment.media_type, Attachment.data,
                             Attachment.work_request)
           .where(Attachment.id == attachment_id).tuples().first())
    request = WorkRequest.get_or_none(WorkRequest.id == row[3]) if row else None
    if row is None or request is None:
        raise NotFound(f"Attachment {attachment_id} does not exist (it may have been deleted).")
    _check_may_see(actor, request)
    return row[0], row[1], bytes(row[2])


def _lock(request_id: int) -> Any:
    request = lock_rows(WorkRequest.select().where(WorkRequest.id == request_id)).first()
    if request is None:
        raise NotFound(f"Work request {request_id} does not exist (it may have been deleted).")
    return request


@mutation(Perm.WO_EDIT)
def reject_request(
    actor: Actor, request_id: int, expected_version: int, reason: str
) -> RequestDetail:
    """Turn a new request down with a reason the requester sees. InvalidTransition when it was
    already decided; ConflictError when someone saved it since `expected_version`;
    ValidationError without a reason; NotFound."""
    request = _lock(request_id)
    errors: dict[str, str] = {}
    reason = clean_text(errors, "reason", reason, max_length=REASON_MAX)
    raise_if(errors)
    if request.status != "new" and request.version == expected_version:
        raise InvalidTransition(f"Work request {request.number} is already {request.status}; "
                                "only a new request can be rejected.")
    changes = versioned_update(request, expected_version, "work_request", status="rejected",
                               reject_reason=reason, decided_by=actor.user_id,
                               decided_at=utcnow())
    audit.record(actor, "work_request", request.id, "rejected", changes)
    return _detail(request.id)


@mutation(Perm.REQUEST_FILE)
def add_request_attachment(
    actor: Actor, request_id: int, filename: str, data: bytes, media_type: str
) -> RequestAttachment:
    """Store a file (a photo of the leak) with a new request, in the database so every desk can
    open it; approval carries it to the work order. Only the requester or someone who may edit
    work orders (PermissionDenied). ValidationError for an empty file, one over
    ATTACHMENT_MAX_BYTES, a bad name or type, or a request already decided; NotFound."""
    request = _lock(request_id)
    _check_may_see(actor, request)
    errors: dict[str, str] = {}
    if request.status != "new":
        errors["request"] = (f"is already {request.status}: add files to a new request "
                             "(or to its work order)")
    name = clean_text(errors, "filename", re.split(r"[\\/]", filename)[-1]
                      if isinstance(filename, str) else filename, max_length=255)
    content, kind = clean_file(errors, data, media_type)
    raise_if(errors)
    row = Attachment.create(work_request=request.id, filename=name, media_type=kind,
                            size=len(content), data=content, uploaded_by=actor.user_id)
    audit.record(actor, "work_request", request.id, "attachment_added",
                 {"attachment": [None, name], "size": [None, row.size]})
    return next(a for a in _detail(request.id).attachments if a.id == row.id)
