"""Work management: work requests, the work-order log (comments and status changes), labor,
attachments stored in the database, and meters with their readings."""

import datetime

from peewee import (
    BlobField,
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

    # Stand-ins for the tables of 0001 that the new ones refer to (not created here).
    class User(Base):
        pass

    class Location(Base):
        pass

    class Asset(Base):
        pass

    class WorkOrder(Base):
        pass

    class WorkRequest(Base):
        number = CharField(max_length=32, unique=True)
        title = CharField(max_length=200)
        description = TextField(default="")
        asset = ForeignKeyField(Asset, null=True, on_delete="RESTRICT")
        location = ForeignKeyField(Location, null=True, on_delete="RESTRICT")
        priority = SmallIntegerField(default=3)
        requester = ForeignKeyField(User, on_delete="RESTRICT")
        status = CharField(max_length=16, default="new")
        decided_by = ForeignKeyField(User, null=True, backref="decided", on_delete="RESTRICT")
        decided_at = DateTimeField(null=True)
        reject_reason = CharField(max_length=500, default="")
        work_order = ForeignKeyField(WorkOrder, null=True, on_delete="RESTRICT")
        version = IntegerField(default=1)
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)

        class Meta:
            indexes = ((("status", "created_at"), False),)

    class WorkOrderLog(Base):
        work_order = ForeignKeyField(WorkOrder, on_delete="CASCADE")
        at = DateTimeField(default=_now)
        author = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        kind = CharField(max_length=16, default="comment")
        from_status = CharField(max_length=16, default="")
        to_status = CharField(max_length=16, default="")
        text = TextField(default="")

        class Meta:
            table_name = "work_order_log"
            indexes = ((("work_order", "at"), False),)

    class LaborEntry(Base):
        work_order = ForeignKeyField(WorkOrder, on_delete="RESTRICT")
        user = ForeignKeyField(User, on_delete="RESTRICT")
        work_date = DateField()
        hours = DecimalField(max_digits=6, decimal_places=2)
        rate = DecimalField(max_digits=10, decimal_places=2, default=0)
        note = CharField(max_length=500, default="")
        created_at = DateTimeField(default=_now)

    class Attachment(Base):
        work_order = ForeignKeyField(WorkOrder, null=True, on_delete="CASCADE")
        work_request = ForeignKeyField(WorkRequest, null=True, on_delete="CASCADE")
        asset = ForeignKeyField(Asset, null=True, on_delete="CASCADE")
        filename = CharField(max_length=255)
        media_type = CharField(max_length=100, default="application/octet-stream")
        size = IntegerField()
        data = BlobField()
        uploaded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        uploaded_at = DateTimeField(default=_now)

    class Meter(Base):
        asset = ForeignKeyField(Asset, on_delete="RESTRICT")
        name = CharField(max_length=80)
        unit = CharField(max_length=20)
        cumulative = BooleanField(default=True)
        last_reading = DecimalField(max_digits=14, decimal_places=2, null=True)
        last_reading_at = DateTimeField(null=True)
        version = IntegerField(default=1)
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)

        class Meta:
            indexes = ((("asset", "name"), True),)

    class MeterReading(Base):
        meter = ForeignKeyField(Meter, on_delete="CASCADE")
        value = DecimalField(max_digits=14, decimal_places=2)
        at = DateTimeField(default=_now)
        recorded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        replacement = BooleanField(default=False)
        note = CharField(max_length=500, default="")

        class Meta:
            indexes = ((("meter", "at"), False),)

    db.create_tables(
        [WorkRequest, WorkOrderLog, LaborEntry, Attachment, Meter, MeterReading], safe=False
    )
