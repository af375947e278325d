"""`keepwell scheduler`: the headless PM check and overdue count, on a real database (SQLite
here; PostgreSQL through tests/integration/test_cli_pm_pg.py), in-process and as a real process
that is stopped with SIGTERM or Ctrl-C (SIGINT)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from app import db as dbmod
from app import paths, storage
from app.cli import common, scheduler
from app.cli import main as cli
from app.models import AuditEvent, WorkOrder
from tests.cli_runner import Run
from tests.unit.test_cli_pm import add_weekly, make_pm_plant

REPO = Path(__file__).resolve().parents[2]
LONG_ENOUGH = 60  # seconds a step may take on a slow CI machine before the test fails


@pytest.fixture
def plant(kw: Run, db_url: str) -> str:
    """The plant of test_cli_pm (users, PMP-0001 with a meter) and a weekly schedule due
    today."""
    url = make_pm_plant(kw, db_url)
    add_weekly(kw, url)
    return url


def _log_text() -> str:
    path = paths.user_log_dir() / scheduler.LOG_FILE_NAME
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _orders(url: str) -> list[WorkOrder]:
    dbmod.connect(url)
    try:
        return list(WorkOrder.select())
    finally:
        dbmod.close()


def test_once_creates_the_due_orders_as_system_and_logs_them(kw: Run, plant: str) -> None:
    result = kw("--db", plant, "scheduler", "--once")
    assert result.code == 0, result.err
    (order,) = _orders(plant)
    assert order.number.startswith("WO-") and order.pm_schedule_id is not None
    dbmod.connect(plant)
    (event,) = AuditEvent.select().where((AuditEvent.entity == "work_order")
                                         & (AuditEvent.action == "created"))
    assert (event.actor, event.actor_id) == ("system", None)
    dbmod.close()

    log = _log_text()
    assert f"logging to {paths.user_log_dir() / 'scheduler.log'}" in result.err
    assert "created 1 order," in log and f"created {order.number} for PMP-0001" in log
    assert "Overdue: 0 open work orders past their due date." in log
    assert "created 1 order," in result.err  # and on stderr, for the service's journal

    again = kw("--db", plant, "scheduler", "--once")
    assert again.code == 0 and len(_orders(plant)) == 1
    assert "created 0 orders" in again.err and _log_text().count("Done.") == 2


def test_each_check_anchors_the_audit_trail_and_the_log_is_private(kw: Run, plant: str) -> None:
    """The headless scheduler keeps the trail's head outside the database after each check
    (issue 11), and its log, which names people and assets, is the user's only."""
    from app.services import audit_anchors

    assert kw("--db", plant, "scheduler", "--once").code == 0
    dbmod.connect(plant)
    (anchor,) = audit_anchors.local_anchors()
    assert anchor.events == AuditEvent.select().count()
    assert anchor.taken_by == "system"
    dbmod.close()
    log_file = paths.user_log_dir() / "scheduler.log"
    assert log_file.stat().st_mode & 0o777 == 0o600
    assert paths.user_log_dir().stat().st_mode & 0o777 == 0o700


def test_once_fails_with_exit_1_when_the_database_is_missing(kw: Run, tmp_path: Path) -> None:
    missing = f"sqlite:///{(tmp_path / 'nowhere.db').as_posix()}"
    result = kw("--db", missing, "scheduler", "--once")
    assert result.code == 1
    assert "The PM check failed: There is no database at" in result.err
    assert "Next try" not in result.err  # --once: there is no next try
    assert "The overdue count failed" in _log_text()
    assert not (tmp_path / "nowhere.db").exists()


@pytest.mark.parametrize("argv, words", [
    (("--interval-minutes", "0"), "--interval-minutes must be from 1 to 1440."),
    (("--interval-minutes", "soon"), "invalid int value"),
    (("--db", "mysql://x/y"), "Unknown database type 'mysql'"),
])
def test_wrong_usage_is_refused_before_starting(kw: Run, argv: tuple[str, ...],
                                                words: str) -> None:
    result = kw("scheduler", *argv)
    assert result.code in (1, 2) and words in result.err, result.err
    assert "Scheduler started" not in result.err


