"""The audit history of one record, as its form's History tab shows it: who did what, when,
and which fields changed from what to what, in the office's words (names, not ids; statuses
as the screens say them; times in local time)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from app.errors import field_label
from app.models import Asset, AuditEvent, Location, Meter, Task, User
from app.permissions import Actor, Perm
from app.services.registry import SIGNED_IN, query
from app.services.work_orders.listing import PRIORITY_LABELS, STATUS_LABELS

HISTORY_LIMIT = 500

ACTION_LABELS = {
    "created": "Created",
    "updated": "Edited",
    "status_changed": "Status changed",
    "task_answered": "Checklist answered",
    "labor_booked": "Hours booked",
    "commented": "Comment added",
    "attachment_added": "File attached",
    "failure_codes_set": "Failure codes set",
    "downtime_set": "Downtime recorded",
    "completion_notes_set": "Completion notes written",
    "reading": "Meter reading",
    "filed": "Filed",
    "approved": "Approved",
    "rejected": "Rejected",
}
ASSET_STATUS_LABELS = {"in_service": "In service", "down": "Down", "retired": "Retired"}
PEOPLE_FIELDS = {"assignee", "assignee_id", "closed_by", "closed_by_id", "requester",
                 "requester_id", "decided_by", "user"}
HIDDEN_FIELDS = {"comment", "version"}  # the comment's text is on the Comments tab


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    at: dt.datetime  # UTC, as stored
    actor: str  # the person's name (their username if the account is gone)
    action: str  # created, updated, status_changed, ...
    changes: dict[str, list[Any]]  # field -> [old, new], values in words
    subject: str = ""  # what the event is about within the record ("Meter Hours run")

    @property
    def action_label(self) -> str:
        label = ACTION_LABELS.get(self.action, self.action.replace("_", " ").capitalize())
        return f"{label}: {self.subject}" if self.subject else label

    @property
    def summary(self) -> str:
        """The changed fields in words: "Priority: 3 Normal → 1 Urgent; Due date: 2026-12-01"."""
        parts = []
        for field, pair in self.changes.items():
            if field in HIDDEN_FIELDS:
                continue
            old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            name = field_label(field.removesuffix("_id"))
            if old in (None, ""):
                parts.append(f"{name}: {_text(new)}")
            else:
                parts.append(f"{name}: {_text(old)} → {_text(new)}")
        return "; ".join(parts)


def _text(value: Any) -> str:
    if value in (None, ""):
        return "(none)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"


def _local_time(value: str) -> str:
    """An ISO timestamp as stored (UTC) in the desk's local time, to the minute."""
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return f"{stamp.astimezone():%Y-%m-%d %H:%M}"


def _names(q: Any) -> dict[int, str]:
    return {key: name for key, name in q.tuples()}


class _Words:
    """Turns stored values into words, looking ids up once per history."""

    def __init__(self, events: list[tuple[Any, ...]], wo_id: int | None) -> None:
        people: set[int] = set()
        assets: set[int] = set()
        places: set[int] = set()
        for _i, _at, _who, actor_id, _action, changes in events:
            if actor_id:
                people.add(actor_id)
            for field, pair in changes.items():
                ids = [v for v in (pair if isinstance(pair, list) else [pair])
                       if isinstance(v, int) and not isinstance(v, bool)]
                if field in PEOPLE_FIELDS:
                    people.update(ids)
                elif field in ("asset", "asset_id", "parent", "parent_id"):
                    assets.update(ids)
                elif field in ("location", "location_id"):
                    places.update(ids)
        self.people = _names(User.select(User.id, User.full_name).where(
            User.id.in_(list(people)))) if people else {}
        self.assets = _names(Asset.select(Asset.id, Asset.tag).where(
            Asset.id.in_(list(assets)))) if assets else {}
        self.places = _names(Location.select(Location.id, Location.name).where(
            Location.id.in_(list(places)))) if places else {}
        self.tasks = _names(Task.select(Task.position, Task.text).where(
            Task.work_order == wo_id)) if wo_id is not None else {}

    def value(self, field: str, value: Any) -> Any:
        if value in (None, ""):
            return value
        if field in PEOPLE_FIELDS and isinstance(value, int):
            return self.people.get(value, f"account {value}")
        if field in ("asset", "asset_id", "parent", "parent_id") and isinstance(value, int):
            return self.assets.get(value, f"asset {value}")
        if field in ("location", "location_id") and isinstance(value, int):
            return self.places.get(value, f"location {value}")
        if field == "status":
            return STATUS_LABELS.get(value) or ASSET_STATUS_LABELS.get(value, value)
        if field == "type" and isinstance(value, str):
            return value.capitalize()
        if field == "priority" and isinstance(value, int):
            return PRIORITY_LABELS.get(value, value)
        if field == "task" and isinstance(value, int):
            return f"{value}. {self.tasks.get(value, '')}".rstrip(". ")
        if field == "result":
            return {"done": "Done", "pass": "Pass", "fail": "Fail"}.get(value, value)
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
            return _local_time(value)
        return value

    def changes(self, changes: dict[str, Any]) -> dict[str, list[Any]]:
        out = {}
        for field, pair in changes.items():
            old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            out[field] = [self.value(field, old), self.value(field, new)]
        return out


def _events(where: Any, limit: int) -> list[tuple[Any, ...]]:
    rows: Any = (
        AuditEvent.select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.actor_id,
                          AuditEvent.action, AuditEvent.changes, AuditEvent.entity,
                          AuditEvent.entity_id)
        .where(where)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
        .tuples()
    )
    return [(i, at, who, actor_id, action, json.loads(changes or "{}"), entity, entity_id)
            for i, at, who, actor_id, action, changes, entity, entity_id in rows]


def _rows(events: list[tuple[Any, ...]], wo_id: int | None,
          subjects: dict[tuple[str, str], str] | None = None) -> list[HistoryRow]:
    words = _Words([e[:6] for e in events], wo_id)
    subjects = subjects or {}
    return [HistoryRow(i, at, words.people.get(actor_id, who) if actor_id else who, action,
                       words.changes(changes), subjects.get((entity, entity_id), ""))
            for i, at, who, actor_id, action, changes, entity, entity_id in events]


@query(Perm.WO_VIEW)
def work_order_history(actor: Actor, wo_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """Every audited change to the order, newest first (at most `limit`)."""
    where = (AuditEvent.entity == "work_order") & (AuditEvent.entity_id == str(int(wo_id)))
    return _rows(_events(where, limit), int(wo_id))


@query(SIGNED_IN)
def asset_history(actor: Actor, asset_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """Every audited change to the asset and to its meters (set up, readings), newest first."""
    meters = {str(i): name for i, name in
              _names(Meter.select(Meter.id, Meter.name).where(Meter.asset == asset_id)).items()}
    where = (AuditEvent.entity == "asset") & (AuditEvent.entity_id == str(int(asset_id)))
    if meters:
        where |= (AuditEvent.entity == "meter") & AuditEvent.entity_id.in_(list(meters))
    subjects = {("meter", i): f"meter {name}" for i, name in meters.items()}
    return _rows(_events(where, limit), None, subjects)
