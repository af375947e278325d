"""The global search tests of tests/unit, run again on PostgreSQL (its GIN text index)."""

from tests.unit.test_search import *  # noqa: F401,F403
