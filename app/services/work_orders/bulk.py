"""Changing many orders at once from the planner's multi-selection: assign them to someone, or
move them to a status. Each order is its own change (own transaction, own audit event, own
version check), so one refusal never holds up the rest; the result says which were refused and
why, in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.errors import KeepwellError, ValidationError
from app.models import WorkOrder
from app.permissions import Actor, Perm
from app.services.registry import mutation
from app.services.work_orders import edit, lifecycle
from app.services.work_orders.fields import check_worker

REASSIGNABLE = ("assigned", "in_progress", "on_hold")
MAX_BULK = 1000


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # order numbers changed
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, why)

    @property
    def summary(self) -> str:
        parts = []
        if self.done:
            parts.append(f"{len(self.done)} order{'s' if len(self.done) != 1 else ''} changed")
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        return ", ".join(parts) or "Nothing to change"


def _numbers(items: list[tuple[int, int]]) -> dict[int, str]:
    ids = [wo_id for wo_id, _version in items]
    rows: Any = WorkOrder.select(WorkOrder.id, WorkOrder.number).where(
        WorkOrder.id.in_(ids)).tuples()
    return dict(rows)


def _why(number: str, exc: KeepwellError) -> str:
    """The refusal without the order's number in front (the list shows it already)."""
    text = str(exc)
    return text[len(number):].lstrip(" :") if text.startswith(number) else text


def _check_items(items: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    checked = list(items)
    if not checked:
        raise ValidationError({"work_orders": "none chosen: select the orders first"})
    if len(checked) > MAX_BULK:
        raise ValidationError({"work_orders": f"at most {MAX_BULK:,} can be changed at once"})
    return checked


@mutation(Perm.WO_EDIT, transaction=False)
def bulk_assign(actor: Actor, items: Iterable[tuple[int, int]], assignee_id: int) -> BulkResult:
    """Give each (order id, version the user saw) to `assignee_id`: open orders are assigned
    (the "assigned" move), assigned, started and held ones reassigned; others are refused with
    the reason. ValidationError when the person cannot be given work."""
    checked = _check_items(items)
    errors: dict[str, str] = {}
    person = check_worker(errors, "assignee", assignee_id)
    if person is None and "assignee" not in errors:
        errors["assignee"] = "is required: choose who does the work"
    if errors or person is None:
        raise ValidationError(errors)
    result = BulkResult()
    numbers = _numbers(checked)
    for wo_id, version in checked:
        number = numbers.get(wo_id, f"#{wo_id}")
        try:
            status = WorkOrder.select(WorkOrder.status).where(WorkOrder.id == wo_id).scalar()
            if status == "open":
                lifecycle.transition(actor, wo_id, "assigned", version, assignee_id=person.id)
            elif status in REASSIGNABLE:
                edit.update_work_order(actor, wo_id, version, assignee_id=person.id)
            else:
                words = (status or "deleted").replace("_", " ")
                raise ValidationError({"status": f"is {words}: only current work is assigned"})
        except KeepwellError as exc:
            result.refused.append((number, _why(number, exc)))
        else:
            result.done.append(number)
    return result


@mutation(Perm.WO_WORK, transaction=False)
def bulk_transition(
    actor: Actor, items: Iterable[tuple[int, int]], to_status: str, reason: str = ""
) -> BulkResult:
    """Move each (order id, version the user saw) to `to_status` with one `reason`, as
    lifecycle.transition would one by one; refusals are listed with why. Signing off is done
    order by order (each signature is its own), so "closed" is refused here."""
    checked = _check_items(items)
    if to_status == "closed":
        raise ValidationError({"status": "closed is a signature: sign off each order on its own"})
    result = BulkResult()
    numbers = _numbers(checked)
    for wo_id, version in checked:
        number = numbers.get(wo_id, f"#{wo_id}")
        try:
            lifecycle.transition(actor, wo_id, to_status, version, reason=reason)
        except KeepwellError as exc:
            result.refused.append((number, _why(number, exc)))
        else:
            result.done.append(number)
    return result
