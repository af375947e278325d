"""What happens on a work order: its log (comments, status changes), labor, attachments."""

from __future__ import annotations

import peewee

from app.clock import utcnow
from app.models.assets import Asset
from app.models.base import BaseModel
from app.models.requests import WorkRequest
from app.models.users import User
from app.models.work import WorkOrder


class WorkOrderLog(BaseModel):
    id = peewee.AutoField()
    work_order = peewee.ForeignKeyField(WorkOrder, backref="log", on_delete="CASCADE")
    at = peewee.DateTimeField(default=utcnow)
    author = peewee.ForeignKeyField(User, null=True, backref="log_entries", on_delete="RESTRICT")
    kind = peewee.CharField(max_length=16, default="comment")
    from_status = peewee.CharField(max_length=16, default="")
    to_status = peewee.CharField(max_length=16, default="")
    text = peewee.TextField(default="")

    class Meta:
        table_name = "work_order_log"
        indexes = ((("work_order", "at"), False),)


class LaborEntry(BaseModel):
    id = peewee.AutoField()
    work_order = peewee.ForeignKeyField(WorkOrder, backref="labor", on_delete="RESTRICT")
    user = peewee.ForeignKeyField(User, backref="labor", on_delete="RESTRICT")
    work_date = peewee.DateField()
    hours = peewee.DecimalField(max_digits=6, decimal_places=2)
    rate = peewee.DecimalField(max_digits=10, decimal_places=2, default=0)  # snapshot
    note = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utcnow)


class Attachment(BaseModel):
    id = peewee.AutoField()
    work_order = peewee.ForeignKeyField(
        WorkOrder, null=True, backref="attachments", on_delete="CASCADE"
    )
    work_request = peewee.ForeignKeyField(
        WorkRequest, null=True, backref="attachments", on_delete="CASCADE"
    )
    asset = peewee.ForeignKeyField(Asset, null=True, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=255)
    media_type = peewee.CharField(max_length=100, default="application/octet-stream")
    size = peewee.IntegerField()
    data = peewee.BlobField()
    uploaded_by = peewee.ForeignKeyField(
        User, null=True, backref="attachments", on_delete="RESTRICT"
    )
    uploaded_at = peewee.DateTimeField(default=utcnow)
