"""The demo plant generator: what it makes, that it is consistent, and that it refuses and
cancels cleanly. tests/integration re-runs this module against PostgreSQL."""

from __future__ import annotations

import collections
import datetime as dt
import random
import re

import pytest

from app import db as dbmod
from app.clock import utcnow
from app.errors import KeepwellError, ValidationError
from app.models import (
    Asset,
    AuditEvent,
    Location,
    NumberSequence,
    PmMissed,
    PmSchedule,
    Setting,
    Site,
    Task,
    User,
    WorkOrder,
)
from app.permissions import SYSTEM, USER_ROLES, Role
from app.services import audit, settings, setup
from app.services.demo import plan as demo_plan
from app.services.demo import plant
from app.services.people import auth
from app.services.people.users import USERNAME_RE
from app.services.pm import run
from app.services.work_orders import numbering
from app.vocabulary import TASK_KINDS, WO_STATUSES, WO_TYPES

ACTIVE = ("open", "assigned", "in_progress", "on_hold")


@pytest.fixture
def demo_plant(db: dbmod.DatabaseTarget) -> plant.DemoSummary:
    """An empty database filled with the demo plant."""
    return plant.create_demo_plant()


def _table_counts() -> dict[str, int]:
    models = (User, Setting, AuditEvent, NumberSequence, Site, Location, Asset, WorkOrder, Task)
    return {m.__name__: m.select().count() for m in models}


def test_demo_accounts_cover_every_role_with_valid_passwords() -> None:
    roles = {role for _u, _n, role, _p in plant.DEMO_ACCOUNTS}
    assert roles == {r.value for r in USER_ROLES}
    usernames = [u for u, _n, _r, _p in plant.DEMO_ACCOUNTS]
    assert len(set(usernames)) == len(usernames)
    for username, full_name, _role, password in plant.DEMO_ACCOUNTS:
        assert USERNAME_RE.match(username)
        assert full_name.strip()
        assert auth.password_problem(password, username) is None
    technicians = [a for a in plant.DEMO_ACCOUNTS if a[2] == Role.TECHNICIAN.value]
    assert len(technicians) >= 2, "assignees should vary"


def test_reference_data_is_consistent() -> None:
    ref = plant._reference()
    kinds = ref["kinds"]
    prefixes = [k["prefix"] for k in kinds.values()]
    assert len(set(prefixes)) == len(prefixes), "tag prefixes must not collide"
    codes = ref["failure_codes"]
    area_codes = set()
    for building in ref["buildings"]:
        for area in building["areas"]:
            area_codes.add(area["code"])
            for entry in area["assets"]:
                assert entry["kind"] in kinds, entry
                assert entry.get("names") or entry.get("count"), entry
    for name, kind in kinds.items():
        for child in kind.get("children", []):
            assert child in kinds, (name, child)
        assert len(kind["criticality"]) == 3 and sum(kind["criticality"]) > 0, name
        assert kind["makes"] and all(m["models"] for m in kind["makes"]), name
        for failure in kind.get("corrective", []) + kind.get("emergency", []):
            assert failure["problem"] in codes["problem"], (name, failure)
            assert set(failure["cause"]) <= set(codes["cause"]), (name, failure)
            assert set(failure["remedy"]) <= set(codes["remedy"]), (name, failure)
        assert kind.get("corrective"), f"{name} has no failures to draw corrective orders from"
        checklists = [kind["tasks"]] + [p["tasks"] for p in kind.get("pm", []) if "tasks" in p]
        for plan in kind.get("pm", []):
            assert plan.get("type", "preventive") in WO_TYPES
            assert set(plan.get("crit", "ABC")) <= set("ABC")
        history = ref["history"]
        for task in [t for c in checklists for t in c] + history["corrective_tasks"]:
            assert task.get("kind", "check") in TASK_KINDS, (name, task)
            if task.get("kind") == "reading":
                assert task.get("unit") and len(task.get("range", ())) == 2, (name, task)
    for project in ref["history"]["location_projects"]:
        assert project["location"] in area_codes, project


def test_the_plan_is_deterministic() -> None:
    now = dt.datetime(2026, 3, 15, 10, 0)

    def draw() -> list[tuple]:
        planner = demo_plan.Planner(plant._reference(), random.Random(plant.DEMO_SEED), now,
                                    now.date())
        assets = planner.assets()
        orders = planner.orders(assets)
        return [(a.tag, a.name, a.status) for a in assets] + [
            (o.created_at, o.title, o.status, o.row["assignee"]) for o in orders]

    assert draw() == draw()


