"""The work done on an order: checklist answers, hours booked, comments and attachments.

Permission WO_WORK; technicians act only on orders assigned to them (the other working roles
on any order). These add or change child rows and leave the order's version alone, so a planner
editing the header is not interrupted by a technician ticking tasks; the order's row is locked
for the write, so none of them can race a status change.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from app.clock import utcnow
from app.errors import NotFound, PermissionDenied, ValidationError
from app.models import Attachment, LaborEntry, Task, WorkOrderLog
from app.permissions import Actor, Perm, Role
from app.services import audit
from app.services.common import (
    clean_date,
    clean_file,
    clean_text,
    raise_if,
    versioned_update,
)
from app.services.registry import mutation
from app.services.work_orders.detail import (
    AttachmentRow,
    LaborRow,
    TaskRow,
    WorkOrderDetail,
    check_not_finished,
    check_own_order,
    load_detail,
    lock_work_order,
)
from app.services.work_orders.fields import (
    COMMENT_MAX,
    TEXT_MAX,
    check_worker,
    clean_hours,
)

ANSWERABLE = ("open", "assigned", "in_progress", "on_hold")  # not once completed
MAX_READING = Decimal("1e12")
FILENAME_MAX = 255


def _clean_result(kind: str, result: Any) -> str:
    """A task answer as stored; ValidationError on "result" with what this kind accepts."""
    if kind == "check" and isinstance(result, bool):
        return "done" if result else ""
    if not isinstance(result, str | int | float | Decimal) or isinstance(result, bool):
        raise ValidationError({"result": "must be text"})
    text = str(result).strip()
    if kind == "check":
        if text.lower() not in ("done", ""):
            raise ValidationError({"result": "of a check must be done, or empty to clear it"})
        return text.lower()
    if kind == "pass_fail":
        if text.lower() not in ("pass", "fail", ""):
            raise ValidationError({"result": "must be pass or fail, or empty to clear it"})
        return text.lower()
    if kind == "reading":
        if text == "":
            return ""
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ValidationError({"result": f"must be a number, not {text[:40]!r}"}) from None
        if not number.is_finite() or abs(number) >= MAX_READING:
            raise ValidationError({"result": "must be a number below a trillion"})
        return str(number)
    errors: dict[str, str] = {}
    text = clean_text(errors, "result", text, max_length=TEXT_MAX, required=False)
    raise_if(errors)
    return text


@mutation(Perm.WO_WORK)
def answer_task(actor: Actor, wo_id: int, task_id: int, result: Any) -> TaskRow:
    """Record (or clear, with "") the answer to one checklist item: a check "done", pass_fail
    "pass"/"fail", a reading as a number, or text. Records who and when. Raises ValidationError
    for an answer the kind does not accept or an order that is completed, closed or cancelled;
    PermissionDenied for a technician on someone else's order; NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    task = Task.get_or_none((Task.id == task_id) & (Task.work_order == wo.id))
    if task is None:
        raise NotFound(f"Task {task_id} is not on work order {wo.number}.")
    if wo.status not in ANSWERABLE:
        check_not_finished(wo, "its tasks")
        raise ValidationError({"work_order": f"{wo.number} is completed: reopen it to change "
                                             "its tasks"})
    value = _clean_result(task.kind, result)
    if value == task.result:
        return _task_row(wo.id, task.id)
    done = value != ""
    Task.update(result=value, done_by=actor.user_id if done else None,
                done_at=utcnow() if done else None).where(Task.id == task.id).execute()
    # The step in words, as it stands now: steps can be moved or removed later, and the
    # history must still name the one answered.
    audit.record(actor, "work_order", wo.id, "task_answered",
                 {"task": [None, f"{task.position}. {task.text}"],
                  "result": [task.result, value]})
    return _task_row(wo.id, task.id)


def _task_row(wo_id: int, task_id: int) -> TaskRow:
    return next(t for t in load_detail(wo_id).tasks if t.id == task_id)


