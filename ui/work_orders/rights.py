"""What the user in front of the work-order form may do on the order shown: the form hides
or locks the rest (the services refuse it anyway)."""

from __future__ import annotations

from dataclasses import dataclass

from app.permissions import Actor, Perm, Role
from app.services.work_orders.activity import ANSWERABLE
from app.services.work_orders.detail import FINISHED, WorkOrderDetail
from ui.common.time_text import local_time


@dataclass(frozen=True)
class Rights:
    """What this user may do on this order now (the services check again)."""

    edit: bool  # the header
    work: bool  # labor, comments, attachments, failure codes, downtime, completion notes
    answer: bool  # the checklist
    why_not: str  # said when the user may not do the work


def rights_for(actor: Actor, detail: WorkOrderDetail) -> Rights:
    if detail.status in FINISHED:
        word = "Closed" if detail.status == "closed" else "Cancelled"
        return Rights(False, False, False, f"{word}: the order is a record and cannot be "
                                           "changed.")
    own = actor.role is not Role.TECHNICIAN or detail.assignee_id == actor.user_id
    work = actor.can(Perm.WO_WORK) and own
    why_not = ""
    if not work:
        who = detail.assignee_name or "nobody yet"
        why_not = (f"Read only: this order is assigned to {who}; technicians work on the "
                   "orders assigned to them." if actor.role is Role.TECHNICIAN
                   else "Read only for your role.")
    answer = work and detail.status in ANSWERABLE
    if work and not answer:
        why_not = "Completed: reopen the order to change its checklist."
    return Rights(actor.can(Perm.WO_EDIT), work, answer, why_not)


def state_words(detail: WorkOrderDetail, rights: Rights) -> str:
    """The line under the order's number: why it waits, who signed it, what this user may not
    do, where it came from."""
    parts = []
    if detail.status == "on_hold" and detail.hold_reason:
        parts.append(f"On hold: {detail.hold_reason}")
    if detail.signature_name:
        parts.append(f"Signed off by {detail.signature_name} on "
                     f"{local_time(detail.closed_at)}: {detail.signature_meaning}")
    elif detail.status == "completed" and detail.completed_at:
        parts.append(f"Completed {local_time(detail.completed_at)}; waiting for sign-off")
    if not rights.work and rights.why_not and not detail.signature_name:
        parts.append(rights.why_not)
    if detail.request_number:
        parts.append(f"From work request {detail.request_number}")
    return ".  ".join(parts)
