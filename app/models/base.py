"""The base model every Keepwell table derives from."""

from __future__ import annotations

import peewee

from app.clock import utcnow
from app.db import database


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class VersionedModel(BaseModel):
    """A mutable aggregate: `version` is the optimistic lock of DESIGN.md section 9."""

    id = peewee.AutoField()
    version = peewee.IntegerField(default=1)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
