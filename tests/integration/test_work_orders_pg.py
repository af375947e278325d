"""The work-order tests of tests/unit, run again on PostgreSQL (`db_url` is a fresh PostgreSQL
database in this folder): services, lifecycle table, CLI, and desks racing in processes."""

from tests.unit.test_checklist_steps import *  # noqa: F401,F403
from tests.unit.test_cli_work_orders import *  # noqa: F401,F403
from tests.unit.test_lifecycle import *  # noqa: F401,F403
from tests.unit.test_work_order_bulk import *  # noqa: F401,F403
from tests.unit.test_work_order_concurrency import *  # noqa: F401,F403
from tests.unit.test_work_order_edit import *  # noqa: F401,F403
from tests.unit.test_work_order_list import *  # noqa: F401,F403
