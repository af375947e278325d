"""Several desks writing at once on one PostgreSQL database.

The multi-process test of tests/unit/test_concurrency.py runs here against PostgreSQL (the
`db_url` fixture is a PostgreSQL database in this folder). Below it, races that only
PostgreSQL allows: SQLite's BEGIN IMMEDIATE lets one writer in at a time.
"""

from __future__ import annotations

import threading

import pytest

from app import db as dbmod
from app.errors import ValidationError
from app.models import User
from app.permissions import Role
from app.services import audit
from app.services.people import users
from tests.unit.test_concurrency import *  # noqa: F401,F403


def backend_pid() -> int:
    return dbmod.database.obj.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def waits_on_a_lock(pid: int) -> bool:
    row = dbmod.database.obj.execute_sql(
        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row is not None and row[0] == "Lock"


def run_together(calls: dict[str, object]) -> dict[str, object]:
    """Run each call in its own thread (own connection); return each result or exception."""
    outcome: dict[str, object] = {}

    def run(name, call):
        try:
            outcome[name] = call()
        except Exception as exc:  # collected for the test to judge
            outcome[name] = exc
        finally:
            dbmod.close()

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a call never finished"
    return outcome


@pytest.mark.parametrize("change", ["demote", "deactivate"])
def test_two_admins_removing_each_other_at_once_leave_one_admin(admin, make_user,
                                                                 monkeypatch, change):
    other = make_user(Role.ADMIN, "olga")
    names = ("ada", "olga")
    checked = {name: threading.Event() for name in names}
    pids: dict[str, int] = {}
    count_admins = users._active_admins

    def count_then_wait_for_the_other_desk():
        # Each desk, after its last-admin check, waits until the other desk has checked too,
        # as two admins clicking at the same moment may; unless the other desk is held up by
        # a database lock, which is how a correct service keeps the two apart.
        me = threading.current_thread().name
        (them,) = set(names) - {me}
        result = count_admins()
        checked[me].set()
        for _ in range(6000):
            # (`them` may not have started yet: then it is not waiting on a lock either)
            if checked[them].wait(0.01) or (them in pids and waits_on_a_lock(pids[them])):
                return result
        raise AssertionError(f"{them} neither checked nor waited on a lock")

    monkeypatch.setattr(users, "_active_admins", count_then_wait_for_the_other_desk)
    service = {
        "demote": lambda actor, user_id: users.change_role(actor, user_id, "planner"),
        "deactivate": users.deactivate_user,
    }[change]

    def desk(actor, user_id):
        def call():
            pids[threading.current_thread().name] = backend_pid()
            return service(actor, user_id)
        return call

    outcome = run_together({"ada": desk(admin, other.user_id), "olga": desk(other, admin.user_id)})

    refused = [name for name, result in outcome.items() if isinstance(result, ValidationError)]
    assert len(refused) == 1, outcome
    active_admins = User.select().where((User.role == "admin") & (User.active == True))  # noqa: E712
    assert active_admins.count() == 1
    assert audit.verify_chain(admin).ok
