"""PM schedules: setting them up, listing them with when they are next due, and asking the
engine why a schedule is (not) due (DESIGN.md section 4). What is expected when is in
forecast.py; generating the orders is in run.py."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from app.models import Asset, Meter, PmSchedule, User
from app.permissions import Actor, Perm
from app.pm.engine import Decision, Past, Plan, amount, day, decide, trigger_words
from app.pm.next_check import check_after
from app.pm.projection import occurrences
from app.pm.recurrence import RecurrenceError
from app.services import audit
from app.services.bulk import read_rows
from app.services.common import (
    get_or_not_found,
    lock_rows,
    page_order,
    raise_if,
    text_search,
    versioned_update,
)
from app.services.pm.fields import FIELDS, check_fields, plan_of, stored_values
from app.services.pm.state import (
    compliance,
    daily_use,
    pasts,
    plans,
    schedule_rows,
    stored_trigger,
)
from app.services.registry import mutation, query

PREVIEW_COUNT = 12
MAX_FORECAST_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A line of the PM Schedules table."""

    id: int
    name: str
    asset_id: int
    asset_tag: str
    asset_name: str
    active: bool
    trigger: str  # in words: "every 3 months (fixed)"
    next_due: dt.date | None
    next_reading: str  # "5,000 h" or ""
    last_done: dt.date | None
    open_order: str
    compliance: float | None  # done / due over the last year; None: nothing was due yet
    assignee_name: str
    estimated_hours: Decimal | None
    version: int
    next_due_estimated: bool = False  # next_due worked out from the meter's recent use


@dataclass(frozen=True)
class ScheduleDetail:
    id: int
    version: int
    values: dict[str, Any]  # the form's fields, as create_schedule takes them
    asset_tag: str
    asset_name: str
    meter_name: str
    meter_unit: str
    meter_reading: Decimal | None
    trigger: str
    decision: Decision
    assignee_name: str = ""


@dataclass(frozen=True, slots=True)
class Occurrence:
    day: dt.date
    how: str  # "time", "meter" (a date estimated from the meter's use) or "order" (raised)
    number: str = ""  # "order": the order still open
    overdue_since: dt.date | None = None  # "order": its due date, when passed


def _row(r: Any, plan: Plan, past: Past, today: dt.date, done_due: tuple[int, int] | None,
         use: Decimal | None) -> ScheduleRow:
    decision = decide(plan, past, today)
    rate = None
    if done_due and done_due[1]:
        rate = done_due[0] / done_due[1]
    # By meter alone there is no next date, except the one of the order still open.
    next_due = decision.next_due if plan.recurrence or past.open_order else decision.due
    estimated = False
    if use and plan.meter_every is not None and not decision.create and not past.open_order:
        # By meter, the day is a guess from the last 90 days' use (when it comes first).
        by_meter = _meter_day(plan, past, today, use)
        if by_meter is not None and (next_due is None or by_meter < next_due):
            next_due, estimated = by_meter, True
    next_reading = decision.next_reading
    if past.open_order and past.last_due_reading is not None:
        next_reading = past.last_due_reading  # the open order's, as its day is next_due
    return ScheduleRow(
        id=r.id, name=r.name, asset_id=r.asset_id, asset_tag=r.asset_tag,
        asset_name=r.asset_name, active=r.active, trigger=trigger_words(plan),
        next_due=next_due,
        next_reading=amount(next_reading, plan.meter_unit) if next_reading is not None else "",
        last_done=r.last_completed_on, open_order=past.open_order, compliance=rate,
        assignee_name=r.assignee_name, estimated_hours=r.estimated_hours, version=r.version,
        next_due_estimated=estimated,
    )


def _meter_day(plan: Plan, past: Past, today: dt.date, use: Decimal) -> dt.date | None:
    """The day the schedule's meter should reach its next threshold at `use` a day."""
    found = occurrences(replace(plan, recurrence=None), past, today,
                        today + dt.timedelta(days=MAX_FORECAST_DAYS), use, today, limit=1)
    return found[0][0] if found else None


def _rows(query_: Any, today: dt.date) -> list[ScheduleRow]:
    rows = read_rows(query_)
    if not rows:
        return []
    problems: dict[int, str] = {}
    the_plans, the_pasts = plans(rows, problems), pasts(rows)
    rates = compliance(rows, the_plans, today)
    uses = daily_use([r.meter_id for r in rows if r.meter_id], today)
    out = []
    for r in rows:
        if r.id not in problems:
            try:
                out.append(_row(r, the_plans[r.id], the_pasts[r.id], today, rates.get(r.id),
                                uses.get(r.meter_id)))
                continue
            except RecurrenceError as exc:  # a rule that cannot be walked
                problems[r.id] = str(exc)
        out.append(_unusable_row(r, the_pasts[r.id], problems[r.id], rates.get(r.id)))
    return out


