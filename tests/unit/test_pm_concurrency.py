"""Exactly once: several runners of the PM check at the same moment, each a separate process
(spawn) with its own connection, over 2,000 due schedules. Runs on SQLite here and on
PostgreSQL through tests/integration/test_pm_pg.py."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import time

import peewee

from app.models import Asset, PmSchedule, Task, WorkOrder
from app.permissions import Actor
from app.services import audit
from app.services.pm import lease, run
from tests.unit.test_concurrency import run_desks

RUNNERS = 4
SCHEDULES = 2_000
TASKS = 3
TODAY = dt.date(2026, 6, 1)


def due_schedules(count: int = SCHEDULES) -> None:
    """`count` monthly schedules on 200 assets, all due on TODAY, each with a 3-step checklist."""
    assets = [dict(tag=f"CONC-{n:03d}", name=f"Pump {n}") for n in range(200)]
    Asset.insert_many(assets).execute()
    asset_ids = [a.id for a in Asset.select(Asset.id).order_by(Asset.id)]
    tasks = json.dumps([{"text": f"Step {k}", "kind": "check", "required": False, "unit": ""}
                        for k in range(1, TASKS + 1)])
    rows = [dict(name=f"Monthly service {n}", asset=asset_ids[n % len(asset_ids)],
                 time_unit="month", start_date=TODAY, tasks=tasks) for n in range(count)]
    for i in range(0, len(rows), 500):
        PmSchedule.insert_many(rows[i:i + 500]).execute()


def run_check(actor: Actor, lease_seconds: int, chunk: int = run.CHUNK) -> int:
    """One runner: the whole PM check; returns how many orders it created."""
    lease.LEASE_SECONDS = lease_seconds
    run.CHUNK = chunk
    return len(run.generate_due_work_orders(actor, as_of=TODAY, wait_seconds=120).created)


def assert_exactly_once(actor: Actor) -> None:
    assert WorkOrder.select().count() == SCHEDULES
    per_schedule = (WorkOrder.select(WorkOrder.pm_schedule, peewee.fn.COUNT(1).alias("n"))
                    .group_by(WorkOrder.pm_schedule))
    assert {row.n for row in per_schedule} == {1}
    assert per_schedule.count() == SCHEDULES
    lacking = (WorkOrder.select(WorkOrder.id)
               .join(Task, peewee.JOIN.LEFT_OUTER)
               .group_by(WorkOrder.id)
               .having(peewee.fn.COUNT(Task.id) != TASKS))
    assert lacking.count() == 0, "every order has its whole checklist"
    assert audit.verify_chain(actor).ok


def test_four_runners_at_once_create_each_order_once(db, db_url, admin):
    due_schedules()
    created = run_desks(run_check, db_url, [(admin, 120)] * RUNNERS)
    assert sum(created) == SCHEDULES
    assert sorted(created)[-1] == SCHEDULES, "one runner held the lease; the others waited"
    assert_exactly_once(admin)


def test_with_the_lease_lost_the_unique_constraint_still_holds(db, db_url, admin):
    """Leases that lapse at once: all four runners work through the schedules together."""
    due_schedules()
    created = run_desks(run_check, db_url, [(admin, 0, 25)] * RUNNERS)
    print("orders created per runner:", created)
    assert sum(created) == SCHEDULES
    assert_exactly_once(admin)


def _killed_runner(url: str, actor: Actor) -> None:
    from app import db as dbmod

    dbmod.connect(url)
    run.CHUNK = 50  # many transactions: the kill lands in or between them
    run.generate_due_work_orders(actor, as_of=TODAY)


def test_a_runner_killed_mid_run_leaves_whole_orders_and_the_next_run_finishes(
        db, db_url, admin):
    due_schedules()
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_killed_runner, args=(db_url, admin))
    proc.start()
    deadline = time.monotonic() + 120
    while WorkOrder.select().count() < 200 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=30)
    done = WorkOrder.select().count()
    assert 0 < done < SCHEDULES, f"the kill should land mid-run ({done} orders)"
    lacking = (WorkOrder.select(WorkOrder.id).join(Task, peewee.JOIN.LEFT_OUTER)
               .group_by(WorkOrder.id).having(peewee.fn.COUNT(Task.id) != TASKS))
    assert lacking.count() == 0, "no order without its checklist"
    # The dead runner's lease (120 s) does not keep the next run out: its process is gone
    # (SQLite), its session too (PostgreSQL). The next run starts at once and finishes the job.
    result = run.generate_due_work_orders(admin, as_of=TODAY, wait_seconds=0)
    assert (result.not_run, result.waited_for) == ("", "")
    assert len(result.created) == SCHEDULES - done
    assert_exactly_once(admin)
