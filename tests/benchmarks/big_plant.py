"""A generated plant for the scale benchmarks: 20,000 assets and 1,000,000 work orders over ten
years (most closed, as in a real office), on SQLite or PostgreSQL.

Rows are made by one set-based INSERT ... SELECT per table in the database itself, so building
takes a minute, not an hour; the result is kept between runs (a SQLite file in the cache folder,
a PostgreSQL database of a fixed name) and rebuilt when the schema or the size changes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app import db as dbmod
from app.permissions import Actor, Role
from app.services import setup

ORDERS = int(os.environ.get("KEEPWELL_BENCH_ORDERS", "1000000"))
ASSETS = 20_000
TECHNICIANS = 40
CACHE = Path(os.environ.get("KEEPWELL_BENCH_CACHE", Path(tempfile.gettempdir()) / "keepwell-bench"))
PASSWORD = "bench-password-1"
VERBS = ("Replace", "Inspect", "Lubricate", "Repair", "Align", "Clean", "Calibrate", "Tighten",
         "Test", "Adjust", "Check", "Overhaul", "Grease", "Drain", "Refill", "Paint")
THINGS = ("pump seal", "conveyor belt", "motor bearing", "gearbox oil", "filter element",
          "valve actuator", "fan guard", "chain drive", "hydraulic hose", "sensor bracket",
          "boiler burner", "compressor intake", "door interlock", "cooling coil", "spindle",
          "brake pad", "tank level switch", "light fitting", "roof drain", "fire damper")
STATUS_BY_BUCKET = ("open", "assigned", "in_progress", "on_hold", "completed", "cancelled")


def _values(words: tuple[str, ...]) -> str:
    return ", ".join(f"({i}, '{w}')" for i, w in enumerate(words))


def _sqlite_statements(orders: int, assets: int) -> list[str]:
    now = "'2026-11-01 08:00:00'"
    return [
        "CREATE TEMP TABLE verb(k INTEGER PRIMARY KEY, w TEXT)",
        f"INSERT INTO verb VALUES {_values(VERBS)}",
        "CREATE TEMP TABLE thing(k INTEGER PRIMARY KEY, w TEXT)",
        f"INSERT INTO thing VALUES {_values(THINGS)}",
        f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {assets})
            INSERT INTO asset (version, created_at, updated_at, tag, name, category, criticality,
                               status, manufacturer, model, serial, notes, location_id)
            SELECT 1, {now}, {now}, printf('AST-%05d', i),
                   (SELECT w FROM thing WHERE k = i % {len(THINGS)}) || ' unit ' || i,
                   'Mechanical', 'B', 'in_service', 'Acme', 'M' || (i % 40), 'SN' || i, '',
                   (SELECT MIN(id) FROM location) + i % (SELECT COUNT(*) FROM location)
            FROM n""",
        f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {orders})
            INSERT INTO work_order (version, created_at, updated_at, number, title, description,
                type, priority, status, asset_id, assignee_id, due_date, failure_problem,
                failure_cause, failure_remedy, completion_notes, hold_reason, signature_name,
                signature_meaning)
            SELECT 1, {now}, {now},
                   printf('WO-%d-%06d', 2017 + (i - 1) / 100000, (i - 1) % 100000 + 1),
                   (SELECT w FROM verb WHERE k = i % {len(VERBS)}) || ' ' ||
                       (SELECT w FROM thing WHERE k = (i / 7) % {len(THINGS)}),
                   'Reported by the line ' || (i % 12) || '; see the log sheet ' || (i % 997),
                   CASE WHEN i % 5 = 0 THEN 'preventive' ELSE 'corrective' END,
                   1 + i % 4,
                   CASE WHEN i % 100 < 92 THEN 'closed'
                        ELSE (SELECT s FROM (SELECT 0 AS k, 'open' AS s UNION ALL
                              SELECT 1, 'assigned' UNION ALL SELECT 2, 'in_progress' UNION ALL
                              SELECT 3, 'on_hold' UNION ALL SELECT 4, 'completed' UNION ALL
                              SELECT 5, 'cancelled') WHERE k = i % 6) END,
                   (SELECT MIN(id) FROM asset) + (i * 7919) % {assets},
                   CASE WHEN i % 7 = 0 THEN NULL
                        ELSE (SELECT MIN(id) FROM user WHERE role = 'technician')
                             + i % {TECHNICIANS} END,
                   CASE WHEN i % 50 = 0 THEN NULL
                        ELSE date('2017-01-01', '+' || (i * 3650 / {orders} + i % 30) || ' days')
                   END,
                   '', '', '', '', '', '', ''
            FROM n""",
        "ANALYZE",
    ]


def _postgres_statements(orders: int, assets: int) -> list[str]:
    verbs = "ARRAY[" + ", ".join(f"'{w}'" for w in VERBS) + "]"
    things = "ARRAY[" + ", ".join(f"'{w}'" for w in THINGS) + "]"
    statuses = "ARRAY[" + ", ".join(f"'{s}'" for s in STATUS_BY_BUCKET) + "]"
    now = "TIMESTAMP '2026-11-01 08:00:00'"
    return [
        f"""INSERT INTO asset (version, created_at, updated_at, tag, name, category, criticality,
                               status, manufacturer, model, serial, notes, location_id)
            SELECT 1, {now}, {now}, 'AST-' || lpad(i::text, 5, '0'),
                   ({things})[1 + i %% {len(THINGS)}] || ' unit ' || i,
                   'Mechanical', 'B', 'in_service', 'Acme', 'M' || (i %% 40), 'SN' || i, '',
                   (SELECT MIN(id) FROM location) + i %% (SELECT COUNT(*) FROM location)
            FROM generate_series(1, {assets}) AS i""",
        f"""INSERT INTO work_order (version, created_at, updated_at, number, title, description,
                type, priority, status, asset_id, assignee_id, due_date, failure_problem,
                failure_cause, failure_remedy, completion_notes, hold_reason, signature_name,
                signature_meaning)
            SELECT 1, {now}, {now},
                   'WO-' || (2017 + (i - 1) / 100000) || '-' || lpad(((i - 1) %% 100000 + 1)::text,
                                                                     6, '0'),
                   ({verbs})[1 + i %% {len(VERBS)}] || ' ' ||
                       ({things})[1 + (i / 7) %% {len(THINGS)}],
                   'Reported by the line ' || (i %% 12) || '; see the log sheet ' || (i %% 997),
                   CASE WHEN i %% 5 = 0 THEN 'preventive' ELSE 'corrective' END,
                   1 + i %% 4,
                   CASE WHEN i %% 100 < 92 THEN 'closed' ELSE ({statuses})[1 + i %% 6] END,
                   (SELECT MIN(id) FROM asset) + (i::bigint * 7919) %% {assets},
                   CASE WHEN i %% 7 = 0 THEN NULL
                        ELSE (SELECT MIN(id) FROM "user" WHERE role = 'technician')
                             + i %% {TECHNICIANS} END,
                   CASE WHEN i %% 50 = 0 THEN NULL
                        ELSE DATE '2017-01-01' + (i::bigint * 3650 / {orders} + i %% 30)::int END,
                   '', '', '', '', '', '', ''
            FROM generate_series(1, {orders}) AS i""",
        "ANALYZE",
    ]


def _people_and_places() -> Actor:
    """The organisation, its technicians, one site and 50 locations, through the services."""
    from app.models import Location, Site, User

    admin_row = setup.set_up_organisation("Bench Plant", "admin", "Ada Admin", PASSWORD)
    admin = Actor(admin_row.id, admin_row.username, admin_row.full_name, Role.ADMIN)
    User.insert_many([
        dict(username=f"tech{i:02d}", full_name=f"Technician {i:02d}", role="technician",
             password_hash="-") for i in range(TECHNICIANS)]).execute()
    site = Site.create(code="BIG", name="Big plant")
    for i in range(50):
        Location.create(site=site, code=f"AREA-{i:02d}", name=f"Area {i:02d}")
    return admin


def build(url: str, orders: int = ORDERS, assets: int = ASSETS) -> None:
    """Fill the empty database at `url` (schema created here)."""
    database, target = dbmod.connect(url)
    try:
        dbmod.initialise_schema(database, target)
        _people_and_places()
        statements = (_sqlite_statements if target.is_sqlite else _postgres_statements)(
            orders, assets)
        with database.atomic():
            for statement in statements[:-1]:
                database.execute_sql(statement)
        database.execute_sql(statements[-1])
    finally:
        dbmod.close()


def is_built(url: str, orders: int = ORDERS) -> bool:
    """True when `url` holds a finished plant of this size at the current schema."""
    from app.models import WorkOrder
    from tests.conftest import LATEST_MIGRATION

    try:
        database, _target = dbmod.connect(url)
    except Exception:  # noqa: BLE001 - no such database yet
        return False
    try:
        state = dbmod.schema_state(database)
        if state.pending or not state.applied or state.applied[-1] != LATEST_MIGRATION:
            return False
        return WorkOrder.select().count() == orders
    finally:
        dbmod.close()


def sqlite_plant(orders: int = ORDERS) -> str:
    """The URL of the cached SQLite plant, built first if needed."""
    from tests.conftest import LATEST_MIGRATION

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"plant-{orders}-{LATEST_MIGRATION}.db"
    url = f"sqlite:///{path.as_posix()}"
    if not is_built(url, orders):
        for stale in CACHE.glob(f"plant-{orders}-*.db*"):
            stale.unlink()
        build(url, orders)
    return url


def postgres_plant(admin_url: str, orders: int = ORDERS) -> str:
    """The URL of the PostgreSQL plant on the server of `admin_url` (a database the role may
    connect to; the role needs CREATEDB), built first if needed."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"keepwell_bench_{orders}"
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and is_built(url, orders):
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    build(url, orders)
    return url
