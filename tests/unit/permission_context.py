"""What a permission-test argument builder gets (see test_permissions.py): the admin, the
actor being tried, and a way to make fresh records for each call.

Areas add their builders in `permission_calls_<area>.py` next to this file, each exporting
`MUTATION_CALLS` and `QUERY_CALLS` dicts: test_permissions.py merges them all.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from app.models import User
from app.permissions import Actor, Role
from app.services.people import users

Call = tuple[tuple, dict]


@dataclass
class Context:
    """What an argument builder may use: the admin, and fresh records made for each call."""

    admin: Actor
    actor: Actor
    make_user: Callable[..., Actor]
    serial: itertools.count

    def new_user(self, role: Role = Role.TECHNICIAN) -> users.UserRow:
        actor = self.make_user(role, f"target{next(self.serial)}")
        return users.get_user(self.admin, actor.user_id)


def locked_user(ctx: Context) -> int:
    row = ctx.new_user()
    User.update(locked_until=dt.datetime(2100, 1, 1)).where(User.id == row.id).execute()
    return row.id


def rename_user(ctx: Context) -> Call:
    row = ctx.new_user()
    return (row.id, row.version, "Renamed Person"), {}


def deactivated_user(ctx: Context) -> int:
    row = ctx.new_user()
    users.deactivate_user(ctx.admin, row.id)
    return row.id
