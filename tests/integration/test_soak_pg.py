"""Issue 10's soak on PostgreSQL: a desk (process A) and the command line (B, C) share the
shared database; afterwards every committed write is there and the audit chain verifies.
KEEPWELL_SOAK_SECONDS sets how long (see tests/unit/test_sqlite_soak.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_sqlite_soak import assert_nothing_lost, run_soak


@pytest.mark.slow
def test_a_desk_and_the_command_line_share_the_office_database_without_losing_work(
        db_url: str, tmp_path: Path) -> None:
    reports = run_soak(db_url, tmp_path)
    assert reports["A"]["counts"]["watcher_polls"] > 10
    assert_nothing_lost(db_url, reports)
