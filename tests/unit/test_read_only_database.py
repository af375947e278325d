"""A database that can only be read (issue 11): sign-in checks the password without writing,
listing and showing work, and every change is refused before it starts with one message in
words ("This database is read-only: you can look but not change. (why)"), not a storage
failure. Decided as the database is opened; a database that becomes read-only under a running
desk stays a StorageFailure (tests/unit/test_storage_failures.py).

Read-only for real: a read-only mount where the test may mount (root), and a file and folder
this account cannot write (as root the check runs as `nobody`, for whom the modes hold; root
itself may write any file). The PostgreSQL twin is tests/integration/test_read_only_database_pg.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app import storage
from app.errors import AuthenticationFailed, DatabaseUnavailable, ReadOnlyDatabase
from app.models import AuditEvent, User, WorkOrder
from app.services import setup
from app.services.people import auth
from app.services.work_orders import detail, edit, listing
from tests.cli_runner import Run
from tests.conftest import TEST_PASSWORD

READ_ONLY = "This database is read-only: you can look but not change."
NOBODY = 65534


def _plant(path: Path) -> None:
    """A small Keepwell database with an administrator and one work order, closed again."""
    database, target = dbmod.connect(f"sqlite:///{path.as_posix()}")
    dbmod.initialise_schema(database, target)
    row = setup.set_up_organisation("Plant", "admin", "Ada Admin", TEST_PASSWORD)
    edit.create_work_order(auth.actor_for(User.get_by_id(row.id)), "Leaking valve")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dbmod.close()


@contextlib.contextmanager
def _read_only_disk(tmp_path: Path) -> Iterator[Path | None]:
    """The plant on a tmpfs remounted read-only (no -wal/-shm can be made), or None where this
    account may not mount."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
                                            str(disk)], capture_output=True).returncode:
        yield None
        return
    try:
        _plant(disk / "keepwell.db")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        yield disk / "keepwell.db"
    finally:
        dbmod.close()
        subprocess.run(["umount", "-l", str(disk)], check=True)


