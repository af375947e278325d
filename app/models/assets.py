"""Site -> Location (tree) -> Asset (tree)."""

from __future__ import annotations

import peewee

from app.models.base import VersionedModel


class Site(VersionedModel):
    code = peewee.CharField(max_length=20, unique=True)
    name = peewee.CharField(max_length=120)


class Location(VersionedModel):
    site = peewee.ForeignKeyField(Site, backref="locations", on_delete="RESTRICT")
    parent = peewee.ForeignKeyField(
        "self", null=True, backref="children", on_delete="RESTRICT"
    )
    code = peewee.CharField(max_length=40)
    name = peewee.CharField(max_length=120)
    kind = peewee.CharField(max_length=20, default="area")  # building, area, room, line ...

    class Meta:
        indexes = ((("site", "code"), True),)


class Asset(VersionedModel):
    tag = peewee.CharField(max_length=40, unique=True)
    name = peewee.CharField(max_length=120)
    category = peewee.CharField(max_length=60, default="")
    criticality = peewee.CharField(max_length=1, default="B")  # A, B, C
    status = peewee.CharField(max_length=16, default="in_service")  # in_service, down, retired
    manufacturer = peewee.CharField(max_length=80, default="")
    model = peewee.CharField(max_length=80, default="")
    serial = peewee.CharField(max_length=80, default="")
    install_date = peewee.DateField(null=True)
    cost = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)
    warranty_end = peewee.DateField(null=True)
    notes = peewee.TextField(default="")
    location = peewee.ForeignKeyField(Location, null=True, backref="assets", on_delete="RESTRICT")
    parent = peewee.ForeignKeyField(
        "self", null=True, backref="children", on_delete="RESTRICT"
    )
