"""The service tests of tests/unit, run again on PostgreSQL.

tests/integration/conftest.py overrides `db_url`, so every `db` here is an empty PostgreSQL
database. Importing the modules' tests (and their fixtures) makes pytest collect them here too.
"""

from tests.unit.test_audit import *  # noqa: F401,F403
from tests.unit.test_auth import *  # noqa: F401,F403
from tests.unit.test_permissions import *  # noqa: F401,F403
from tests.unit.test_users import *  # noqa: F401,F403
from tests.unit.test_work_order_list import *  # noqa: F401,F403
