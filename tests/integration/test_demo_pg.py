"""The demo plant generator on PostgreSQL: the unit tests, re-run against a throw-away database."""

from tests.unit.test_demo import *  # noqa: F401,F403
