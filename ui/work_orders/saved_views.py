"""Saved views of the Work Orders list: a name and the filters it shows. "Current work",
"Overdue", "Unassigned", "My work", "Waiting for sign-off" and "Everything" are built in; a
user's own views are kept per user in the desk's settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable

from app.permissions import Actor
from app.services.work_orders.listing import FINISHED_STATUSES, OPEN_STATUSES, WorkOrderFilter
from ui.common.settings import gui_settings


@dataclasses.dataclass(frozen=True)
class SavedView:
    name: str
    filters: WorkOrderFilter
    built_in: bool = True


def agreed(filters: WorkOrderFilter) -> WorkOrderFilter:
    """`filters` with the "Show closed and cancelled" switch agreeing with the statuses
    chosen: once statuses are chosen, they alone say whether closed or cancelled orders can
    show, and the switch says the same (it decides only while the status is "any")."""
    if not filters.statuses:
        return filters
    finished = bool(set(filters.statuses) & set(FINISHED_STATUSES))
    return dataclasses.replace(filters, include_finished=finished)


def built_in_views(actor: Actor) -> list[SavedView]:
    current = WorkOrderFilter(include_finished=False)
    views = [
        SavedView("Current work", current),
        SavedView("Overdue", WorkOrderFilter(include_finished=False, overdue=True)),
        SavedView("Unassigned", WorkOrderFilter(include_finished=False, unassigned=True)),
        SavedView("My work", WorkOrderFilter(statuses=OPEN_STATUSES,
                                             assignee_id=actor.user_id)),
        SavedView("Waiting for sign-off", WorkOrderFilter(statuses=("completed",))),
        SavedView("Everything", WorkOrderFilter()),
    ]
    return [dataclasses.replace(v, filters=agreed(v.filters)) for v in views]


def _to_json(filters: WorkOrderFilter) -> dict:
    data = dataclasses.asdict(filters)
    data.pop("today", None)
    for key in ("due_from", "due_to"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def _from_json(data: dict) -> WorkOrderFilter:
    known = {f.name for f in dataclasses.fields(WorkOrderFilter)} - {"today"}
    values = {k: v for k, v in data.items() if k in known}
    for key in ("statuses", "types", "priorities"):
        values[key] = tuple(values.get(key) or ())
    for key in ("due_from", "due_to"):
        values[key] = dt.date.fromisoformat(values[key]) if values.get(key) else None
    return agreed(WorkOrderFilter(**values))  # views saved before the two agreed


def load_user_views(username: str) -> list[SavedView]:
    raw = gui_settings().value(f"work_order_views/{username}", "[]")
    try:
        items = json.loads(str(raw))
        return [SavedView(str(i["name"]), _from_json(i["filters"]), built_in=False)
                for i in items]
    except (ValueError, KeyError, TypeError):
        return []  # a damaged setting costs the user's views, never the screen


def store_user_views(username: str, views: Iterable[SavedView]) -> None:
    items = [{"name": v.name, "filters": _to_json(v.filters)} for v in views if not v.built_in]
    gui_settings().setValue(f"work_order_views/{username}", json.dumps(items))
