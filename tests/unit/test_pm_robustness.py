"""One bad schedule or one dead runner must not stop the PM check for the office (issue 10,
section 3):

- a rule that never comes round again (INTERVAL=0, 30 February) is refused when saved, and one
  already stored is set aside by every check, named in its result and in the log, while the
  others are checked; every walk along a rule is bounded;
- a runner killed mid-run (kill -9) does not keep the next one out: its process is gone (and,
  on PostgreSQL, its session); a live runner still does, and `pm run` then exits non-zero.

Real processes throughout: `keepwell pm run` and `keepwell scheduler` in subprocesses, with a
timeout, so that a hang fails the test instead of the suite. SQLite here; PostgreSQL through
tests/integration/test_pm_lease_pg.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest
from dateutil.rrule import rrulestr

from app import db as dbmod
from app.clock import utcnow
from app.errors import ValidationError
from app.models import Asset, PmSchedule, RunLease, Task, WorkOrder
from app.permissions import Actor
from app.pm.recurrence import (
    MAX_OCCURRENCES,
    MAX_YEARS,
    Recurrence,
    RecurrenceError,
    WalkBudgetExceeded,
)
from app.services.assets import register
from app.services.pm import (
    forecast as pm_forecast,
)
from app.services.pm import (
    lease,
    run,
    schedules,
)
from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date.today()  # the subprocesses check as of their today
TIMEOUT = 120  # seconds a subprocess may take: a hang fails the test, never the suite
NEVER_AGAIN = "FREQ=DAILY;INTERVAL=0"
NO_SUCH_DAY = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"  # every day that is a 30 February


# --- the walk along a rule ------------------------------------------------------------------


@pytest.mark.parametrize("rule, words", [
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 1000, not 0"),
    ("FREQ=WEEKLY;INTERVAL=-2;BYDAY=MO", "not -2"),
    ("FREQ=MONTHLY;INTERVAL=1001", "not 1001"),
    ("FREQ=MONTHLY;INTERVAL=", "not nothing"),
])
def test_a_rule_that_does_not_move_on_is_refused(rule: str, words: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        Recurrence("rrule", rrule=rule)
    assert words in str(caught.value) and rule in str(caught.value)


@pytest.mark.parametrize("rule, start", [
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", dt.date(2026, 3, 1)),
    (NO_SUCH_DAY, dt.date(2026, 3, 1)),
    ("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", dt.date(2026, 3, 1)),
    # Every fourth year from a year that is not a leap year: never a 29 February.
    ("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", dt.date(2021, 1, 1)),
])
def test_a_rule_with_no_date_says_so_when_walked(rule: str, start: dt.date) -> None:
    recurrence = Recurrence("rrule", rrule=rule)
    with pytest.raises(RecurrenceError) as caught:
        next(recurrence.raw_series(start))
    assert "gives no date in the 200 years from" in str(caught.value)
    with pytest.raises(RecurrenceError):
        recurrence.after_completion(start)


def test_a_rule_that_repeats_a_date_stops_the_walk_instead_of_looping() -> None:
    """Should a rule that does not advance get past the refusal (a future dateutil, a rule
    made in code), the walk says so at its second date."""
    recurrence = Recurrence("rrule", rrule="FREQ=DAILY")
    object.__setattr__(recurrence, "rrule", NEVER_AGAIN)  # frozen: bypass the refusal
    with pytest.raises(RecurrenceError, match="does not advance"):
        list(itertools.islice(recurrence.raw_series(dt.date(2026, 1, 1), dt.date(2026, 6, 1)),
                              5))


def test_a_walk_gives_up_after_its_budget_of_dates() -> None:
    """Every hour of every day: reaching a day twelve years on means looking at more than
    MAX_OCCURRENCES dates, so the walk gives up rather than holding up the check."""
    recurrence = Recurrence("rrule", rrule="FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))))
    start = dt.date(2026, 1, 1)
    assert list(itertools.islice(recurrence.raw_series(start), 3)) == [
        start, dt.date(2026, 1, 2), dt.date(2026, 1, 3)]  # one date a day
    far = dt.date(2026 + MAX_OCCURRENCES // (24 * 365) + 1, 1, 1)
    with pytest.raises(WalkBudgetExceeded, match="was given up after 100,000 of its dates"):
        next(recurrence.raw_series(start, far))


@pytest.mark.parametrize("rule", [
    "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=-1",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,WE", "FREQ=DAILY;INTERVAL=9", "FREQ=YEARLY;BYMONTHDAY=29;"
    "BYMONTH=2", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY;BYEASTER=-2",
])
@pytest.mark.parametrize("start", [dt.date(1999, 12, 31), dt.date(2028, 2, 29),
                                   dt.date(9990, 6, 1)])
def test_the_bounded_walk_gives_dateutils_own_dates(rule: str, start: dt.date) -> None:
    """The walk runs 400-year cycles later than the schedule (same weekdays, same leap days),
    so that it ends near the year 9999: the dates are exactly those dateutil gives."""
    expected = []
    try:
        for stamp in rrulestr(f"DTSTART:{start:%Y%m%d}\nRRULE:{rule}"):
            if len(expected) == 60 or stamp.year > start.year + MAX_YEARS:
                break  # (a series is walked for MAX_YEARS years)
            expected.append(stamp.date())
    except ValueError:  # a weekly rule's last week runs into the year 10000
        pass
    got = list(itertools.islice(Recurrence("rrule", rrule=rule).raw_series(start), 60))
    assert got == expected and got
    near = expected[len(expected) // 2]
    assert next(Recurrence("rrule", rrule=rule).raw_series(start, near)) == near


# --- refused when saved, by the service (the form and `pm add` alike) -------------------------


@pytest.mark.parametrize("rule, start, words", [
    (NEVER_AGAIN, None, "is not a valid RRULE: INTERVAL must be a whole number from 1 to 1000"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", None, "gives no date in the 200 years from"),
    ("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "2021-01-01", "it can never be due"),
])
def test_a_rule_that_never_comes_round_is_refused(admin: Actor, rule: str, start: str | None,
                                                  words: str) -> None:
    asset = register.add_asset(admin, "BLR-0001", "Boiler")
    with pytest.raises(ValidationError) as caught:
        schedules.create_schedule(admin, name="p", asset_id=asset.id, time_unit="rrule",
                                     rrule=rule, **({"start_date": start} if start else {}))
    assert words in caught.value.fields["rrule"]
    assert PmSchedule.select().count() == 0
    good = schedules.create_schedule(admin, name="p", asset_id=asset.id, time_unit="rrule",
                                        rrule="FREQ=DAILY;INTERVAL=2")
    with pytest.raises(ValidationError) as caught:
        schedules.update_schedule(admin, good.id, good.version, rrule=rule,
                                     **({"start_date": start} if start else {}))
    assert words in caught.value.fields["rrule"]


# --- a bad rule already stored ------------------------------------------------------------------


def plant(count: int, tasks: int = 3) -> list[int]:
    """`count` monthly schedules from today, all due now, on 50 assets; their ids."""
    Asset.insert_many([dict(tag=f"RB-{n:03d}", name=f"Pump {n}") for n in range(50)]).execute()
    asset_ids = [a.id for a in Asset.select(Asset.id).order_by(Asset.id)]
    steps = json.dumps([{"text": f"Step {k}", "kind": "check", "required": False, "unit": ""}
                        for k in range(1, tasks + 1)])
    rows = [dict(name=f"Monthly service {n}", asset=asset_ids[n % len(asset_ids)],
                 time_unit="month", start_date=TODAY, tasks=steps) for n in range(count)]
    for i in range(0, len(rows), 500):
        PmSchedule.insert_many(rows[i:i + 500]).execute()
    return [s.id for s in PmSchedule.select(PmSchedule.id).order_by(PmSchedule.id)]


def store_bad_rules(ids: list[int]) -> dict[int, str]:
    """Two of the schedules get rules no check could walk, written behind the program's back
    (as a database from before the refusal holds them): {id: rule}."""
    bad = {ids[0]: NEVER_AGAIN, ids[-1]: NO_SUCH_DAY}
    for sid, rule in bad.items():
        PmSchedule.update(time_unit="rrule", rrule=rule, name=f"Broken {sid}").where(
            PmSchedule.id == sid).execute()
    return bad


def test_a_stored_bad_rule_is_set_aside_named_and_the_others_are_checked(
        admin: Actor, caplog: pytest.LogCaptureFixture) -> None:
    ids = plant(6)
    bad = store_bad_rules(ids)
    with caplog.at_level(logging.WARNING, logger="app.services.pm.run"):
        result = run.generate_due_work_orders(admin, as_of=TODAY)
    assert sorted(c.schedule_id for c in result.created) == sorted(set(ids) - set(bad))
    assert {s.schedule_id: s.why for s in result.unchecked} == {
        ids[0]: f"Cannot be checked: the rule '{NEVER_AGAIN}' is not a valid RRULE: INTERVAL "
                "must be a whole number from 1 to 1000, not 0",
        ids[-1]: f"Cannot be checked: the rule '{NO_SUCH_DAY}' gives no date in the 200 years "
                 f"from {TODAY.isoformat()}: it can never be due (is it a day that does not "
                 "exist, such as 30 February?)"}
    assert "2 schedules could not be checked and were set aside." in result.summary
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2
    assert all(f"Broken {sid}" in w for sid, w in zip(bad, warned, strict=True))
    assert [s["schedule_id"] for s in run.result_json(result)["unchecked"]] == list(bad)
    # Not forgotten: every check names them again until they are put right.
    again = run.generate_due_work_orders(admin, as_of=TODAY, dry_run=True)
    assert [s.schedule_id for s in again.unchecked] == list(bad) and not again.created


def test_the_screens_show_a_stored_bad_rule_and_show_the_others(admin: Actor) -> None:
    ids = plant(3)
    bad = store_bad_rules(ids)
    rows = {r.id: r for r in schedules.list_schedules(admin)}
    assert len(rows) == 3
    for sid, rule in bad.items():
        assert rows[sid].trigger.startswith(f"cannot be checked: the rule '{rule}'")
        assert rows[sid].next_due is None
        detail = schedules.get_schedule(admin, sid)  # the form opens, to put it right
        assert detail.values["rrule"] == rule and detail.trigger == f"by rule {rule}"
        assert detail.decision.words.startswith("Cannot be checked: the rule")
        assert schedules.explain_schedule(admin, sid).startswith("Cannot be checked:")
        with pytest.raises(ValidationError) as caught:
            pm_forecast.forecast_schedule(admin, sid, TODAY, TODAY + dt.timedelta(days=90))
        assert rule in caught.value.fields["schedule"]
    assert rows[ids[1]].next_due == TODAY
    forecast = pm_forecast.forecast_all(admin, TODAY, TODAY + dt.timedelta(days=90))
    assert {i.schedule_id for i in forecast} == {ids[1]}


def keepwell(url: str, *argv: str, timeout: float = TIMEOUT,
             user: str | None = "planner") -> subprocess.CompletedProcess[str]:
    """`keepwell --db URL ARGV...` in a subprocess (signed in as `user` when given)."""
    sign_in = ("--user", user, "--password-stdin") if user else ()
    return subprocess.run([sys.executable, "-m", "app.cli", "--db", url, *argv, *sign_in],
                          input=TEST_PASSWORD + "\n", capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


@pytest.fixture
def broken_plant(db: dbmod.DatabaseTarget, db_url: str, make_user: Any) -> dict[int, str]:
    """Four due schedules, two of them with stored rules no check could walk; a planner."""
    make_user("planner", username="planner")
    bad = store_bad_rules(plant(4))
    dbmod.close()  # the subprocesses have the file (or the database) to themselves
    return bad


def test_pm_run_with_a_stored_bad_rule_finishes_and_names_it(
        db_url: str, broken_plant: dict[int, str]) -> None:
    for argv in (("pm", "run", "--dry-run"), ("pm", "run")):
        done = keepwell(db_url, *argv)
        assert done.returncode == 1, done.stderr  # ran, with schedules to put right
        verb = "would create" if "--dry-run" in argv else "created"
        assert f"{verb} 2 orders, 2 skipped" in done.stdout
        assert "2 schedules could not be checked and were set aside." in done.stdout
        table = done.stdout.partition("Could not be checked")[2]
        for sid, rule in broken_plant.items():
            assert f"Broken {sid}" in table and rule in table, done.stdout
    dbmod.connect(db_url)
    assert WorkOrder.select().count() == 2


def test_the_scheduler_with_a_stored_bad_rule_checks_once_and_logs_it(
        db_url: str, broken_plant: dict[int, str]) -> None:
    done = keepwell(db_url, "scheduler", "--once", user=None)
    assert done.returncode == 0, done.stderr
    for sid, rule in broken_plant.items():
        assert f"WARNING PM check: schedule {sid} 'Broken {sid}'" in done.stderr
        assert rule in done.stderr
    assert "created 2 orders, 2 skipped" in done.stderr


def test_the_scheduler_with_a_stored_bad_rule_stops_at_the_first_sigterm(
        db_url: str, broken_plant: dict[int, str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--db", db_url, "scheduler"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the first check's summary: it finished
            if "PM check for" in line:
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
        assert "Scheduler stopped by SIGTERM" in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


# --- a dead runner's lease ---------------------------------------------------------------------

DUE = 3000  # enough for a run of a few seconds, to be stopped in the middle of


def lease_holder() -> str:
    row = RunLease.get_or_none(RunLease.name == lease.LEASE)
    return str(row.holder) if row else ""


def backend_holding_lock() -> int | None:
    """PostgreSQL: the server process of the session holding the runner's lock."""
    if dbmod.is_sqlite():
        return None
    row = dbmod.database.obj.execute_sql(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %s",
        (lease.PG_LOCK,)).fetchone()
    return int(row[0]) if row else None


