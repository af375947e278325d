"""Saving the PM schedule form (ui/pm/schedule_form.py): one service call per save; a refused
save's messages, each under its field with a summary below, each gone as soon as its field is
changed or the preview comes back clean; and a save that lost a race with another desk, where
the user chooses between their version and these edits on top of it.
"""

from __future__ import annotations

from typing import Any

from app.errors import ConflictError, KeepwellError, ValidationError
from app.services.pm import schedules
from ui.common.errors import describe
from ui.pm.schedule_messages import ask_reload, changed_boxes, their_changes


class ScheduleSaving:
    """The form's saving half. The form (a QDialog) gives it `actor`, `detail`, `boxes`,
    `message`, its fields (`name`, `active`, `triggers`, `template`), the refusal it holds
    (`_refused`, `_refusal`), `_filling`, `_assignee_name`, `values()`, `changed_values()`,
    `problems()`, `_state()`, `_mark_unchanged()`, `_fill()`, `_fill_asset()`,
    `_load_meters()`, `show_errors()`, `update_preview()`, `accept()` and the `saved` signal."""

    def save(self) -> bool:
        """Create or update the schedule (Create / Save, Ctrl+S); True when it was saved (the
        form then closes). A refusal leaves everything typed in place."""
        self.clear_errors()
        if problems := self.problems():
            self.show_errors(problems)
            return False
        try:
            if self.detail is None:
                detail = schedules.create_schedule(self.actor, **self.values())
            else:
                changes = self.changed_values()
                if not changes:
                    self.accept()
                    return True
                detail = schedules.update_schedule(self.actor, self.detail.id,
                                                      self.detail.version, **changes)
        except ValidationError as exc:
            self.show_errors(exc.fields)
            self.update_preview()  # says the same, beside the dates
            return False
        except ConflictError as exc:
            self.resolve_conflict(exc)
            return False
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return False
        self.detail = detail
        self._mark_unchanged()
        self.saved.emit(detail.id)
        self.accept()
        return True

    def shown_errors(self) -> dict[str, str]:
        return {name: box.error.text() for name, box in self.boxes.items() if box.error.text()}

    def clear_errors(self) -> None:
        for box in self.boxes.values():
            box.set_error("")
        self.message.setText("")
        self._refused, self._refusal = None, ""

    def _clear_fixed(self) -> None:
        """A refused field's message goes as soon as the user changes that field; the summary
        below goes with the last of them."""
        if self._refused is None:
            return
        fixed = changed_boxes(self._refused, self._state()) & self.shown_errors().keys()
        for name in fixed:
            self.boxes[name].set_error("")
        if fixed and not self.shown_errors():
            self._clear_refusal()

    def _clear_refusal(self, keep: tuple[str, ...] = ()) -> None:
        """Clear the messages of a refused save (but those of the boxes in `keep`)."""
        for name, box in self.boxes.items():
            if name not in keep:
                box.set_error("")
        if self.shown_errors():
            return
        if self.message.text() == self._refusal:  # not a message said since
            self.message.setText("")
        self._refused, self._refusal = None, ""

    def resolve_conflict(self, exc: ConflictError) -> None:
        """Someone saved the schedule since the form read it: Reload takes their version,
        Keep my edits puts this form's changes on top of it (saved with the next Save)."""
        assert self.detail is not None
        mine = self.changed_values()
        try:
            theirs = schedules.get_schedule(self.actor, self.detail.id)
        except KeepwellError as exc2:
            self.message.setText(describe(exc2))
            return
        changed = their_changes(self.detail.values, theirs.values)
        reload = ask_reload(self, exc.message.replace("pm_schedule", "PM schedule"), changed)
        self._fill(theirs)
        self._mark_unchanged()
        if reload:
            self.message.setText("Reloaded: this is the schedule as it is stored now.")
        else:
            self._apply(mine)
            self.message.setText("Your edits are on top of the version saved meanwhile. "
                                 "Check them and save again.")
        self.update_preview()

    def _apply(self, changes: dict[str, Any]) -> None:
        """Put values (as `values()` gives them) back into the fields."""
        merged = {**self.values(), **changes}
        self._filling = True
        try:
            self.name.setText(merged["name"])
            self.active.setChecked(merged["active"])
            if "asset_id" in changes:
                self._fill_asset(changes["asset_id"])
                self._load_meters(merged["meter_id"])
            self.triggers.fill(merged)
            self.template.fill(merged, self._assignee_name)
        finally:
            self._filling = False
