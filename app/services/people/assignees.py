"""Who can be given work: the people a planner picks as assignee or books labor for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models import User
from app.permissions import Actor, Perm
from app.services.registry import query
from app.services.work_orders.fields import WORKING_ROLES


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    username: str
    full_name: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.role})"


@query(Perm.WO_VIEW)
def list_workers(actor: Actor) -> list[PersonRow]:
    """Active accounts whose role may work on orders, by name: the assignee choices."""
    rows: Any = (
        User.select(User.id, User.username, User.full_name, User.role)
        .where(User.active & User.role.in_(list(WORKING_ROLES)))
        .order_by(User.full_name, User.id)
        .tuples()
    )
    return [PersonRow(*r) for r in rows]
