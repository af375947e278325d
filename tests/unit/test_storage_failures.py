"""When the database cannot keep what is written (issue 10): a full disk, a read-only file system,
a damaged file or a WAL deleted by another program is said in words, nothing half-written is
left, and writing stops until a check finds the database healthy again.

The full and read-only disks are real where the machine lets the test mount a small tmpfs (CI
runs as root); elsewhere SQLite's own page limit and query-only mode produce the same errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app import storage
from app.errors import StorageFailure
from app.models import WorkRequest
from app.permissions import Actor
from app.services import health, requests, setup
from tests.conftest import TEST_PASSWORD


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str = "3m") -> Iterator[Path | None]:
    """A folder on a small file system of its own, or None where mounting is not allowed."""
    where = tmp_path / "disk"
    mounted = _mount_tmpfs(where, size)
    try:
        yield where if mounted else None
    finally:
        dbmod.close()
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=True)


def _new_database(folder: Path) -> Actor:
    database, target = dbmod.connect(f"sqlite:///{folder / 'keepwell.db'}")
    dbmod.initialise_schema(database, target)
    row = setup.set_up_organisation("Plant", "admin", "Ada Admin", TEST_PASSWORD)
    from app.permissions import Role

    return Actor(row.id, row.username, row.full_name, Role.ADMIN)


def _file_until_it_fails(admin: Actor, photo: bytes) -> tuple[int, StorageFailure]:
    saved = 0
    for n in range(10_000):
        try:
            request = requests.file_request(admin, f"Leak {n}", "water on the floor")
            requests.add_request_attachment(admin, request.id, "leak.jpg", photo, "image/jpeg")
            saved += 1
        except StorageFailure as failure:
            return saved, failure
    raise AssertionError("the disk never filled")


def test_a_full_disk_is_said_as_such_and_nothing_half_written_is_left(tmp_path: Path) -> None:
    with small_disk(tmp_path, "4m") as disk:
        folder = disk or tmp_path
        admin = _new_database(folder)
        if disk is not None:
            ballast = disk / "ballast"  # room an administrator can free later
            ballast.write_bytes(b"\0" * 1536 * 1024)
        else:  # SQLite's page limit gives the same SQLITE_FULL
            pages = dbmod.database.execute_sql("PRAGMA page_count").fetchone()[0]
            dbmod.database.execute_sql(f"PRAGMA max_page_count = {pages + 200}")
        photo = os.urandom(200 * 1024)
        saved, failure = _file_until_it_fails(admin, photo)

        assert failure.kind == StorageFailure.FULL
        assert "disk that holds the database is full" in failure.message
        assert "cannot rollback" not in failure.message
        # Writing has stopped: the next save is refused at once, with the same words.
        with pytest.raises(StorageFailure, match="is full"):
            requests.file_request(admin, "Another leak", "")
        # Nothing half-written: whole requests only, each with its photo.
        assert WorkRequest.select().count() in (saved, saved + 1)
        for request in WorkRequest.select():
            assert len(requests.get_request(admin, request.id).attachments) <= 1

        if disk is not None:  # a few KB free is no room to work in: still stopped
            assert "still full" in str(health.check_storage())
        if disk is not None:
            ballast.unlink()
        else:
            dbmod.database.execute_sql("PRAGMA max_page_count = 1000000")
        assert health.check_storage() is None
        requests.file_request(admin, "After the clean-up", "")
        assert [r[0] for r in dbmod.database.execute_sql("PRAGMA integrity_check")] == ["ok"]


def test_a_read_only_file_system_stops_writing(tmp_path: Path) -> None:
    with small_disk(tmp_path, "8m") as disk:
        folder = disk or tmp_path
        admin = _new_database(folder)
        requests.file_request(admin, "Before", "")
        if disk is not None:
            dbmod.close()
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        else:
            dbmod.database.execute_sql("PRAGMA query_only = 1")
        with pytest.raises(StorageFailure) as raised:
            requests.file_request(admin, "During", "")
        assert raised.value.kind in (StorageFailure.READ_ONLY, StorageFailure.IO_ERROR)
        assert "changes cannot be saved" in raised.value.message
        assert storage.stopped() is raised.value
        assert health.check_storage() is not None
        if disk is not None:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        else:
            dbmod.database.execute_sql("PRAGMA query_only = 0")
        assert health.check_storage() is None
        requests.file_request(admin, "After", "")
        titles = [r.title for r in WorkRequest.select().order_by(WorkRequest.id)]
        assert titles == ["Before", "After"]


def test_a_wal_deleted_by_another_program_stops_writing(db: dbmod.DatabaseTarget,
                                                        admin: Actor) -> None:
    requests.file_request(admin, "Before", "")
    wal = f"{db.path}-wal"
    assert os.path.exists(wal)
    # Another program (not Keepwell: this process refuses to) deletes the WAL.
    subprocess.run([sys.executable, "-c", f"import os; os.remove({wal!r})"], check=True)
    with pytest.raises(StorageFailure) as raised:
        requests.file_request(admin, "Lost", "")
    assert raised.value.kind == StorageFailure.LOST_WAL
    assert "deleted or replaced by another program" in raised.value.message
    with pytest.raises(StorageFailure):
        requests.file_request(admin, "Still lost", "")
    assert health.check_storage() is None  # a fresh connection, a fresh WAL
    requests.file_request(admin, "After", "")
    assert WorkRequest.select().where(WorkRequest.title.in_(["Lost", "Still lost"])).count() == 0


def _plant_of_requests(folder: Path) -> tuple[Path, Actor]:
    """A database of 300 requests, all in the file itself (WAL checkpointed), closed."""
    admin = _new_database(folder)
    for n in range(300):
        requests.file_request(admin, f"Request {n}", "x" * 500)
    dbmod.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dbmod.close()
    return folder / "keepwell.db", admin


def _damage(path: Path, pages: range) -> None:
    """Overwrite these pages (no connection is open: allowed, and it is the damage)."""
    with open(path, "r+b") as fh:
        for page in pages:
            fh.seek(page * 4096)
            fh.write(os.urandom(4096))


def test_a_damaged_file_is_noticed_on_reading_and_stops_writing(tmp_path: Path) -> None:
    path, admin = _plant_of_requests(tmp_path)
    pages = path.stat().st_size // 4096
    _damage(path, range(pages // 2, pages // 2 + 8))
    dbmod.connect(f"sqlite:///{path}")
    with pytest.raises(StorageFailure) as raised:
        for _ in range(3):
            requests.list_requests(admin)
            [requests.get_request(admin, r.id) for r in WorkRequest.select()]
    assert raised.value.kind == StorageFailure.DAMAGED
    assert "damaged" in raised.value.message and "backup" in raised.value.hint
    with pytest.raises(StorageFailure, match="damaged"):
        requests.file_request(admin, "Written into a broken file", "")
    assert health.check_storage() is not None


def test_a_full_disk_under_a_failed_rollback_is_still_a_full_disk() -> None:
    import sqlite3

    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError(  # noqa: B904  (as peewee's rollback raises it)
                "cannot rollback - no transaction is active")
    except sqlite3.OperationalError as exc:
        failure = storage.classify(exc)
    assert failure is not None and failure.kind == StorageFailure.FULL
    assert storage.classify(sqlite3.IntegrityError("UNIQUE constraint failed: x")) is None


def test_the_command_line_says_a_full_disk_in_words(tmp_path: Path, kw, monkeypatch) -> None:
    monkeypatch.setenv("KEEPWELL_PASSWORD", TEST_PASSWORD)
    with small_disk(tmp_path, "4m") as disk:
        folder = disk or tmp_path
        url = f"sqlite:///{folder / 'keepwell.db'}"
        _new_database(folder)
        pages = dbmod.database.execute_sql("PRAGMA page_count").fetchone()[0]
        dbmod.close()
        if disk is not None:
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            (disk / "ballast").write_bytes(b"\0" * (free - 400 * 1024))
        else:  # SQLite's page limit on every connection the commands make (connecting
            # again to the same URL keeps the bound database object, and its pragmas)
            dbmod.database.obj._pragmas.append(("max_page_count", pages + 100))
        saved = 0
        for n in range(1000):
            result = kw("--db", url, "wo", "create", "--title", f"Leak {n}", "--description",
                        os.urandom(4000).hex(), "--user", "admin")
            if result.code != 0:
                break
            saved += 1
        assert result.code == 1, result
        assert "The disk that holds the database is full" in result.err
        assert "hint: Free some space" in result.err
        assert "cannot rollback" not in result.err
        storage.resume()  # a new command is a new process
        listed = kw("--db", url, "wo", "list", "--user", "admin", "--json")
        assert listed.code == 0
        assert len(json.loads(listed.out)) == saved


def test_audit_verify_does_not_vouch_for_a_damaged_file(tmp_path: Path, kw) -> None:
    path, _admin = _plant_of_requests(tmp_path)
    url = f"sqlite:///{path}"
    assert kw("--db", url, "audit", "verify").code == 0
    pages = path.stat().st_size // 4096
    _damage(path, range(pages - 12, pages - 4))
    result = kw("--db", url, "audit", "verify")
    assert result.code == 1
    assert "The database file is damaged" in result.err and "audit chain OK" not in result.out


def test_only_the_disk_and_the_file_stop_writing() -> None:
    """Errors that are not the disk's or the file's fault never stop writing: a constraint met
    after an earlier, handled full disk; the search index's own damage."""
    import sqlite3

    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            pass
        raise sqlite3.IntegrityError("UNIQUE constraint failed: work_order.number")
    except sqlite3.IntegrityError as exc:
        assert storage.classify(exc) is None
    vtab = sqlite3.DatabaseError("database disk image is malformed")
    vtab.sqlite_errorcode = sqlite3.SQLITE_CORRUPT | (1 << 8)  # SQLITE_CORRUPT_VTAB
    assert storage.classify(vtab) is None
    assert storage.stopped() is None


def test_the_scheduler_carries_on_by_itself_once_the_disk_is_fixed(
        db: dbmod.DatabaseTarget, admin: Actor, kw) -> None:
    dbmod.database.execute_sql("PRAGMA query_only = 1")  # as a read-only file answers
    with pytest.raises(StorageFailure):
        requests.file_request(admin, "During", "")
    dbmod.close()  # the file is writable again (a new connection is not query-only)
    result = kw("--db", f"sqlite:///{db.path}", "scheduler", "--once")
    assert result.code == 0, result.err
    assert storage.stopped() is None
