"""The order's checklist as planned: adding, removing and moving its steps by hand (a corrective
order is raised without one; a PM order's comes from its schedule and may need a step more).

Permission WO_EDIT, like the header: planning what is to be done is the planner's, answering
the steps is the technician's (activity.answer_task). Each change is one call that
checks the order's version (someone else's save since the form was read is a ConflictError),
moves the version on, and writes its audit event in the same transaction. Only while the order
is still to be done: not once it is completed, closed or cancelled.
"""

from __future__ import annotations

from typing import Any

import peewee

from app.clock import utcnow
from app.errors import NotFound, ValidationError
from app.models import Task, User
from app.permissions import Actor, Perm
from app.services import audit
from app.services.common import clean_text, raise_if, versioned_update
from app.services.registry import mutation
from app.services.work_orders.detail import (
    WorkOrderDetail,
    check_not_finished,
    check_version,
    load_detail,
    lock_work_order,
)
from app.services.work_orders.fields import MAX_TASKS, TEXT_MAX, UNIT_MAX
from app.vocabulary import TASK_KINDS

EDITABLE_STATUSES = ("open", "assigned", "in_progress", "on_hold")
KIND_LABELS = {"check": "Check", "pass_fail": "Pass / fail", "reading": "Reading",
               "text": "Text"}  # the kinds of TASK_KINDS in words, in its order


def _editable_order(wo_id: int, expected_version: int) -> Any:
    """The order, locked, still to be done and at the version the user's form was read at."""
    wo = lock_work_order(wo_id)
    check_not_finished(wo, "its checklist")
    if wo.status not in EDITABLE_STATUSES:
        raise ValidationError({"work_order": f"{wo.number} is completed: reopen it to change "
                                             "its checklist"})
    check_version(wo, expected_version, "work_order")
    return wo


def _moved_on(wo: Any, expected_version: int) -> None:
    """The order's version moves on: a form read before this change is told on its next
    save (as for a header edit), and other desks see the order changed."""
    versioned_update(wo, expected_version, "work_order", updated_at=utcnow())


def _steps(wo_id: int) -> list[Any]:
    return list(Task.select(Task.id, Task.position, Task.text, Task.result, Task.done_by)
                .where(Task.work_order == wo_id).order_by(Task.position, Task.id))


def _renumber(wo_id: int, ids: list[int]) -> None:
    """Positions 1, 2, ... in the order of `ids`. In two statements, through negative numbers:
    UNIQUE (work_order, position) is checked row by row, so a plain shuffle would collide."""
    if not ids:
        return
    final = peewee.Case(Task.id, [(task_id, -n) for n, task_id in enumerate(ids, 1)])
    Task.update(position=final).where(Task.work_order == wo_id, Task.id.in_(ids)).execute()
    Task.update(position=Task.position * -1).where(Task.work_order == wo_id,
                                               Task.position < 0).execute()


def _label(position: int, text: str) -> str:
    return f"{position}. {text}"


