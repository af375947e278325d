"""Bulk assign and bulk status change: each order its own change; refusals listed, in words."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import PermissionDenied, ValidationError
from app.models import AuditEvent, WorkOrder
from app.permissions import Actor, Role
from app.services.work_orders import bulk, edit, lifecycle


@pytest.fixture
def tess(make_user: Any) -> Actor:
    return make_user(Role.TECHNICIAN, "tess")


def _orders(admin: Actor, n: int) -> list[Any]:
    return [edit.create_work_order(admin, f"Lubricate conveyor {i}") for i in range(n)]


def _items(orders: list[Any]) -> list[tuple[int, int]]:
    return [(o.id, o.version) for o in orders]


def test_bulk_assign_assigns_open_and_reassigns_started_orders(db, admin, tess):
    opened, started, done = _orders(admin, 3)
    started = lifecycle.transition(admin, started.id, "in_progress", started.version)
    done = lifecycle.transition(admin, done.id, "in_progress", done.version)
    done = lifecycle.transition(admin, done.id, "completed", done.version)

    result = bulk.bulk_assign(admin, _items([opened, started, done]), tess.user_id)

    assert result.done == [opened.number, started.number]
    assert result.refused == [(done.number, "Status is completed: only current work is "
                                            "assigned.")]
    assert result.summary == "2 orders changed, 1 refused"
    rows = {w.id: w for w in WorkOrder.select()}
    assert rows[opened.id].status == "assigned" and rows[opened.id].assignee_id == tess.user_id
    assert rows[started.id].status == "in_progress"
    assert rows[started.id].assignee_id == tess.user_id
    assert rows[done.id].assignee_id is None


def test_a_stale_order_is_refused_and_the_rest_still_change(db, admin, tess):
    first, second = _orders(admin, 2)
    edit.update_work_order(admin, first.id, first.version, priority=1)  # another desk

    result = bulk.bulk_transition(admin, _items([first, second]), "cancelled",
                                             reason="Duplicate of the line audit")

    assert result.done == [second.number]
    assert result.refused[0][0] == first.number
    assert "changed by" in result.refused[0][1]
    assert WorkOrder.get_by_id(first.id).status == "open"
    assert WorkOrder.get_by_id(second.id).status == "cancelled"


def test_bulk_refusals_write_nothing(db, admin, tess, make_user):
    orders = _orders(admin, 2)
    requester = make_user(Role.REQUESTER, "rita")
    events = AuditEvent.select().count()
    with pytest.raises(ValidationError, match="none chosen"):
        bulk.bulk_assign(admin, [], tess.user_id)
    with pytest.raises(ValidationError, match="Assignee"):
        bulk.bulk_assign(admin, _items(orders), requester.user_id)
    with pytest.raises(ValidationError, match="sign off each order"):
        bulk.bulk_transition(admin, _items(orders), "closed")
    with pytest.raises(PermissionDenied):
        bulk.bulk_assign(tess, _items(orders), tess.user_id)
    result = bulk.bulk_transition(admin, _items(orders), "on_hold")
    assert len(result.refused) == 2 and not result.done  # open orders cannot be held
    assert AuditEvent.select().count() == events
    assert {w.status for w in WorkOrder.select()} == {"open"}


def test_a_technician_moves_only_their_own_orders_in_bulk(db, admin, tess):
    mine, theirs = _orders(admin, 2)
    mine = lifecycle.transition(admin, mine.id, "assigned", mine.version,
                                assignee_id=tess.user_id)

    result = bulk.bulk_transition(tess, _items([mine, theirs]), "in_progress")

    assert result.done == [mine.number]
    assert "not assigned to you" in result.refused[0][1]
