"""`keepwell scheduler`: the PM check, the overdue count and the embedded database's daily
backup, headless, as the SYSTEM actor, for offices where no desk is open overnight (DESIGN.md
sections 4 and 7). A damaged embedded database is noticed before the first check (SQLite's
quick check): writing stops, and every tick says so in the log until it is restored.

A `schedule.Scheduler` runs both jobs every N minutes (the first run at start). Each job opens
the database, does its work and closes it again, so a server that was down or a file that was
missing at one tick is simply tried again at the next: a failed job is logged, never fatal.
SIGTERM (systemd, `kill`), SIGINT (Ctrl-C) and, on Windows, Ctrl-Break stop the loop within a
second; a second signal during a running job abandons it (its transaction rolls back).

Logs go to `scheduler.log` in the Keepwell log folder and to stderr (the service manager's
journal). No Qt anywhere: it runs on a server without a display.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import schedule

from app import db as dbmod
from app import logs, paths
from app.cli.common import (
    UsageError,
    add_command,
    open_current_database,
)
from app.errors import DatabaseUnavailable, KeepwellError
from app.permissions import SYSTEM, Actor
from app.services import audit_anchors, health

log = logging.getLogger(__name__)

LOG_FILE_NAME = "scheduler.log"
DEFAULT_INTERVAL_MINUTES = 5
SLICE_SECONDS = 0.5  # the loop wakes this often to notice a stop request
_FORMAT = "%(asctime)s %(levelname)s %(message)s"
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGBREAK")
                      if hasattr(signal, name))

OpenDatabase = Callable[[], Any]  # connects the database proxy (raises DatabaseUnavailable)


class Abandoned(BaseException):
    """Raised by a second stop signal inside a running job; not an Exception, so no job's
    error handling swallows it."""


class HeadlessScheduler:
    """The PM check and the overdue count every `interval_seconds`, until `stop` is set."""

    def __init__(self, open_database: OpenDatabase, interval_seconds: int,
                 actor: Actor = SYSTEM, stop: threading.Event | None = None) -> None:
        self.open_database = open_database
        self.interval_seconds = max(1, int(interval_seconds))
        self.actor = actor
        self.stop = stop or threading.Event()
        self.busy = ""  # the job running now, for the stop message
        self.stopped_by = ""  # the signal that stopped it
        self.once = False  # `--once`: no "next try" in a failure's message
        self.failures: dict[str, int] = {}  # job -> failed runs in a row
        self.checked_whole = False  # SQLite's quick check runs before the first PM check
        self.jobs: list[tuple[str, Callable[[], None]]] = [
            ("PM check", self.check_pm), ("overdue count", self.count_overdue),
            ("daily backup", self.back_up_daily)]
        self.scheduler = schedule.Scheduler()
        for name, job in self.jobs:
            self.scheduler.every(self.interval_seconds).seconds.do(self._guarded, name, job)

    # --- the jobs ------------------------------------------------------------------------------

    def check_pm(self) -> None:
        from app.services.pm import run as pm_run

        with self._database():
            if not self.checked_whole:  # the start-up check of an embedded database
                self.checked_whole = True
                damaged = health.quick_check()  # a damaged file stops writing: each tick says
                if damaged is not None:
                    raise KeepwellError(f"{damaged.message} {damaged.hint}")
            # wait_seconds=0: when a desk holds the lease it is doing this work; try next tick.
            result = pm_run.generate_due_work_orders(self.actor, wait_seconds=0)
            # The audit trail's head as this runner saw it, kept outside the database (issue
            # 11): `keepwell audit verify` then notices events deleted or rewritten since.
            audit_anchors.anchor_locally(self.actor.username)
        if result.not_run:
            log.info("%s", result.not_run)
            return
        log.info("%s", result.summary)
        for c in result.created:
            log.info("  created %s for %s %r, due %s", c.number, c.asset_tag, c.schedule,
                     c.due.isoformat())
        for m in result.missed:
            log.info("  missed %s %r: the occurrence due %s (its order was still open)",
                     m.asset_tag, m.schedule, m.due.isoformat())
        # The schedules set aside (result.unchecked) are logged as warnings by the check.

    def count_overdue(self) -> None:
        from app.services.work_orders.listing import WorkOrderFilter, count_work_orders

        with self._database():
            overdue = count_work_orders(self.actor, WorkOrderFilter(overdue=True))
        log.info("Overdue: %d open work order%s past %s due date.", overdue,
                 "" if overdue == 1 else "s", "its" if overdue == 1 else "their")

    def back_up_daily(self) -> None:
        """Today's copy of an embedded database, unless this or a desk made it already."""
        from app.services import backups

        with self._database():
            try:
                made = backups.daily_backup_if_due(dbmod.database.obj)
            except backups.DatabaseDamaged as exc:
                health.quick_check()  # stops writing, in words
                raise KeepwellError(exc.message) from exc
        if made is not None:
            log.info("Daily backup written to %s.", made)

    def _look_again_if_stopped(self) -> None:
        """Writing stopped at an earlier tick (a full disk, say): look again, as the desk's
        Retry does, so that the scheduler carries on by itself once IT has fixed it."""
        if health.writing_stopped() is None:
            return
        with self._database():
            still = health.check_storage()
        if still is not None:
            raise still
        log.info("The database can be written again.")

    @contextmanager
    def _database(self) -> Iterator[None]:
        try:
            self.open_database()
            yield
        finally:
            dbmod.close()

    @property
    def stopping(self) -> bool:
        """Asked to stop (a signal's handler names it at once; the event follows)."""
        return bool(self.stopped_by) or self.stop.is_set()

    # --- running them --------------------------------------------------------------------------

    def _guarded(self, name: str, job: Callable[[], None]) -> bool:
        """Run one job; a failure is logged (the next tick tries again). True if it worked."""
        if self.stopping:
            return False
        self.busy = name
        try:
            self._look_again_if_stopped()
            job()
        except DatabaseUnavailable as exc:
            self._failed(name, exc.message + (f" {exc.hint}" if exc.hint else ""))
        except KeepwellError as exc:
            self._failed(name, exc.message)
        except Exception as exc:  # a bug or a lost connection: the traceback goes to the file
            self._failed(name, f"{type(exc).__name__}: {_first_line(exc)}", exc_info=True)
        else:
            if self.failures.pop(name, 0):
                log.info("The %s works again.", name)
            return True
        finally:
            self.busy = ""
        return False

    def _failed(self, name: str, why: str, exc_info: bool = False) -> None:
        self.failures[name] = self.failures.get(name, 0) + 1
        why = why.strip() if why.strip().endswith(".") else why.strip() + "."
        retry = "" if self.once or self.stopping else (
            f" Next try in {_duration(self.interval_seconds)}.")
        log.error("The %s failed: %s%s", name, why, retry, exc_info=exc_info)

    def run_once(self) -> bool:
        """Both jobs now; True if both worked."""
        return all([self._guarded(name, job) for name, job in self.jobs])

    def run_forever(self) -> None:
        """Both jobs now, then every interval until `stop` is set."""
        self.run_once()
        while not self.stopping:
            idle = self.scheduler.idle_seconds
            self.stop.wait(SLICE_SECONDS if idle is None else
                           max(0.0, min(idle, SLICE_SECONDS)))
            if not self.stopping:
                self.scheduler.run_pending()


