"""Files Keepwell makes for the user's eyes only are 0600 and its folders 0700, whatever the
umask (issue 11, "Files"): the database and its -wal / -shm / -journal, backups (`db backup`,
the daily one, before-restore), log files, and an existing empty file is never taken for a new
database. Each check runs under a permissive umask (022, the usual one, and 000), restored after.
Attachment copies opened for viewing: tests/ui/test_attachment_copies.py.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app import logs, paths
from app.errors import DatabaseUnavailable
from app.services import backups, restore, setup
from tests.cli_runner import Run
from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PERMISSIVE = [0o022, 0o000]


@pytest.fixture(params=PERMISSIVE, ids=lambda m: f"umask-{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(*found: Path) -> dict[str, str]:
    return {p.name: oct(mode(p)) for p in found}


def companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def test_a_new_database_its_wal_shm_and_folders_are_the_users_only(umask: int,
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "plant" / "data" / "keepwell.db"
    database, target = dbmod.connect(f"sqlite:///{path}")
    try:
        dbmod.initialise_schema(database, target)
        setup.set_up_organisation("Plant", "admin", "Ada Admin", TEST_PASSWORD)
        wal, shm = companions(path)
        assert wal.exists() and shm.exists()  # the connection is open: both are in use
        assert modes(path, wal, shm) == {path.name: "0o600", wal.name: "0o600",
                                         shm.name: "0o600"}
        assert modes(tmp_path / "plant", path.parent) == {"plant": "0o700", "data": "0o700"}
    finally:
        dbmod.close()


def test_a_new_database_in_rollback_journal_mode_and_its_journal(umask: int,
                                                                 tmp_path: Path) -> None:
    """A database on a network share (journal_mode "delete"): its first page is written as it
    is made, so Keepwell never leaves an empty file; the journal SQLite writes beside it during
    a write has the database file's mode."""
    path = tmp_path / "keepwell.db"
    database, _target = dbmod.connect(f"sqlite:///{path}", journal_mode="delete")
    try:
        assert path.stat().st_size > 0 and mode(path) == 0o600
        journal = path.with_name("keepwell.db-journal")
        with database.atomic("IMMEDIATE"):
            database.execute_sql("CREATE TABLE probe (x)")
            database.execute_sql("INSERT INTO probe VALUES (1)")
            assert journal.exists() and mode(journal) == 0o600
    finally:
        dbmod.close()


def test_keepwell_db_init_in_a_process_under_umask_000(tmp_path: Path) -> None:
    """The real command, in its own process started with umask 000: the database, the folders
    made for it, the log file and its folders."""
    path = tmp_path / "new" / "keepwell.db"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--db", f"sqlite:///{path}", "db", "init"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, umask=0o000)
    assert result.returncode == 0, result.stderr
    assert modes(path, path.parent) == {"keepwell.db": "0o600", "new": "0o700"}
    log_dir = paths.user_log_dir()  # under the test's own XDG_STATE_HOME (tests/conftest.py)
    log_file = log_dir / logs.LOG_FILE_NAME
    assert log_file.exists() and mode(log_file) == 0o600
    state_home = Path(os.environ["XDG_STATE_HOME"])
    made = [log_dir, *[p for p in log_dir.parents if state_home in (p, *p.parents)]]
    assert {str(p): oct(mode(p)) for p in made} == {str(p): "0o700" for p in made}


def test_an_existing_database_keeps_its_mode(umask: int, tmp_path: Path) -> None:
    """A file Keepwell did not make here (e.g. a shared one IT gave group access) is never
    chmod-ed: only the files and folders Keepwell creates are made private."""
    path = tmp_path / "keepwell.db"
    database, target = dbmod.connect(f"sqlite:///{path}")
    dbmod.initialise_schema(database, target)
    dbmod.close()
    path.chmod(0o640)
    dbmod.connect(f"sqlite:///{tmp_path}/./keepwell.db")
    try:
        assert mode(path) == 0o640
    finally:
        dbmod.close()


# --- backups ---------------------------------------------------------------------------------


def test_keepwell_db_backup_writes_a_private_copy(umask: int, admin, db: dbmod.DatabaseTarget,
                                                  db_url: str, kw: Run, tmp_path: Path) -> None:
    folder = tmp_path / "copies" / "today"
    result = kw("--db", db_url, "db", "backup", str(folder / "plant.db"))
    assert result.code == 0, result.err
    assert modes(folder / "plant.db", folder, folder.parent) == {
        "plant.db": "0o600", "today": "0o700", "copies": "0o700"}
    assert sorted(p.name for p in folder.iterdir()) == ["plant.db"]  # no partial left


def test_the_daily_backup_and_its_folder_are_private(umask: int, admin,
                                                     db: dbmod.DatabaseTarget) -> None:
    made = backups.daily_backup_if_due(dbmod.database.obj)
    assert made is not None and made.parent == paths.backup_dir()
    assert modes(made, made.parent, made.parent.parent) == {
        made.name: "0o600", "backups": "0o700", "Keepwell": "0o700"}