def test_creates_a_plant_with_every_status_and_type(demo_plant: plant.DemoSummary) -> None:
    counts = _table_counts()
    assert demo_plant.sites == counts["Site"] == 1
    assert demo_plant.locations == counts["Location"] >= 10
    assert demo_plant.assets == counts["Asset"]
    assert 250 <= demo_plant.assets <= 500
    assert demo_plant.work_orders == counts["WorkOrder"]
    assert 2000 <= demo_plant.work_orders <= 3500
    assert demo_plant.tasks == counts["Task"] > 2 * demo_plant.work_orders
    assert demo_plant.users == counts["User"] == len(plant.DEMO_ACCOUNTS)
    assert demo_plant.accounts == plant.DEMO_ACCOUNTS

    statuses = {s for (s,) in WorkOrder.select(WorkOrder.status).distinct().tuples()}
    types = {t for (t,) in WorkOrder.select(WorkOrder.type).distinct().tuples()}
    kinds = {k for (k,) in Task.select(Task.kind).distinct().tuples()}
    assert statuses == set(WO_STATUSES)
    assert types == set(WO_TYPES)
    assert kinds == set(TASK_KINDS)
    assert settings.get_setting("organisation_name") == "Riverside Bottling Plant (demo)"


def test_locations_form_a_site_building_area_tree(demo_plant: plant.DemoSummary) -> None:
    buildings = list(Location.select().where(Location.kind == "building"))
    areas = list(Location.select().where(Location.kind == "area"))
    assert len(buildings) >= 3 and len(areas) >= 10
    assert all(b.parent_id is None for b in buildings)
    building_ids = {b.id for b in buildings}
    assert all(a.parent_id in building_ids for a in areas)
    assert Location.select().where(Location.kind.not_in(["building", "area"])).count() == 0
    # Assets sit in areas, not in buildings.
    area_ids = {a.id for a in areas}
    assert {a for (a,) in Asset.select(Asset.location).distinct().tuples()} <= area_ids


def test_assets_look_like_a_real_register(demo_plant: plant.DemoSummary) -> None:
    assets = list(Asset.select())
    assert all(re.fullmatch(r"[A-Z]{3}-\d{4}", a.tag) for a in assets)
    assert all(a.manufacturer and a.model and a.serial and a.category for a in assets)
    assert all(a.install_date and a.cost and a.cost > 0 for a in assets)
    assert {a.criticality for a in assets} == {"A", "B", "C"}
    status = collections.Counter(a.status for a in assets)
    assert set(status) == {"in_service", "down", "retired"}
    assert status["in_service"] > 0.9 * len(assets)
    by_id = {a.id: a for a in assets}
    children = [a for a in assets if a.parent_id]
    assert len(children) >= 20
    for child in children:
        parent = by_id[child.parent_id]
        assert parent.parent_id is None and child.location_id == parent.location_id
    assert any(c.tag.startswith("MTR-") for c in children)
    assert any(c.tag.startswith("GBX-") for c in children)
    # Every down asset has repair work in hand; retired ones get no new work.
    active = set(WorkOrder.select(WorkOrder.asset).where(WorkOrder.status.in_(ACTIVE)).tuples())
    assert all((a.id,) in active for a in assets if a.status == "down")
    retired = [a.id for a in assets if a.status == "retired"]
    assert WorkOrder.select().where(WorkOrder.asset.in_(retired)).count() == 0


def test_work_orders_are_consistent_with_their_status(demo_plant: plant.DemoSummary) -> None:
    now = utcnow()
    today = dt.date.today()
    orders = list(WorkOrder.select())
    names = {u.id: u.full_name for u in User.select()}
    numbers = [o.number for o in orders]
    assert len(set(numbers)) == len(numbers)
    overdue = future = 0
    for o in orders:
        assert re.fullmatch(rf"WO-{o.created_at.year}-\d{{6}}", o.number), o.number
        assert o.title and o.description and o.location_id and o.due_date
        assert o.priority in (1, 2, 3, 4)
        assert o.created_at <= o.updated_at <= now
        if o.type != "project":
            assert o.asset_id is not None
        if o.status == "open":
            assert o.assignee_id is None
        if o.status in ("assigned", "in_progress", "on_hold", "completed", "closed"):
            assert o.assignee_id is not None, o.number
        if o.status == "on_hold":
            assert o.hold_reason
        if o.status in ("completed", "closed"):
            assert o.created_at < o.completed_at <= now
            assert o.completion_notes
        else:
            assert o.completed_at is None
        if o.status == "closed":
            assert o.completed_at < o.closed_at <= now
            assert o.closed_by_id is not None
            assert o.signature_name == names[o.closed_by_id]
            assert o.signature_meaning == "Reviewed and approved"
            if o.type == "corrective":
                assert o.failure_problem and o.failure_cause and o.failure_remedy
        else:
            assert o.closed_at is None and o.closed_by_id is None and not o.signature_name
        if o.status in ACTIVE and o.due_date < today:
            overdue += 1
        if o.due_date > today:
            future += 1
    assert overdue > 10, "some open orders should be overdue"
    assert future > 10, "some orders should fall due in the coming weeks"
    assert min(o.created_at for o in orders) >= now - dt.timedelta(days=370)
    assert all(re.fullmatch(r"[A-Z]{2,8}", code) for o in orders
               for code in (o.failure_problem, o.failure_cause, o.failure_remedy) if code)
    assignees = {o.assignee_id for o in orders if o.assignee_id}
    assert len(assignees) >= 4