def _unusable_row(r: Any, past: Past, why: str,
                  done_due: tuple[int, int] | None) -> ScheduleRow:
    """The line of a schedule whose rule cannot be used: the list still shows it, saying so
    (the PM check sets it aside until it is put right)."""
    return ScheduleRow(
        id=r.id, name=r.name, asset_id=r.asset_id, asset_tag=r.asset_tag,
        asset_name=r.asset_name, active=r.active,
        trigger=f"cannot be checked: {why}", next_due=None,
        next_reading="", last_done=r.last_completed_on, open_order=past.open_order,
        compliance=done_due[0] / done_due[1] if done_due and done_due[1] else None,
        assignee_name=r.assignee_name, estimated_hours=r.estimated_hours, version=r.version)


# The columns a page may be sorted by (in SQL); ties by asset tag, then name.
SORTS: dict[str, Any] = {
    "asset": Asset.tag, "name": PmSchedule.name, "start": PmSchedule.start_date,
    "last_done": PmSchedule.last_completed_on, "assignee": User.full_name,
    "estimated_hours": PmSchedule.estimated_hours,
}


@query(Perm.WO_VIEW)
def list_schedules(actor: Actor, text: str = "", asset_id: int | None = None,
                   active: bool | None = None, offset: int = 0, limit: int = 200,
                   today: dt.date | None = None, sort: str = "asset",
                   descending: bool = False) -> list[ScheduleRow]:
    """A page of schedules sorted by `sort` (one of SORTS; blanks last), with when each is next
    due. ValidationError for a bad sort or page."""
    order = page_order(SORTS, sort, descending, PmSchedule.id, offset, limit)
    q = _filtered(text, asset_id, active)
    q = q.order_by(order[0], Asset.tag, PmSchedule.name, order[1]).offset(offset).limit(limit)
    return _rows(q, today or dt.date.today())


@query(Perm.WO_VIEW)
def count_schedules(actor: Actor, text: str = "", asset_id: int | None = None,
                    active: bool | None = None) -> int:
    return int(_filtered(text, asset_id, active).count())


def _filtered(text: str, asset_id: int | None, active: bool | None) -> Any:
    q = schedule_rows()
    cond = text_search((PmSchedule.name, Asset.tag, Asset.name), text)
    if cond is not None:
        q = q.where(cond)
    if asset_id is not None:
        q = q.where(PmSchedule.asset == asset_id)
    if active is not None:
        q = q.where(PmSchedule.active == active)
    return q


def schedule_row(schedule_id: int) -> Any:
    """One schedule as schedule_rows reads it; NotFound."""
    row = schedule_rows(PmSchedule.id == schedule_id).first()
    if row is None:
        get_or_not_found(PmSchedule, schedule_id, "PM schedule")  # raises NotFound
    return row


def _detail(schedule_id: int, as_of: dt.date | None = None) -> ScheduleDetail:
    r = schedule_row(schedule_id)
    past = pasts([r])[r.id]
    try:
        plan = plan_of(r, r.meter_unit)
        return _detail_of(r, plan, past, decide(plan, past, as_of or dt.date.today()))
    except RecurrenceError as exc:  # still shown, so that the planner can put it right
        return _detail_of(r, None, past, cannot_check(str(exc)))


def cannot_check(why: str) -> Decision:
    """The decision on a schedule whose rule cannot be used: nothing, and why."""
    return Decision(None, None, (), None, None, (f"Cannot be checked: {why}.",))


def _detail_of(r: Any, plan: Plan | None, past: Past, decision: Decision) -> ScheduleDetail:
    return ScheduleDetail(
        id=r.id, version=r.version, values=stored_values(r), asset_tag=r.asset_tag,
        asset_name=r.asset_name, meter_name=r.meter_name, meter_unit=r.meter_unit,
        meter_reading=past.reading,
        trigger=trigger_words(plan) if plan is not None else stored_trigger(r),
        decision=decision, assignee_name=r.assignee_name,
    )


@query(Perm.WO_VIEW)
def get_schedule(actor: Actor, schedule_id: int, as_of: dt.date | None = None) -> ScheduleDetail:
    """The schedule's fields and what a check on `as_of` (today) would do. NotFound."""
    return _detail(schedule_id, as_of)


@mutation(Perm.PM_MANAGE)
def create_schedule(actor: Actor, **values: Any) -> ScheduleDetail:
    """Set up a schedule from the fields of pm_fields.FIELDS. ValidationError names every bad
    field (and "trigger" when there is none); nothing is written then."""
    _known(values)
    errors: dict[str, str] = {}
    fields = check_fields(values, None, errors)
    raise_if(errors)
    s = PmSchedule.create(**fields)
    audit.record(actor, "pm_schedule", s.id, "created",
                 {k: [None, v] for k, v in fields.items() if v not in (None, "", "[]")})
    return _settled(s.id)