# --- the command -------------------------------------------------------------------------------


class _OneLine(logging.Formatter):
    """For stderr: one line per record; tracebacks only in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text:
            record = logging.makeLogRecord(dict(record.__dict__, exc_info=None, exc_text=None))
        return super().format(record)


def _ours(record: logging.LogRecord) -> bool:
    """The scheduler's own lines, and warnings from anywhere (not every query's chatter)."""
    return record.name == __name__ or record.levelno >= logging.WARNING


@contextmanager
def scheduler_logging(log_dir: Path | None = None) -> Iterator[Path | None]:
    """Log to `scheduler.log` in `log_dir` (default: the Keepwell log folder) and to stderr
    while the scheduler runs. Yields the file, or None when the folder cannot be written."""
    log_dir = paths.user_log_dir() if log_dir is None else log_dir
    handlers: list[logging.Handler] = []
    path: Path | None = log_dir / LOG_FILE_NAME
    try:
        paths.make_private_dir(log_dir)  # a log names people and assets: the user's only
        file_handler: logging.Handler = logs.PrivateRotatingFileHandler(
            str(path), maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(_FORMAT))
        handlers.append(file_handler)
    except OSError:
        path = None
    if sys.stderr is not None:  # None in a windowed build started by Task Scheduler
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(_OneLine(_FORMAT))
        handlers.append(stderr)
    root = logging.getLogger()
    for handler in handlers:
        handler.addFilter(_ours)
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield path
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()


@contextmanager
def stop_on_signals(runner: HeadlessScheduler) -> Iterator[None]:
    """SIGTERM, SIGINT (and SIGBREAK) set the runner's stop event; a second one abandons the
    job that is running. Only the main thread may install handlers: elsewhere nothing is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if runner.stopped_by and runner.busy:  # the second one
            raise Abandoned(name)
        runner.stopped_by = runner.stopped_by or name
        # Not runner.stop.set() here: this handler runs in the main thread, which may be
        # inside stop.wait() holding the event's lock at this moment, and setting the event
        # would then wait for that lock for ever. A thread sets it once the lock is free.
        threading.Thread(target=runner.stop.set, name="stop", daemon=True).start()
        if runner.busy:
            log.info("%s received: stopping after the %s (send it again to abandon it).",
                     name, runner.busy)

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run(open_database: OpenDatabase, *, where: str, interval_minutes: float = 5,
        once: bool = False, log_dir: Path | None = None,
        stop: threading.Event | None = None) -> int:
    """`keepwell scheduler`: both jobs every `interval_minutes` until stopped (exit code 0), or
    once with `once` (exit code 1 if a job failed or a signal cut it short). `where` names the
    database for the log."""
    runner = HeadlessScheduler(open_database, round(interval_minutes * 60), stop=stop)
    runner.once = once
    with scheduler_logging(log_dir) as path, stop_on_signals(runner):
        print(f"Keepwell scheduler: logging to {path or 'stderr only (no log folder)'}",
              file=sys.stderr)
        if once:
            log.info("Running the PM check and the overdue count once on %s.", where)
        else:
            log.info("Scheduler started on %s: PM check and overdue count every %s "
                     "(stop with Ctrl-C or SIGTERM).", where, _duration(runner.interval_seconds))
        started = time.monotonic()
        ok = False
        try:
            if once:
                ok = runner.run_once()
            else:
                runner.run_forever()
        except (Abandoned, KeyboardInterrupt):
            log.info("Abandoned the job that was running; its changes were rolled back.")
            dbmod.close()
        up = dt.timedelta(seconds=round(time.monotonic() - started))
        by = f" by {runner.stopped_by}" if runner.stopped_by else ""
        if not once:
            log.info("Scheduler stopped%s after running %s.", by, up)
            return 0
        if runner.stopping:
            log.info("Stopped%s before the checks were done.", by)
        else:
            log.info("Done%s.", "" if ok else " (with failures, see above)")
        return 0 if ok and not runner.stopping else 1


