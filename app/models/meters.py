"""Meters on assets and their readings."""

from __future__ import annotations

import peewee

from app.clock import utcnow
from app.models.assets import Asset
from app.models.base import BaseModel, VersionedModel
from app.models.users import User


class Meter(VersionedModel):
    asset = peewee.ForeignKeyField(Asset, backref="meters", on_delete="RESTRICT")
    name = peewee.CharField(max_length=80)
    unit = peewee.CharField(max_length=20)
    cumulative = peewee.BooleanField(default=True)  # run hours, km: never goes down
    last_reading = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)
    last_reading_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("asset", "name"), True),)


class MeterReading(BaseModel):
    id = peewee.AutoField()
    meter = peewee.ForeignKeyField(Meter, backref="readings", on_delete="CASCADE")
    value = peewee.DecimalField(max_digits=14, decimal_places=2)
    at = peewee.DateTimeField(default=utcnow)
    recorded_by = peewee.ForeignKeyField(
        User, null=True, backref="meter_readings", on_delete="RESTRICT"
    )
    replacement = peewee.BooleanField(default=False)  # a new meter: may read lower
    note = peewee.CharField(max_length=500, default="")

    class Meta:
        indexes = ((("meter", "at"), False),)