def _wait_for(predicate, what: str, timeout: float = LONG_ENOUGH) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_failed_check_is_logged_and_the_loop_goes_on(
        kw: Run, plant: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The database is out of reach at first (a file that is not there), then comes back:
    the first ticks fail and are logged; a later one creates the order."""
    missing = f"sqlite:///{(tmp_path / 'not-yet.db').as_posix()}"
    url = {"now": missing}

    def open_database() -> None:
        common.open_current_database(cli.parse_args(["--db", url["now"], "db", "check"]))

    caplog.set_level(logging.INFO, logger="app.cli.scheduler")
    runner = scheduler.HeadlessScheduler(open_database, interval_seconds=1)
    thread = threading.Thread(target=runner.run_forever, daemon=True)
    thread.start()
    try:
        def failed_twice() -> bool:
            return sum("The PM check failed" in r.getMessage() for r in caplog.records) >= 2

        _wait_for(failed_twice, "two failed checks")
        assert thread.is_alive()
        url["now"] = plant  # the server is back
        _wait_for(lambda: any("created 1 order," in r.getMessage() for r in caplog.records),
                  "a check that creates the order")
        _wait_for(lambda: any("works again" in r.getMessage() for r in caplog.records),
                  "the recovery line")
    finally:
        runner.stop.set()
        thread.join(LONG_ENOUGH)
    assert not thread.is_alive()
    failure = next(r for r in caplog.records if "The PM check failed" in r.getMessage())
    assert failure.levelno == logging.ERROR
    assert "There is no database at" in failure.getMessage()
    assert failure.getMessage().endswith("Next try in 1 second.")
    assert len(_orders(plant)) == 1


def test_a_job_that_breaks_unexpectedly_is_logged_with_its_traceback_in_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = []

    def open_database() -> None:
        calls.append(1)
        raise RuntimeError("disk on fire")

    runner = scheduler.HeadlessScheduler(open_database, interval_seconds=60)
    with scheduler.scheduler_logging(tmp_path) as path:
        assert runner.run_once() is False
        assert runner.run_once() is False  # tried again, not given up
    assert path == tmp_path / "scheduler.log" and len(calls) == 6  # 3 jobs, twice
    text = path.read_text(encoding="utf-8")
    assert "The PM check failed: RuntimeError: disk on fire. Next try in 1 minute." in text
    assert "Traceback" in text
    err = capsys.readouterr().err
    assert "RuntimeError: disk on fire" in err and "Traceback" not in err
    assert runner.failures == {"PM check": 2, "overdue count": 2, "daily backup": 2}


@pytest.mark.parametrize("once", [False, True], ids=["loop", "once"])
def test_a_second_signal_abandons_the_running_job(tmp_path: Path, once: bool) -> None:
    """The first SIGTERM lets the running check finish; a second one gives it up (its
    transaction rolls back) and the scheduler still ends cleanly: exit code 0 for the loop,
    1 for `--once` (its checks were not done)."""
    def open_database() -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # stop after this check...
        os.kill(os.getpid(), signal.SIGTERM)  # ...no, now
        time.sleep(LONG_ENOUGH)
        raise AssertionError("the second signal did not abandon the job")

    before = signal.getsignal(signal.SIGTERM)
    code = scheduler.run(open_database, where="a test database", log_dir=tmp_path, once=once)
    assert code == (1 if once else 0) and signal.getsignal(signal.SIGTERM) == before
    text = (tmp_path / "scheduler.log").read_text(encoding="utf-8")
    assert "SIGTERM received: stopping after the PM check (send it again to abandon it)." in text
    assert "Abandoned the job that was running; its changes were rolled back." in text
    assert ("Stopped by SIGTERM before the checks were done." if once
            else "Scheduler stopped by SIGTERM") in text
    assert "The PM check failed" not in text


def test_a_signal_during_once_lets_the_check_finish_and_says_so(
        tmp_path: Path, plant: str) -> None:
    def open_database() -> None:
        if not stopped:
            stopped.append(1)
            os.kill(os.getpid(), signal.SIGTERM)
        common.open_current_database(cli.parse_args(["--db", plant, "db", "check"]))

    stopped: list[int] = []
    code = scheduler.run(open_database, where="the plant", log_dir=tmp_path, once=True)
    assert code == 1 and len(_orders(plant)) == 1  # the PM check finished; no overdue count
    text = (tmp_path / "scheduler.log").read_text(encoding="utf-8")
    assert "created 1 order," in text and "Overdue:" not in text
    assert "Stopped by SIGTERM before the checks were done." in text


def _reader(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_running_scheduler_stops_cleanly_on_a_signal(
        kw: Run, plant: str, signum: signal.Signals) -> None:
    """The console entry (`ui.main`) as a real process: started, it checks at once; sent the
    signal while it waits for the next tick, it exits promptly with code 0."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("DISPLAY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.main", "--db", plant, "scheduler"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    threading.Thread(target=_reader, args=(process.stderr, lines), daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + LONG_ENOUGH
        while not any("Overdue:" in line for line in seen):  # the first tick is done
            assert time.monotonic() < deadline, "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert process.poll() is None, "".join(seen)
        process.send_signal(signum)
        sent = time.monotonic()
        code = process.wait(timeout=10)  # it stops within a second; 10 is for slow machines
        print(f"stopped {time.monotonic() - sent:.2f} s after {signal.Signals(signum).name}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    time.sleep(0.1)  # let the reader drain the pipe
    while not lines.empty():
        seen.append(lines.get())
    output = "".join(seen)
    assert code == 0, output
    assert "Scheduler started on" in output and "every 5 minutes" in output
    name = signal.Signals(signum).name
    assert f"Scheduler stopped by {name}" in output and "Traceback" not in output
    assert f"Scheduler stopped by {name}" in _log_text()
    assert len(_orders(plant)) == 1


def test_the_scheduler_command_loads_no_qt(kw: Run, plant: str) -> None:
    """`keepwell scheduler` runs on a server without display libraries."""
    code = ("import sys\nfrom ui.main import main\n"
            f"code = main(['--db', {plant!r}, 'scheduler', '--once'])\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')]\n"
            "print(code, loaded)")
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=LONG_ENOUGH)
    assert result.stdout.strip() == "0 []", result.stderr
    assert len(_orders(plant)) == 1


def test_a_signal_arriving_while_the_loop_holds_its_stop_event_still_stops_it() -> None:
    """The signal handler runs in the main thread, which may be inside stop.wait() holding the
    event's lock at that moment (it waits there most of the time). Setting the event from the
    handler would then wait for that lock for ever (a scheduler that never stopped): the
    handler must leave the setting to another thread. Played out in a separate process, so a
    hang fails the test instead of blocking the run."""
    code = textwrap.dedent("""
        import signal, threading
        from app.cli import scheduler
        runner = scheduler.HeadlessScheduler(lambda: None, 60)
        with scheduler.stop_on_signals(runner):
            with runner.stop._cond:  # as inside stop.wait(), between its lock and its sleep
                signal.raise_signal(signal.SIGTERM)
            print("stopped" if runner.stop.wait(10) else "not stopped", runner.stopped_by)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=LONG_ENOUGH)
    assert done.stdout.split() == ["stopped", "SIGTERM"], done.stderr


def test_once_makes_the_embedded_databases_daily_backup(kw: Run, plant: str) -> None:
    result = kw("--db", plant, "scheduler", "--once")
    assert result.code == 0, result.err
    if not plant.startswith("sqlite"):  # a PostgreSQL server keeps its own backups
        assert not list(paths.backup_dir().glob("*daily*"))
        return
    (copy,) = sorted(paths.backup_dir().glob("keepwell-daily-*.db"))
    assert copy.name == f"keepwell-daily-{dt.date.today():%Y-%m-%d}.db"
    assert "Daily backup written to" in _log_text()
    assert kw("--db", plant, "scheduler", "--once").code == 0  # once a day: still one copy
    assert len(list(paths.backup_dir().glob("keepwell-daily-*.db"))) == 1


def test_a_damaged_database_is_noticed_before_the_first_check_and_nothing_is_written(
        kw: Run, sqlite_url: str) -> None:
    """An embedded database's file (on PostgreSQL the server keeps its pages)."""
    plant = make_pm_plant(kw, sqlite_url)
    add_weekly(kw, plant)
    path = Path(dbmod.parse_url(plant).path)
    dbmod.connect(plant)
    dbmod.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dbmod.close()
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as fh:  # no connection is open in this process
        for page in range(pages // 2, pages // 2 + 4):
            fh.seek(page * 4096)
            fh.write(b"\xa5" * 4096)
    result = kw("--db", plant, "scheduler", "--once")
    assert result.code == 1
    text = _log_text()
    failed = [line for line in text.splitlines() if "The PM check failed" in line]
    assert failed and "damaged" in failed[0] and "backup" in failed[0], text
    storage.resume()  # this test's process stopped writing; the next test's must not
    assert not list(paths.backup_dir().glob("keepwell-daily-*.db"))  # no copy of a broken file
