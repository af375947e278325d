"""Showing errors in words: every KeepwellError becomes a message box, never a traceback."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import (
    ConflictError,
    DatabaseUnavailable,
    KeepwellError,
    NotFound,
    PermissionDenied,
    ValidationError,
)

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
    "organisation_name": "Organisation name",
    "temporary_password": "Temporary password",
}


def describe(exc: KeepwellError) -> str:
    """The words a user sees for an error."""
    if isinstance(exc, ValidationError):
        lines = [f"{FIELD_LABELS.get(k, k.replace('_', ' ').capitalize())} {v}."
                 for k, v in exc.fields.items()]
        return "\n".join(lines)
    if isinstance(exc, DatabaseUnavailable) and exc.hint:
        return f"{exc.message}\n\n{exc.hint}"
    return exc.message


def title_for(exc: KeepwellError) -> str:
    if isinstance(exc, ValidationError):
        return "Please check the input"
    if isinstance(exc, PermissionDenied):
        return "Not allowed"
    if isinstance(exc, ConflictError):
        return "Changed by someone else"
    if isinstance(exc, NotFound):
        return "Not found"
    if isinstance(exc, DatabaseUnavailable):
        return "Database problem"
    return "Keepwell"


def show_error(parent: QWidget | None, exc: KeepwellError) -> None:
    QMessageBox.warning(parent, title_for(exc), describe(exc))
