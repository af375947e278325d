"""Saving the work-order form (ui/work_orders/form.py): what the user changed in the header and
the failure codes, stored with one versioned service call each (or the new order raised); a
refused field named under it with a summary below; a save that lost a race with another desk
said in words, with the choice to reload their version or keep these edits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from app.errors import ConflictError, KeepwellError, ValidationError
from app.services.work_orders import activity, edit
from app.services.work_orders.detail import WorkOrderDetail
from ui.common.errors import describe
from ui.common.form_widgets import refusal_summary
from ui.work_orders.conflicts import ConflictBox, conflict_words, their_changes
from ui.work_orders.header import ERROR_FIELDS


class WorkOrderSaving:
    """The form's saving half. The form (a QDialog) gives it `actor`, `detail`, `version`,
    `rights`, `header`, `codes`, `checklist`, `tabs`, `message`, `notice`,
    `_summary_of_fields`, `is_dirty()`, `reload()` and the `changed` signal."""

    def save(self) -> bool:
        """Store what the user changed (Ctrl+S); False when something was refused."""
        if self.detail is None:
            return self.create_order()
        if not self.is_dirty():
            self.notice.setText("Nothing to save")
            return True
        self._clear_refusals()
        wo_id = self.detail.id
        header: Callable[[], WorkOrderDetail] | None = None
        if self.rights.edit and self.header.is_dirty():
            problems = self.header.problems()
            if problems:
                self._refused(problems)
                return False
            header = functools.partial(edit.update_work_order, self.actor, wo_id,
                                       expected_version=self.version, **self.header.changes())
        elif self.rights.work and self.header.notes_dirty():  # a technician's own order
            header = functools.partial(activity.set_completion_notes, self.actor,
                                       wo_id, self.version, self.header.notes())
        if header is not None:
            detail = self._stored(header)
            if detail is None:
                return False
            self.header.fill(detail)
        if self.rights.work and self.codes.codes_dirty():
            if self._stored(functools.partial(
                    edit.set_failure_codes, self.actor, wo_id, self.version,
                    *self.codes.codes())) is None:
                return False
        if self.rights.work and self.codes.downtime_dirty():
            if self._stored(functools.partial(
                    edit.set_downtime, self.actor, wo_id, self.version,
                    self.codes.downtime_value())) is None:
                return False
        self.reload(wo_id)
        self.notice.setText("Saved")
        return True

    def create_order(self) -> bool:
        """Raise the new order (Create, Ctrl+S); the form then shows it."""
        self._clear_refusals()
        problems = self.header.problems()
        if problems:
            self._refused(problems)
            return False
        detail = self._stored(functools.partial(edit.create_work_order, self.actor,
                                                **self.header.values()))
        if detail is None:
            return False
        self.reload(detail.id)
        self.notice.setText(f"Created {detail.number}")
        return True

    def _stored(self, call: Callable[[], WorkOrderDetail]) -> WorkOrderDetail | None:
        """Run one versioned service call; on success the form's version moves with it."""
        try:
            detail = call()
        except ValidationError as exc:
            self._refused(exc.fields)
            return None
        except ConflictError as exc:
            self._conflict(exc)
            return None
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            return None
        self.detail = detail
        self.version = detail.version
        self.checklist.version = detail.version
        self.changed.emit(detail.id)
        return detail

    def _clear_refusals(self) -> None:
        """A new attempt: the last one's messages go."""
        self.message.clear()
        self.header.show_errors({})
        self.codes.show_errors({})
        self._summary_of_fields = False

    def _refused(self, fields: dict[str, str]) -> None:
        """Each field's message under it, and a summary line here."""
        self.header.show_errors(fields)
        self.codes.show_errors(fields)
        if any(name.startswith("failure_") or name == "downtime_hours" for name in fields):
            self.tabs.setCurrentWidget(self.codes)
        self.message.setText(refusal_summary(fields, {*ERROR_FIELDS, *self.codes.boxes}))
        self._summary_of_fields = True

    def _conflict(self, exc: ConflictError) -> None:
        box = ConflictBox(exc, their_changes(exc, self.detail), self)
        box.exec()
        if box.wants_reload():
            self.reload()
            self.notice.setText("Reloaded: their version is shown")
        else:
            self.message.setText(f"Not saved: {conflict_words(exc)} Your edits are still here; "
                                 "Reload to see their version.")
