"""The `keepwell pm ...` and `keepwell scheduler` tests of tests/unit, run again on PostgreSQL
(`db_url` is a fresh PostgreSQL database in this folder): the commands, their messages, the
headless scheduler in-process and as a real process stopped by a signal."""

from tests.unit.test_cli_pm import *  # noqa: F401,F403
from tests.unit.test_scheduler import *  # noqa: F401,F403
