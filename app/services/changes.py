"""What changed since a desk last looked: the audit trail doubles as the change sequence.

Every service writes its audit event in the transaction of its change, so a committed change
always has an event with a higher id than everything a desk has seen (DESIGN.md section 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models import AuditEvent
from app.permissions import Actor
from app.services.registry import SIGNED_IN, query

MAX_CHANGES = 1000  # more than this since the last look: the desk reloads everything anyway


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    entity: str
    entity_id: str
    action: str
    actor: str


@query(SIGNED_IN)
def latest_change_id(actor: Actor) -> int:
    """The newest change's number (0 for an empty database): where a desk starts watching."""
    return int(AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar() or 0)


@query(SIGNED_IN)
def changes_since(actor: Actor, after_id: int, limit: int = MAX_CHANGES) -> list[Change]:
    """Changes committed after `after_id`, oldest first, at most `limit`."""
    rows: Any = (
        AuditEvent.select(AuditEvent.id, AuditEvent.entity, AuditEvent.entity_id,
                          AuditEvent.action, AuditEvent.actor)
        .where(AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .limit(limit)
        .tuples()
    )
    return [Change(*row) for row in rows]
