"""The work-order form's questions when its edits meet someone else's: the order was saved by
another desk since the form read it (what they changed, in words; reload or keep editing), and
the form has edits not saved yet (save, discard or stay)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import ConflictError, field_label
from app.services.work_orders.detail import WorkOrderDetail
from app.services.work_orders.listing import STATUS_LABELS

# What the conflict box names when someone else saved: model field -> detail field.
THEIR_FIELDS = {
    "title": "title", "description": "description", "type": "type", "priority": "priority",
    "asset": "asset_id", "location": "location_id", "assignee": "assignee_id",
    "due_date": "due_date", "planned_start": "planned_start",
    "estimated_hours": "estimated_hours", "completion_notes": "completion_notes",
    "status": "status", "failure_problem": "failure_problem", "failure_cause": "failure_cause",
    "failure_remedy": "failure_remedy", "downtime_hours": "downtime_hours",
}


def conflict_words(exc: ConflictError) -> str:
    return exc.message.replace("work_order", "work order")


def their_changes(exc: ConflictError, mine: WorkOrderDetail | None) -> str:
    """What the other desk changed, in words, from the versions the conflict carries."""
    theirs = exc.theirs if isinstance(exc.theirs, dict) else {}
    if mine is None:
        return ""
    named = []
    for field, attr in THEIR_FIELDS.items():
        if field in theirs and theirs[field] != getattr(mine, attr):
            value = theirs[field]
            if field == "status":
                value = STATUS_LABELS.get(value, value)
            shown = ""
            if isinstance(value, str) and value:
                shown = f" → {value[:40]!r}"
            elif value is not None and not attr.endswith("_id"):
                shown = f" → {value}"
            named.append(f"{field_label(attr.removesuffix('_id'))}{shown}")
    return "; ".join(named)


class ConflictBox(QMessageBox):
    """Someone else saved the order since this form read it: reload, or keep editing."""

    def __init__(self, exc: ConflictError, theirs: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Changed by someone else")
        self.setText(f"Your changes were not saved. {conflict_words(exc)}")
        if theirs:
            self.setInformativeText(f"They changed: {theirs}")
        self.reload_button = self.addButton("Reload (discard my edits)",
                                            QMessageBox.ButtonRole.DestructiveRole)
        self.keep_button = self.addButton("Keep my edits", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)

    def wants_reload(self) -> bool:
        return self.clickedButton() is self.reload_button


class UnsavedBox(QMessageBox):
    """The form has edits not saved yet: save them, discard them, or stay."""

    def __init__(self, number: str, before: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Unsaved changes")
        self.setText(f"Save your changes to {number} before {before}?")
        self.setStandardButtons(QMessageBox.StandardButton.Save
                                | QMessageBox.StandardButton.Discard
                                | QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(QMessageBox.StandardButton.Save)
        self.setEscapeButton(QMessageBox.StandardButton.Cancel)