def test_an_upgrade_backup_is_private(umask: int, tmp_path: Path) -> None:
    path = tmp_path / "keepwell.db"
    database, target = dbmod.connect(f"sqlite:///{path}")
    try:
        dbmod.initialise_schema(database, target)
        state = dbmod.schema_state(database)
        copy = dbmod.backup(database, target,
                            dbmod.default_backup_path(target, tmp_path / "up", state))
        assert modes(copy, copy.parent) == {copy.name: "0o600", "up": "0o700"}
    finally:
        dbmod.close()


def test_a_restore_keeps_private_copies_and_makes_a_private_database(
        umask: int, admin, db: dbmod.DatabaseTarget, tmp_path: Path) -> None:
    made = backups.daily_backup_if_due(dbmod.database.obj)
    assert made is not None and db.path is not None
    dbmod.close()
    restored = restore.restore_backup(made, db.path, folder=tmp_path / "kept")
    assert restored.previous is not None
    assert modes(restored.previous, restored.previous.parent) == {
        restored.previous.name: "0o600", "kept": "0o700"}
    fresh = tmp_path / "elsewhere" / "restored.db"  # a database file that was not there
    restore.restore_backup(made, fresh, folder=tmp_path / "kept")
    assert modes(fresh, fresh.parent) == {"restored.db": "0o600", "elsewhere": "0o700"}


def test_keepwells_own_folders_left_open_by_an_older_version_are_closed(tmp_path: Path) -> None:
    """An older Keepwell made the data folder as the umask said (0755 usually): the files in
    it, the database among them, are protected by closing the folder, without opening them."""
    data = paths.user_data_dir()
    data.mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    old_database = data / "keepwell.db"
    database, target = dbmod.connect(f"sqlite:///{old_database}")
    dbmod.initialise_schema(database, target)
    dbmod.close()
    old_database.chmod(0o644)
    dbmod.connect(f"sqlite:///{old_database}")
    try:
        assert mode(data) == 0o700
        assert mode(old_database) == 0o644  # the file itself is left alone
    finally:
        dbmod.close()


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def log_handler_removed() -> Iterator[None]:
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "keepwell-file":
            root.removeHandler(handler)
            handler.close()


def test_the_log_file_its_rotations_and_folders_are_private(
        umask: int, tmp_path: Path, log_handler_removed: None) -> None:
    folder = tmp_path / "logs" / "keepwell"
    path = logs.setup_logging(log_dir=folder)
    assert path is not None
    logging.getLogger("app.test").warning("a line naming Ada Admin")
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "keepwell-file")
    assert isinstance(handler, logs.PrivateRotatingFileHandler)
    handler.doRollover()
    logging.getLogger("app.test").warning("after rotating")
    rotated = folder / f"{logs.LOG_FILE_NAME}.1"
    assert "Ada Admin" in rotated.read_text(encoding="utf-8")
    assert modes(path, rotated, folder, folder.parent) == {
        path.name: "0o600", rotated.name: "0o600", "keepwell": "0o700", "logs": "0o700"}


def test_a_log_file_an_older_version_left_readable_is_closed(
        umask: int, tmp_path: Path, log_handler_removed: None) -> None:
    path = tmp_path / logs.LOG_FILE_NAME
    path.write_text("an old line\n", encoding="utf-8")
    path.chmod(0o644)
    assert logs.setup_logging(log_dir=tmp_path) == path
    assert mode(path) == 0o600
    assert path.read_text(encoding="utf-8") == "an old line\n"  # appended to, never truncated


# --- an empty file is not a database -----------------------------------------------------------


def test_an_empty_file_is_refused_as_not_a_keepwell_database(tmp_path: Path) -> None:
    path = tmp_path / "keepwell.db"
    path.touch()
    with pytest.raises(DatabaseUnavailable) as refused:
        dbmod.connect(f"sqlite:///{path}")
    assert refused.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert f"{path} is not a Keepwell database: it is an empty file (0 bytes)" in str(
        refused.value.message)
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keepwell.db"]  # no -wal, no -shm


@pytest.mark.parametrize("command", [["db", "init"], ["db", "check"], ["demo"],
                                     ["wo", "list", "--user", "admin"]])
def test_every_command_refuses_an_empty_file(command: list[str], kw: Run,
                                             tmp_path: Path) -> None:
    path = tmp_path / "keepwell.db"
    path.touch()
    result = kw("--db", f"sqlite:///{path}", *command, stdin=TEST_PASSWORD + "\n")
    assert result.code != 0
    assert "is not a Keepwell database: it is an empty file (0 bytes)" in result.err
    assert "unexpected" not in result.err
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keepwell.db"]


def test_something_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable) as refused:
        dbmod.connect("sqlite:////dev/null")
    assert refused.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert "/dev/null is not a Keepwell database: it is not a regular file" in str(
        refused.value.message)


def test_a_path_that_does_not_exist_still_becomes_a_new_database(kw: Run,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "first" / "keepwell.db"
    assert kw("--db", f"sqlite:///{path}", "db", "init").code == 0
    assert path.stat().st_size > 0
    again = kw("--db", f"sqlite:///{path}", "db", "check")
    assert again.code == 0, again.err
