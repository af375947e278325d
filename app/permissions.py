"""Roles, permissions and the role matrix of DESIGN.md section 6.

The GUI hides what a role may not do; `require` is the gate that services use anyway.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.errors import PermissionDenied


class Role(enum.StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    SUPERVISOR = "supervisor"
    TECHNICIAN = "technician"
    REQUESTER = "requester"
    # Not assignable to a user account:
    SYSTEM = "system"  # the background PM worker and headless scheduler
    IT = "it"  # database-level CLI commands run by IT with access to the database

    @property
    def label(self) -> str:
        return {"it": "IT (database access)"}.get(self.value, self.value.capitalize())


USER_ROLES: tuple[Role, ...] = (
    Role.ADMIN,
    Role.PLANNER,
    Role.SUPERVISOR,
    Role.TECHNICIAN,
    Role.REQUESTER,
)


class Perm(enum.StrEnum):
    REQUEST_FILE = "request.file"
    WO_VIEW = "wo.view"
    WO_EDIT = "wo.edit"  # create / edit / assign
    WO_WORK = "wo.work"  # tasks, labor, parts, complete (technicians: own orders only)
    WO_CLOSE = "wo.close"  # close / sign off, reopen
    WO_PRINT = "wo.print"  # technicians: own orders only
    PM_MANAGE = "pm.manage"
    PM_RUN = "pm.run"  # run the PM check (generate due orders)
    ASSET_MANAGE = "asset.manage"
    INVENTORY_MANAGE = "inventory.manage"
    INVENTORY_ISSUE_OWN = "inventory.issue_own"
    REPORTS_VIEW = "reports.view"
    USER_MANAGE = "user.manage"
    SETTINGS_MANAGE = "settings.manage"
    AUDIT_VERIFY = "audit.verify"
    DB_UPGRADE = "db.upgrade"


# What each permission lets a user do, in the words a refusal uses.
PERM_WORDS = {
    Perm.REQUEST_FILE: "filing work requests",
    Perm.WO_VIEW: "seeing work orders",
    Perm.WO_EDIT: "planning work orders (create, edit, assign)",
    Perm.WO_WORK: "working on orders",
    Perm.WO_CLOSE: "signing off orders",
    Perm.WO_PRINT: "printing work orders",
    Perm.PM_MANAGE: "managing preventive maintenance",
    Perm.PM_RUN: "running the preventive maintenance check",
    Perm.ASSET_MANAGE: "managing assets and locations",
    Perm.INVENTORY_MANAGE: "managing inventory",
    Perm.INVENTORY_ISSUE_OWN: "issuing parts to one's own orders",
    Perm.REPORTS_VIEW: "seeing reports",
    Perm.USER_MANAGE: "managing users",
    Perm.SETTINGS_MANAGE: "changing settings",
    Perm.AUDIT_VERIFY: "checking the audit trail",
    Perm.DB_UPGRADE: "upgrading the database",
}

_ALL_HUMAN = frozenset(Perm) - {Perm.INVENTORY_ISSUE_OWN}
_OFFICE = frozenset(
    {
        Perm.REQUEST_FILE,
        Perm.WO_VIEW,
        Perm.WO_EDIT,
        Perm.WO_WORK,
        Perm.WO_PRINT,
        Perm.INVENTORY_MANAGE,
        Perm.REPORTS_VIEW,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: _ALL_HUMAN,
    Role.PLANNER: _OFFICE | {Perm.PM_MANAGE, Perm.PM_RUN, Perm.ASSET_MANAGE},
    Role.SUPERVISOR: _OFFICE | {Perm.WO_CLOSE},
    Role.TECHNICIAN: frozenset(
        {Perm.REQUEST_FILE, Perm.WO_VIEW, Perm.WO_WORK, Perm.WO_PRINT, Perm.INVENTORY_ISSUE_OWN}
    ),
    Role.REQUESTER: frozenset({Perm.REQUEST_FILE}),
    Role.SYSTEM: frozenset({Perm.PM_RUN, Perm.WO_VIEW, Perm.WO_PRINT}),
    Role.IT: frozenset(
        {Perm.USER_MANAGE, Perm.SETTINGS_MANAGE, Perm.AUDIT_VERIFY, Perm.DB_UPGRADE}
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, the SYSTEM worker, or IT at the command line."""

    user_id: int | None
    username: str
    full_name: str
    role: Role

    @property
    def permissions(self) -> frozenset[Perm]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, perm: Perm) -> bool:
        return perm in self.permissions

    @property
    def display(self) -> str:
        return f"{self.full_name} ({self.role.label})"


SYSTEM = Actor(user_id=None, username="system", full_name="Keepwell scheduler", role=Role.SYSTEM)


def it_actor(os_user: str) -> Actor:
    """The actor for database-level CLI commands; the audit trail names the OS account."""
    return Actor(user_id=None, username=f"it:{os_user}", full_name=f"IT ({os_user})", role=Role.IT)


def require(actor: Actor, perm: Perm) -> None:
    """Refuse with PermissionDenied unless the actor's role grants `perm`."""
    if not actor.can(perm):
        raise PermissionDenied(
            f"{actor.role.label} accounts may not do this: {PERM_WORDS.get(perm, perm.value)} "
            "is for other roles. Ask an administrator if you need it."
        )
