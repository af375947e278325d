from __future__ import annotations

import peewee

from app.models.base import VersionedModel


class User(VersionedModel):
    username = peewee.CharField(max_length=64, unique=True)  # stored lower-case
    full_name = peewee.CharField(max_length=120)
    email = peewee.CharField(max_length=254, default="")
    role = peewee.CharField(max_length=16)
    craft = peewee.CharField(max_length=64, default="")
    hourly_rate = peewee.DecimalField(max_digits=10, decimal_places=2, default=0)
    active = peewee.BooleanField(default=True)
    password_hash = peewee.CharField(max_length=80)
    failed_attempts = peewee.IntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)
    must_change_password = peewee.BooleanField(default=False)
    last_login_at = peewee.DateTimeField(null=True)
