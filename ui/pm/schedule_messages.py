"""The words of the PM schedule form: a refused field's message as a sentence and where it is
shown, and its questions (after a save that lost a race with another desk; before closing
with unsaved edits)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import field_label
from ui.common.form_widgets import FieldBox

# A refused field (as the service names it) -> the field box showing its message.
ERROR_BOXES = {
    "name": "name", "asset": "asset", "asset_id": "asset", "active": "active",
    "time_unit": "time", "time_every": "time", "rrule": "rrule", "trigger": "trigger",
    "meter": "meter", "meter_id": "meter", "meter_every": "meter_every",
    "meter_tolerance": "meter_tolerance", "meter_start": "meter_start", "anchor": "anchor",
    "start_date": "start_date", "end_date": "end_date", "lead_days": "lead_days",
    "season_from": "season", "season_to": "season", "skip_dates": "skip_dates",
    "description": "description", "wo_type": "wo_type", "priority": "priority",
    "estimated_hours": "estimated_hours", "assignee": "assignee", "assignee_id": "assignee",
    "tasks": "tasks",
}


def sentence(name: str, message: str) -> str:
    """A refused field's message as a sentence: "Lead days must be a whole number ...",
    "Checklist step 2: text is required." (the service's messages go on from the field's
    name)."""
    text = message.strip().rstrip(".")
    if name.startswith("task_"):
        return f"Checklist step {name.removeprefix('task_')}: {text}."
    return f"{field_name(name)} {text}."


# The values that choose the triggers: changing one answers "needs a trigger" too.
TRIGGER_VALUES = ("time_unit", "meter_id")


def changed_boxes(before: dict[str, Any], now: dict[str, Any]) -> set[str]:
    """The field boxes whose fields hold another value now than `before` (two states of the
    form, as `values()` gives them): their messages are about what is no longer there."""
    changed = {name for name, value in now.items() if before.get(name, value) != value}
    boxes = {error_box(name) for name in changed} - {""}
    if changed & set(TRIGGER_VALUES):
        boxes.add("trigger")
    return boxes


def error_box(name: str) -> str:
    """The field box that shows a refused field's message ("" : none; said below the form)."""
    return "tasks" if name.startswith("task_") else ERROR_BOXES.get(name, "")


def show_refusal(boxes: dict[str, FieldBox], fields: dict[str, str]
                 ) -> tuple[FieldBox | None, str]:
    """Put each refused field's message under its field box; returns the first such box and
    the summary for below the form (with the messages that have no box of their own)."""
    loose = []
    for name, text in fields.items():
        box = boxes.get(error_box(name))
        if box is None:
            loose.append(sentence(name, text))
            continue
        box.set_error("\n".join(filter(None, (box.error.text(), sentence(name, text)))))
    count = len(fields)
    summary = "Nothing was saved: " + ("one field needs" if count == 1 else
                                       f"{count} fields need") + " attention."
    first = next((boxes[error_box(n)] for n in fields if error_box(n) in boxes), None)
    return first, " ".join([summary, *loose])


def field_name(name: str) -> str:
    """A schedule field in words: "lead_days" -> "Lead days", "assignee_id" -> "Assignee"."""
    return field_label(name.removesuffix("_id"))


def their_changes(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The fields another desk changed, named as the form labels them."""
    return [field_name(name) for name, value in now.items() if before.get(name) != value]


def ask_reload(parent: QWidget, who: str, changed: list[str]) -> bool:
    """Ask whether to reload after a lost race; True for Reload, False for Keep my edits."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Changed by someone else",
                      f"Your changes were not saved. {who}", QMessageBox.StandardButton.NoButton,
                      parent)
    their = f"They changed: {', '.join(changed)}.\n\n" if changed else ""
    box.setInformativeText(
        f"{their}Reload shows their version and drops your edits. Keep my edits loads their "
        "version with your changes on top; check it, then save again.")
    reload_button = box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole)
    keep_button = box.addButton("Keep my edits", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(keep_button)
    box.exec()
    return box.clickedButton() is reload_button


def ask_unsaved(parent: QWidget, what: str) -> QMessageBox.StandardButton:
    """Save, Discard or Cancel, before closing a form with unsaved edits to `what`."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    return QMessageBox.question(parent, "Unsaved changes",
                                f"Save your changes to {what} before closing?", buttons,
                                QMessageBox.StandardButton.Save)
