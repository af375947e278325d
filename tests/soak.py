"""The multi-process soak of issue 10: one desk and the command line share a database for a while.

Process A (`python -m tests.soak desk URL WORKDIR SECONDS`) is a desk as the program runs one,
without the window: the first run builds the demo plant in a background thread; then, until
time is up, it signs in (opening the database again, as the sign-in dialog and the database
dialog's retry do, and checking whether it needs an upgrade), files a request, changes a
setting, takes a backup and signs out, while its PM worker thread runs the PM check and counts
overdue orders, and a watcher thread keeps a connection open and polls the change feed. It
stats (never opens) the WAL file all the while: it must exist as long as A has a connection.

Processes B and C are the command line, started by `run_cli_loop`: each `keepwell` run opens,
writes or reads, and closes. B raises work orders and runs IT's commands (db check, user list,
wo list, pm run --dry-run, db backup); C files requests and runs `keepwell scheduler --once`.

Every writer counts what it committed; `check_database` then compares the counts with what is in
the database, runs the integrity check and verifies the audit chain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

PLANNER = ("planner", "demo-planner-2026")
REQUESTER = ("requester", "demo-requester-2026")
ADMIN = ("admin", "demo-admin-2026")
READY = "ready"  # the file A writes once the demo plant exists
ROOT = Path(__file__).resolve().parent.parent


def keepwell_command() -> list[str]:
    return [sys.executable, "-m", "ui.main"]


def _wal(url: str) -> Path | None:
    from app.dburl import parse_url

    target = parse_url(url)
    return Path(str(target.path) + "-wal") if target.is_sqlite and target.path else None


def desk(url: str, workdir: Path, seconds: float) -> dict[str, Any]:
    """Process A. Returns its counts (written to WORKDIR/desk.json by main)."""
    from app import db
    from app.permissions import SYSTEM
    from app.services import changes, requests, settings
    from app.services.demo import plant
    from app.services.people import auth
    from app.services.pm import run as pm_run
    from app.services.work_orders import listing
    from app.services.work_orders.listing import WorkOrderFilter

    counts: Counter[str] = Counter()
    errors: list[str] = []
    stop = threading.Event()
    wal = _wal(url)

    def in_thread(name: str, body: Any) -> threading.Thread:
        def run() -> None:
            try:
                body()
            except BaseException:  # reported: a desk thread must not die unnoticed
                errors.append(f"{name}: {traceback.format_exc()}")
            finally:
                db.close()  # this thread's own connection, as the program's threads do

        thread = threading.Thread(target=run, name=name)
        thread.start()
        return thread

    # First run: an empty database, the schema, then the demo plant built off the GUI thread.
    database, target = db.connect(url)
    db.initialise_schema(database, target)
    in_thread("first-run", plant.create_demo_plant).join()
    assert not errors, errors
    (workdir / READY).write_text("ready")

    def watcher() -> None:  # keeps a connection open, as the change watcher does
        admin = auth.sign_in(*ADMIN).actor
        while not stop.is_set():
            changes.latest_change_id(admin)
            counts["watcher_polls"] += 1
            if wal is not None and not wal.exists():  # stat only: never open it
                counts["wal_missing"] += 1
            stop.wait(0.02)

    def worker() -> None:  # the desk's PM worker: a connection per job, closed after it
        while not stop.is_set():
            pm_run.generate_due_work_orders(SYSTEM, wait_seconds=0.0)
            db.close()
            listing.count_work_orders(SYSTEM, WorkOrderFilter(overdue=True))
            db.close()
            counts["worker_checks"] += 1
            stop.wait(0.1)

    threads = [in_thread("watcher", watcher), in_thread("pm-worker", worker)]
    deadline = time.monotonic() + seconds
    n = 0
    try:
        while time.monotonic() < deadline and not errors:
            # (the body below is the desk's main thread; an exception ends the soak)
            n += 1
            # Sign-in: the dialog opens the database again (so does the database dialog's retry).
            database, target = db.connect(url)
            state = db.schema_state(database)
            db.refuse_unusable(state, target)
            assert state.is_current, state
            planner = auth.sign_in(*PLANNER).actor
            requests.file_request(planner, f"soak-A-{n}", "filed by the desk")
            counts["requests"] += 1
            admin = auth.sign_in(*ADMIN).actor
            settings.change_office_settings(admin, organisation_name=f"Soak Plant {n}")
            counts["settings"] += 1
            if n % 5 == 1:
                copy = workdir / "desk-backup.db"
                db.backup(database, target, copy if target.is_sqlite else copy.with_suffix(
                    ".dump"))
                counts["backups"] += 1
            # Sign-out: the window's connection closes; the next sign-in opens a new one.
            db.close()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        db.close()
    counts["rounds"] = n
    return {"counts": dict(counts), "errors": errors}


def run_cli_loop(url: str, who: str, workdir: Path, seconds: float) -> subprocess.Popen[str]:
    """Start process B or C: a loop of `keepwell` runs in a child Python, counting successes
    into WORKDIR/WHO.json."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.soak", "cli", url, str(workdir), str(seconds), who],
        cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def cli(url: str, workdir: Path, seconds: float, who: str) -> dict[str, Any]:
    """The command line's side (B or C): wait for the demo plant, then run `keepwell`."""
    env = dict(os.environ)
    while not (workdir / READY).exists():
        time.sleep(0.05)
    counts: Counter[str] = Counter()
    failures: list[str] = []

    def keepwell(*args: str, password: str | None = None) -> bool:
        run_env = dict(env, KEEPWELL_PASSWORD=password) if password else env
        result = subprocess.run([*keepwell_command(), "--db", url, *args], cwd=ROOT,
                                env=run_env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            failures.append(f"keepwell {' '.join(args)} -> {result.returncode}: "
                            f"{(result.stderr or result.stdout).strip()[-500:]}")
        return result.returncode == 0

    deadline = time.monotonic() + seconds
    n = 0
    backups = workdir / f"{who}-backups"
    backups.mkdir(exist_ok=True)
    reads = (  # each with the password its --user signs in with
        (("db", "check"), PLANNER[1]),
        (("user", "list", "--user", ADMIN[0]), ADMIN[1]),  # an administrator's business
        (("wo", "list", "--user", PLANNER[0]), PLANNER[1]),
        (("pm", "run", "--dry-run", "--user", PLANNER[0]), PLANNER[1]),
        (("db", "backup", str(backups), "--overwrite"), PLANNER[1]),
    )
    while time.monotonic() < deadline:
        n += 1
        if who == "B":
            if keepwell("wo", "create", "--title", f"soak-B-{n}", "--user", PLANNER[0],
                        password=PLANNER[1]):
                counts["work_orders"] += 1
            read, password = reads[n % len(reads)]
            if keepwell(*read, password=password):
                counts["reads"] += 1
        else:
            if keepwell("request", "file", "--title", f"soak-C-{n}", "--user", REQUESTER[0],
                        password=REQUESTER[1]):
                counts["requests"] += 1
            if keepwell("scheduler", "--once"):
                counts["scheduler_runs"] += 1
    counts["rounds"] = n
    return {"counts": dict(counts), "errors": failures}


def check_database(url: str) -> dict[str, Any]:
    """What the soak left behind: rows per writer, integrity and the audit chain."""
    from app import db
    from app.models import WorkOrder, WorkRequest
    from app.services import audit
    from app.services.people import auth

    database, target = db.connect(url)
    try:
        integrity = "not checked"
        if target.is_sqlite:
            integrity = "; ".join(
                str(row[0]) for row in database.execute_sql("PRAGMA integrity_check"))
        found = {
            "A_requests": WorkRequest.select().where(
                WorkRequest.title.startswith("soak-A-")).count(),
            "B_work_orders": WorkOrder.select().where(
                WorkOrder.title.startswith("soak-B-")).count(),
            "C_requests": WorkRequest.select().where(
                WorkRequest.title.startswith("soak-C-")).count(),
        }
        chain = audit.verify_chain(auth.sign_in(*ADMIN).actor)
        return {"integrity": integrity, "found": found, "chain_ok": chain.ok,
                "chain": str(chain)}
    finally:
        db.close()


def main(argv: list[str]) -> int:
    role, url, workdir, seconds = argv[0], argv[1], Path(argv[2]), float(argv[3])
    if role == "desk":
        out = desk(url, workdir, seconds)
        (workdir / "A.json").write_text(json.dumps(out))
    else:
        who = argv[4]
        out = cli(url, workdir, seconds, who)
        (workdir / f"{who}.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
