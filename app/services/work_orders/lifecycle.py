"""The work-order lifecycle of DESIGN.md section 5: which status may follow which, who may make
each move, and what each move needs.

Which error a refused move raises:
- InvalidTransition: the table has no such move at all (open -> closed, closed -> cancelled,
  a status to itself): nobody may make it from this status.
- PermissionDenied: the move exists but this role may never make it (a planner signing off,
  a supervisor reopening a closed order, a technician cancelling), or a technician acting on an
  order that is not assigned to them. Requesters, SYSTEM and IT lack WO_WORK and are refused at
  the door.
- ValidationError: the move is allowed but something it needs is missing: a reason, an
  assignee, the password (signature), failure codes, answers to required tasks ("tasks"), or
  booked labor stands in the way of cancelling ("labor"). The user can fix these in the dialog.
- ConflictError: the order changed since the user read it (`expected_version`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from app.clock import utcnow
from app.db import write_transaction
from app.errors import InvalidTransition, PermissionDenied, ValidationError
from app.models import LaborEntry, Task, User, WorkOrder, WorkOrderLog
from app.permissions import Actor, Perm, Role
from app.services import audit
from app.services.common import clean_text, get_or_not_found, raise_if, versioned_update
from app.services.people import auth
from app.services.pm.run import pm_order_moved
from app.services.registry import mutation, query
from app.services.work_orders.detail import (
    WorkOrderDetail,
    check_version,
    load_detail,
    lock_work_order,
)
from app.services.work_orders.fields import TEXT_MAX, check_worker, clean_choice
from app.vocabulary import WO_STATUSES

SIGNATURE_MEANING = "Reviewed and approved"
HOLD_REASON_MAX = 200
FAILURE_CODED_TYPES = ("corrective", "emergency")

# "assignee": a technician acting on an order assigned to them (the other roles act on any).
ASSIGNEE = "assignee"
PLANNING = frozenset({"planner", "supervisor", "admin"})
WORKING = PLANNING | {ASSIGNEE}
SIGNING = frozenset({"supervisor", "admin"})
ADMIN_ONLY = frozenset({"admin"})

# What a move needs (checked in this order).
REASON, AN_ASSIGNEE, TASKS_ANSWERED, NO_LABOR, FAILURE_CODES, PASSWORD = (
    "reason", "assignee", "required tasks answered", "no labor booked", "failure codes",
    "password")


@dataclass(frozen=True)
class Move:
    who: frozenset[str]
    needs: tuple[str, ...] = ()


# DESIGN.md section 5, row by row: (from, to) -> who may, and what it needs.
TRANSITIONS: dict[tuple[str, str], Move] = {
    ("open", "assigned"): Move(PLANNING, (AN_ASSIGNEE,)),
    ("assigned", "open"): Move(PLANNING),  # unassign
    ("open", "in_progress"): Move(WORKING),
    ("assigned", "in_progress"): Move(WORKING),
    ("in_progress", "on_hold"): Move(WORKING, (REASON,)),
    ("on_hold", "in_progress"): Move(WORKING),
    ("in_progress", "completed"): Move(WORKING, (TASKS_ANSWERED,)),
    ("completed", "in_progress"): Move(SIGNING, (REASON,)),  # reopen
    ("completed", "closed"): Move(SIGNING, (FAILURE_CODES, PASSWORD)),  # sign-off
    ("open", "cancelled"): Move(PLANNING, (REASON, NO_LABOR)),
    ("assigned", "cancelled"): Move(PLANNING, (REASON, NO_LABOR)),
    ("on_hold", "cancelled"): Move(PLANNING, (REASON, NO_LABOR)),
    ("closed", "in_progress"): Move(ADMIN_ONLY, (REASON,)),  # reopen a signed-off order
}


def _may(actor: Actor, move: Move, assignee_id: int | None) -> bool:
    if actor.role.value in move.who:
        return True
    return (actor.role is Role.TECHNICIAN and ASSIGNEE in move.who
            and assignee_id is not None and assignee_id == actor.user_id)


def _move_for(actor: Actor, wo: Any, to_status: str) -> Move:
    move = TRANSITIONS.get((wo.status, to_status))
    if move is None:
        raise InvalidTransition(
            f"{wo.number} is {_words(wo.status)}: it cannot go to {_words(to_status)}.")
    if not _may(actor, move, wo.assignee_id):
        if actor.role is Role.TECHNICIAN and ASSIGNEE in move.who:
            raise PermissionDenied(
                f"Technicians may only work on orders assigned to them; {wo.number} is not "
                "assigned to you.")
        who = ", ".join(sorted(r for r in move.who if r != ASSIGNEE))
        raise PermissionDenied(
            f"{actor.role.label} accounts may not move an order from {_words(wo.status)} to "
            f"{_words(to_status)}; only: {who}.")
    return move


def _words(status: str) -> str:
    return status.replace("_", " ")


def _clean_status(value: Any) -> str:
    errors: dict[str, str] = {}
    status = clean_choice(errors, "status", value, WO_STATUSES)
    raise_if(errors)
    return status


def _check_fields(move: Move, wo: Any, to_status: str, reason: Any,
                  assignee_id: Any) -> dict[str, Any]:
    """The needs the user fills in (reason, assignee) and what the move sets on the order."""
    errors: dict[str, str] = {}
    limit = HOLD_REASON_MAX if to_status == "on_hold" else TEXT_MAX
    text = clean_text(errors, "reason", reason, max_length=limit,
                      required=REASON in move.needs)
    if errors.get("reason") == "is required":
        errors["reason"] = f"is required to move the order to {_words(to_status)}"
    fields: dict[str, Any] = {}
    if assignee_id is not None and to_status != "assigned":
        errors["assignee"] = "is chosen when assigning the order; reassign it by editing it"
    if AN_ASSIGNEE in move.needs:
        user = check_worker(errors, "assignee", assignee_id if assignee_id is not None
                            else wo.assignee_id)
        if user is None and "assignee" not in errors:
            errors["assignee"] = "is required to assign the order"
        fields["assignee_id"] = user.id if user else None
    raise_if(errors)
    fields["reason"] = text
    return fields


def _check_state(move: Move, wo: Any) -> None:
    """The needs that depend on the order's rows: tasks, labor, failure codes."""
    errors: dict[str, str] = {}
    if TASKS_ANSWERED in move.needs:
        open_tasks: list[Any] = list(
            Task.select(Task.position, Task.text)
            .where((Task.work_order == wo.id) & Task.required & (Task.result == ""))
            .order_by(Task.position).tuples())
        if open_tasks:
            listed = "; ".join(f"{n}. {text[:60]}" for n, text in open_tasks[:5])
            more = f" and {len(open_tasks) - 5} more" if len(open_tasks) > 5 else ""
            items = "item" if len(open_tasks) == 1 else "items"
            errors["tasks"] = (f"has {len(open_tasks)} required {items} not answered yet: "
                               f"{listed}{more}")
    if NO_LABOR in move.needs:
        hours = LaborEntry.select(peewee.fn.SUM(LaborEntry.hours)).where(
            LaborEntry.work_order == wo.id).scalar()
        if hours:
            errors["labor"] = (f"of {Decimal(hours):.2f} hours is booked on {wo.number}: an order "
                               "with work done cannot be cancelled; complete it instead")
        # Parts issued to the order (a later issue) will refuse cancelling here too.
    if FAILURE_CODES in move.needs and wo.type in FAILURE_CODED_TYPES:
        for kind in ("problem", "cause", "remedy"):
            if not getattr(wo, f"failure_{kind}"):
                errors[f"failure_{kind}"] = f"is required to sign off a {wo.type} order"
    raise_if(errors)


