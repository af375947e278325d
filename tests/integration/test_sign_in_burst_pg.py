"""Parallel guessing from 20 processes against PostgreSQL: the burst of
tests/unit/test_sign_in_burst.py, with `db_url` a PostgreSQL database (tests/integration), where
the tries are taken under a row lock (SELECT ... FOR UPDATE) instead of SQLite's write lock."""

from __future__ import annotations

from tests.unit.test_sign_in_burst import *  # noqa: F401,F403
