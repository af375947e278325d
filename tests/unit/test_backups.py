"""Daily backups of the embedded database on real files: made through SQLite once a day even
when several processes try at the same moment, checked, rotated (7 daily, 4 weekly), never
touching files that are not theirs; checking and restoring a backup."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import peewee
import pytest

from app import db as dbmod
from app import paths
from app.db_backends import KeepwellPostgresDatabase
from app.permissions import Actor
from app.services import backups, restore, settings

REPO = Path(__file__).resolve().parents[2]
MONDAY = dt.date(2025, 1, 6)


def _database_path(target: dbmod.DatabaseTarget) -> Path:
    assert target.path is not None
    return target.path


def _organisation(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM setting WHERE key = 'organisation_name'").fetchone()
    conn.close()
    return str(row[0]).strip('"')


def _check(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _damage(path: Path, first_page: int, pages: int) -> None:
    """Overwrite whole pages with garbage. Only while no connection to the file is open."""
    noise = random.Random(first_page).randbytes(4096 * pages)
    with path.open("r+b") as fh:
        fh.seek(4096 * first_page)
        fh.write(noise)


# --- which copies are kept ---------------------------------------------------------------------


def test_days_to_keep_seven_days_then_one_a_week_for_four_weeks() -> None:
    days = [MONDAY + dt.timedelta(days=n) for n in range(60)]  # Mon 6 Jan .. Thu 6 Mar 2025
    kept = backups.days_to_keep(days)
    newest = days[-1]
    daily = {newest - dt.timedelta(days=n) for n in range(7)}  # Fri 28 Feb .. Thu 6 Mar
    # Before those: the last copy (a Sunday) of each of the four weeks before Fri 28 Feb's week.
    weekly = {dt.date(2025, 2, 23), dt.date(2025, 2, 16), dt.date(2025, 2, 9), dt.date(2025, 2, 2)}
    assert kept == daily | weekly
    assert backups.days_to_keep(days[:3]) == set(days[:3])
    assert backups.days_to_keep([]) == set()


# --- the daily backup --------------------------------------------------------------------------


def test_a_daily_backup_is_a_whole_standalone_copy_made_once_a_day(
    db: dbmod.DatabaseTarget, admin: Actor
) -> None:
    settings.set_organisation_name(admin, "Day One Plant")
    made = backups.daily_backup_if_due(dbmod.database.obj, today=MONDAY)
    assert made == paths.backup_dir() / "keepwell-daily-2025-01-06.db"
    assert backups.daily_backup_if_due(dbmod.database.obj, today=MONDAY) is None

    settings.set_organisation_name(admin, "Day Two Plant")
    second = backups.daily_backup_if_due(dbmod.database.obj, today=MONDAY + dt.timedelta(days=1))
    assert second is not None and second.name == "keepwell-daily-2025-01-07.db"
    assert (_organisation(made), _organisation(second)) == ("Day One Plant", "Day Two Plant")
    assert _check(made) == "ok"
    # A copy that stands alone: no WAL mode, so reading it leaves nothing beside it.
    with sqlite3.connect(made) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    assert sorted(p.name for p in paths.backup_dir().iterdir()) == [made.name, second.name]
    # The database in use is untouched and still writable on the same connection.
    settings.set_organisation_name(admin, "Day Two, later")
    assert _organisation(_database_path(db)) == "Day Two, later"


def test_sixty_days_keep_seven_daily_and_four_weekly_and_nothing_else_is_pruned(
    db: dbmod.DatabaseTarget, admin: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    # Files that are not daily copies of this database: never pruned.
    state = dbmod.schema_state(dbmod.database.obj)
    before_upgrade = dbmod.backup(dbmod.database.obj, db,
                                  dbmod.default_backup_path(db, folder, state))
    not_ours = [
        before_upgrade,
        folder / "keepwell-before-restore-20250101-120000.db",
        folder / "keepwell-20250101-120000.db",  # `keepwell db backup FOLDER`
        folder / "other-daily-2025-01-01.db",  # another database's
        folder / "keepwell-daily-2025-01-01.db.bak",
        folder / "notes.txt",
    ]
    for path in not_ours[1:]:
        path.write_text("kept")
    stale = folder / ".keepwell-daily-2025-01-05.db.999-1.partial"  # a copy that died
    stale.write_text("half")

    days = [MONDAY + dt.timedelta(days=n) for n in range(60)]
    for day in days:
        settings.set_organisation_name(admin, f"Plant on {day}")
        made = backups.daily_backup_if_due(dbmod.database.obj, folder=folder, today=day)
        assert made is not None and made.name == f"keepwell-daily-{day}.db"
        present = backups.daily_backups(_database_path(db), folder)
        assert max(present) == day
        assert len(present) <= 11

    present = backups.daily_backups(_database_path(db), folder)
    assert set(present) == backups.days_to_keep(days)
    assert len(present) == 11
    for day, path in present.items():
        assert _organisation(path) == f"Plant on {day}"
    for path in not_ours:
        assert path.exists(), path
    assert not stale.exists()
    leftovers = sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))
    assert leftovers == []


def test_today_s_copy_of_another_process_still_being_written_is_left_alone(
    db: dbmod.DatabaseTarget, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    writing = folder / f".keepwell-daily-{MONDAY}.db.4242-7.partial"
    writing.write_text("another process is writing this")
    made = backups.daily_backup_if_due(dbmod.database.obj, folder=folder, today=MONDAY)
    assert made is not None
    assert writing.exists()


def test_a_postgresql_or_memory_database_gets_no_daily_copy(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    server = KeepwellPostgresDatabase("keepwell", host="localhost")  # never connected
    memory = peewee.SqliteDatabase(":memory:")
    assert backups.daily_backup_if_due(server, folder=folder, today=MONDAY) is None
    assert backups.daily_backup_if_due(memory, folder=folder, today=MONDAY) is None
    assert not folder.exists()


def test_a_damaged_database_gets_no_daily_copy_and_the_older_ones_stay(
    db: dbmod.DatabaseTarget, admin: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    for n in range(300):  # enough rows for pages in the middle of the file
        settings.set_organisation_name(admin, f"Plant {n} " + "x" * 100)
    first = backups.daily_backup_if_due(dbmod.database.obj, folder=folder, today=MONDAY)
    assert first is not None
    path = _database_path(db)
    dbmod.close()
    with sqlite3.connect(path) as conn:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    conn.close()
    _damage(path, pages // 2, 4)

    database, _target = dbmod.connect(f"sqlite:///{path.as_posix()}")
    with pytest.raises(backups.DatabaseDamaged) as caught:
        backups.daily_backup_if_due(database, folder=folder, today=MONDAY + dt.timedelta(days=1))
    assert "is damaged" in caught.value.message and "keepwell db check" in caught.value.message
    assert sorted(p.name for p in folder.iterdir()) == [first.name]
    assert _check(first) == "ok"
    newest = restore.newest_good_backup(path, folder)
    assert newest is not None and newest.path == first


def test_a_backup_folder_that_cannot_be_written_is_reported(
    db: dbmod.DatabaseTarget, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backups folder should be")
    with pytest.raises(backups.BackupFailed) as caught:
        backups.daily_backup_if_due(dbmod.database.obj, folder=blocker, today=MONDAY)
    assert str(blocker) in caught.value.message and "older backups are kept" in caught.value.message


# --- several processes at the same moment ------------------------------------------------------

_RACER = textwrap.dedent("""
    import sys
    from app import db as dbmod
    from app.services import backups

    dbmod.connect(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()  # all start together
    made = backups.daily_backup_if_due(dbmod.database.obj)
    dbmod.close()
    print(made if made is not None else "none", flush=True)
""")


def _race(url: str, when: str, racers: int) -> list[str]:
    """Start `racers` processes at the fake time `when`, let them call daily_backup_if_due at
    once, and return what each said."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    faketime = shutil.which("faketime")
    assert faketime, "faketime is needed (apt-get install faketime)"
    procs = [
        subprocess.Popen([faketime, when, sys.executable, "-c", _RACER, url], cwd=REPO, env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(racers)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        said = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            said.append(out.strip())
        return said
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_processes_racing_for_the_daily_backup_make_exactly_one_a_day(
    db: dbmod.DatabaseTarget, admin: Actor
) -> None:
    url = f"sqlite:///{_database_path(db).as_posix()}"
    folder = paths.backup_dir()
    for n, day in enumerate(["2025-03-10", "2025-03-11", "2025-03-12"]):
        settings.set_organisation_name(admin, f"Plant {n}")
        said = _race(url, f"{day} 08:00:00", racers=3)
        expected = folder / f"keepwell-daily-{day}.db"
        assert sorted(said) == sorted([str(expected), "none", "none"]), said
        assert _check(expected) == "ok"
        assert _organisation(expected) == f"Plant {n}"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"keepwell-daily-2025-03-{d}.db" for d in (10, 11, 12)]


def test_a_restore_keeps_the_file_to_itself_until_it_is_done(tmp_path: Path) -> None:
    """Between its check that nobody has the database open and the end of the restore, a desk
    or a scheduler that starts is kept out (it waits, then is refused) rather than writing into
    a file being replaced."""
    path = tmp_path / "keepwell.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("CREATE TABLE t (x)")
    setup.close()
    restoring = sqlite3.connect(path, isolation_level=None)
    restore._hold(restoring, path)
    desk = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        desk.execute("INSERT INTO t VALUES (1)")
    restore._let_go(restoring)
    desk.execute("INSERT INTO t VALUES (1)")
    assert desk.execute("SELECT count(*) FROM t").fetchone() == (1,)
    desk.close()
    restoring.close()
