"""tests/unit/test_pm_robustness.py again on PostgreSQL (`db_url` is a fresh PostgreSQL database
in this folder): bad rules stored, `pm run` killed mid-run. And what only a server has: a
runner's session, which the server ends when the runner dies, the connection drops or the
server stops; the lease is the session's."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import psycopg

from app import db as dbmod
from app.models import RunLease
from app.permissions import Actor
from app.services.pm import lease, run
from tests.unit.test_pm_robustness import *  # noqa: F401,F403
from tests.unit.test_pm_robustness import (
    TIMEOUT,
    TODAY,
    backend_holding_lock,
    keepwell,
    lease_holder,
    plant,
    session_gone,
    until,
    whole_orders_once,
)


def test_a_runner_whose_session_is_gone_does_not_hold_the_lease(
        runner_stopped_mid_run: tuple[subprocess.Popen[str], str], due_plant: str) -> None:
    """PostgreSQL stopping mid-run, or the network dropping: the runner's process lives on,
    its session does not. The next run starts at once."""
    proc, name = runner_stopped_mid_run
    backend = backend_holding_lock()
    assert backend is not None
    dbmod.database.obj.execute_sql("SELECT pg_terminate_backend(%s)", (backend,))
    until(lambda: session_gone(backend), "the server to end the runner's session")
    assert lease.process_alive(proc.pid) and lease_holder() == name
    nxt = keepwell(due_plant, "pm", "run", "--wait", "0", "--json")
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    result = json.loads(nxt.stdout)
    assert (result["not_run"], result["waited_for"]) == ("", "")
    # The old runner, woken, finds its connection gone: it fails, or connects again between
    # two chunks and finds its work done. Either way each order exists once.
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode in (0, 1), out + err
    whole_orders_once()
    assert lease_holder() == ""


def test_a_live_session_keeps_the_lease_and_lets_go_when_it_ends(db_url: str,
                                                                 admin: Actor) -> None:
    plant(2)
    other = psycopg.connect(db_url, autocommit=True)  # another desk, in the middle of its run
    try:
        other.execute("SELECT pg_advisory_lock(%s)", (lease.PG_LOCK,))
        result = run.generate_due_work_orders(admin, as_of=TODAY, wait_seconds=0)
        assert result.not_run == ("Not run: another runner is running the PM check; it will "
                                  "create what is due.")
        assert not result.created
    finally:
        backend = other.info.backend_pid
        other.close()  # the server lets the lock go with the session, as it ends it
    until(lambda: session_gone(backend), "the server to end the other desk's session")
    result = run.generate_due_work_orders(admin, as_of=TODAY, wait_seconds=0)
    assert (result.not_run, result.waited_for, len(result.created)) == ("", "", 2)
    assert RunLease.get_by_id(lease.LEASE).holder == ""
    assert backend_holding_lock() is None  # given up with the lease
