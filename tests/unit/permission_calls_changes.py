"""Permission-test argument builders for app/services/changes.py."""

from __future__ import annotations

from collections.abc import Callable

from tests.unit.permission_context import Call, Context

MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {
    "changes.latest_change_id": lambda ctx: ((), {}),
    "changes.changes_since": lambda ctx: ((0,), {}),
}
