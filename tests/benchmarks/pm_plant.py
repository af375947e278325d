"""A plant for the PM benchmarks: 20,000 assets each with one active schedule (monthly fixed,
weekly floating, quarterly by RRULE, 500 h by meter), each with a 10-step checklist, of which
5,000 are due on AS_OF. Built once per backend as a template; each timed run gets a fresh copy
(a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).

The template is in the steady state of an office: yesterday's check ran (setting each
schedule's next_check), then the day's meter readings came in on every meter (clearing
next_check of the 5,000 schedules on them, as recording a reading does; 1,250 of them pass
their threshold). `forget_checks` gives the state of a
first check ever (an upgraded or imported database), where every schedule is looked at."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app import db as dbmod
from app.models import Asset, Meter, PmSchedule, User
from app.permissions import Actor, Role
from app.services.pm import run

SCHEDULES = 20_000
DUE = 5_000
TASKS = 10
AS_OF = dt.date.today()  # the desk's worker checks for today
SET_UP = dt.datetime.combine(AS_OF - dt.timedelta(days=200), dt.time())
TEMPLATE = json.dumps([{"text": f"Step {k}: check and record", "kind": "check",
                        "required": False, "unit": ""} for k in range(1, TASKS + 1)])


def _kind(n: int) -> dict:
    """Schedule n's trigger; n < DUE is due on AS_OF, the rest later."""
    due = n < DUE
    later = AS_OF + dt.timedelta(days=5 + n % 300)
    match n % 4:
        case 0:
            return dict(time_unit="month", start_date=AS_OF if due else later)
        case 1:
            return dict(time_unit="week", anchor="floating",
                        start_date=AS_OF - dt.timedelta(days=30),
                        last_completed_on=AS_OF - dt.timedelta(days=7 if due else 3))
        case 2:
            return dict(time_unit="rrule", rrule="FREQ=MONTHLY;INTERVAL=3",
                        start_date=AS_OF if due else later)
        case _:
            return dict(meter_every=500, meter_start=0 if due else 400,
                        start_date=AS_OF - dt.timedelta(days=30))


def fill(url: str) -> None:
    """Schema and rows into the empty database at `url`."""
    from tests.benchmarks.big_plant import _people_and_places

    database, target = dbmod.connect(url)
    try:
        dbmod.initialise_schema(database, target)
        _people_and_places()
        with database.atomic():
            for i in range(0, SCHEDULES, 1000):
                Asset.insert_many([dict(tag=f"PM-{n:05d}", name=f"Machine {n}")
                                   for n in range(i, i + 1000)]).execute()
            assets = [a for (a,) in Asset.select(Asset.id).order_by(Asset.id).tuples()]
            metered = [assets[n] for n in range(SCHEDULES) if n % 4 == 3]
            for i in range(0, len(metered), 1000):
                Meter.insert_many([dict(asset=a, name="Run hours", unit="h", last_reading=480)
                                   for a in metered[i:i + 1000]]).execute()
            meters = dict(Meter.select(Meter.asset, Meter.id).tuples())
            keys = ("time_unit", "anchor", "rrule", "start_date", "last_completed_on",
                    "meter_every", "meter_start")
            defaults = {k: PmSchedule._meta.fields[k].default for k in keys}
            rows = []
            for n, asset in enumerate(assets):
                row = {**defaults, **_kind(n)}
                rows.append(dict(row, name=f"PM {n}", asset=asset, meter=meters.get(asset),
                                 tasks=TEMPLATE, estimated_hours=1.5,
                                 created_at=SET_UP))
            for i in range(0, len(rows), 500):
                PmSchedule.insert_many(rows[i:i + 500]).execute()
        admin = User.get(User.username == "admin")
        actor = Actor(admin.id, admin.username, admin.full_name, Role.ADMIN)
        yesterday = run.generate_due_work_orders(actor, as_of=AS_OF - dt.timedelta(days=1))
        assert not yesterday.created
        with database.atomic():  # today's readings, on every meter: the due ones pass 500 h
            due_meters = [meters[assets[n]] for n in range(DUE) if n % 4 == 3]
            Meter.update(last_reading=490).execute()
            Meter.update(last_reading=520).where(Meter.id.in_(due_meters)).execute()
            PmSchedule.update(next_check=None).where(PmSchedule.meter.is_null(False)).execute()
    finally:
        dbmod.close()


def forget_checks(url: str) -> None:
    """As if no check had ever run on this copy."""
    database, _target = dbmod.connect(url)
    try:
        PmSchedule.update(next_check=None).execute()
    finally:
        dbmod.close()


class SqliteCopies:
    def __init__(self, folder: Path) -> None:
        self.template = folder / "pm-template.db"
        fill(f"sqlite:///{self.template.as_posix()}")
        self.folder = folder

    def fresh(self) -> str:
        path = self.folder / f"pm-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(self.template, path)
        return f"sqlite:///{path.as_posix()}"


class PostgresCopies:
    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.admin_url = admin_url
        self.names: list[str] = []
        self.template = f"kw_pm_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.template}"')
        self.names.append(self.template)
        fill(self._url(self.template))

    def _url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{name}"))

    def fresh(self) -> str:
        import psycopg

        name = f"kw_pm_run_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.names.append(name)
        return self._url(name)

    def drop_all(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in reversed(self.names):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
