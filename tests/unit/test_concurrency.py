"""Several desks writing at once: the audit chain never forks and no write is lost.

Each desk is a separate process (spawn) that connects to the database itself, as a real desk
does. Runs on SQLite here and on PostgreSQL through tests/integration/test_concurrency_pg.py.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import queue
import traceback
from collections import Counter
from collections.abc import Callable

from app import db as dbmod
from app.errors import AccountLocked, AuthenticationFailed
from app.models import AuditEvent, User
from app.permissions import Actor, Role
from app.services import audit
from app.services.people import auth, users

DESKS = 4
ROUNDS = 25
T0 = dt.datetime(2026, 3, 2, 8, 0)


def desk_main(work: Callable, url: str, start, results, *args) -> None:
    """Entry point of one desk process: connect, wait for the others, work, report."""
    try:
        auth.BCRYPT_ROUNDS = 4  # the test cost, as tests/conftest.py sets it in the main process
        dbmod.connect(url)
        start.wait(timeout=60)
        results.put(("ok", work(*args)))
    except BaseException:  # report it to the test instead of dying silently
        results.put(("error", traceback.format_exc()))
    finally:
        dbmod.close()


def run_desks(work: Callable, url: str, args_per_desk: list[tuple]) -> list:
    """Run `work(*args)` in one process per desk, all starting together; return the results."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(args_per_desk))
    results = ctx.Queue()
    procs = [
        ctx.Process(target=desk_main, args=(work, url, start, results, *args))
        for args in args_per_desk
    ]
    for p in procs:
        p.start()
    out = []
    try:
        while len(out) < len(procs):
            try:
                status, value = results.get(timeout=5)
            except queue.Empty:
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                assert not dead, f"a desk process died (exit codes {dead})"
                continue
            assert status == "ok", value
            out.append(value)
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    return out


def add_users_and_fail_sign_ins(admin: Actor, desk: int, target: str) -> dict[str, int]:
    """One desk's busy morning: creates accounts and keeps mistyping a shared password."""
    outcomes: Counter[str] = Counter()
    for i in range(ROUNDS):
        users.add_user(admin, f"desk{desk}.user{i}", f"Desk {desk} User {i}", "technician",
                       "a-good-password-1", must_change_password=False)
        try:
            # Time moves on so locks expire and the account locks several times.
            auth.sign_in(target, "mistyped-password", now=T0 + dt.timedelta(minutes=16 * i))
        except AccountLocked:  # the same words as a wrong password; the class tells the test
            outcomes["locked"] += 1
        except AuthenticationFailed:
            outcomes["failed"] += 1
    return dict(outcomes)


def test_desks_writing_at_once_keep_one_chain_and_lose_nothing(db, db_url, admin, make_user):
    target = make_user(Role.TECHNICIAN, "shared.login")
    users_before = users.count_users()
    events_before = AuditEvent.select().count()

    results = run_desks(add_users_and_fail_sign_ins, db_url,
                        [(admin, desk, target.username) for desk in range(DESKS)])

    # Every account was created once, each with its own event, and the chain is unbroken.
    assert users.count_users() == users_before + DESKS * ROUNDS
    created = AuditEvent.select().where(AuditEvent.action == "created").count()
    assert created == users.count_users()
    report = audit.verify_chain(admin)
    assert report.ok, report
    assert report.events == AuditEvent.select().count()

    # Failed sign-ins on the shared account: no increment lost, each lock after exactly five.
    on_target = [
        e for e in AuditEvent.select()
        .where((AuditEvent.entity == "user") & (AuditEvent.entity_id == str(target.user_id)))
        .order_by(AuditEvent.id)
        if e.action in ("sign_in_failed", "locked")
    ]
    failures = [json.loads(e.changes)["failed_attempts"][1] for e in on_target
                if e.action == "sign_in_failed"]
    locks = sum(e.action == "locked" for e in on_target)
    # Each try is taken (counted) before its check and audited after it, so parallel checks may
    # be audited out of turn: the tries taken are 1..5 per lock window, each once.
    assert sorted(failures) == sorted(k % auth.LOCKOUT_FAILURES + 1 for k in range(len(failures)))
    assert locks == failures.count(auth.LOCKOUT_FAILURES)
    assert User.get_by_id(target.user_id).failed_attempts == len(failures) % 5
    outcomes = Counter()
    for result in results:
        outcomes.update(result)
    assert outcomes["failed"] + outcomes["locked"] == DESKS * ROUNDS
    assert outcomes["failed"] == len(failures) - locks
    assert locks >= 1
    assert AuditEvent.select().count() == events_before + DESKS * ROUNDS + len(failures) + locks
