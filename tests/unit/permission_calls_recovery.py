"""Permission-test argument builders for app/services/people/recovery.py. The test's database
file belongs to the account running the tests (on PostgreSQL, the test role owns the database
it made), so the recovery's owner rule passes here; its refusals are tested in
tests/unit/test_cli_recovery.py and tests/integration/test_cli_pg.py."""

from __future__ import annotations

from collections.abc import Callable

from tests.unit.permission_context import Call, Context

MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {
    "people.recovery.recovery_reset_password": lambda ctx: (
        (ctx.new_user().id, "temporary-pass-1"), {}),
}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {}
