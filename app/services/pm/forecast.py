"""The PM forecast: when each schedule is expected due over a period, and the preventive work
of every schedule day by day (for the PM Forecast calendar, its .ics export and `keepwell pm
forecast`). Orders already raised and still open are part of it; an overdue one is today's
work."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from app.errors import ValidationError
from app.models import Asset, PmSchedule, User, WorkOrder
from app.permissions import Actor, Perm
from app.pm.projection import occurrences
from app.pm.recurrence import RecurrenceError
from app.services.bulk import read_rows
from app.services.common import clean_date, raise_if
from app.services.pm.fields import plan_of
from app.services.pm.schedules import MAX_FORECAST_DAYS, Occurrence, schedule_row
from app.services.pm.state import (
    OPEN_STATUSES,
    daily_use,
    pasts,
    plans,
    schedule_rows,
    tuples_of,
)
from app.services.registry import query

log = logging.getLogger(__name__)


def check_range(first: Any, last: Any) -> tuple[dt.date, dt.date]:
    errors: dict[str, str] = {}
    start = clean_date(errors, "from", first)
    end = clean_date(errors, "to", last)
    if start is None and "from" not in errors:
        errors["from"] = "is required"
    if end is None and "to" not in errors:
        errors["to"] = "is required"
    if start and end and end < start:
        errors["to"] = f"({end}) is before the start ({start})"
    elif start and end and (end - start).days > MAX_FORECAST_DAYS:
        errors["to"] = (f"must be at most {MAX_FORECAST_DAYS:,} days (three years) after the "
                        "start")
    raise_if(errors)
    assert start is not None and end is not None
    return start, end


@query(Perm.WO_VIEW)
def forecast_schedule(actor: Actor, schedule_id: int, first: Any, last: Any,
                      today: dt.date | None = None) -> list[Occurrence]:
    """When the schedule is expected due from `first` to `last` (at most three years):
    calendar dates, and dates estimated from the meter's use over the last 90 days."""
    start, end = check_range(first, last)
    r = schedule_row(schedule_id)
    past = pasts([r])[r.id]
    today = today or dt.date.today()
    use = daily_use([r.meter_id], today).get(r.meter_id) if r.meter_id else None
    try:
        found = occurrences(plan_of(r, r.meter_unit), past, start, end, use, today)
    except RecurrenceError as exc:
        raise ValidationError({"schedule": str(exc)}) from None
    raised = [Occurrence(i.day, "order", i.number, i.overdue_since)
              for i in _open_orders(start, end, today, PmSchedule.id == schedule_id)]
    return sorted(raised + [Occurrence(d, how) for d, how in found], key=lambda o: o.day)


@dataclass(frozen=True, slots=True)
class ForecastItem:
    """One expected PM order on one day, for the forecast calendar and its .ics export."""

    day: dt.date
    how: str
    schedule_id: int
    name: str
    asset_tag: str
    asset_name: str
    assignee_name: str
    hours: Decimal
    assignee_id: int | None = None  # two people may share a name
    number: str = ""  # how == "order": the PM order already raised for the day
    overdue_since: dt.date | None = None  # an order still open past its due date, shown today

    @property
    def words(self) -> str:
        return expected_words(self.how, self.number, self.overdue_since)


def expected_words(how: str, number: str = "", overdue_since: dt.date | None = None) -> str:
    """How a forecast date is expected, for lists: "by the calendar", "estimated from the
    meter's use", "WO-2026-000123 (open, overdue since 12 Nov)"."""
    if how == "order":
        late = f", overdue since {overdue_since:%d %b}" if overdue_since else ""
        return f"{number} (open{late})"
    return "estimated from the meter's use" if how == "meter" else "by the calendar"


@query(Perm.WO_VIEW)
def forecast_all(actor: Actor, first: Any, last: Any, asset_id: int | None = None,
                 today: dt.date | None = None) -> list[ForecastItem]:
    """The preventive work from `first` to `last`, by day then asset: the PM orders already
    raised and still open (how "order"), and every active schedule's orders still to come
    ("time", or "meter" for a date estimated from the meter's use)."""
    start, end = check_range(first, last)
    today = today or dt.date.today()
    where = PmSchedule.active == True  # noqa: E712 (SQL)
    if asset_id is not None:
        where &= PmSchedule.asset == asset_id
    rows = read_rows(schedule_rows(where).order_by(PmSchedule.id))
    problems: dict[int, str] = {}
    the_plans, the_pasts = plans(rows, problems), pasts(rows)
    uses = daily_use(sorted({r.meter_id for r in rows if r.meter_id}), today)
    out = []
    for r in rows:
        hours = Decimal(r.estimated_hours or 0)
        try:
            found = [] if r.id in problems else occurrences(
                the_plans[r.id], the_pasts[r.id], start, end, uses.get(r.meter_id), today)
        except RecurrenceError as exc:  # a rule that cannot be walked
            problems[r.id], found = str(exc), []
        for d, how in found:
            out.append(ForecastItem(d, how, r.id, r.name, r.asset_tag, r.asset_name,
                                    r.assignee_name, hours, r.assignee_id))
    for sid, why in problems.items():  # the others are forecast; the list and the check say
        log.warning("PM forecast: schedule %d left out, it cannot be checked: %s", sid, why)
    out.extend(_open_orders(start, end, today, PmSchedule.asset == asset_id
                            if asset_id is not None else None))
    out.sort(key=lambda i: (i.day, i.asset_tag, i.name))
    return out


def _open_orders(start: dt.date, end: dt.date, today: dt.date,
                 where: Any = None) -> list[ForecastItem]:
    """The PM orders raised and still open that are work from `start` to `end`: each on its
    due date, or, overdue, on today (when today is in the range): work still to do."""
    due = WorkOrder.due_date
    when = due.between(start, end)
    if start <= today <= end:
        when |= due < start
    cond = WorkOrder.pm_schedule.is_null(False) & WorkOrder.status.in_(OPEN_STATUSES) & when
    if where is not None:
        cond &= where
    rows = tuples_of(
        WorkOrder.select(WorkOrder.due_date, WorkOrder.pm_schedule, PmSchedule.name,
                         Asset.tag, Asset.name, peewee.fn.COALESCE(User.full_name, ""),
                         WorkOrder.estimated_hours, WorkOrder.assignee, WorkOrder.number)
        .join_from(WorkOrder, PmSchedule)
        .join_from(WorkOrder, Asset)
        .join_from(WorkOrder, User, peewee.JOIN.LEFT_OUTER, on=(WorkOrder.assignee == User.id))
        .where(cond))
    out = []
    for due_on, sid, name, tag, asset_name, who, hours, who_id, number in rows:
        shown, late = ((today, due_on) if due_on < start else
                       (due_on, due_on if due_on < today else None))
        out.append(ForecastItem(shown, "order", sid, name, tag, asset_name, who,
                                Decimal(str(hours or 0)), who_id, number, late))
    return out