def _command(args: argparse.Namespace) -> int:
    from app.config import load_config

    if not 1 <= args.interval_minutes <= 24 * 60:
        raise UsageError("--interval-minutes must be from 1 to 1440.")
    # A URL that cannot be read is refused now; a database that cannot be reached is tried
    # again at every tick (the server may start after this service).
    target = dbmod.parse_url(load_config(cli_url=args.db).database_url)

    def open_database() -> None:
        opened = open_current_database(args)
        if opened.target.password and not target.password:
            # Asked for on the terminal: libpq takes it from here at the next ticks, instead
            # of asking again every few minutes.
            os.environ.setdefault("PGPASSWORD", opened.target.password)

    return run(open_database, where=target.display, interval_minutes=args.interval_minutes,
               once=args.once)


def register_scheduler_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add `keepwell scheduler` (an entry of app.cli.main.COMMAND_GROUPS). It needs only access to
    the database, like the `db` commands: no one signs in; it acts as SYSTEM."""
    parser = add_command(commands, common, "scheduler", _command,
                         "run the PM check and the overdue count every few minutes, "
                         "headless, until stopped (for a service; see packaging/)")
    parser.add_argument("--interval-minutes", type=int, default=DEFAULT_INTERVAL_MINUTES,
                        metavar="N", help="minutes between checks (1-1440, default 5)")
    parser.add_argument("--once", action="store_true", help="check once and exit")


def _duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