@pytest.fixture
def shelf() -> Iterator[Path]:
    """A folder another OS account can reach (pytest's own are the test account's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="keepwell-read-only-"))
    folder.chmod(0o755)
    yield folder / "shelf"
    if (folder / "shelf").exists():
        (folder / "shelf").chmod(0o755)
    shutil.rmtree(folder)


@contextlib.contextmanager
def _not_writable_by_this_account(folder: Path) -> Iterator[Path]:
    """The plant as a 0444 file in a 0555 folder; as root, the body runs as `nobody` (the
    process's effective user, switched back after)."""
    folder.mkdir()
    path = folder / "keepwell.db"
    _plant(path)
    path.chmod(0o444)
    folder.chmod(0o555)
    root = os.geteuid() == 0
    if root:
        os.seteuid(NOBODY)
    try:
        yield path
    finally:
        dbmod.close()
        if root:
            os.seteuid(0)
        folder.chmod(0o755)


def _reason_for(kind: str, path: Path) -> str:
    if kind == "disk":
        return f"{path} is on a disk that is mounted read-only."
    return f"The file {path} cannot be written by this account."


@contextlib.contextmanager
def read_only_database(kind: str, tmp_path: Path, shelf: Path) -> Iterator[tuple[Path, str]]:
    """A read-only plant of the given kind, and the words that say why it is read-only."""
    if kind == "disk":
        with _read_only_disk(tmp_path) as path:
            if path is not None:
                yield path, _reason_for(kind, path)
                return
    with _not_writable_by_this_account(shelf) as path:
        yield path, _reason_for("modes", path)


@pytest.mark.parametrize("kind", ["disk", "modes"])
def test_a_read_only_database_can_be_read_and_refuses_every_change(
        kind: str, tmp_path: Path, shelf: Path) -> None:
    with read_only_database(kind, tmp_path, shelf) as (path, why):
        dbmod.connect(f"sqlite:///{path.as_posix()}")
        assert dbmod.read_only() == why

        signed = auth.sign_in("admin", TEST_PASSWORD)  # no try reserved, no audit written
        admin = signed.actor
        rows = listing.list_work_orders(admin)
        assert [r.title for r in rows] == ["Leaking valve"]
        shown = detail.get_work_order(admin, rows[0].id)
        assert shown.title == "Leaking valve"
        assert auth.verify_password(admin, TEST_PASSWORD)  # the idle lock can be lifted

        with pytest.raises(AuthenticationFailed):
            auth.sign_in("admin", "not-the-password")
        with pytest.raises(AuthenticationFailed):
            auth.sign_in("nobody-here", "not-the-password")

        with pytest.raises(ReadOnlyDatabase) as refused:
            edit.create_work_order(admin, "Another leak")
        assert refused.value.message == f"{READ_ONLY} ({why})"
        assert storage.stopped() is None  # a database only read is no failure: nothing stops

        # Nothing was written: no sign-in bookkeeping, no new order, no audit event.
        user = User.get(User.username == "admin")
        assert (user.failed_attempts, user.last_login_at) == (0, None)
        assert WorkOrder.select().count() == 1
        assert not [e for e in AuditEvent.select() if "sign_in" in e.action]
        dbmod.close()
    assert not (path.parent / "keepwell.db-wal").exists()
    assert not (path.parent / "keepwell.db-shm").exists()


def test_a_read_only_database_cannot_be_set_up(shelf: Path) -> None:
    """An empty SQLite file this account cannot write: `db init` says it is read-only, in words,
    as a database problem (the desk shows it in its database dialog)."""
    folder = shelf
    folder.mkdir()
    path = folder / "empty.db"
    database, _target = dbmod.connect(f"sqlite:///{path.as_posix()}")  # one page, no tables
    dbmod.close()
    path.chmod(0o444)
    folder.chmod(0o555)
    root = os.geteuid() == 0
    if root:
        os.seteuid(NOBODY)
    try:
        database, target = dbmod.connect(f"sqlite:///{path.as_posix()}")
        with pytest.raises(DatabaseUnavailable) as refused:
            dbmod.initialise_schema(database, target)
        assert refused.value.kind == DatabaseUnavailable.NOT_INITIALISED
        assert refused.value.message == (
            f"The database {target.display} has no Keepwell schema yet, but it is read-only. "
            f"The file {path} cannot be written by this account.")
        assert database.get_tables() == []
    finally:
        dbmod.close()
        if root:
            os.seteuid(0)
        folder.chmod(0o755)


def test_the_command_line_lists_and_shows_and_refuses_a_change_in_one_message(
        tmp_path: Path, shelf: Path, kw: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEPWELL_PASSWORD", TEST_PASSWORD)
    with contextlib.ExitStack() as stack:
        if os.geteuid() == 0:  # the command writes its log as root, so the disk is read-only
            path = stack.enter_context(_read_only_disk(tmp_path))
            assert path is not None, "root may mount a tmpfs here"
        else:
            folder = shelf
            folder.mkdir()
            path = folder / "keepwell.db"
            _plant(path)
            path.chmod(0o444)
            folder.chmod(0o555)
            stack.callback(folder.chmod, 0o755)
        why = _reason_for("disk" if os.geteuid() == 0 else "modes", path)
        url = f"sqlite:///{path.as_posix()}"

        listed = kw("--db", url, "wo", "list", "--user", "admin")
        assert listed.code == 0, listed.err
        assert "Leaking valve" in listed.out
        number = next(word for word in listed.out.split() if word.startswith("WO-"))
        shown = kw("--db", url, "wo", "show", number, "--user", "admin")
        assert shown.code == 0, shown.err
        assert "Leaking valve" in shown.out

        created = kw("--db", url, "wo", "create", "--title", "Another leak", "--user", "admin")
        assert created.code == 1
        assert created.out == ""
        assert created.err.splitlines() == [
            f"keepwell: error: {READ_ONLY} ({why})",
            "keepwell: hint: To make changes, open it from an account, folder or server that "
            "can write it, or ask IT.",
        ]
        monkeypatch.setenv("KEEPWELL_PASSWORD", "wrong-password")
        wrong = kw("--db", url, "wo", "list", "--user", "admin")
        assert wrong.code == 1
        assert "Unknown user or wrong password" in wrong.err
        dbmod.close()


def test_a_database_that_becomes_read_only_under_a_running_desk_is_still_a_storage_failure(
        tmp_path: Path) -> None:
    """Decided when the database is opened: a desk that could write and then cannot has met a
    failure (writing stops, the GUI offers Retry), not a database meant to be only read."""
    path = tmp_path / "keepwell.db"
    _plant(path)
    dbmod.connect(f"sqlite:///{path.as_posix()}")
    admin = auth.sign_in("admin", TEST_PASSWORD).actor
    assert dbmod.read_only() is None
    dbmod.database.execute_sql("PRAGMA query_only = 1")  # what a read-only remount makes of it
    with pytest.raises(Exception) as raised:
        edit.create_work_order(admin, "During")
    assert not isinstance(raised.value, ReadOnlyDatabase)
    assert storage.stopped() is raised.value
    dbmod.database.execute_sql("PRAGMA query_only = 0")
    dbmod.close()

