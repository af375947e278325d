"""The work-order lifecycle against DESIGN.md section 5, written out here by hand: every
(from status, to status, role) triple, then each thing a move needs and what it records."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.errors import ConflictError, InvalidTransition, PermissionDenied, ValidationError
from app.models import ALL_MODELS, AuditEvent, LaborEntry, Task, User, WorkOrder, WorkOrderLog
from app.permissions import USER_ROLES, Actor, Role
from app.services.work_orders import lifecycle
from app.vocabulary import WO_STATUSES
from tests.conftest import TEST_PASSWORD

# DESIGN.md section 5, one row per (from, to); "assignee" is a technician on their own order.
DESIGN_MOVES = """
open         assigned     planner supervisor admin
assigned     open         planner supervisor admin
open         in_progress  assignee planner supervisor admin
assigned     in_progress  assignee planner supervisor admin
in_progress  on_hold      assignee planner supervisor admin
on_hold      in_progress  assignee planner supervisor admin
in_progress  completed    assignee planner supervisor admin
completed    in_progress  supervisor admin
completed    closed       supervisor admin
open         cancelled    planner supervisor admin
assigned     cancelled    planner supervisor admin
on_hold      cancelled    planner supervisor admin
closed       in_progress  admin
"""
MOVES = {(frm, to): set(who) for frm, to, *who in
         (line.split() for line in DESIGN_MOVES.strip().splitlines())}


def expected(frm: str, to: str, role: Role) -> type[Exception] | None:
    """None when allowed; else the error the rule of lifecycle.py's docstring gives."""
    who = MOVES.get((frm, to))
    if role is Role.REQUESTER:
        return PermissionDenied  # no WO_WORK at all
    if who is None:
        return InvalidTransition
    name = "assignee" if role is Role.TECHNICIAN else role.value
    return None if name in who else PermissionDenied


def snapshot() -> dict[str, list[tuple]]:
    return {m.__name__: list(m.select().order_by(m._meta.primary_key).tuples())
            for m in ALL_MODELS}


@pytest.fixture
def make_order(admin: Actor) -> Callable[..., WorkOrder]:
    """A work order inserted directly at any status (fast: no services involved)."""
    serial = itertools.count(1)

    def make(status: str = "open", assignee: Actor | None = None, **fields: Any) -> WorkOrder:
        values: dict[str, Any] = dict(type="corrective", failure_problem="LEAK",
                                      failure_cause="WEAR", failure_remedy="REPLACE")
        values.update(fields)
        return WorkOrder.create(number=f"WO-TEST-{next(serial):06d}", title="Seal leaking",
                                status=status, assignee=assignee.user_id if assignee else None,
                                **values)

    return make


def test_the_table_in_the_code_is_design_section_5() -> None:
    table = {pair: {r for r in move.who} for pair, move in lifecycle.TRANSITIONS.items()}
    assert table == MOVES


def test_every_from_to_role_triple(subtests, actors, make_order) -> None:
    worker = actors[Role.TECHNICIAN]
    for frm, to, role in itertools.product(WO_STATUSES, WO_STATUSES, USER_ROLES):
        with subtests.test(frm=frm, to=to, role=role.value):
            actor = actors[role]
            wo = make_order(frm, assignee=actor if role is not Role.REQUESTER else None)
            kwargs: dict[str, Any] = dict(reason="Waiting for the seal kit",
                                          password=TEST_PASSWORD)
            if to == "assigned":
                kwargs["assignee_id"] = worker.user_id
            want = expected(frm, to, role)
            if want is None:
                detail = lifecycle.transition(actor, wo.id, to, wo.version, **kwargs)
                assert detail.status == to and detail.version == wo.version + 1
            else:
                with pytest.raises(want):
                    lifecycle.transition(actor, wo.id, to, wo.version, **kwargs)
                assert WorkOrder.get_by_id(wo.id).status == frm


