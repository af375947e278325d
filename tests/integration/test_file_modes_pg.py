"""On PostgreSQL the database has no files on this desk, but what Keepwell writes here is the
user's only, as with SQLite (tests/unit/test_file_modes.py): the log file and its folders, and
a `keepwell db backup` (pg_dump's file, which holds the password hashes), whatever the umask.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app import logs, paths
from app.services import backups
from tests.cli_runner import Run
from tests.conftest import TEST_PASSWORD


@pytest.fixture(params=[0o022, 0o000], ids=lambda m: f"umask-{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_log_and_a_pg_dump_backup_are_the_users_only(
        umask: int, admin, db: dbmod.DatabaseTarget, db_url: str, kw: Run,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not db.is_sqlite
    monkeypatch.setenv("KEEPWELL_PASSWORD", TEST_PASSWORD)
    listed = kw("--db", db_url, "wo", "list", "--user", "admin")
    assert listed.code == 0, listed.err
    log_file = paths.user_log_dir() / logs.LOG_FILE_NAME
    assert log_file.exists() and oct(mode(log_file)) == "0o600"
    assert oct(mode(paths.user_log_dir())) == "0o700"

    folder = tmp_path / "dumps" / "today"
    result = kw("--db", db_url, "db", "backup", str(folder / "plant.dump"))
    assert result.code == 0, result.err
    dump = folder / "plant.dump"
    assert dump.stat().st_size > 0
    assert {p.name: oct(mode(p)) for p in (dump, folder, folder.parent)} == {
        "plant.dump": "0o600", "today": "0o700", "dumps": "0o700"}
    assert sorted(p.name for p in folder.iterdir()) == ["plant.dump"]


def test_no_daily_backup_file_is_made_for_postgresql(admin, db: dbmod.DatabaseTarget) -> None:
    assert backups.daily_backup_if_due(dbmod.database.obj) is None
    assert not paths.backup_dir().exists()