def until(condition: Any, what: str, seconds: float = TIMEOUT) -> None:
    """Wait for a state another process brings about (it sends no signal this one can take)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.005)


def session_gone(backend: int | None) -> bool:
    """Whether the server has ended a session (always, on SQLite: there are none)."""
    return backend is None or dbmod.database.obj.execute_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone()[0] == 0


@pytest.fixture
def due_plant(db: dbmod.DatabaseTarget, db_url: str, make_user: Any) -> str:
    make_user("planner", username="planner")
    plant(DUE)
    return db_url


@pytest.fixture
def runner_stopped_mid_run(due_plant: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A real `keepwell pm run`, stopped (SIGSTOP) while it holds the lease, half-way through
    its orders; and its name as the lease holds it. Killed at the end whatever happened."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--db", due_plant, "pm", "run", "--user", "planner"],
        cwd=ROOT, env=dict(os.environ, KEEPWELL_PASSWORD=TEST_PASSWORD),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        name = f"planner on {socket.gethostname()} (process {proc.pid})"
        until(lambda: lease_holder() == name or proc.poll() is not None, "the run to start")
        os.kill(proc.pid, signal.SIGSTOP)
        os.waitpid(proc.pid, os.WUNTRACED)  # returns once it is stopped
        assert lease_holder() == name, "the run ended before it could be stopped mid-run"
        assert WorkOrder.select().count() < DUE
        yield proc, name
    finally:
        proc.kill()
        proc.communicate()


def whole_orders_once() -> None:
    assert WorkOrder.select().count() == DUE
    per_schedule = WorkOrder.select(WorkOrder.pm_schedule).group_by(WorkOrder.pm_schedule)
    assert per_schedule.count() == DUE
    lacking = (WorkOrder.select(WorkOrder.id).join(Task, peewee.JOIN.LEFT_OUTER)
               .group_by(WorkOrder.id).having(peewee.fn.COUNT(Task.id) != 3))
    assert lacking.count() == 0, "every order has its whole checklist"


def test_after_kill_9_of_pm_run_the_next_run_starts_at_once(
        runner_stopped_mid_run: tuple[subprocess.Popen[str], str], due_plant: str) -> None:
    proc, name = runner_stopped_mid_run
    backend = backend_holding_lock()
    proc.kill()  # kill -9, in the middle of the run
    proc.wait()
    until(lambda: session_gone(backend), "the server to end the dead runner's session")
    assert lease_holder() == name  # the dead runner's claim is still written there
    done = WorkOrder.select().count()
    # --wait 0: it must not need to wait at all (the lease had 120 s to run).
    nxt = keepwell(due_plant, "pm", "run", "--wait", "0", "--json")
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    result = json.loads(nxt.stdout)
    assert (result["not_run"], result["waited_for"]) == ("", "")
    assert len(result["created"]) == DUE - done
    assert lease_holder() == ""
    whole_orders_once()


HOLD_THE_LEASE = """
import sys
from app import db
from app.services.pm import lease as pm_lease
db.connect(sys.argv[1])
name = pm_lease.runner_name("planner")
assert pm_lease.try_take(name) == ""
print(name, flush=True)
sys.stdin.read()  # until told to stop
pm_lease.release(name)
"""


def test_a_live_runner_keeps_the_lease_and_pm_run_says_not_run(due_plant: str) -> None:
    """A runner at work (a process of its own, with its own connection, holding the lease as
    the check does: not stopped inside a write transaction, which on SQLite would keep every
    writer out whatever the lease)."""
    runner = subprocess.Popen([sys.executable, "-c", HOLD_THE_LEASE, due_plant], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert runner.stdout is not None and runner.stdin is not None
        name = runner.stdout.readline().strip()
        assert name == f"planner on {socket.gethostname()} (process {runner.pid})"
        kept_out = keepwell(due_plant, "pm", "run", "--wait", "0")
        assert kept_out.returncode == 3, kept_out.stdout + kept_out.stderr
        assert kept_out.stdout.strip() == (f"Not run: {name} is running the PM check; it will "
                                           "create what is due.")
        as_json = keepwell(due_plant, "pm", "run", "--wait", "0", "--json")
        assert as_json.returncode == 3, as_json.stdout + as_json.stderr
        assert json.loads(as_json.stdout)["not_run"].startswith(f"Not run: {name}")
        assert WorkOrder.select().count() == 0
        runner.stdin.close()  # it finishes and gives the lease up
        assert runner.wait(timeout=TIMEOUT) == 0
    finally:
        runner.kill()
        runner.wait()
    done = keepwell(due_plant, "pm", "run", "--wait", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    whole_orders_once()


def test_a_runner_of_another_machine_is_trusted_until_its_time_runs_out(admin: Actor) -> None:
    """SQLite: a runner on another desk sharing the file cannot be seen from here, so its claim
    holds until its time runs out. PostgreSQL: no session holds the lock, so the row alone
    keeps no one out (test_pm_lease_pg.py: a live session does)."""
    plant(2)
    other = "planner on some-other-desk (process 4120)"
    until_then = utcnow() + dt.timedelta(seconds=lease.LEASE_SECONDS)
    RunLease.insert(name=lease.LEASE, holder=other, expires_at=until_then).execute()
    result = run.generate_due_work_orders(admin, as_of=TODAY, wait_seconds=0)
    if dbmod.is_sqlite():
        assert result.not_run == (f"Not run: {other} is running the PM check; it will create "
                                  "what is due.")
        RunLease.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
        result = run.generate_due_work_orders(admin, as_of=TODAY, wait_seconds=0)
    assert (result.not_run, len(result.created)) == ("", 2)
    assert lease_holder() == ""


def test_whether_a_process_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    here = socket.gethostname()
    try:
        assert lease.process_alive(child.pid)
        assert not lease.holder_gone(f"ada on {here} (process {child.pid})")
        child.kill()
        until(lambda: not lease.process_alive(child.pid), "the child to die")  # a zombie
        assert lease.holder_gone(f"ada on {here} (process {child.pid})")
    finally:
        child.kill()
        child.wait()
    assert not lease.process_alive(child.pid)  # reaped
    assert not lease.holder_gone(f"ada on {here} (process {os.getpid()})")  # this one
    assert not lease.holder_gone(f"ada on not-{here} (process {child.pid})")  # unseen
    assert not lease.holder_gone("a name written by hand")
