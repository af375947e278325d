"""The rule of app/db.py: while a connection may exist, a database file and its -wal / -shm /
-journal files are touched only through SQLite. Closing any other descriptor of them drops the
process's SQLite locks, and the next process to close its connection deletes the WAL under ours.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from app import db as dbmod
from app import sqlite_guard
from app.models import Setting

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, KW_TMP=str(tmp_path)))


def test_the_twenty_line_reproduction_keeps_the_wal_and_every_write(tmp_path: Path) -> None:
    """A desk holding a connection opens the database again (as sign-in, first run and the
    database dialog's retry do, here under another spelling of its path so that a new database
    object is made); another process then opens and closes it. The WAL must survive, and a
    write made afterwards must be seen by a third process."""
    result = _python("""
        import os, sqlite3, subprocess, sys, threading
        from pathlib import Path
        from app import db
        tmp = Path(os.environ["KW_TMP"])
        path = tmp / "keepwell.db"
        first, _ = db.connect(f"sqlite:///{path}")
        first.execute_sql("CREATE TABLE t (x)")
        first.execute_sql("INSERT INTO t VALUES (1)")
        # Another spelling of the same file: a new database object, as a changed URL makes.
        (tmp / "sub").mkdir()
        db.connect(f"sqlite:///{tmp / 'sub' / '..' / 'keepwell.db'}")
        other = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); " \\
                "print(c.execute('SELECT count(*) FROM t').fetchone()[0]); c.close()"
        subprocess.run([sys.executable, "-c", other, str(path)], check=True)
        print("wal", os.path.exists(str(path) + "-wal"))
        first.execute_sql("INSERT INTO t VALUES (2)")
        seen = subprocess.run([sys.executable, "-c", other, str(path)], check=True,
                              capture_output=True, text=True).stdout.strip()
        print("seen", seen)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wal True" in result.stdout
    assert "seen 2" in result.stdout


def test_no_desk_path_touches_the_database_files_outside_sqlite(tmp_path: Path) -> None:
    """Records every open, rename, remove and truncate of the database's files (an audit hook
    of its own, independent of the guard) while the paths a desk runs go by: connecting again
    (the same URL and another spelling), the upgrade check, a backup, a setting, a PM check in
    another thread. A plain open() of the database path coming back fails this test; the one
    exclusive create that makes a new database file 0600 before SQLite first opens it (a file
    that did not exist has no connection) is the only open allowed."""
    result = _python("""
        import os, sys, threading
        from pathlib import Path
        tmp = Path(os.environ["KW_TMP"])
        path = tmp / "keepwell.db"
        touched = []
        names = {"keepwell.db", "keepwell.db-wal", "keepwell.db-shm", "keepwell.db-journal"}
        exclusive_create = os.O_CREAT | os.O_EXCL
        def hook(event, args):
            if event == "open" and isinstance(args[0], (str, os.PathLike)) \\
                    and isinstance(args[2], int) \\
                    and args[2] & exclusive_create == exclusive_create \\
                    and not os.path.exists(args[0]):
                return  # creating a new database file, before any connection to it
            if event in ("open", "os.remove", "os.rename", "os.truncate", "shutil.copyfile"):
                for arg in args[:2]:
                    if isinstance(arg, (str, bytes, os.PathLike)) \\
                            and os.path.basename(os.fsdecode(arg)) in names:
                        touched.append((event, os.fsdecode(arg)))
        sys.addaudithook(hook)
        from app import db
        from app.permissions import SYSTEM
        from app.services import settings, setup
        from app.services.pm import run as pm_run
        database, target = db.connect(f"sqlite:///{path}")
        db.initialise_schema(database, target)
        admin = setup.set_up_organisation("Plant", "admin", "Ada Admin", "correct-horse-42")
        for url in (f"sqlite:///{path}", f"sqlite:///{tmp}/./keepwell.db"):
            database, target = db.connect(url)
            state = db.schema_state(database)
            db.refuse_unusable(state, target)
            db.upgrade_schema(database, target, tmp / "backups")
            db.backup(database, target, tmp / "copy.db")
        from app.services.people.auth import actor_for
        from app.models import User
        actor = actor_for(User.get_by_id(admin.id))
        settings.change_office_settings(actor, organisation_name="Plant 2")
        worker = threading.Thread(target=lambda: (pm_run.generate_due_work_orders(SYSTEM),
                                                  db.close()))
        worker.start(); worker.join()
        db.close()
        print("touched", touched)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "touched []" in result.stdout, result.stdout


def test_python_may_not_open_copy_or_remove_a_database_file_in_use(
        db: dbmod.DatabaseTarget, tmp_path: Path) -> None:
    """The guard: while a connection is open, Python's own file operations on the database or
    its companions are refused, and the database is unharmed."""
    assert db.path is not None
    Setting.select().count()  # the connection is open
    path = db.path
    wal = Path(f"{path}-wal")
    assert sqlite_guard.is_in_use(path)
    with pytest.raises(PermissionError, match="only ever read or written through SQLite"):
        path.read_bytes()
    with pytest.raises(PermissionError):
        open(wal, "rb")  # noqa: SIM115
    with pytest.raises(PermissionError):
        shutil.copy(path, tmp_path / "copy.db")
    with pytest.raises(PermissionError):
        os.remove(wal)
    with pytest.raises(PermissionError):
        os.replace(tmp_path / "elsewhere", path)
    assert wal.exists()
    assert Setting.select().count() >= 0
    dbmod.close()
    assert not sqlite_guard.is_in_use(path)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"  # allowed once nothing is open


def test_connecting_again_leaves_other_threads_transactions_alone(
        db: dbmod.DatabaseTarget) -> None:
    """Sign-in after sign-out connects again while the PM worker may be inside a write
    transaction: the worker's statements must stay on its own connection (a second one of
    its own would wait for the first one's lock, then fail with "database is locked")."""
    in_transaction = threading.Event()
    reconnected = threading.Event()
    outcome: list[object] = []

    def worker() -> None:
        try:
            with dbmod.write_transaction():
                Setting.insert(key="worker", value="1").execute()
                in_transaction.set()
                assert reconnected.wait(30)
                Setting.insert(key="worker-after", value="1").execute()
            outcome.append("ok")
        except Exception as exc:  # reported to the test
            outcome.append(exc)
        finally:
            dbmod.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert in_transaction.wait(30)
    dbmod.connect(f"sqlite:///{db.path}")
    reconnected.set()
    thread.join(60)
    assert outcome == ["ok"]
    assert Setting.select().where(Setting.key.startswith("worker")).count() == 2