@mutation(Perm.PM_MANAGE)
def update_schedule(actor: Actor, schedule_id: int, expected_version: int,
                    **values: Any) -> ScheduleDetail:
    """Change the given fields. ValidationError per field, ConflictError naming who saved the
    schedule since `expected_version`, NotFound."""
    _known(values)
    s = lock_rows(PmSchedule.select().where(PmSchedule.id == schedule_id)).first()
    if s is None:
        get_or_not_found(PmSchedule, schedule_id, "PM schedule")
    errors: dict[str, str] = {}
    fields = check_fields(values, s, errors)
    raise_if(errors)
    changes = versioned_update(s, expected_version, "pm_schedule", **fields)
    if not changes:
        return _detail(s.id)
    audit.record(actor, "pm_schedule", s.id, "updated", changes)
    return _settled(s.id)


def _settled(schedule_id: int) -> ScheduleDetail:
    """The saved schedule, with the day the PM check next needs to look at it: as a check
    today would set it when it has nothing to do; none (look today) when it has."""
    r = schedule_row(schedule_id)
    plan, past, today = plan_of(r, r.meter_unit), pasts([r])[r.id], dt.date.today()
    d = decide(plan, past, today)
    again = None if d.create or d.missed else check_after(plan, past, d, today)
    PmSchedule.update(next_check=again).where(PmSchedule.id == schedule_id).execute()
    return _detail_of(r, plan, past, d)


def _known(values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown schedule fields {unknown}")


@query(Perm.PM_MANAGE)
def preview_schedule(actor: Actor, values: dict[str, Any], schedule_id: int | None = None,
                     as_of: dt.date | None = None,
                     count: int = PREVIEW_COUNT) -> tuple[list[Occurrence], str]:
    """The next `count` occurrences and the explanation of a schedule as the form holds it,
    before it is saved. ValidationError as create/update would raise."""
    today = as_of or dt.date.today()
    current = schedule_row(schedule_id) if schedule_id is not None else None
    errors: dict[str, str] = {}
    fields = check_fields(values, current, errors)
    raise_if(errors)
    meter: Any = Meter.get_or_none(Meter.id == fields["meter_id"]) if fields["meter_id"] else None
    row = PmSchedule(**fields)
    if current is not None:
        row.id, row.created_at = current.id, current.created_at
        row.last_completed_on = current.last_completed_on
        row.last_completed_reading = current.last_completed_reading
    plan = plan_of(row, meter.unit if meter else "")
    if current is not None:
        past = pasts([current])[current.id]
    else:
        past = Past(reading=Decimal(meter.last_reading) if meter and meter.last_reading
                    is not None else None)
    use = daily_use([meter.id], today).get(meter.id) if meter else None
    decision = decide(plan, past, today)
    first = min(today, decision.due) if decision.due else today  # an overdue one too
    found = occurrences(plan, past, first, first + dt.timedelta(days=10 * MAX_FORECAST_DAYS),
                        use, today, limit=count)
    return ([Occurrence(d, how) for d, how in found],
            decision.words + _estimate_words(plan, past, decision, today, use))


@query(Perm.WO_VIEW)
def explain_schedule(actor: Actor, schedule_id: int, as_of: dt.date | None = None) -> str:
    """Why the schedule is or is not due on `as_of` (today), in words, with the day its meter
    should reach its next threshold at its recent use. NotFound."""
    today = as_of or dt.date.today()
    r = schedule_row(schedule_id)
    past = pasts([r])[r.id]
    try:
        plan = plan_of(r, r.meter_unit)
        decision = decide(plan, past, today)
        use = daily_use([r.meter_id], today).get(r.meter_id) if r.meter_id else None
        return decision.words + _estimate_words(plan, past, decision, today, use)
    except RecurrenceError as exc:
        return cannot_check(str(exc)).words


def _estimate_words(plan: Plan, past: Past, decision: Decision, today: dt.date,
                    use: Decimal | None) -> str:
    """" At its use over the last 90 days (17 h a day), the meter reaches it about Fri 04 Dec
    2026." ("" when not by meter, or there is nothing to estimate)."""
    if not use or plan.meter_every is None or decision.create or past.open_order:
        return ""
    by_meter = _meter_day(plan, past, today, use)
    if by_meter is None:
        return ""
    per_day = amount(use.quantize(Decimal("0.1")), plan.meter_unit)
    return (f" At its use over the last 90 days ({per_day} a day), the meter reaches it about "
            f"{day(by_meter)}.")


def task_template(s: Any) -> tuple[dict[str, Any], ...]:
    """The schedule's checklist, as the steps of its orders are written (not to be changed:
    schedules sharing a template share the parsed steps)."""
    return _parsed_template(s.tasks or "[]")


@functools.lru_cache(maxsize=1024)
def _parsed_template(text: str) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(text))


__all__ = [
    "Occurrence", "ScheduleDetail", "ScheduleRow", "count_schedules", "create_schedule",
    "explain_schedule", "get_schedule", "list_schedules", "preview_schedule", "schedule_row",
    "task_template", "update_schedule",
]
