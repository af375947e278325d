"""On PostgreSQL a desk hears of a committed change at once (LISTEN/NOTIFY), never of one rolled
back, and keeps hearing after its listening connection is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import psycopg
import pytest

from app import db as dbmod
from app.change_feed import APPLICATION_NAME, ChangeFeed, ChangeFeedLost, feed_for
from app.models import AuditEvent
from app.permissions import Actor
from app.services import audit
from tests.conftest import TEST_PASSWORD

WAIT_S = 10.0  # generous: announcements arrive in milliseconds


@pytest.fixture
def feed(admin: Actor) -> Iterator[ChangeFeed]:
    """A feed listening on the test database (after the admin's own events were written)."""
    made = feed_for(dbmod.database.obj)
    assert made is not None
    assert made.listen()
    yield made
    made.close()


def _change(actor: Actor, entity_id: int = 1) -> int:
    """What every service does: a change and its audit event, in one transaction."""
    with dbmod.write_transaction():
        event = audit.record(actor, "work_order", entity_id, "updated", {"title": ["a", "b"]})
    return event.id


class _Abandoned(Exception):
    pass


def test_a_change_committed_by_another_process_wakes_the_feed(feed, db_url):
    env = dict(os.environ, KEEPWELL_PASSWORD=TEST_PASSWORD)  # the admin's, who adds zoe
    other_desk = subprocess.run(
        [sys.executable, "-m", "ui.main", "--db", db_url, "user", "add", "zoe",
         "--full-name", "Zoe Zed", "--role", "planner", "--user", "admin", "--password-stdin"],
        input="another-pass-1\n", capture_output=True, text=True, env=env, timeout=60)
    assert other_desk.returncode == 0, other_desk.stderr
    assert feed.wait(WAIT_S)
    newest = AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar()
    assert feed.announced[-1] == str(newest)
    assert not feed.wait(0)  # everything pending was taken


def test_a_rolled_back_change_is_never_announced(feed, admin):
    with pytest.raises(_Abandoned):
        with dbmod.write_transaction():
            audit.record(admin, "work_order", 1, "updated", {"title": ["a", "b"]})
            raise _Abandoned
    committed = _change(admin, 2)
    # Announcements arrive in commit order: had the abandoned one been sent, it came first.
    assert feed.wait(WAIT_S)
    assert feed.announced == [str(committed)]
    assert not feed.wait(0)


def test_several_changes_in_one_wait_are_all_taken(feed, admin):
    ids = [_change(admin, n) for n in range(1, 4)]
    heard: list[str] = []
    while len(heard) < len(ids):
        assert feed.wait(WAIT_S)
        heard.extend(feed.announced)
    assert heard == [str(i) for i in ids]
    assert not feed.wait(0)


def test_the_feed_reconnects_after_its_connection_is_killed(feed, admin, db_url):
    killed = feed.backend_pid
    with psycopg.connect(db_url, autocommit=True) as other:
        row = other.execute(
            "SELECT application_name, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid = %s", (killed,)).fetchone()
    assert row == (APPLICATION_NAME, True)
    with pytest.raises(ChangeFeedLost, match="stopped listening"):
        feed.wait(WAIT_S)
    assert feed.backend_pid is None
    assert feed.wait(WAIT_S)  # reconnected: the caller should look for missed changes
    assert feed.backend_pid not in (None, killed)
    event_id = _change(admin)
    assert feed.wait(WAIT_S)
    assert feed.announced == [str(event_id)]


def test_an_unreachable_server_is_a_clear_error_and_the_feed_tries_again(admin):
    params = {**dbmod.database.obj.connect_params, "dbname": dbmod.database.obj.database}
    unreachable = ChangeFeed({**params, "host": "127.0.0.1", "port": 1, "connect_timeout": 2})
    try:
        with pytest.raises(ChangeFeedLost, match="cannot listen for changes"):
            unreachable.wait(WAIT_S)
        with pytest.raises(ChangeFeedLost):
            unreachable.wait(WAIT_S)
    finally:
        unreachable.close()
    reachable = ChangeFeed(params)
    try:
        assert reachable.wait(WAIT_S)  # connected
    finally:
        reachable.close()


def test_interrupt_wakes_a_waiting_thread(feed):
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(feed.wait(600)))
    waiter.start()
    feed.interrupt()  # before or during the wait: either way it returns at once
    waiter.join(WAIT_S)
    assert not waiter.is_alive()
    assert outcome == [False]

