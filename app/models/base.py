"""The base model every Keepwell table derives from."""

from __future__ import annotations

import datetime as dt

import peewee

from app.db import database


def utcnow() -> dt.datetime:
    """Stamps are stored as naive UTC; the GUI shows them in local time."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
