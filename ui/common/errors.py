"""Showing errors in words: every KeepwellError becomes a message box, never a traceback."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import (
    ConflictError,
    DatabaseProblem,
    DatabaseUnavailable,
    KeepwellError,
    NotFound,
    PermissionDenied,
    StorageFailure,
    ValidationError,
)


def describe(exc: KeepwellError) -> str:
    """The words a user sees for an error."""
    if isinstance(exc, ValidationError):
        return "\n".join(exc.lines)
    if isinstance(exc, DatabaseProblem) and exc.hint:
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
    if isinstance(exc, StorageFailure):
        return "Changes cannot be saved"
    return "Keepwell"


def show_error(parent: QWidget | None, exc: KeepwellError) -> None:
    QMessageBox.warning(parent, title_for(exc), describe(exc))
