"""The audit trail: append-only events, each hash-chained to the one before it, and the head
(how many events were ever written, the newest one's hash) kept beside them.

What the chain proves: an event edited, or deleted from the middle, breaks it. What it cannot
prove alone: events cut off its end (what is left still links up), nor a trail rewritten and
hashed afresh (the hash has no secret). The head catches the first, as deleting events does not
lower it; anchors, copies of the head kept outside the database (audit_anchors.py), catch both,
unless whoever rewrote the trail could rewrite every anchor too."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app import db
from app.change_feed import CHANNEL
from app.clock import utcnow
from app.models import AuditEvent, AuditHead
from app.permissions import Actor, Perm
from app.services.bulk import insert_rows
from app.services.registry import query

GENESIS = "0" * 64
HEAD_ID = 1  # the head's one row (made by migration 0006)
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


def _advance_head(count: int, newest: str) -> None:
    """The head moves with the events, in their transaction: both commit or neither. A head row
    deleted behind Keepwell's back is not made again here: `audit verify` says it is missing."""
    AuditHead.update(events=AuditHead.events + count, hash=newest).where(
        AuditHead.id == HEAD_ID).execute()


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
    _advance_head(1, digest)
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
    _advance_head(len(rows), prev_hash)
    if not db.is_sqlite():
        database.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, "batch"))


@dataclass(frozen=True)
class ChainReport:
    events: int  # events read (up to and including the broken one)
    broken_at: int | None  # id of the first event that does not verify
    reason: str
    newest: str = GENESIS  # the hash of the last event that verified
    hashes: Mapping[int, str] = field(default_factory=dict)  # position (1-based) -> hash, as asked

    @property
    def ok(self) -> bool:
        return self.broken_at is None


@query(Perm.AUDIT_VERIFY)
def verify_chain(actor: Actor, positions: Collection[int] = ()) -> ChainReport:
    """Walk the whole trail and prove every link; report the first broken event. The hashes of
    the events at `positions` (the 1st event is 1) are kept for checking anchors against."""
    wanted = set(positions)
    kept: dict[int, str] = {}
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
            return ChainReport(count, event_id, "it does not link to the event before it",
                               prev_hash, kept)
        expected = _digest(prev, at, who, who_id, entity, entity_id, action, changes)
        if expected != digest:
            return ChainReport(count, event_id, "its content was changed after it was written",
                               prev_hash, kept)
        prev_hash = digest
        if count in wanted:
            kept[count] = digest
    return ChainReport(count, None, "", prev_hash, kept)


@dataclass(frozen=True)
class Head:
    """How many events were ever written, and the newest one's hash."""

    events: int
    hash: str


def read_head() -> Head | None:
    """The head as the database holds it (None: its row was deleted). One small read: desks
    and the scheduler copy it out as an anchor (audit_anchors.py)."""
    row = AuditHead.select(AuditHead.events, AuditHead.hash).where(
        AuditHead.id == HEAD_ID).tuples().first()
    return Head(int(row[0]), str(row[1])) if row else None


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
