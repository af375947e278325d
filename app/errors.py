"""Errors a user can act on. The GUI shows them in words; the CLI prints them and exits 1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


class KeepwellError(Exception):
    """Base of every error that carries a message meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# How a field is named to the user. A field message is the rest of a sentence after the name:
# "is required", "must be at least 10 characters long", "cannot be changed: ...".
FIELD_LABELS = {
    "username": "Username",
    "full_name": "Full name",
    "email": "E-mail",
    "role": "Role",
    "craft": "Craft",
    "hourly_rate": "Hourly rate",
    "password": "Password",
    "new_password": "New password",
    "current_password": "Current password",
    "temporary_password": "Temporary password",
    "organisation_name": "Organisation name",
    "pm_compliance_grace": "The PM compliance rule",
    "pm_check_minutes": "The PM check interval",
    "user": "This account",
    "database": "This database",
    # PM schedules
    "trigger": "The schedule",
    "anchor": "The anchor",
    "time_unit": "The repeat unit",
    "time_every": "Repeat every",
    "rrule": "The rule",
    "meter": "The meter",
    "meter_every": "The meter interval",
    "meter_tolerance": "The tolerance",
    "meter_start": "The meter count start",
    "start_date": "Start date",
    "end_date": "End date",
    "lead_days": "Lead days",
    "season_from": "The season",
    "season_to": "The season's last month",
    "skip_dates": "Skip dates",
    "wo_type": "Type",
    "pm_schedule": "PM schedule",
    "pm_due": "PM due date",
    "pm_due_reading": "PM due at meter reading",
    "why": "Why",
    # work orders
    "title": "Title",
    "description": "Description",
    "type": "Type",
    "priority": "Priority",
    "status": "Status",
    "asset": "Asset",
    "location": "Location",
    "assignee": "Assignee",
    "due_date": "Due date",
    "planned_start": "Planned start",
    "estimated_hours": "Estimated hours",
    "downtime_hours": "Downtime",
    "completion_notes": "Completion notes",
    "failure_problem": "Problem code",
    "failure_cause": "Cause code",
    "failure_remedy": "Remedy code",
    "tasks": "Checklist",
    "result": "Answer",
    "worker": "Worker",
    "work_date": "Work date",
    "hours": "Hours",
    "note": "Note",
    "comment": "Comment",
    "file": "File",
    "media_type": "File type",
    "reason": "Reason",
    "labor": "Labor",
    "work_order": "Work order",
    # assets, locations, meters, work requests
    "tag": "Tag",
    "name": "Name",
    "category": "Category",
    "criticality": "Criticality",
    "manufacturer": "Manufacturer",
    "model": "Model",
    "serial": "Serial number",
    "install_date": "Install date",
    "cost": "Cost",
    "warranty_end": "Warranty end",
    "parent_id": "Parent asset",
    "location_id": "Location",
    "asset_id": "Asset",
    "notes": "Notes",
    "code": "Code",
    "kind": "Location type",
    "parent": "Parent location",
    "meter_name": "Meter name",
    "unit": "Unit",
    "cumulative": "Cumulative",
    "value": "Reading",
    "at": "Reading time",
    "replacement": "Meter replacement",
    "filename": "File name",
    "request": "This request",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


class ValidationError(KeepwellError):
    """Input was refused; `fields` maps each bad field to what is wrong with it."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        self.lines = [f"{field_label(name)} {msg}." for name, msg in self.fields.items()]
        super().__init__(" ".join(self.lines))


class PermissionDenied(KeepwellError):
    pass


class NotFound(KeepwellError):
    pass


class ConflictError(KeepwellError):
    """Someone else changed the record since it was read; carries both versions."""

    def __init__(self, message: str, mine: Any = None, theirs: Any = None) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs


class InvalidTransition(KeepwellError):
    pass


class AuthenticationFailed(KeepwellError):
    """A sign-in refused: unknown user, wrong password or a locked account. One message for all
    three, whatever the name, so that neither the words nor the lockout tell anyone which
    usernames exist; it says how the lockout works, so a user whose right password is refused
    knows why."""

    def __init__(self, failures: int = 5, minutes: int = 15) -> None:
        super().__init__(
            f"Unknown user or wrong password. After {failures} failed sign-ins an account is "
            f"locked for {minutes} minutes: if your password is right, try again later or ask "
            "an administrator to unlock it."
        )


class AccountLocked(AuthenticationFailed):
    """The sign-in was refused because the account is locked (the right password included).
    The same words as AuthenticationFailed: the class and `until` are for the program (tests,
    the log), never shown to whoever is signing in."""

    def __init__(self, until: dt.datetime, failures: int = 5, minutes: int = 15) -> None:
        super().__init__(failures, minutes)
        self.until = until


class AccountInactive(KeepwellError):
    def __init__(self) -> None:
        super().__init__("This account is deactivated. Ask an administrator.")


class DatabaseProblem(KeepwellError):
    """Something about the database itself: `kind` says what, `hint` what to do about it."""

    def __init__(self, kind: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.hint = hint


class DatabaseUnavailable(DatabaseProblem):
    """The database cannot be opened. `kind` says why, `hint` what to do about it."""

    BAD_URL = "bad_url"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth_failed"
    NOT_A_DATABASE = "not_a_database"
    NEWER_SCHEMA = "newer_schema"
    NEEDS_UPGRADE = "needs_upgrade"
    NOT_INITIALISED = "not_initialised"


class StorageFailure(DatabaseProblem):
    """The database cannot keep what is written to it (a disk error, a full disk, a read-only or
    damaged file, a lost WAL). Keepwell stops writing until a check finds the database healthy
    again (app.storage); `hint` says what to do."""

    IO_ERROR = "io_error"
    FULL = "full"
    READ_ONLY = "read_only"
    DAMAGED = "damaged"
    LOST_WAL = "lost_wal"


class ReadOnlyDatabase(DatabaseProblem):
    """The database was read-only when it was opened (a file or folder this account cannot
    write, a read-only disk, a PostgreSQL database or server that only allows reading): it can
    be read, and every change is refused before it starts. Unlike a StorageFailure nothing went
    wrong and nothing stops: `why` says what makes it read-only and where."""

    KIND = "read_only_database"

    def __init__(self, why: str) -> None:
        super().__init__(
            self.KIND,
            f"This database is read-only: you can look but not change. ({why})",
            "To make changes, open it from an account, folder or server that can write it, "
            "or ask IT.",
        )
        self.why = why