def test_checklists_are_filled_in_for_finished_work(demo_plant: plant.DemoSummary) -> None:
    per_order = collections.Counter(wo for (wo,) in Task.select(Task.work_order).tuples())
    assert len(per_order) == demo_plant.work_orders
    assert min(per_order.values()) >= 2 and max(per_order.values()) <= 6
    rows = (
        Task.select(Task, WorkOrder.status.alias("wo_status"),
                    WorkOrder.assignee.alias("wo_assignee"),
                    WorkOrder.completed_at.alias("wo_completed_at"),
                    WorkOrder.created_at.alias("wo_created_at"))
        .join(WorkOrder)
        .objects()
    )
    required = 0
    for task in rows:
        if task.wo_status in ("completed", "closed") and task.required:
            required += 1
            assert task.result and task.done_by_id and task.done_at, task.id
        if task.done_at is not None:
            assert task.result
            assert task.done_by_id == task.wo_assignee
            assert task.wo_created_at <= task.done_at
            if task.wo_completed_at:
                assert task.done_at <= task.wo_completed_at
        else:
            assert not task.result and task.done_by_id is None
        if task.wo_status in ("open", "assigned", "cancelled"):
            assert task.done_at is None
        if task.kind == "reading":
            assert task.unit
            if task.result:
                float(task.result)
        if task.kind == "pass_fail" and task.result:
            assert task.result in ("pass", "fail")
    assert required > 100


def test_each_demo_account_signs_in_with_its_role(demo_plant: plant.DemoSummary) -> None:
    for username, full_name, role, password in plant.DEMO_ACCOUNTS:
        result = auth.sign_in(username, password)
        assert result.actor.role == Role(role)
        assert result.actor.full_name == full_name
        assert result.must_change_password is False
    assert not setup.needs_setup()


def test_numbering_continues_after_the_demo(demo_plant: plant.DemoSummary) -> None:
    existing = {n for (n,) in WorkOrder.select(WorkOrder.number).tuples()}
    year = dt.date.today().year
    this_year = [int(n.rsplit("-", 1)[1]) for n in existing if n.startswith(f"WO-{year}-")]
    with dbmod.write_transaction():
        following = numbering.next_work_order_number()
    assert following not in existing
    assert following == numbering.format_work_order_number(year, max(this_year, default=0) + 1)


def test_one_audit_event_records_the_demo_and_the_chain_verifies(
    demo_plant: plant.DemoSummary,
) -> None:
    events = list(AuditEvent.select().where(AuditEvent.action == "demo_created"))
    assert len(events) == 1
    assert events[0].entity == "database" and events[0].actor == plant.DEMO_ACTOR.username
    assert f'"work_orders":[null,{demo_plant.work_orders}]' in events[0].changes
    # Bulk rows are not audited one by one: a handful of events, not thousands; the PM check
    # run as of the demo day audits what it raised, as it always does.
    demo_events = AuditEvent.select().where(AuditEvent.actor != SYSTEM.username)
    assert demo_events.count() < 20
    raised = WorkOrder.select().where(WorkOrder.pm_schedule.is_null(False)
                                      & WorkOrder.status.in_(ACTIVE)).count()
    assert AuditEvent.select().where(AuditEvent.actor == SYSTEM.username).count() == raised
    admin = auth.sign_in("admin", "demo-admin-2026").actor
    report = audit.verify_chain(admin)
    assert report.ok, report.reason
    assert report.events == AuditEvent.select().count()


def test_refuses_a_database_that_already_has_accounts(db: dbmod.DatabaseTarget) -> None:
    setup.set_up_organisation("Acme", "admin", "Ada Admin", "correct-horse-42")
    before = _table_counts()
    with pytest.raises(ValidationError) as refused:
        plant.create_demo_plant()
    assert "database" in refused.value.fields
    assert _table_counts() == before
    assert settings.get_setting("organisation_name") == "Acme"


