"""What has happened to PM schedules so far, read for many at once: the engine's `Past` of each
(last occurrence ordered, misses, the order still open, completions, the meter's reading)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

import peewee

from app.models import Asset, Meter, MeterReading, PmMissed, PmSchedule, User, WorkOrder
from app.pm.engine import Past, Plan
from app.pm.recurrence import RecurrenceError
from app.services.pm.fields import plan_of
from app.services.settings import get_setting

OPEN_STATUSES = ("open", "assigned", "in_progress", "on_hold")
DONE_STATUSES = ("completed", "closed")
CHUNK = 500  # ids per IN (...): well under SQLite's variable limit


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def ids_sql(ids: Iterable[int]) -> Any:
    """A list of row ids written into the statement: a check reads hundreds of schedules at a
    time, and binding each id as a parameter costs more than the query (they are integers
    from the database, never user text)."""
    return peewee.SQL("(" + ",".join(str(int(i)) for i in ids) + ")")


def tuples_of(query: Any) -> list[Any]:
    return list(query.tuples())


def _schedule_columns() -> list[Any]:
    """Every column of pm_schedule, foreign keys by their column names (asset_id, ...)."""
    return [f.alias(f.column_name) if isinstance(f, peewee.ForeignKeyField) else f
            for f in PmSchedule._meta.sorted_fields]  # type: ignore[attr-defined]


def schedule_rows(where: Any = None) -> Any:
    """Schedules with their asset, meter and assignee columns, as named tuples (light: a check
    reads thousands)."""
    q = (PmSchedule.select(
            *_schedule_columns(), Asset.tag.alias("asset_tag"), Asset.name.alias("asset_name"),
            Asset.location.alias("asset_location_id"), Asset.status.alias("asset_status"),
            peewee.fn.COALESCE(User.active, False).alias("assignee_active"),
            peewee.fn.COALESCE(Meter.name, "").alias("meter_name"),
            peewee.fn.COALESCE(Meter.unit, "").alias("meter_unit"),
            Meter.last_reading.alias("meter_reading"),
            peewee.fn.COALESCE(User.full_name, "").alias("assignee_name"))
         .join_from(PmSchedule, Asset)
         .join_from(PmSchedule, Meter, peewee.JOIN.LEFT_OUTER)
         .join_from(PmSchedule, User, peewee.JOIN.LEFT_OUTER,
                    on=(PmSchedule.assignee == User.id)))
    q = q.namedtuples()
    return q if where is None else q.where(where)


# What a check decides on (the schedule's plan, what it needs of its past, and names for its
# report); the work-order template is read only for the schedules that order (template_rows).
_TO_DECIDE = ("id", "name", "anchor", "time_unit", "time_every", "rrule", "meter",
              "meter_every", "meter_tolerance", "meter_start", "start_date", "end_date",
              "lead_days", "season_from", "season_to", "skip_dates", "active", "created_at",
              "last_completed_on", "last_completed_reading", "next_check")


def rows_to_decide(where: Any) -> Any:
    """The schedules a check looks at, with only what it decides on: a first check reads
    thousands, and the checklists and descriptions would be most of what is read."""
    fields = [PmSchedule._meta.fields[name] for name in _TO_DECIDE]  # type: ignore[attr-defined]
    return (PmSchedule.select(
            *(f.alias(f.column_name) if isinstance(f, peewee.ForeignKeyField) else f
              for f in fields),
            Asset.tag.alias("asset_tag"), Asset.status.alias("asset_status"),
            peewee.fn.COALESCE(Meter.unit, "").alias("meter_unit"),
            Meter.last_reading.alias("meter_reading"))
            .join_from(PmSchedule, Asset)
            .join_from(PmSchedule, Meter, peewee.JOIN.LEFT_OUTER)
            .where(where))


def template_rows(where: Any) -> Any:
    """What the orders of the schedules a check orders are made from."""
    return (PmSchedule.select(
            PmSchedule.id, PmSchedule.name, PmSchedule.description, PmSchedule.wo_type,
            PmSchedule.priority, PmSchedule.estimated_hours, PmSchedule.tasks,
            PmSchedule.asset.alias("asset_id"), PmSchedule.assignee.alias("assignee_id"),
            Asset.location.alias("asset_location_id"),
            peewee.fn.COALESCE(User.active, False).alias("assignee_active"))
            .join_from(PmSchedule, Asset)
            .join_from(PmSchedule, User, peewee.JOIN.LEFT_OUTER,
                       on=(PmSchedule.assignee == User.id))
            .where(where))


def pasts(rows: Sequence[Any]) -> dict[int, Past]:
    """The Past of each schedule row (from schedule_rows), with a few queries per 500."""
    ids = [r.id for r in rows]
    served: dict[int, tuple[Any, Any]] = {}
    open_orders: dict[int, str] = {}
    missed: dict[int, tuple[Any, Any]] = {}
    for part in _chunks(ids):
        for sid, last_due, last_reading in tuples_of(
                WorkOrder.select(WorkOrder.pm_schedule, peewee.fn.MAX(WorkOrder.pm_due),
                                 peewee.fn.MAX(WorkOrder.pm_due_reading))
                .where(WorkOrder.pm_schedule.in_(ids_sql(part)))
                .group_by(WorkOrder.pm_schedule)):
            served[sid] = (last_due, last_reading)
        for sid, number in tuples_of(WorkOrder.select(WorkOrder.pm_schedule, WorkOrder.number)
                                   .where(WorkOrder.pm_schedule.in_(ids_sql(part))
                                          & WorkOrder.status.in_(OPEN_STATUSES))):
            open_orders[sid] = number
        for sid, last_day, last_reading in tuples_of(
                PmMissed.select(
                    PmMissed.schedule,
                    peewee.fn.MAX(peewee.Case(None, [(PmMissed.due_reading.is_null(),
                                                      PmMissed.due_date)])),
                    peewee.fn.MAX(PmMissed.due_reading))
                .where(PmMissed.schedule.in_(ids_sql(part)))
                .group_by(PmMissed.schedule)):
            missed[sid] = (last_day, last_reading)
    out = {}
    nothing = (None, None)
    for r in rows:
        last_due, last_due_reading = served.get(r.id, nothing)
        last_missed, last_missed_reading = missed.get(r.id, nothing)
        out[r.id] = Past(
            _date(last_due), _dec(last_due_reading), _date(last_missed),
            _dec(last_missed_reading), open_orders.get(r.id, ""), r.last_completed_on,
            _dec(r.last_completed_reading),
            _dec(getattr(r, "meter_reading", None)) if r.meter_id else None,
        )
    return out


def plans(rows: Sequence[Any], problems: dict[int, str] | None = None) -> dict[int, Plan]:
    """The engine's Plan of each schedule row. A schedule whose stored rule cannot be used
    (saved before such rules were refused, or changed behind the program's back) has none:
    why goes into `problems` under its id (without `problems`, RecurrenceError)."""
    out = {}
    for r in rows:
        try:
            out[r.id] = plan_of(r, getattr(r, "meter_unit", ""))
        except RecurrenceError as exc:
            if problems is None:
                raise
            problems[r.id] = str(exc)
    return out


def stored_trigger(r: Any) -> str:
    """A schedule's time trigger as stored, for one whose rule cannot be used."""
    if r.time_unit == "rrule":
        return f"by rule {r.rrule}"
    return f"every {r.time_every} {r.time_unit}s" if r.time_unit else "by meter"


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite's MAX() of a date is text


def _dec(value: Any) -> Decimal | None:
    if value is None or type(value) is Decimal:
        return value
    return Decimal(str(value))


def daily_use(meter_ids: Sequence[int], today: dt.date, days: int = 90) -> dict[int, Decimal]:
    """Each meter's average rise per day over the last `days` days (or since its first reading
    in them), for forecasting meter schedules. Meters with fewer than two readings are left out."""
    since = dt.datetime.combine(today - dt.timedelta(days=days), dt.time())
    out: dict[int, Decimal] = {}
    for part in _chunks(list(meter_ids)):
        for mid, low, high, first, last in tuples_of(
                MeterReading.select(MeterReading.meter, peewee.fn.MIN(MeterReading.value),
                                    peewee.fn.MAX(MeterReading.value),
                                    peewee.fn.MIN(MeterReading.at),
                                    peewee.fn.MAX(MeterReading.at))
                .where(MeterReading.meter.in_(ids_sql(part)) & (MeterReading.at >= since))
                .group_by(MeterReading.meter)):
            first, last = _stamp(first), _stamp(last)
            span = (last - first).total_seconds() / 86400
            if span >= 1 and high is not None and low is not None and high > low:
                out[mid] = (Decimal(str(high)) - Decimal(str(low))) / Decimal(str(span))
    return out


def _stamp(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


GRACE_SHARE = 0.10  # DESIGN.md section 11: within 10 % of the interval ...
MAX_GRACE_DAYS = 28  # ... at most four weeks


def grace_days(plan: Plan, setting: str = "ten_percent", daily_use: Decimal | None = None) -> int:
    """How late an order may be completed and still count as on time, under the setting
    `pm_compliance_grace` ("ten_percent", the default, or "due_date"): 10 % of the schedule's
    interval in days, at most 28. A meter-only schedule's interval in days is the days its
    meter takes to run one interval at `daily_use` (none without a use)."""
    if setting == "due_date":
        return 0
    if plan.recurrence is None:
        if plan.meter_every is None or not daily_use or daily_use <= 0:
            return 0
        return min(MAX_GRACE_DAYS, int(plan.meter_every / daily_use * Decimal(str(GRACE_SHARE))))
    rule = plan.recurrence
    if rule.unit == "rrule":
        first_two = list(islice(rule.raw_series(plan.start), 2))
        span = (first_two[1] - first_two[0]).days if len(first_two) == 2 else 0
    else:
        span = (plan.start + rule.step(1) - plan.start).days
    return min(MAX_GRACE_DAYS, int(span * GRACE_SHARE))


def compliance(rows: Sequence[Any], the_plans: dict[int, Plan], today: dt.date,
               days: int = 365) -> dict[int, tuple[int, int]]:
    """(on time, due) per schedule over the last `days` days (DESIGN.md section 11): its
    orders due in them and its misses, and how many of those orders were completed by their
    due date plus the grace. An order still open within its grace is not counted yet."""
    since = today - dt.timedelta(days=days)
    out: dict[int, list[int]] = {}
    ids = [r.id for r in rows]
    graces: dict[int, int] = {}
    setting = get_setting("pm_compliance_grace")  # once, not per schedule
    by_meter = [r.meter_id for r in rows if r.id in the_plans
                and the_plans[r.id].recurrence is None and r.meter_id]
    uses = daily_use(by_meter, today) if by_meter and setting != "due_date" else {}
    meter_of = {r.id: r.meter_id for r in rows}
    for part in _chunks(ids):
        for sid, due, status, completed_at in tuples_of(
                WorkOrder.select(WorkOrder.pm_schedule, WorkOrder.pm_due, WorkOrder.status,
                                 WorkOrder.completed_at)
                .where(WorkOrder.pm_schedule.in_(ids_sql(part))
                       & WorkOrder.pm_due.between(since, today))):
            if sid not in graces:
                plan = the_plans.get(sid)
                try:
                    graces[sid] = 0 if plan is None else grace_days(
                        plan, setting, uses.get(meter_of[sid]))
                except RecurrenceError:  # a rule that cannot be walked: no grace
                    graces[sid] = 0
            due = _date(due) or today
            if status in OPEN_STATUSES and due + dt.timedelta(days=graces[sid]) >= today:
                continue  # not late yet
            done = status in DONE_STATUSES and completed_at is not None and (
                _stamp(completed_at).date() <= due + dt.timedelta(days=graces[sid]))
            counts = out.setdefault(sid, [0, 0])
            counts[0] += int(done)
            counts[1] += 1
        for sid, n in tuples_of(PmMissed.select(PmMissed.schedule, peewee.fn.COUNT(1))
                                .where(PmMissed.schedule.in_(ids_sql(part))
                                       & PmMissed.due_date.between(since, today))
                                .group_by(PmMissed.schedule)):
            out.setdefault(sid, [0, 0])[1] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}
