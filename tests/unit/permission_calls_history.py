"""Permission-test argument builders for app/services/history.py, people.py and search.py."""

from __future__ import annotations

from collections.abc import Callable

from tests.unit.permission_context import Call, Context

MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {
    "history.work_order_history": lambda ctx: ((1,), {}),
    "history.asset_history": lambda ctx: ((1,), {}),
}

QUERY_CALLS["people.assignees.list_workers"] = lambda ctx: ((), {})
QUERY_CALLS["search.global_search"] = lambda ctx: (("pump",), {})
QUERY_CALLS["search.exact_work_order"] = lambda ctx: (("WO-2026-000001",), {})
