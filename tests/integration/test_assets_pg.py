"""The asset, meter, work-request and their CLI tests of tests/unit, run again on PostgreSQL.

tests/integration/conftest.py overrides `db_url`, so every database here is an empty PostgreSQL
database. Importing the modules' tests (and their fixtures) makes pytest collect them here too.
"""

from tests.unit.test_assets import *  # noqa: F401,F403
from tests.unit.test_cli_assets import *  # noqa: F401,F403
from tests.unit.test_meters import *  # noqa: F401,F403
from tests.unit.test_requests import *  # noqa: F401,F403
