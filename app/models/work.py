"""Work orders and their checklist tasks."""

from __future__ import annotations

import peewee

from app.models.assets import Asset, Location
from app.models.base import BaseModel, VersionedModel
from app.models.pm import PmSchedule
from app.models.users import User


class WorkOrder(VersionedModel):
    number = peewee.CharField(max_length=32, unique=True)
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    type = peewee.CharField(max_length=16, default="corrective")
    priority = peewee.SmallIntegerField(default=3)  # 1 (urgent) .. 4 (low)
    status = peewee.CharField(max_length=16, default="open")
    asset = peewee.ForeignKeyField(Asset, null=True, backref="work_orders", on_delete="RESTRICT")
    location = peewee.ForeignKeyField(
        Location, null=True, backref="work_orders", on_delete="RESTRICT"
    )
    assignee = peewee.ForeignKeyField(
        User, null=True, backref="assigned_work_orders", on_delete="RESTRICT"
    )
    requester = peewee.ForeignKeyField(
        User, null=True, backref="requested_work_orders", on_delete="RESTRICT"
    )
    due_date = peewee.DateField(null=True)
    planned_start = peewee.DateField(null=True)
    estimated_hours = peewee.DecimalField(max_digits=8, decimal_places=2, null=True)
    downtime_hours = peewee.DecimalField(max_digits=8, decimal_places=2, null=True)
    failure_problem = peewee.CharField(max_length=40, default="")
    failure_cause = peewee.CharField(max_length=40, default="")
    failure_remedy = peewee.CharField(max_length=40, default="")
    completion_notes = peewee.TextField(default="")
    hold_reason = peewee.CharField(max_length=200, default="")
    completed_at = peewee.DateTimeField(null=True)
    closed_at = peewee.DateTimeField(null=True)
    closed_by = peewee.ForeignKeyField(
        User, null=True, backref="signed_work_orders", on_delete="RESTRICT"
    )
    signature_name = peewee.CharField(max_length=120, default="")
    signature_meaning = peewee.CharField(max_length=80, default="")
    # A preventive order: the schedule and the occurrence it serves, at most one order each.
    pm_schedule = peewee.ForeignKeyField(
        PmSchedule, null=True, backref="work_orders", on_delete="RESTRICT"
    )
    pm_due = peewee.DateField(null=True)
    pm_due_reading = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        indexes = (
            (("status", "due_date"), False),
            (("due_date",), False),
            (("pm_schedule", "pm_due"), True),
        )


class Task(BaseModel):
    id = peewee.AutoField()
    work_order = peewee.ForeignKeyField(WorkOrder, backref="tasks", on_delete="CASCADE")
    position = peewee.IntegerField()
    text = peewee.CharField(max_length=500)
    kind = peewee.CharField(max_length=16, default="check")
    required = peewee.BooleanField(default=False)
    unit = peewee.CharField(max_length=20, default="")
    result = peewee.CharField(max_length=500, default="")
    done_by = peewee.ForeignKeyField(User, null=True, backref="tasks_done", on_delete="RESTRICT")
    done_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("work_order", "position"), True),)