def test_allowed_transitions_are_the_buttons_of_the_table(subtests, actors, make_order) -> None:
    for frm, role in itertools.product(WO_STATUSES, USER_ROLES):
        if role is Role.REQUESTER:
            continue  # may not view work orders at all
        with subtests.test(frm=frm, role=role.value):
            actor = actors[role]
            mine = make_order(frm, assignee=actor)
            want = [to for to in WO_STATUSES if expected(frm, to, role) is None]
            assert lifecycle.allowed_transitions(actor, mine.id) == want
            other = make_order(frm, assignee=actors[Role.ADMIN])
            theirs = [] if role is Role.TECHNICIAN else want
            assert lifecycle.allowed_transitions(actor, other.id) == theirs


def test_a_technician_acts_only_on_orders_assigned_to_them(actors, make_order, make_user):
    tech, other = actors[Role.TECHNICIAN], make_user(Role.TECHNICIAN)
    for assignee in (other, None):
        wo = make_order("assigned" if assignee else "open", assignee=assignee)
        before = snapshot()
        with pytest.raises(PermissionDenied, match="assigned to them"):
            lifecycle.transition(tech, wo.id, "in_progress", wo.version)
        assert snapshot() == before
    with pytest.raises(PermissionDenied):
        lifecycle.transition(actors[Role.REQUESTER], wo.id, "in_progress", wo.version)


# --- what each move needs ----------------------------------------------------------------------


def test_assign_needs_an_assignee_who_may_work(actors, make_order, make_user):
    planner = actors[Role.PLANNER]
    wo = make_order("open")
    with pytest.raises(ValidationError) as exc:
        lifecycle.transition(planner, wo.id, "assigned", wo.version)
    assert exc.value.fields == {"assignee": "is required to assign the order"}
    requester = actors[Role.REQUESTER]
    with pytest.raises(ValidationError, match="may not work on orders"):
        lifecycle.transition(planner, wo.id, "assigned", wo.version,
                             assignee_id=requester.user_id)
    gone = make_user(Role.TECHNICIAN)
    User.update(active=False).where(User.id == gone.user_id).execute()
    with pytest.raises(ValidationError, match="deactivated"):
        lifecycle.transition(planner, wo.id, "assigned", wo.version, assignee_id=gone.user_id)
    with pytest.raises(ValidationError, match="does not exist"):
        lifecycle.transition(planner, wo.id, "assigned", wo.version, assignee_id=99999)
    tech = actors[Role.TECHNICIAN]
    detail = lifecycle.transition(planner, wo.id, "assigned", wo.version,
                                  assignee_id=tech.user_id)
    assert (detail.status, detail.assignee_id) == ("assigned", tech.user_id)
    # Unassigning clears the assignee; a planned assignee is used when assigning again.
    detail = lifecycle.transition(planner, wo.id, "open", detail.version)
    assert detail.assignee_id is None
    planned = make_order("open", assignee=tech)
    assert lifecycle.transition(planner, planned.id, "assigned",
                                planned.version).assignee_id == tech.user_id


def test_hold_needs_a_reason_which_is_shown_until_work_resumes(actors, make_order):
    tech = actors[Role.TECHNICIAN]
    wo = make_order("in_progress", assignee=tech)
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as exc:
            lifecycle.transition(tech, wo.id, "on_hold", wo.version, reason=reason)
        assert exc.value.fields == {"reason": "is required to move the order to on hold"}
    with pytest.raises(ValidationError, match="at most 200"):
        lifecycle.transition(tech, wo.id, "on_hold", wo.version, reason="x" * 201)
    detail = lifecycle.transition(tech, wo.id, "on_hold", wo.version,
                                  reason="Waiting for parts: seal kit")
    assert detail.hold_reason == "Waiting for parts: seal kit"
    detail = lifecycle.transition(tech, wo.id, "in_progress", detail.version)
    assert detail.hold_reason == ""


def test_complete_needs_every_required_task_answered(actors, make_order):
    tech = actors[Role.TECHNICIAN]
    wo = make_order("in_progress", assignee=tech)
    Task.create(work_order=wo.id, position=1, text="Isolate the pump", required=True)
    Task.create(work_order=wo.id, position=2, text="Optional look", required=False)
    Task.create(work_order=wo.id, position=3, text="Pressure test", kind="pass_fail",
                required=True, result="pass")
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        lifecycle.transition(tech, wo.id, "completed", wo.version)
    assert exc.value.fields == {"tasks": "has 1 required item not answered yet: "
                                         "1. Isolate the pump"}
    assert str(exc.value).startswith("Checklist has 1 required item")
    assert snapshot() == before
    Task.update(result="done").where(Task.position == 1).execute()
    detail = lifecycle.transition(tech, wo.id, "completed", wo.version)
    assert detail.status == "completed" and detail.completed_at is not None


