"""Work requests: anyone signed in files one; planners and supervisors decide."""

from __future__ import annotations

import peewee

from app.models.assets import Asset, Location
from app.models.base import VersionedModel
from app.models.users import User
from app.models.work import WorkOrder


class WorkRequest(VersionedModel):
    number = peewee.CharField(max_length=32, unique=True)  # WR-2026-000001
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    asset = peewee.ForeignKeyField(Asset, null=True, backref="requests", on_delete="RESTRICT")
    location = peewee.ForeignKeyField(
        Location, null=True, backref="requests", on_delete="RESTRICT"
    )
    priority = peewee.SmallIntegerField(default=3)
    requester = peewee.ForeignKeyField(User, backref="requests", on_delete="RESTRICT")
    status = peewee.CharField(max_length=16, default="new")
    decided_by = peewee.ForeignKeyField(
        User, null=True, backref="decided", on_delete="RESTRICT"
    )
    decided_at = peewee.DateTimeField(null=True)
    reject_reason = peewee.CharField(max_length=500, default="")
    work_order = peewee.ForeignKeyField(
        WorkOrder, null=True, backref="requests", on_delete="RESTRICT"
    )

    class Meta:
        indexes = ((("status", "created_at"), False),)