def _check_password(actor: Actor, password: Any) -> None:
    """The signer's own password, again: their electronic signature. A wrong one counts
    towards the lockout like a failed sign-in (auth.verify_password)."""
    if not isinstance(password, str) or not password:
        raise ValidationError({"password": "is required to sign off: enter yours again"})
    refusal = auth.signature_refusal(actor, password)
    if refusal:
        raise ValidationError({"password": f"{refusal}: the order was not signed off"})


def _effects(actor: Actor, wo: Any, to_status: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What the move sets on the order besides its status."""
    now = utcnow()
    frm = wo.status
    out: dict[str, Any] = {"status": to_status}
    if to_status == "assigned":
        out["assignee_id"] = fields["assignee_id"]
    elif (frm, to_status) == ("assigned", "open"):
        out["assignee_id"] = None
    elif to_status == "on_hold":
        out["hold_reason"] = fields["reason"]
    elif frm == "on_hold":
        out["hold_reason"] = ""
    if to_status == "completed":
        out["completed_at"] = now
        # Completing a preventive order will tell the PM engine here (floating schedules).
    elif frm in ("completed", "closed") and to_status == "in_progress":
        out.update(completed_at=None, closed_at=None, closed_by_id=None, signature_name="",
                   signature_meaning="")
    if to_status == "closed":
        signer = User.get_by_id(actor.user_id)
        out.update(closed_at=now, closed_by_id=signer.id, signature_name=signer.full_name,
                   signature_meaning=SIGNATURE_MEANING)
    return out


@mutation(Perm.WO_WORK, transaction=False)
def transition(
    actor: Actor,
    wo_id: int,
    to_status: str,
    expected_version: int,
    reason: str = "",
    assignee_id: int | None = None,
    password: str | None = None,
) -> WorkOrderDetail:
    """Move the order to `to_status` as DESIGN.md section 5 allows; the status log and the audit
    trail record it with its reason. Assigning needs `assignee_id` (or the planned assignee),
    hold, reopen and cancel a `reason`, completing answers to every required task, and closing
    (the signature) the signer's `password` again and, on corrective and emergency orders,
    failure codes; closing records who signed, when, and the meaning. Raises InvalidTransition,
    PermissionDenied, ValidationError, ConflictError and NotFound as the module describes."""
    to_status = _clean_status(to_status)
    # Every check runs first without the write lock, so a refused signature costs no lock and a
    # move that would be refused anyway never asks for (and never counts) the password.
    wo = get_or_not_found(WorkOrder, wo_id, "Work order")
    check_version(wo, expected_version, "work_order")
    move = _move_for(actor, wo, to_status)
    fields = _check_fields(move, wo, to_status, reason, assignee_id)
    _check_state(move, wo)
    if PASSWORD in move.needs:
        _check_password(actor, password)  # bcrypt, outside the transaction
    with write_transaction():
        wo = lock_work_order(wo_id)
        check_version(wo, expected_version, "work_order")
        _check_state(move, wo)  # tasks and labor carry no version of the order
        frm = wo.status
        changes = versioned_update(wo, expected_version, "work_order",
                                   **_effects(actor, wo, to_status, fields))
        WorkOrderLog.create(work_order=wo.id, author=actor.user_id, kind="status",
                            from_status=frm, to_status=to_status, text=fields["reason"])
        pm_order_moved(wo, to_status)  # a PM order: its schedule is looked at again
        if fields["reason"]:
            changes["reason"] = [None, fields["reason"]]
        audit.record(actor, "work_order", wo.id, "status_changed", changes)
        return load_detail(wo.id)


@query(Perm.WO_VIEW)
def allowed_transitions(actor: Actor, wo_id: int) -> list[str]:
    """The statuses this user may move the order to now, in lifecycle order: the buttons to
    show. (A move may still need a reason, password, ... when it is made.) Raises NotFound."""
    wo = get_or_not_found(WorkOrder, wo_id, "Work order")
    return [to for to in WO_STATUSES
            if (move := TRANSITIONS.get((wo.status, to))) and _may(actor, move, wo.assignee_id)]
