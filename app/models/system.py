"""Settings, the audit trail and named number sequences."""

from __future__ import annotations

import peewee

from app.clock import utcnow
from app.models.base import BaseModel


class Setting(BaseModel):
    key = peewee.CharField(max_length=64, primary_key=True)
    value = peewee.TextField()  # JSON
    updated_at = peewee.DateTimeField(default=utcnow)


class AuditEvent(BaseModel):
    """Append-only. `hash` chains each event to the one before it (see services.audit)."""

    id = peewee.AutoField()
    at = peewee.DateTimeField(default=utcnow)
    actor = peewee.CharField(max_length=80)
    actor_id = peewee.IntegerField(null=True)
    entity = peewee.CharField(max_length=40)
    entity_id = peewee.CharField(max_length=40)
    action = peewee.CharField(max_length=40)
    changes = peewee.TextField(default="{}")  # JSON: field -> [old, new]
    prev_hash = peewee.CharField(max_length=64)
    hash = peewee.CharField(max_length=64)

    class Meta:
        indexes = ((("entity", "entity_id"), False),)


class AuditHead(BaseModel):
    """One row (id 1): how many audit events were ever written and the newest one's hash,
    advanced with each event; deleting events does not lower it (see services.audit)."""

    id = peewee.IntegerField(primary_key=True)
    events = peewee.IntegerField(default=0)
    hash = peewee.CharField(max_length=64)


class NumberSequence(BaseModel):
    """Readable numbers allocated inside the creating transaction (e.g. WO-2026-000123)."""

    name = peewee.CharField(max_length=40, primary_key=True)
    last_value = peewee.IntegerField(default=0)