def _position(errors: dict[str, str], value: Any, last: int) -> int:
    """A place in the list, 1..`last`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= last:
        errors["position"] = f"must be a whole number from 1 to {last}"
        return last
    return value


@mutation(Perm.WO_EDIT)
def add_checklist_step(
    actor: Actor,
    wo_id: int,
    expected_version: int,
    text: str,
    kind: str = "check",
    required: bool = False,
    unit: str = "",
    position: int | None = None,
) -> WorkOrderDetail:
    """Add a step to the order's checklist: its text, its kind (check, pass_fail, reading,
    text), whether it must be answered before the order can be completed, and for a reading
    its unit. At the end, or at `position` (1 is first; the steps from there move down).
    Raises ValidationError per field (step_text, step_kind, step_unit, step_required,
    position; work_order for a completed, closed or cancelled order), ConflictError when
    someone saved the order since `expected_version`, NotFound."""
    wo = _editable_order(wo_id, expected_version)
    steps = _steps(wo.id)
    errors: dict[str, str] = {}
    text = clean_text(errors, "step_text", text, max_length=TEXT_MAX)
    if kind not in TASK_KINDS:
        errors["step_kind"] = "must be one of " + ", ".join(TASK_KINDS)
    unit = clean_text(errors, "step_unit", unit, max_length=UNIT_MAX, required=False)
    if not isinstance(required, bool):
        errors["step_required"] = "must be yes or no"
    if len(steps) >= MAX_TASKS:
        errors["tasks"] = f"has {len(steps)} steps; at most {MAX_TASKS} are allowed"
    at = len(steps) + 1 if position is None else _position(errors, position, len(steps) + 1)
    raise_if(errors)
    unit = unit if kind == "reading" else ""  # only a reading has one
    _moved_on(wo, expected_version)
    row = Task.create(work_order=wo.id, position=0, text=text, kind=kind,  # 0: numbered below
                      required=required, unit=unit)
    ids = [s.id for s in steps]
    ids.insert(at - 1, row.id)
    _renumber(wo.id, ids)
    # Named so that, sorted as the audit trail keeps them, they read in this order.
    changes: dict[str, list[Any]] = {"step": [None, _label(at, text)],
                                     "step_kind": [None, KIND_LABELS[kind]],
                                     "step_required": [None, required]}
    if unit:
        changes["step_unit"] = [None, unit]
    audit.record(actor, "work_order", wo.id, "checklist_step_added", changes)
    return load_detail(wo.id)


def _step_of(wo: Any, steps: list[Any], task_id: int) -> Any:
    found = next((s for s in steps if s.id == task_id), None)
    if found is None:
        raise NotFound(f"Step {task_id} is not on the checklist of {wo.number} (it may have "
                       "been removed).")
    return found


@mutation(Perm.WO_EDIT)
def remove_checklist_step(
    actor: Actor, wo_id: int, expected_version: int, task_id: int
) -> WorkOrderDetail:
    """Take a step off the order's checklist; the steps after it move up. A step that has
    been answered stays (its answer is part of the record): clear the answer first. Raises
    ValidationError (step; work_order for a completed, closed or cancelled order),
    ConflictError, NotFound."""
    wo = _editable_order(wo_id, expected_version)
    steps = _steps(wo.id)
    step = _step_of(wo, steps, task_id)
    if step.result:
        who = User.select(User.full_name).where(User.id == step.done_by_id).scalar()
        by = f" by {who}" if who else ""
        raise ValidationError({"step": f"{step.position} has been answered{by}: clear its "
                                       "answer first to remove it"})
    _moved_on(wo, expected_version)
    Task.delete().where(Task.id == step.id).execute()
    _renumber(wo.id, [s.id for s in steps if s.id != step.id])
    audit.record(actor, "work_order", wo.id, "checklist_step_removed",
                 {"step": [_label(step.position, step.text), None]})
    return load_detail(wo.id)


@mutation(Perm.WO_EDIT)
def move_checklist_step(
    actor: Actor, wo_id: int, expected_version: int, task_id: int, position: int
) -> WorkOrderDetail:
    """Put a step at `position` (1 is first) in the order's checklist; the others keep their
    order around it. Answers stay with their steps. Raises ValidationError (position;
    work_order for a completed, closed or cancelled order), ConflictError, NotFound."""
    wo = _editable_order(wo_id, expected_version)
    steps = _steps(wo.id)
    step = _step_of(wo, steps, task_id)
    errors: dict[str, str] = {}
    at = _position(errors, position, len(steps))
    raise_if(errors)
    ids = [s.id for s in steps if s.id != step.id]
    ids.insert(at - 1, step.id)
    old = [s.id for s in steps].index(step.id) + 1
    if at == old:
        return load_detail(wo.id)  # where it was: nothing changes, not even the version
    _moved_on(wo, expected_version)
    _renumber(wo.id, ids)
    audit.record(actor, "work_order", wo.id, "checklist_step_moved",
                 {"step": [None, step.text], "step_position": [old, at]})
    return load_detail(wo.id)


__all__ = [
    "EDITABLE_STATUSES",
    "KIND_LABELS",
    "add_checklist_step",
    "move_checklist_step",
    "remove_checklist_step",
]
