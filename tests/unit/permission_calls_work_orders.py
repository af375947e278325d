"""Permission-test builders for the work-order services (see permission_context.py).

WO_WORK services limit technicians to orders assigned to them; so that the role matrix alone
decides here, each order is assigned to the actor being tried when that actor may work on
orders. The refusals on other people's orders are tested in test_work_order_edit.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.models import Attachment, Task, WorkOrder, WorkRequest
from app.services.work_orders.fields import WORKING_ROLES
from tests.unit.permission_context import Call, Context


def worker_id(ctx: Context) -> int:
    """The actor when they may work on orders; otherwise the admin."""
    if ctx.actor.user_id is not None and ctx.actor.role.value in WORKING_ROLES:
        return ctx.actor.user_id
    assert ctx.admin.user_id is not None
    return ctx.admin.user_id


def order(ctx: Context, status: str = "assigned", **fields: object) -> WorkOrder:
    """A work order made directly in the database, assigned to the actor when they may work."""
    return WorkOrder.create(number=f"WO-PERM-{next(ctx.serial):06d}", title="Pump leaking",
                            status=status, assignee=worker_id(ctx), **fields)


def with_task(ctx: Context) -> Call:
    wo = order(ctx, "in_progress")
    task = Task.create(work_order=wo.id, position=1, text="Check the seal", kind="check")
    return (wo.id, task.id, "done"), {}


def new_request(ctx: Context) -> Call:
    request = WorkRequest.create(number=f"WR-PERM-{next(ctx.serial):06d}",
                                 title="Noise at the filler", requester=ctx.admin.user_id)
    return (request.id, request.version), {}


def attachment(ctx: Context) -> Call:
    wo = order(ctx)
    row = Attachment.create(work_order=wo.id, filename="photo.jpg", media_type="image/jpeg",
                            size=3, data=b"\xff\xd8\xff")
    return (row.id,), {}


def _existing(status: str = "assigned") -> Callable[[Context], Call]:
    def build(ctx: Context) -> Call:
        return (order(ctx, status).id,), {}
    return build


MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {
    "work_orders.edit.create_work_order": lambda ctx: (("Pump leaking",), {"priority": 2}),
    "work_orders.edit.update_work_order": lambda ctx: ((order(ctx).id, 1), {"title": "Renamed"}),
    "work_orders.edit.set_failure_codes": lambda ctx: (
        (order(ctx, "completed").id, 1, "LEAK", "WEAR", "REPLACE"), {}),
    "work_orders.edit.set_downtime": lambda ctx: ((order(ctx, "completed").id, 1, "1.5"), {}),
    "work_orders.edit.approve_request": new_request,
    "work_orders.activity.answer_task": with_task,
    "work_orders.activity.book_labor": lambda ctx: (
        (order(ctx, "in_progress").id, worker_id(ctx), dt.date.today(), "1.25"), {}),
    "work_orders.activity.add_comment": lambda ctx: ((order(ctx).id, "Parts ordered"), {}),
    "work_orders.activity.add_attachment": lambda ctx: (
        (order(ctx).id, "seal.jpg", b"\xff\xd8\xff", "image/jpeg"), {}),
    "work_orders.lifecycle.transition": lambda ctx: ((order(ctx).id, "in_progress", 1), {}),
}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {
    "work_orders.detail.get_work_order": _existing(),
    "work_orders.detail.get_work_order_by_number": lambda ctx: ((order(ctx).number,), {}),
    "work_orders.detail.get_attachment": attachment,
    "work_orders.lifecycle.allowed_transitions": _existing(),
}



def _two_orders(ctx: Context, status: str) -> list[tuple[int, int]]:
    return [(wo.id, wo.version) for wo in (order(ctx, status), order(ctx, status))]


MUTATION_CALLS["work_orders.bulk.bulk_assign"] = lambda ctx: (
    (_two_orders(ctx, "open"), worker_id(ctx)), {})
MUTATION_CALLS["work_orders.bulk.bulk_transition"] = lambda ctx: (
    (_two_orders(ctx, "assigned"), "in_progress"), {})
MUTATION_CALLS["work_orders.activity.set_completion_notes"] = lambda ctx: (
    (order(ctx, "in_progress").id, 1, "Replaced the seal; ran 30 minutes dry"), {})
QUERY_CALLS["work_orders.listing.order_version"] = lambda ctx: ((order(ctx).id,), {})


def _with_steps(ctx: Context) -> tuple[WorkOrder, list[Task]]:
    """An order still to be done with two unanswered steps (version 1)."""
    wo = order(ctx)
    tasks = [Task.create(work_order=wo.id, position=n, text=f"Step {n}") for n in (1, 2)]
    return wo, tasks


def _remove_step(ctx: Context) -> Call:
    wo, tasks = _with_steps(ctx)
    return (wo.id, 1, tasks[0].id), {}


def _move_step(ctx: Context) -> Call:
    wo, tasks = _with_steps(ctx)
    return (wo.id, 1, tasks[0].id, 2), {}


MUTATION_CALLS["work_orders.checklist.add_checklist_step"] = lambda ctx: (
    (order(ctx).id, 1, "Check the coupling alignment"), {"kind": "pass_fail"})
MUTATION_CALLS["work_orders.checklist.remove_checklist_step"] = _remove_step
MUTATION_CALLS["work_orders.checklist.move_checklist_step"] = _move_step
