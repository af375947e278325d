"""Preventive maintenance: schedules, missed occurrences, the run lease, and the link from a
work order to the schedule occurrence it serves, unique so that no occurrence is ever ordered
twice however many runners check at once."""

import datetime
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Stand-ins for the tables of earlier steps that the new ones refer to (not created here).
    class User(Base):
        pass

    class Asset(Base):
        pass

    class Meter(Base):
        pass

    class PmSchedule(Base):
        name = CharField(max_length=200)
        asset = ForeignKeyField(Asset, on_delete="RESTRICT")
        active = BooleanField(default=True)
        anchor = CharField(max_length=16, default="fixed")
        time_unit = CharField(max_length=8, default="")
        time_every = IntegerField(default=1)
        rrule = CharField(max_length=500, default="")
        meter = ForeignKeyField(Meter, null=True, on_delete="RESTRICT")
        meter_every = DecimalField(max_digits=14, decimal_places=2, null=True)
        meter_tolerance = DecimalField(max_digits=14, decimal_places=2, default=0)
        meter_start = DecimalField(max_digits=14, decimal_places=2, null=True)
        start_date = DateField()
        end_date = DateField(null=True)
        lead_days = IntegerField(default=0)
        season_from = SmallIntegerField(null=True)
        season_to = SmallIntegerField(null=True)
        skip_dates = TextField(default="")
        description = TextField(default="")
        wo_type = CharField(max_length=16, default="preventive")
        priority = SmallIntegerField(default=3)
        estimated_hours = DecimalField(max_digits=8, decimal_places=2, null=True)
        assignee = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        tasks = TextField(default="[]")
        last_completed_on = DateField(null=True)
        last_completed_reading = DecimalField(max_digits=14, decimal_places=2, null=True)
        next_check = DateField(null=True)
        version = IntegerField(default=1)
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)

        class Meta:
            table_name = "pm_schedule"
            indexes = ((("active", "next_check"), False),)

    class PmMissed(Base):
        schedule = ForeignKeyField(PmSchedule, on_delete="CASCADE")
        occurrence = CharField(max_length=40)
        due_date = DateField()
        due_reading = DecimalField(max_digits=14, decimal_places=2, null=True)
        open_order = CharField(max_length=32, default="")
        recorded_at = DateTimeField(default=_now)

        class Meta:
            table_name = "pm_missed"
            indexes = ((("schedule", "occurrence"), True),)

    class RunLease(Base):
        name = CharField(max_length=40, primary_key=True)
        holder = CharField(max_length=200, default="")
        expires_at = DateTimeField(null=True)

        class Meta:
            table_name = "run_lease"

    db.create_tables([PmSchedule, PmMissed, RunLease], safe=False)

    schedule: Any = ForeignKeyField(  # type: ignore[call-overload]
        PmSchedule, field=PmSchedule._meta.primary_key, null=True,
        on_delete="RESTRICT")
    migrator.migrate(
        migrator.add_column("work_order", "pm_schedule_id", schedule),
        migrator.add_column("work_order", "pm_due", DateField(null=True)),
        migrator.add_column("work_order", "pm_due_reading",
                            DecimalField(max_digits=14, decimal_places=2, null=True)),
        migrator.add_index("work_order", ("pm_schedule_id", "pm_due"), unique=True),
    )
