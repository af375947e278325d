"""The PM tests of tests/unit, run again on PostgreSQL (`db_url` is a fresh PostgreSQL database
in this folder): the scenario table, generation, explanation and forecast."""

from tests.unit.test_pm_concurrency import *  # noqa: F401,F403
from tests.unit.test_pm_engine import *  # noqa: F401,F403
