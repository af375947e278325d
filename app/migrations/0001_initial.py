"""Initial schema: users, settings, audit events, number sequences, sites, locations, assets,
work orders and their tasks."""

import datetime

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

    class Versioned(Base):
        version = IntegerField(default=1)
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)

    class User(Versioned):
        username = CharField(max_length=64, unique=True)
        full_name = CharField(max_length=120)
        email = CharField(max_length=254, default="")
        role = CharField(max_length=16)
        craft = CharField(max_length=64, default="")
        hourly_rate = DecimalField(max_digits=10, decimal_places=2, default=0)
        active = BooleanField(default=True)
        password_hash = CharField(max_length=80)
        failed_attempts = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        must_change_password = BooleanField(default=False)
        last_login_at = DateTimeField(null=True)

    class Setting(Base):
        key = CharField(max_length=64, primary_key=True)
        value = TextField()
        updated_at = DateTimeField(default=_now)

    class AuditEvent(Base):
        at = DateTimeField(default=_now)
        actor = CharField(max_length=80)
        actor_id = IntegerField(null=True)
        entity = CharField(max_length=40)
        entity_id = CharField(max_length=40)
        action = CharField(max_length=40)
        changes = TextField(default="{}")
        prev_hash = CharField(max_length=64)
        hash = CharField(max_length=64)

        class Meta:
            indexes = ((("entity", "entity_id"), False),)

    class NumberSequence(Base):
        name = CharField(max_length=40, primary_key=True)
        last_value = IntegerField(default=0)

    class Site(Versioned):
        code = CharField(max_length=20, unique=True)
        name = CharField(max_length=120)

    class Location(Versioned):
        site = ForeignKeyField(Site, on_delete="RESTRICT")
        parent = ForeignKeyField("self", null=True, on_delete="RESTRICT")
        code = CharField(max_length=40)
        name = CharField(max_length=120)
        kind = CharField(max_length=20, default="area")

        class Meta:
            indexes = ((("site", "code"), True),)

    class Asset(Versioned):
        tag = CharField(max_length=40, unique=True)
        name = CharField(max_length=120)
        category = CharField(max_length=60, default="")
        criticality = CharField(max_length=1, default="B")
        status = CharField(max_length=16, default="in_service")
        manufacturer = CharField(max_length=80, default="")
        model = CharField(max_length=80, default="")
        serial = CharField(max_length=80, default="")
        install_date = DateField(null=True)
        cost = DecimalField(max_digits=14, decimal_places=2, null=True)
        warranty_end = DateField(null=True)
        notes = TextField(default="")
        location = ForeignKeyField(Location, null=True, on_delete="RESTRICT")
        parent = ForeignKeyField("self", null=True, on_delete="RESTRICT")

    class WorkOrder(Versioned):
        number = CharField(max_length=32, unique=True)
        title = CharField(max_length=200)
        description = TextField(default="")
        type = CharField(max_length=16, default="corrective")
        priority = SmallIntegerField(default=3)
        status = CharField(max_length=16, default="open")
        asset = ForeignKeyField(Asset, null=True, on_delete="RESTRICT")
        location = ForeignKeyField(Location, null=True, on_delete="RESTRICT")
        assignee = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        requester = ForeignKeyField(
            User, null=True, backref="requested", on_delete="RESTRICT"
        )
        due_date = DateField(null=True)
        planned_start = DateField(null=True)
        estimated_hours = DecimalField(max_digits=8, decimal_places=2, null=True)
        downtime_hours = DecimalField(max_digits=8, decimal_places=2, null=True)
        failure_problem = CharField(max_length=40, default="")
        failure_cause = CharField(max_length=40, default="")
        failure_remedy = CharField(max_length=40, default="")
        completion_notes = TextField(default="")
        hold_reason = CharField(max_length=200, default="")
        completed_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)
        closed_by = ForeignKeyField(User, null=True, backref="signed", on_delete="RESTRICT")
        signature_name = CharField(max_length=120, default="")
        signature_meaning = CharField(max_length=80, default="")

        class Meta:
            indexes = (
                (("status", "due_date"), False),
                (("due_date",), False),
            )

    class Task(Base):
        work_order = ForeignKeyField(WorkOrder, on_delete="CASCADE")
        position = IntegerField()
        text = CharField(max_length=500)
        kind = CharField(max_length=16, default="check")
        required = BooleanField(default=False)
        unit = CharField(max_length=20, default="")
        result = CharField(max_length=500, default="")
        done_by = ForeignKeyField(User, null=True, backref="tasks_done", on_delete="RESTRICT")
        done_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("work_order", "position"), True),)

    db.create_tables(
        [User, Setting, AuditEvent, NumberSequence, Site, Location, Asset, WorkOrder, Task]
    )
