"""The demo plant: a bottling plant with a year of maintenance history, to try Keepwell on.

`create_demo_plant` fills an empty database in one transaction: the organisation name, one site
with its buildings and areas, some 350 assets (drive motors and gearboxes under conveyors), about
2,500 work orders in every status and type with their checklists, and one account per role
(`DEMO_ACCOUNTS`); hours, meters, work requests (activity.py) and PM schedules with their
last services (pm.py), then the PM check run as of today, so that the plant opens on a
normal day. Everything is drawn from a fixed seed and dated relative to today. The words
(areas, makes and models, failures, checklists) live in data/demo/plant.toml.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from app import db
from app.clock import utcnow
from app.errors import KeepwellError, ValidationError
from app.models import Asset, Location, Site, Task, User, WorkOrder
from app.paths import data_file
from app.permissions import SYSTEM, Actor, Role
from app.services import audit, settings
from app.services.demo.activity import add_demo_activity
from app.services.demo.plan import (
    CRAFT_AND_RATE,
    DEMO_ACCOUNTS,
    AssetPlan,
    OrderPlan,
    Planner,
)
from app.services.demo.pm import add_demo_schedules
from app.services.people import auth
from app.services.pm import run
from app.services.work_orders import numbering

DEMO_SEED = 20260101
BATCH_ROWS = 500
# Like setup.SETUP: there is no user to act as while the accounts are being made.
DEMO_ACTOR = Actor(user_id=None, username="demo", full_name="Demo plant generator", role=Role.IT)

Progress = Callable[[int, int, str], bool]

class DemoCancelled(KeepwellError):
    """The progress callback asked to stop; the transaction was rolled back, nothing written."""

    def __init__(self) -> None:
        super().__init__("Demo creation cancelled.")


@dataclass(frozen=True)
class DemoSummary:
    """What `create_demo_plant` made, and the accounts to sign in with."""

    sites: int
    locations: int
    assets: int
    work_orders: int
    tasks: int
    users: int
    accounts: tuple[tuple[str, str, str, str], ...] = DEMO_ACCOUNTS


def _reference() -> dict[str, Any]:
    with data_file("demo", "plant.toml").open("rb") as fh:
        return tomllib.load(fh)


def _database_has_data() -> bool:
    return any(m.select().exists() for m in (User, Site, Asset, WorkOrder))


def create_demo_plant(progress: Progress | None = None) -> DemoSummary:
    """Fill an empty, initialised database with the demo plant and its accounts, in one
    transaction. Raises ValidationError if the database already has accounts or data, and
    DemoCancelled (nothing written) when `progress(done, total, message)` returns False."""
    if _database_has_data():
        raise _not_empty()
    now = utcnow()
    today = dt.date.today()
    plan = Planner(_reference(), random.Random(DEMO_SEED), now, today)
    assets = plan.assets()
    orders = plan.orders(assets)
    steps = _Steps(progress, 6 + -(-len(orders) // BATCH_ROWS))
    steps("Preparing the demo accounts")
    hashes = _hash_passwords()
    steps("Creating the plant and its assets")
    with db.write_transaction():
        if _database_has_data():
            raise _not_empty()
        settings.write_setting(DEMO_ACTOR, "organisation_name", plan.ref["organisation"]["name"])
        users = _insert_accounts(hashes, now)
        locations = _insert_locations(plan.ref, now - dt.timedelta(days=400))
        asset_ids = _insert_assets(assets, locations, now - dt.timedelta(days=400))
        _insert_orders(orders, users, locations, asset_ids, steps)
        steps("Booking hours, meters and work requests")
        add_demo_activity(random.Random(DEMO_SEED + 1), now, today)
        add_demo_schedules(random.Random(DEMO_SEED + 2), today, now,
                           now - dt.timedelta(days=365))
        steps("Running the first PM check")
        _settle_schedules(today)
        summary = DemoSummary(sites=1, locations=len(locations), assets=len(assets),
                              work_orders=WorkOrder.select().count(),
                              tasks=Task.select().count(), users=len(users))
        steps("Saving the demo plant")
        counts = {k: [None, v] for k, v in vars(summary).items() if k != "accounts"}
        audit.record(DEMO_ACTOR, "database", "demo", "demo_created", counts)
    if progress is not None:
        progress(steps.total, steps.total, "Demo plant created")  # too late to cancel
    return summary


def _settle_schedules(today: dt.date) -> None:
    """The PM check as of the demo day, as the scheduler runs it (the real one: its orders,
    audit events and each schedule's next check), so that what falls due now is raised and
    the first check on a desk has nothing to catch up on. Waits for no other runner: a
    scheduler already watching the empty database simply does it at its next run."""
    result = run.generate_due_work_orders(SYSTEM, as_of=today, wait_seconds=0)
    late = [c for c in result.created if c.due < today]
    if late or result.missed:  # the schedules' last services are drawn so that none are
        raise RuntimeError(f"demo PM schedules are not settled: {len(late)} orders overdue, "
                           f"{len(result.missed)} occurrences missed on {today}")


def _not_empty() -> ValidationError:
    return ValidationError({"database": "already has accounts or data: the demo plant can "
                                        "only be created in an empty database"})


class _Steps:
    """Calls progress between steps; a False answer cancels (raises inside the transaction)."""

    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0

    def __call__(self, message: str) -> None:
        if self.callback is not None and self.callback(min(self.done, self.total), self.total,
                                                       message) is False:
            raise DemoCancelled()
        self.done += 1


def _hash_passwords() -> dict[str, str]:
    """bcrypt hashes of the demo passwords. Made before the transaction opens, in parallel
    threads (bcrypt releases the GIL), so the write lock is held for the inserts only."""
    workers = max(1, min(len(DEMO_ACCOUNTS), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        hashed = pool.map(auth.hash_password, [a[3] for a in DEMO_ACCOUNTS])
        return {a[0]: h for a, h in zip(DEMO_ACCOUNTS, hashed, strict=True)}


def _insert_accounts(hashes: dict[str, str], now: dt.datetime) -> dict[str, User]:
    """Insert the demo accounts with the audit event users.create_user_record writes."""
    for username, full_name, role, _password in DEMO_ACCOUNTS:
        craft, rate = CRAFT_AND_RATE.get(username, ("", "0"))
        user = User.create(
            username=username, full_name=full_name, role=role, craft=craft,
            email=f"{username}@riverside-demo.example", hourly_rate=Decimal(rate),
            password_hash=hashes[username], must_change_password=False,
            created_at=now, updated_at=now,
        )
        audit.record(DEMO_ACTOR, "user", user.id, "created", {
            "username": [None, username], "full_name": [None, full_name], "role": [None, role]})
    names = [a[0] for a in DEMO_ACCOUNTS]
    return {u.username: u for u in User.select().where(User.username.in_(names))}


def _batch_size(columns: int) -> int:
    """Rows per INSERT within the database's limit on bound variables."""
    limit = 32766  # PostgreSQL allows 65535; SQLite from 3.32 allows 32766
    if db.is_sqlite():
        limit = db.database.obj.connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(BATCH_ROWS, limit // columns))


def _insert_many(model: type[peewee.Model], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    fields = list(rows[0])
    size = _batch_size(len(fields))
    for start in range(0, len(rows), size):
        values = [tuple(r[f] for f in fields) for r in rows[start:start + size]]
        model.insert_many(values, fields=[getattr(model, f) for f in fields]).as_rowcount(
        ).execute()


def _insert_locations(ref: dict[str, Any], since: dt.datetime) -> dict[str, int]:
    """The site, its buildings and their areas. Returns {location code: id}."""
    site = Site.create(code=ref["site"]["code"], name=ref["site"]["name"],
                       created_at=since, updated_at=since)
    stamp = {"version": 1, "created_at": since, "updated_at": since}
    _insert_many(Location, [dict(site=site.id, parent=None, code=b["code"], name=b["name"],
                                 kind="building", **stamp) for b in ref["buildings"]])
    ids = _location_ids(site.id)
    _insert_many(Location, [dict(site=site.id, parent=ids[b["code"]], code=a["code"],
                                 name=a["name"], kind="area", **stamp)
                            for b in ref["buildings"] for a in b["areas"]])
    return _location_ids(site.id)


def _location_ids(site_id: int) -> dict[str, int]:
    return _id_map(Location.select(Location.code, Location.id).where(Location.site == site_id))


def _id_map(query: Any) -> dict[str, int]:
    """{key: id} from a query selecting (unique key, id): ids are read back rather than set,
    since only PostgreSQL returns them from a multi-row insert."""
    return {key: row_id for key, row_id in query.tuples()}


def _insert_assets(assets: list[AssetPlan], locations: dict[str, int],
                   since: dt.datetime) -> dict[str, int]:
    """Parents first, then their children (which need the parents' ids). Returns {tag: id}."""
    ids: dict[str, int] = {}
    for level in ([a for a in assets if a.parent is None], [a for a in assets if a.parent]):
        _insert_many(Asset, [dict(
            tag=a.tag, name=a.name, criticality=a.criticality, status=a.status, notes=a.notes,
            location=locations[a.location], parent=ids[a.parent] if a.parent else None,
            version=1, created_at=since, updated_at=since, **a.fields) for a in level])
        tags = [a.tag for a in level]
        for start in range(0, len(tags), BATCH_ROWS):
            chunk = tags[start:start + BATCH_ROWS]
            ids.update(_id_map(Asset.select(Asset.tag, Asset.id).where(Asset.tag.in_(chunk))))
    return ids


def _insert_orders(orders: list[OrderPlan], users: dict[str, User], locations: dict[str, int],
                   asset_ids: dict[str, int], steps: _Steps) -> int:
    """Number the orders by creation year (the yearly sequence moves on by as many), insert
    them and their tasks. Returns the number of tasks."""
    orders = sorted(orders, key=lambda o: o.created_at)  # ids then follow the numbers
    by_year: dict[int, list[OrderPlan]] = defaultdict(list)
    for order in orders:
        by_year[order.created_at.year].append(order)
    for year, group in by_year.items():
        first = numbering.reserve("wo", year, len(group))
        # The prefix setting is read once per year, not once per order; the first and last
        # numbers are checked against the real format so the two cannot drift apart.
        prefix = numbering.format_work_order_number(year, 0).removesuffix("000000")
        for offset, order in enumerate(group):
            order.number = f"{prefix}{first + offset:06d}"
        for order, value in ((group[0], first), (group[-1], first + len(group) - 1)):
            if order.number != numbering.format_work_order_number(year, value):
                raise RuntimeError(f"demo numbering disagrees with the format: {order.number}")

    def uid(username: str | None) -> int | None:
        return users[username].id if username else None

    rows = []
    for o in orders:
        row = dict(o.row, number=o.number, title=o.title, description=o.description, type=o.type,
                   priority=o.priority, status=o.status, due_date=o.due_date,
                   planned_start=o.planned_start, created_at=o.created_at,
                   asset=asset_ids[o.asset.tag] if o.asset else None,
                   location=locations[o.location], requester=uid(o.requester),
                   assignee=uid(o.row["assignee"]), closed_by=uid(o.row["closed_by"]))
        rows.append(row)
    for start in range(0, len(rows), BATCH_ROWS):
        steps(f"Writing work orders {start + 1}-{min(start + BATCH_ROWS, len(rows))}")
        _insert_many(WorkOrder, rows[start:start + BATCH_ROWS])
    steps("Writing checklists")
    order_ids: dict[str, int] = {}
    numbers = [o.number for o in orders]
    for start in range(0, len(numbers), BATCH_ROWS):
        chunk = numbers[start:start + BATCH_ROWS]
        q = WorkOrder.select(WorkOrder.number, WorkOrder.id).where(WorkOrder.number.in_(chunk))
        order_ids.update(_id_map(q))
    tasks = [dict(t, work_order=order_ids[o.number], done_by=uid(t["done_by"]))
             for o in orders for t in o.tasks]
    _insert_many(Task, tasks)
    return len(tasks)
