"""Preventive maintenance: schedules, the occurrences they missed, and the run lease."""

from __future__ import annotations

import peewee

from app.clock import utcnow
from app.models.assets import Asset
from app.models.base import BaseModel, VersionedModel
from app.models.meters import Meter
from app.models.users import User


class PmSchedule(VersionedModel):
    """When an asset's preventive work is due (DESIGN.md section 4) and what its orders hold.

    `last_completed_on` / `last_completed_reading` are the baselines a floating schedule counts
    from; completing one of its orders sets them (without a new version: a planner editing the
    schedule meanwhile is not in conflict with the technician)."""

    name = peewee.CharField(max_length=200)
    asset = peewee.ForeignKeyField(Asset, backref="pm_schedules", on_delete="RESTRICT")
    active = peewee.BooleanField(default=True)
    anchor = peewee.CharField(max_length=16, default="fixed")
    time_unit = peewee.CharField(max_length=8, default="")  # "" = no time trigger
    time_every = peewee.IntegerField(default=1)
    rrule = peewee.CharField(max_length=500, default="")
    meter = peewee.ForeignKeyField(Meter, null=True, backref="pm_schedules", on_delete="RESTRICT")
    meter_every = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)
    meter_tolerance = peewee.DecimalField(max_digits=14, decimal_places=2, default=0)
    meter_start = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)
    start_date = peewee.DateField()
    end_date = peewee.DateField(null=True)
    lead_days = peewee.IntegerField(default=0)
    season_from = peewee.SmallIntegerField(null=True)  # month, 1..12
    season_to = peewee.SmallIntegerField(null=True)
    skip_dates = peewee.TextField(default="")  # YYYY-MM-DD, comma separated
    description = peewee.TextField(default="")
    wo_type = peewee.CharField(max_length=16, default="preventive")
    priority = peewee.SmallIntegerField(default=3)
    estimated_hours = peewee.DecimalField(max_digits=8, decimal_places=2, null=True)
    assignee = peewee.ForeignKeyField(
        User, null=True, backref="pm_schedules", on_delete="RESTRICT"
    )
    tasks = peewee.TextField(default="[]")  # JSON: the checklist each order gets
    last_completed_on = peewee.DateField(null=True)
    last_completed_reading = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)
    # The first day a check could have something to do (NULL: check it at the next run). The
    # check writes it; anything that can make the schedule due sooner clears it (an edit, a
    # status change of one of its orders, a reading of its meter).
    next_check = peewee.DateField(null=True)

    class Meta:
        table_name = "pm_schedule"
        indexes = ((("active", "next_check"), False),)


class PmMissed(BaseModel):
    """A fixed occurrence passed over while the schedule's previous order was still open (or
    while no runner ran): it counts against PM compliance and is never back-filled."""

    id = peewee.AutoField()
    schedule = peewee.ForeignKeyField(PmSchedule, backref="missed", on_delete="CASCADE")
    occurrence = peewee.CharField(max_length=40)  # "2026-03-31" or "meter 5000.00"
    due_date = peewee.DateField()
    due_reading = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)
    open_order = peewee.CharField(max_length=32, default="")  # the order that was still open
    recorded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "pm_missed"
        indexes = ((("schedule", "occurrence"), True),)


class RunLease(BaseModel):
    """One row per background job: who runs it now, and until when that claim holds."""

    name = peewee.CharField(max_length=40, primary_key=True)
    holder = peewee.CharField(max_length=200, default="")
    expires_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "run_lease"
