"""Adding, removing and moving checklist steps by hand: one call each, checked against the
order's version, audited in the same transaction, refused in words (nothing written) for bad
input, stale forms, finished orders and roles that do not plan work.
tests/integration/test_work_orders_pg.py runs this module again on PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from app.models import AuditEvent, Task, WorkOrder
from app.permissions import Actor, Role
from app.services import audit, history
from app.services.work_orders import activity, checklist, edit, lifecycle
from app.services.work_orders.fields import MAX_TASKS, TaskSpec
from app.vocabulary import TASK_KINDS
from tests.unit.test_work_order_edit import snapshot


@pytest.fixture
def tech(make_user) -> Actor:
    return make_user(Role.TECHNICIAN, "tess")


@pytest.fixture
def planner(make_user) -> Actor:
    return make_user(Role.PLANNER, "pia")


def steps(wo_id: int) -> list[tuple[int, str, str, bool, str]]:
    return [(t.position, t.text, t.kind, t.required, t.unit) for t in
            Task.select().where(Task.work_order == wo_id).order_by(Task.position)]


def events(wo_id: int, action: str) -> list[dict[str, Any]]:
    return [json.loads(e.changes) for e in AuditEvent.select().where(
        (AuditEvent.entity == "work_order") & (AuditEvent.entity_id == str(wo_id))
        & (AuditEvent.action == action)).order_by(AuditEvent.id)]


def test_kinds_in_words_cover_every_kind():
    assert list(checklist.KIND_LABELS) == list(TASK_KINDS)


def test_a_new_corrective_order_gets_its_steps_one_call_each(planner, tech):
    wo = edit.create_work_order(planner, "Pump seal leaking", assignee_id=tech.user_id)
    assert wo.tasks == ()
    one = checklist.add_checklist_step(planner, wo.id, wo.version, "  Isolate the pump  ",
                                       required=True)
    assert one.version == wo.version + 1  # a planned change, like a header edit
    two = checklist.add_checklist_step(planner, wo.id, one.version, "Discharge pressure",
                                       kind="reading", unit="bar")
    three = checklist.add_checklist_step(planner, wo.id, two.version, "Test run",
                                         kind="pass_fail", required=True, position=2)
    assert steps(wo.id) == [(1, "Isolate the pump", "check", True, ""),
                            (2, "Test run", "pass_fail", True, ""),
                            (3, "Discharge pressure", "reading", False, "bar")]
    assert [(t.position, t.text) for t in three.tasks] == [
        (1, "Isolate the pump"), (2, "Test run"), (3, "Discharge pressure")]
    assert events(wo.id, "checklist_step_added") == [
        {"step": [None, "1. Isolate the pump"], "step_kind": [None, "Check"],
         "step_required": [None, True]},
        {"step": [None, "2. Discharge pressure"], "step_kind": [None, "Reading"],
         "step_required": [None, False], "step_unit": [None, "bar"]},
        {"step": [None, "2. Test run"], "step_kind": [None, "Pass / fail"],
         "step_required": [None, True]},
    ]
    # The technician answers them as any other step, and cannot complete without the
    # required ones.
    started = lifecycle.transition(tech, wo.id, "in_progress", three.version)
    with pytest.raises(ValidationError, match="2 required items not answered"):
        lifecycle.transition(tech, wo.id, "completed", started.version)
    for task in three.tasks:
        if task.required:
            activity.answer_task(tech, wo.id, task.id, True if task.kind == "check" else "pass")
    assert lifecycle.transition(tech, wo.id, "completed", started.version).status == "completed"


def test_history_says_what_was_done_to_the_checklist(admin, planner):
    wo = edit.create_work_order(planner, "Fan noise")
    wo = checklist.add_checklist_step(planner, wo.id, wo.version, "Check the belt")
    wo = checklist.add_checklist_step(planner, wo.id, wo.version, "Bearing temperature",
                                      kind="reading", unit="°C", required=True)
    wo = checklist.move_checklist_step(planner, wo.id, wo.version, wo.tasks[1].id, 1)
    wo = checklist.remove_checklist_step(planner, wo.id, wo.version, wo.tasks[1].id)
    rows = history.work_order_history(planner, wo.id)
    assert [(r.action_label, r.summary) for r in rows[:4]] == [
        ("Checklist step removed", "Step: 2. Check the belt → (none)"),
        ("Checklist step moved", "Step: Bearing temperature; Step position: 2 → 1"),
        ("Checklist step added", "Step: 2. Bearing temperature; Step kind: Reading; "
                                 "Step required: yes; Step unit: °C"),
        ("Checklist step added", "Step: 1. Check the belt; Step kind: Check; "
                                 "Step required: no"),
    ]
    assert audit.verify_chain(admin).ok


def test_moving_keeps_the_answers_with_their_steps(admin, tech):
    wo = edit.create_work_order(admin, "Monthly lube", assignee_id=tech.user_id,
                                tasks=[TaskSpec("A"), TaskSpec("B"), TaskSpec("C"),
                                       TaskSpec("D")])
    a, b, c, d = wo.tasks
    activity.answer_task(tech, wo.id, b.id, True)
    wo = checklist.move_checklist_step(admin, wo.id, wo.version, d.id, 1)
    assert [t.text for t in wo.tasks] == ["D", "A", "B", "C"]
    assert [t.position for t in wo.tasks] == [1, 2, 3, 4]
    wo = checklist.move_checklist_step(admin, wo.id, wo.version, d.id, 4)
    wo = checklist.move_checklist_step(admin, wo.id, wo.version, a.id, 2)
    assert [t.text for t in wo.tasks] == ["B", "A", "C", "D"]
    assert next(t for t in wo.tasks if t.text == "B").result == "done"
    unchanged = checklist.move_checklist_step(admin, wo.id, wo.version, c.id, 3)
    assert unchanged.version == wo.version  # where it was: no change, no event
    assert len(events(wo.id, "checklist_step_moved")) == 3


def test_removing_closes_the_gap_and_answered_steps_stay(admin, tech):
    wo = edit.create_work_order(admin, "Belt worn", assignee_id=tech.user_id,
                                tasks=[TaskSpec("A"), TaskSpec("B"), TaskSpec("C")])
    a, b, c = wo.tasks
    wo = checklist.remove_checklist_step(admin, wo.id, wo.version, b.id)
    assert steps(wo.id) == [(1, "A", "check", False, ""), (2, "C", "check", False, "")]
    activity.answer_task(tech, wo.id, c.id, True)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        checklist.remove_checklist_step(admin, wo.id, wo.version, c.id)
    assert refused.value.lines == [
        "Step 2 has been answered by Technician Person: clear its answer first to remove it."]
    assert snapshot() == before
    activity.answer_task(tech, wo.id, c.id, "")  # cleared: now it can go
    wo = checklist.remove_checklist_step(admin, wo.id, wo.version, c.id)
    assert steps(wo.id) == [(1, "A", "check", False, "")]
    with pytest.raises(NotFound, match="is not on the checklist"):
        checklist.remove_checklist_step(admin, wo.id, wo.version, c.id)


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"text": "  "}, "step_text", "is required"),
    ({"text": "x" * 501}, "step_text", "at most 500"),
    ({"kind": "photo"}, "step_kind", "must be one of check, pass_fail, reading, text"),
    ({"unit": "u" * 21, "kind": "reading"}, "step_unit", "at most 20"),
    ({"required": "yes"}, "step_required", "must be yes or no"),
    ({"position": 0}, "position", "from 1 to 2"),
    ({"position": 3}, "position", "from 1 to 2"),
])
def test_bad_steps_are_named_and_nothing_is_written(admin, fields, field, words):
    wo = edit.create_work_order(admin, "Pump leaking", tasks=[TaskSpec("Isolate")])
    values = {"text": "Check", **fields}
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        checklist.add_checklist_step(admin, wo.id, wo.version, **values)
    assert words in refused.value.fields[field]
    assert snapshot() == before


def test_a_unit_belongs_to_readings_only(admin):
    wo = edit.create_work_order(admin, "Pump leaking")
    wo = checklist.add_checklist_step(admin, wo.id, wo.version, "Check", unit="bar")
    assert steps(wo.id) == [(1, "Check", "check", False, "")]


def test_a_checklist_has_at_most_the_allowed_steps(admin):
    wo = edit.create_work_order(admin, "Overhaul",
                                tasks=[TaskSpec(f"Step {n}") for n in range(MAX_TASKS)])
    with pytest.raises(ValidationError, match=f"at most {MAX_TASKS} are allowed"):
        checklist.add_checklist_step(admin, wo.id, wo.version, "One more")


def test_a_stale_form_is_told_who_changed_the_order(admin, planner):
    wo = edit.create_work_order(admin, "Pump leaking", tasks=[TaskSpec("A"), TaskSpec("B")])
    edit.update_work_order(planner, wo.id, wo.version, priority=1)  # another desk
    before = snapshot()
    for call in (lambda: checklist.add_checklist_step(admin, wo.id, wo.version, "C"),
                 lambda: checklist.remove_checklist_step(admin, wo.id, wo.version,
                                                         wo.tasks[0].id),
                 lambda: checklist.move_checklist_step(admin, wo.id, wo.version,
                                                       wo.tasks[0].id, 2)):
        with pytest.raises(ConflictError, match="changed by pia"):
            call()
    assert snapshot() == before
    # A header save from a form read before a step was added is refused the same way.
    fresh = WorkOrder.get_by_id(wo.id)
    checklist.add_checklist_step(planner, wo.id, fresh.version, "C")
    with pytest.raises(ConflictError):
        edit.update_work_order(admin, wo.id, fresh.version, title="Pump leaking badly")


@pytest.mark.parametrize("status", ["completed", "closed", "cancelled"])
def test_finished_orders_keep_their_checklist(admin, status):
    wo = edit.create_work_order(admin, "Pump leaking", tasks=[TaskSpec("A"), TaskSpec("B")])
    WorkOrder.update(status=status).where(WorkOrder.id == wo.id).execute()
    before = snapshot()
    for call in (lambda: checklist.add_checklist_step(admin, wo.id, wo.version, "C"),
                 lambda: checklist.remove_checklist_step(admin, wo.id, wo.version,
                                                         wo.tasks[0].id),
                 lambda: checklist.move_checklist_step(admin, wo.id, wo.version,
                                                       wo.tasks[0].id, 2)):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.fields["work_order"].startswith(f"{wo.number} is {status}")
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.REQUESTER])
def test_only_the_roles_that_plan_work_change_a_checklist(admin, make_user, role):
    who = make_user(role)
    wo = edit.create_work_order(admin, "Pump leaking", assignee_id=who.user_id
                                if role is Role.TECHNICIAN else None,
                                tasks=[TaskSpec("A"), TaskSpec("B")])
    before = snapshot()
    with pytest.raises(PermissionDenied):
        checklist.add_checklist_step(who, wo.id, wo.version, "C")
    with pytest.raises(PermissionDenied):
        checklist.remove_checklist_step(who, wo.id, wo.version, wo.tasks[0].id)
    with pytest.raises(PermissionDenied):
        checklist.move_checklist_step(who, wo.id, wo.version, wo.tasks[0].id, 2)
    assert snapshot() == before


def test_an_order_that_does_not_exist(admin):
    with pytest.raises(NotFound, match="does not exist"):
        checklist.add_checklist_step(admin, 999, 1, "C")


def test_history_names_the_step_answered_after_the_steps_moved(admin, tech):
    wo = edit.create_work_order(admin, "Belt worn", assignee_id=tech.user_id,
                                tasks=[TaskSpec("Isolate"), TaskSpec("Replace the belt")])
    activity.answer_task(tech, wo.id, wo.tasks[0].id, True)
    wo = checklist.move_checklist_step(admin, wo.id, wo.version, wo.tasks[0].id, 2)
    answered = [r for r in history.work_order_history(admin, wo.id)
                if r.action == "task_answered"]
    assert answered[0].summary == "Answer: Done; Task: 1. Isolate"  # as it was then