@pytest.mark.parametrize("stop_at", [0, 1, 3, -1], ids=["first", "second", "middle", "last"])
def test_cancelling_writes_nothing(db: dbmod.DatabaseTarget, stop_at: int) -> None:
    calls: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, message: str) -> bool:
        calls.append((done, total, message))
        target = total - 1 if stop_at == -1 else stop_at
        return done < target

    before = _table_counts()
    with pytest.raises(KeepwellError, match="cancelled"):
        plant.create_demo_plant(progress)
    assert _table_counts() == before
    assert setup.needs_setup()
    assert all(0 <= done <= total for done, total, _m in calls)
    assert [done for done, _t, _m in calls] == list(range(len(calls)))


def test_progress_reports_every_step_up_to_the_total(db: dbmod.DatabaseTarget) -> None:
    calls: list[tuple[int, int, str]] = []
    plant.create_demo_plant(lambda done, total, message: calls.append((done, total, message))
                           or True)
    total = calls[0][1]
    assert all(t == total for _d, t, _m in calls)
    assert [d for d, _t, _m in calls] == list(range(total + 1))
    assert all(message for _d, _t, message in calls)


def test_the_demo_plant_has_a_working_life(demo_plant: plant.DemoSummary) -> None:
    from app.models import LaborEntry, Meter, MeterReading, WorkOrder, WorkOrderLog, WorkRequest

    worked = WorkOrder.select().where(WorkOrder.status.in_(["in_progress", "completed",
                                                            "closed"]))
    booked = {e.work_order_id for e in LaborEntry.select(LaborEntry.work_order)}
    assert booked == {w.id for w in worked}  # every order worked on has hours booked
    assert WorkOrderLog.select().where(WorkOrderLog.kind == "comment").count() > 100
    for meter in Meter.select():
        values = [r.value for r in MeterReading.select().where(MeterReading.meter == meter.id)
                  .order_by(MeterReading.at)]
        assert len(values) == 7 and values == sorted(values)  # running totals never go down
        assert meter.last_reading == values[-1]
    assert Meter.select().count() >= 5
    states = {r.status for r in WorkRequest.select()}
    assert states == {"new", "approved", "rejected"}
    for request in WorkRequest.select().where(WorkRequest.status != "new"):
        assert request.decided_by_id is not None
        assert (request.work_order_id is not None) == (request.status == "approved")
        assert (request.reject_reason != "") == (request.status == "rejected")


def test_the_first_pm_check_finds_a_normal_day(demo_plant: plant.DemoSummary) -> None:
    """The first automatic check on a fresh demo plant once raised eight orders, all overdue.
    The demo's schedules are settled as of the demo day: what is due is raised already, and
    the real check, today and on each of the following days, raises nothing overdue."""
    today = dt.date.today()
    pm_orders = list(WorkOrder.select().where(WorkOrder.pm_schedule.is_null(False)))
    still_to_do = [o for o in pm_orders if o.status in ACTIVE]
    assert all(o.due_date >= today for o in still_to_do), "raised as of today, none overdue"
    assert all(o.created_at.date() >= today - dt.timedelta(days=1) for o in still_to_do)
    assert PmSchedule.select().where(PmSchedule.next_check.is_null()).count() == 0
    assert PmMissed.select().count() == 0

    first = run.generate_due_work_orders(SYSTEM, as_of=today)
    assert (first.created, first.missed) == ([], [])
    for days in range(1, 15):  # the checks of the next two weeks, as a desk runs them
        day = today + dt.timedelta(days=days)
        result = run.generate_due_work_orders(SYSTEM, as_of=day)
        assert [c for c in result.created if c.due < day] == [], day
        assert result.missed == [], day


def test_every_schedule_has_had_its_last_service(demo_plant: plant.DemoSummary) -> None:
    today = dt.date.today()
    schedules = list(PmSchedule.select())
    assert len(schedules) >= 20
    assert {s.anchor for s in schedules} == {"fixed", "floating"}
    assert any(s.meter_id and not s.time_unit for s in schedules)  # by meter alone
    assert any(s.season_from for s in schedules) and any(s.lead_days for s in schedules)
    for s in schedules:
        done = list(WorkOrder.select().where((WorkOrder.pm_schedule == s.id)
                                             & WorkOrder.status.in_(["completed", "closed"])))
        assert len(done) == 1, s.name
        service = done[0]
        assert s.last_completed_on == service.completed_at.date() < today
        assert service.pm_due <= s.last_completed_on and service.due_date == service.pm_due
        assert service.title == s.name and service.description == s.description
        assert service.type == "preventive" and service.asset_id == s.asset_id
        if s.meter_id:
            assert s.last_completed_reading == s.meter_start
        steps = list(Task.select().where(Task.work_order == service.id))
        assert len(steps) == 3 and all(t.result == "done" for t in steps)