def test_reopen_from_completed_needs_a_reason_and_clears_completion(actors, make_order):
    sup = actors[Role.SUPERVISOR]
    wo = make_order("completed")
    with pytest.raises(ValidationError, match="Reason is required"):
        lifecycle.transition(sup, wo.id, "in_progress", wo.version)
    detail = lifecycle.transition(sup, wo.id, "in_progress", wo.version,
                                  reason="Still leaking")
    assert detail.completed_at is None and detail.log[-1].text == "Still leaking"


def test_sign_off_records_the_signature(actors, make_order):
    sup = actors[Role.SUPERVISOR]
    wo = make_order("completed")
    detail = lifecycle.transition(sup, wo.id, "closed", wo.version, password=TEST_PASSWORD)
    assert detail.status == "closed" and detail.closed_at is not None
    assert detail.closed_by_id == sup.user_id
    assert detail.signature_name == sup.full_name == "Supervisor Person"
    assert detail.signature_meaning == "Reviewed and approved"


def test_sign_off_with_a_wrong_password_counts_a_failure_and_changes_nothing(
        actors, make_order):
    sup = actors[Role.SUPERVISOR]
    wo = make_order("completed")
    for password in (None, ""):
        with pytest.raises(ValidationError, match="Password is required"):
            lifecycle.transition(sup, wo.id, "closed", wo.version, password=password)
    trail = ("User", "AuditEvent", "AuditHead")
    before = {k: v for k, v in snapshot().items() if k not in trail}
    with pytest.raises(ValidationError) as exc:
        lifecycle.transition(sup, wo.id, "closed", wo.version, password="not my password")
    assert exc.value.fields == {"password": "is wrong (4 tries left before your account locks "
                                            "for 15 minutes): the order was not signed off"}
    assert {k: v for k, v in snapshot().items() if k not in trail} == before
    assert User.get_by_id(sup.user_id).failed_attempts == 1
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().action == "sign_in_failed"


def test_a_signer_is_told_when_the_tries_run_out_and_until_when_locked(actors, make_order):
    sup = actors[Role.SUPERVISOR]
    wo = make_order("completed")
    messages = []
    for _ in range(5):
        with pytest.raises(ValidationError) as exc:
            lifecycle.transition(sup, wo.id, "closed", wo.version, password="not my password")
        messages.append(exc.value.fields["password"])
    assert messages[3].startswith("is wrong (1 try left before your account locks")
    assert messages[4].startswith("is wrong, and that was the last try: your account is locked "
                                  "until ")
    with pytest.raises(ValidationError) as exc:  # the right password cannot help now
        lifecycle.transition(sup, wo.id, "closed", wo.version, password=TEST_PASSWORD)
    assert exc.value.fields["password"].startswith(
        "cannot be checked: your account is locked until ")
    assert WorkOrder.get_by_id(wo.id).status == "completed"


def test_a_move_refused_for_the_role_never_asks_for_the_password(actors, make_order):
    planner = actors[Role.PLANNER]
    wo = make_order("completed")
    with pytest.raises(PermissionDenied):
        lifecycle.transition(planner, wo.id, "closed", wo.version, password="wrong")
    assert User.get_by_id(planner.user_id).failed_attempts == 0


@pytest.mark.parametrize("type_, needs_codes", [("corrective", True), ("emergency", True),
                                                ("preventive", False), ("inspection", False),
                                                ("project", False)])
def test_sign_off_needs_failure_codes_on_failures(actors, make_order, type_, needs_codes):
    sup = actors[Role.SUPERVISOR]
    wo = make_order("completed", type=type_, failure_problem="", failure_cause="LUBE",
                    failure_remedy="")
    if needs_codes:
        with pytest.raises(ValidationError) as exc:
            lifecycle.transition(sup, wo.id, "closed", wo.version, password=TEST_PASSWORD)
        assert set(exc.value.fields) == {"failure_problem", "failure_remedy"}
        assert "Problem code is required to sign off a" in str(exc.value)
        assert User.get_by_id(sup.user_id).failed_attempts == 0
    else:
        assert lifecycle.transition(sup, wo.id, "closed", wo.version,
                                    password=TEST_PASSWORD).status == "closed"


