"""Several desks on one work order at once, each a separate process (spawn) with its own
connection. Runs on SQLite here and on PostgreSQL through tests/integration."""

from __future__ import annotations

import datetime as dt

from app.errors import ConflictError, ValidationError
from app.models import AuditEvent, NumberSequence, WorkOrder
from app.permissions import Actor
from app.services import audit
from app.services.work_orders import edit
from tests.unit.test_concurrency import run_desks

DESKS = 4
ORDERS_PER_DESK = 12


def save_title(actor: Actor, wo_id: int, version: int, title: str) -> str:
    """One desk saving the form it read at `version`."""
    try:
        edit.update_work_order(actor, wo_id, version, title=title)
    except ConflictError as exc:
        return f"conflict: {exc.message}"
    return "saved"


def test_desks_saving_the_same_order_at_once_one_wins_the_others_conflict(db, db_url, admin):
    wo = edit.create_work_order(admin, "Seal leaking", priority=2)
    titles = [f"Seal leaking (desk {n})" for n in range(DESKS)]
    results = run_desks(save_title, db_url, [(admin, wo.id, wo.version, t) for t in titles])

    assert sorted(r.split(":")[0] for r in results) == ["conflict"] * (DESKS - 1) + ["saved"]
    assert all("changed by admin at" in r for r in results if r != "saved")
    row = WorkOrder.get_by_id(wo.id)
    assert row.version == wo.version + 1 and row.title in titles and row.priority == 2
    updates = AuditEvent.select().where(AuditEvent.action == "updated")
    assert updates.count() == 1 and row.title in updates.get().changes
    assert audit.verify_chain(admin).ok


def create_orders(actor: Actor, desk: int) -> list[str]:
    """A desk raising orders, with a refused one (bad due date) between each two."""
    numbers = []
    for i in range(ORDERS_PER_DESK):
        numbers.append(edit.create_work_order(actor, f"Desk {desk} order {i}").number)
        try:
            edit.create_work_order(actor, "Refused", due_date=dt.date(1999, 1, 1))
        except ValidationError:
            pass
    return numbers


def test_desks_creating_orders_at_once_get_unique_consecutive_numbers(db, db_url, admin):
    results = run_desks(create_orders, db_url, [(admin, desk) for desk in range(DESKS)])

    numbers = sorted(n for desk in results for n in desk)
    total = DESKS * ORDERS_PER_DESK
    year = dt.date.today().year
    assert numbers == [f"WO-{year}-{n:06d}" for n in range(1, total + 1)]
    assert WorkOrder.select().count() == total
    assert NumberSequence.get().last_value == total
    for desk_numbers in results:  # each desk saw its own numbers rising
        assert desk_numbers == sorted(desk_numbers)
    assert audit.verify_chain(admin).ok
