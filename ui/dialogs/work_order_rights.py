"""What the user in front of the work-order form may do on the order shown: the form hides
or locks the rest (the services refuse it anyway)."""

from __future__ import annotations

from dataclasses import dataclass

from app.permissions import Actor, Perm, Role
from app.services.work_order_activity import ANSWERABLE
from app.services.work_order_detail import FINISHED, WorkOrderDetail


@dataclass(frozen=True)
class Rights:
    """What this user may do on this order now (the services check again)."""

    edit: bool  # the header
    work: bool  # labor, comments, attachments, failure codes, downtime
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