def test_cancel_needs_a_reason_and_no_labor(actors, make_order):
    planner = actors[Role.PLANNER]
    wo = make_order("assigned", assignee=actors[Role.TECHNICIAN])
    with pytest.raises(ValidationError, match="Reason is required"):
        lifecycle.transition(planner, wo.id, "cancelled", wo.version)
    LaborEntry.create(work_order=wo.id, user=actors[Role.TECHNICIAN].user_id,
                      work_date="2026-01-05", hours="1.50")
    with pytest.raises(ValidationError) as exc:
        lifecycle.transition(planner, wo.id, "cancelled", wo.version, reason="Duplicate")
    assert "Labor of 1.50 hours is booked" in str(exc.value)
    LaborEntry.delete().execute()
    detail = lifecycle.transition(planner, wo.id, "cancelled", wo.version, reason="Duplicate")
    assert detail.status == "cancelled" and detail.log[-1].text == "Duplicate"


def test_admin_reopens_a_closed_order_with_a_reason(actors, make_order):
    admin = actors[Role.ADMIN]
    wo = make_order("closed", closed_by=admin.user_id, signature_name="Ada Admin",
                    signature_meaning="Reviewed and approved")
    with pytest.raises(ValidationError, match="Reason"):
        lifecycle.transition(admin, wo.id, "in_progress", wo.version)
    with pytest.raises(PermissionDenied, match="only: admin"):
        lifecycle.transition(actors[Role.SUPERVISOR], wo.id, "in_progress", wo.version,
                             reason="Wrong codes")
    detail = lifecycle.transition(admin, wo.id, "in_progress", wo.version, reason="Wrong codes")
    assert (detail.closed_by_id, detail.signature_name, detail.closed_at) == (None, "", None)
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    changes = json.loads(event.changes)
    assert changes["reason"] == [None, "Wrong codes"]
    assert changes["signature_name"] == ["Ada Admin", ""]


def test_every_move_writes_the_log_and_the_audit_trail(actors, make_order):
    tech = actors[Role.TECHNICIAN]
    wo = make_order("in_progress", assignee=tech)
    lifecycle.transition(tech, wo.id, "on_hold", wo.version, reason="Parts on order")
    log = WorkOrderLog.get(WorkOrderLog.work_order == wo.id)
    assert (log.kind, log.from_status, log.to_status, log.text, log.author_id) == (
        "status", "in_progress", "on_hold", "Parts on order", tech.user_id)
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (event.entity, event.entity_id, event.action, event.actor) == (
        "work_order", str(wo.id), "status_changed", tech.username)
    changes = json.loads(event.changes)
    assert changes["status"] == ["in_progress", "on_hold"]
    assert changes["reason"] == [None, "Parts on order"]


def test_a_stale_version_is_a_conflict_naming_who_and_writes_nothing(actors, make_order):
    planner, sup = actors[Role.PLANNER], actors[Role.SUPERVISOR]
    wo = make_order("open")
    lifecycle.transition(sup, wo.id, "in_progress", wo.version)
    before = snapshot()
    with pytest.raises(ConflictError, match=f"changed by {sup.username} at") as exc:
        lifecycle.transition(planner, wo.id, "cancelled", wo.version, reason="Not needed")
    assert exc.value.theirs["status"] == "in_progress"
    assert snapshot() == before


def test_unknown_status_and_missing_order(actors, make_order):
    admin = actors[Role.ADMIN]
    wo = make_order("open")
    with pytest.raises(ValidationError, match="Status must be one of open, assigned"):
        lifecycle.transition(admin, wo.id, "done", wo.version)
    from app.errors import NotFound

    with pytest.raises(NotFound):
        lifecycle.transition(admin, 99999, "in_progress", 1)
    with pytest.raises(NotFound):
        lifecycle.allowed_transitions(admin, 99999)
