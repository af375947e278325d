"""The audit trail: append-only events, each hash-chained to the one before it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app import db
from app.change_feed import CHANNEL
from app.clock import utcnow
from app.models import AuditEvent
from app.permissions import Actor, Perm
from app.services.bulk import insert_rows
from app.services.registry import query

GENESIS = "0" * 64
# Serialises audit writers on PostgreSQL so the chain never forks (SQLite: BEGIN IMMEDIATE does).
_PG_AUDIT_LOCK = 0x4B57_0002


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _digest(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    actor_id: int | None,
    entity: str,
    entity_id: str,
    action: str,
    changes: str,
) -> str:
    fields = [prev_hash, at.isoformat(), actor, actor_id, entity, entity_id, action, changes]
    payload = _json(fields)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The changed fields as {field: [old, new]}."""
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def record(
    actor: Actor,
    entity: str,
    entity_id: object,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call inside the service's write transaction."""
    database = db.database.obj
    if not database.in_transaction():
        raise RuntimeError("audit.record must run inside the service's transaction")
    if not db.is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_AUDIT_LOCK,))
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).first()
    prev_hash = last.hash if last else GENESIS
    at = utcnow()
    changes_json = _json(dict(changes or {}))
    entity_id = str(entity_id)
    digest = _digest(
        prev_hash, at, actor.username, actor.user_id, entity, entity_id, action, changes_json
    )
    event = AuditEvent.create(
        at=at,
        actor=actor.username,
        actor_id=actor.user_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=changes_json,
        prev_hash=prev_hash,
        hash=digest,
    )
    if not db.is_sqlite():  # other desks hear of it when (and only if) the change commits
        database.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, str(event.id)))
    return event


def record_many(
    actor: Actor, events: Sequence[tuple[str, object, str, Mapping[str, Any]]]
) -> None:
    """Append several events (entity, entity_id, action, changes) with one insert, chained in
    order: for a service that writes many rows in one transaction (the PM check)."""
    if not events:
        return
    database = db.database.obj
    if not database.in_transaction():
        raise RuntimeError("audit.record_many must run inside the service's transaction")
    if not db.is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_AUDIT_LOCK,))
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).first()
    prev_hash = last.hash if last else GENESIS
    at = utcnow()
    rows = []
    for entity, entity_id, action, changes in events:
        changes_json = _json(dict(changes))
        digest = _digest(prev_hash, at, actor.username, actor.user_id, entity, str(entity_id),
                         action, changes_json)
        rows.append(dict(at=at, actor=actor.username, actor_id=actor.user_id, entity=entity,
                         entity_id=str(entity_id), action=action, changes=changes_json,
                         prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    insert_rows(AuditEvent, rows)
    if not db.is_sqlite():
        database.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, "batch"))


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None  # id of the first event that does not verify
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


@query(Perm.AUDIT_VERIFY)
def verify_chain(actor: Actor) -> ChainReport:
    """Walk the whole trail and prove every link; report the first broken event."""
    prev_hash = GENESIS
    count = 0
    rows = (
        AuditEvent.select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.actor_id,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.action,
            AuditEvent.changes,
            AuditEvent.prev_hash,
            AuditEvent.hash,
        )
        .order_by(AuditEvent.id)
        .tuples()
        .iterator()
    )
    for event_id, at, who, who_id, entity, entity_id, action, changes, prev, digest in rows:
        count += 1
        if prev != prev_hash:
            return ChainReport(count, event_id, "it does not link to the event before it")
        expected = _digest(prev, at, who, who_id, entity, entity_id, action, changes)
        if expected != digest:
            return ChainReport(count, event_id, "its content was changed after it was written")
        prev_hash = digest
    return ChainReport(count, None, "")


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    changes: dict


@query(Perm.AUDIT_VERIFY)
def recent_events(actor: Actor, limit: int = 100) -> list[AuditRow]:
    rows: Any = (
        AuditEvent.select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.action,
            AuditEvent.changes,
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
        .tuples()
    )
    return [AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows]