@mutation(Perm.WO_WORK)
def book_labor(
    actor: Actor, wo_id: int, user_id: int, work_date: Any, hours: Any, note: str = ""
) -> LaborRow:
    """Book hours worked on the order by a person, at their hourly rate of today (a snapshot:
    later rate changes do not alter booked costs). Technicians book only their own hours on
    their own orders. Raises ValidationError per field (date not after today, hours more than 0
    up to 24), PermissionDenied, NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    if actor.role is Role.TECHNICIAN and user_id != actor.user_id:
        raise PermissionDenied("Technicians may only book their own hours.")
    check_not_finished(wo, "its labor")
    errors: dict[str, str] = {}
    worker = check_worker(errors, "worker", user_id)
    day = clean_date(errors, "work_date", work_date)
    if day is not None and day > dt.date.today():
        errors["work_date"] = f"({day}) is in the future: book hours once they are worked"
    elif work_date in (None, "") and "work_date" not in errors:
        errors["work_date"] = "is required"
    amount = clean_hours(errors, "hours", hours, maximum=Decimal(24), allow_zero=False,
                         required=True)
    note = clean_text(errors, "note", note, max_length=TEXT_MAX, required=False)
    raise_if(errors)
    assert worker is not None and day is not None and amount is not None
    entry = LaborEntry.create(work_order=wo.id, user=worker.id, work_date=day, hours=amount,
                              rate=worker.hourly_rate, note=note)
    audit.record(actor, "work_order", wo.id, "labor_booked", {
        "user": [None, worker.username], "work_date": [None, day], "hours": [None, amount],
        "rate": [None, worker.hourly_rate]})
    return next(r for r in load_detail(wo.id).labor if r.id == entry.id)


@mutation(Perm.WO_WORK)
def add_comment(actor: Actor, wo_id: int, text: str) -> None:
    """Add a comment to the order's log (any status; the log is part of the record).
    Technicians on their own orders. Raises ValidationError, PermissionDenied, NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    errors: dict[str, str] = {}
    text = clean_text(errors, "comment", text, max_length=COMMENT_MAX)
    raise_if(errors)
    entry = WorkOrderLog.create(work_order=wo.id, author=actor.user_id, kind="comment",
                                text=text)
    audit.record(actor, "work_order", wo.id, "commented", {"comment": [None, entry.id]})


def clean_filename(name: Any) -> str:
    """A file name safe on every desk's file system: no folders, no control or reserved
    characters, not hidden, at most 255 characters with its extension kept."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    text = re.sub(r'[<>:"|?*]', "_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text:
        return "attachment"
    if len(text) > FILENAME_MAX:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and len(ext) <= 16 else ""
        keep = FILENAME_MAX - (len(ext) + 1 if ext else 0)
        text = (stem if ext else text)[:keep].rstrip(" .") + (f".{ext}" if ext else "")
    return text


@mutation(Perm.WO_WORK)
def add_attachment(
    actor: Actor, wo_id: int, filename: str, data: bytes, media_type: str
) -> AttachmentRow:
    """Store a file (photo, drawing, report) with the order, in the database so that every desk
    can open it. The name is made safe (no folders or odd characters). Raises ValidationError
    for an empty file or one over ATTACHMENT_MAX_BYTES, PermissionDenied, NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    check_not_finished(wo, "its attachments")
    errors: dict[str, str] = {}
    content, kind = clean_file(errors, data, media_type)
    raise_if(errors)
    row = Attachment.create(work_order=wo.id, filename=clean_filename(filename),
                            media_type=kind, size=len(content), data=content,
                            uploaded_by=actor.user_id)
    audit.record(actor, "work_order", wo.id, "attachment_added",
                 {"attachment": [None, row.filename], "size": [None, row.size]})
    return next(a for a in load_detail(wo.id).attachments if a.id == row.id)


@mutation(Perm.WO_WORK)
def set_completion_notes(
    actor: Actor, wo_id: int, expected_version: int, notes: str
) -> WorkOrderDetail:
    """What the technician found and did, in their words (the order's completion notes).
    Technicians on their own orders; not once the order is closed or cancelled. Raises
    ValidationError, PermissionDenied, ConflictError, NotFound."""
    wo = lock_work_order(wo_id)
    check_own_order(wo, actor)
    check_not_finished(wo, "its completion notes")
    errors: dict[str, str] = {}
    text = clean_text(errors, "completion_notes", notes, max_length=COMMENT_MAX, required=False)
    raise_if(errors)
    changes = versioned_update(wo, expected_version, "work_order", completion_notes=text)
    if changes:
        audit.record(actor, "work_order", wo.id, "completion_notes_set", changes)
    return load_detail(wo.id)
