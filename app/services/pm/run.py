"""The PM check: generate the work orders that are due, exactly once, however many desks and
headless schedulers run it at the same moment (DESIGN.md section 4).

- A lease (lease.py) lets one runner work while the others wait for it; a runner that dies
  loses it at once (its process gone, or on PostgreSQL its session), or when its time runs out.
- The schedules are worked through in chunks, each one transaction that re-reads what it
  decides on (under row locks on PostgreSQL, BEGIN IMMEDIATE on SQLite), writes the orders
  with their checklists, the misses and the audit events together. A runner killed mid-run
  leaves whole orders only; the next run finishes the job.
- The UNIQUE (pm_schedule, pm_due) of work_order still holds if a lease is lost mid-run.
- No schedule can hold up the check: one whose rule cannot be used, or whose series walk runs
  out of its budget (app/pm/recurrence.py), is set aside, named in the result (`unchecked`)
  and in the log, and the others are checked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from app import db
from app.clock import utcnow
from app.db import write_transaction
from app.models import Meter, PmMissed, PmSchedule, Task, WorkOrder, WorkOrderLog
from app.permissions import Actor, Perm
from app.pm.engine import Decision, amount, decide
from app.pm.next_check import NEVER, check_after
from app.services import audit
from app.services.bulk import insert_rows, read_rows
from app.services.common import lock_rows
from app.services.pm.lease import LEASE, acquire, release, renew, runner_name
from app.services.pm.schedules import task_template
from app.services.pm.state import ids_sql, pasts, plans, rows_to_decide, template_rows, tuples_of
from app.services.registry import mutation
from app.services.work_orders.numbering import format_work_order_numbers, reserve

log = logging.getLogger(__name__)

__all__ = ["LEASE", "Created", "MissedRow", "RunResult", "Skipped",
           "generate_due_work_orders", "pm_order_moved", "result_json"]

UNCHECKED = "Cannot be checked: "  # how the why of a schedule set aside begins
CHUNK = 500  # schedules per transaction (SQLite: other desks' saves wait a quarter second)


@dataclass(frozen=True, slots=True)
class Created:
    schedule_id: int
    schedule: str
    asset_tag: str
    number: str  # "" in a dry run
    due: dt.date
    due_reading: Decimal | None
    why: str
    unit: str = ""  # the meter's, for due_reading


@dataclass(frozen=True, slots=True)
class Skipped:
    schedule_id: int
    schedule: str
    asset_tag: str
    why: str
    unchecked: bool = False  # set aside: its rule cannot be used or ran out of its budget


@dataclass(frozen=True, slots=True)
class MissedRow:
    schedule_id: int
    schedule: str
    asset_tag: str
    occurrence: str  # as recorded: "2026-03-31", "meter 5000.00"
    due: dt.date
    reading: Decimal | None = None  # the meter threshold passed
    unit: str = ""

    @property
    def words(self) -> str:
        """"2026-03-31"; "at 5,000 h (passed 2026-11-24)"."""
        if self.reading is None:
            return self.due.isoformat()
        return f"at {amount(self.reading, self.unit)} (passed {self.due.isoformat()})"


@dataclass
class RunResult:
    as_of: dt.date
    dry_run: bool
    created: list[Created] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # due-ish, but not ordered: why
    missed: list[MissedRow] = field(default_factory=list)
    checked: int = 0  # schedules looked at (the others' next check is later)
    active: int = 0  # active schedules in all
    waited_for: str = ""  # the runner whose lease this one waited for
    not_run: str = ""  # why nothing was checked (another runner kept the lease)

    @property
    def unchecked(self) -> list[Skipped]:
        """The schedules set aside (also in `skipped`): a rule that cannot be used, or one
        whose walk ran out of its budget. Each must be put right; the others were checked."""
        return [s for s in self.skipped if s.unchecked]

    @property
    def summary(self) -> str:
        if self.not_run:
            return self.not_run
        verb = "would create" if self.dry_run else "created"
        text = (f"PM check for {self.as_of:%d %b %Y}: {verb} {len(self.created)} order"
                f"{'s' if len(self.created) != 1 else ''}, {len(self.skipped)} skipped, "
                f"{len(self.missed)} missed ({self.active} active schedules; {self.checked} "
                "looked at, the rest are not due yet).")
        unchecked = len(self.unchecked)
        if unchecked == 1:
            text += " 1 schedule could not be checked and was set aside."
        elif unchecked:
            text += f" {unchecked} schedules could not be checked and were set aside."
        return text


def _set_aside(result: RunResult, r: Any, why: str) -> None:
    """A schedule the check cannot decide on: named in the result and the log."""
    result.skipped.append(Skipped(r.id, r.name, r.asset_tag, UNCHECKED + why, unchecked=True))
    log.warning("PM check: schedule %d %r on %s cannot be checked: %s", r.id, r.name,
                r.asset_tag, why)


# --- one chunk ----------------------------------------------------------------------------------


def _assignee(r: Any) -> int | None:
    """The schedule's assignee, if the account may still be given work."""
    return r.assignee_id if r.assignee_id and r.assignee_active else None


def _order_fields(r: Any, d: Decision) -> dict[str, Any]:
    assert d.due is not None
    return dict(
        title=r.name, description=r.description, type=r.wo_type, priority=r.priority,
        asset=r.asset_id, location=r.asset_location_id, assignee=_assignee(r),
        status="assigned" if _assignee(r) else "open", due_date=d.due,
        estimated_hours=r.estimated_hours, pm_schedule=r.id, pm_due=d.due,
        pm_due_reading=d.due_reading,
    )


def _run_chunk(actor: Actor, ids: Sequence[int], as_of: dt.date, result: RunResult,
               write: bool, holder: str) -> None:
    if write and holder:
        renew(holder)  # (the orders' UNIQUE holds even if it was lost)
    if write and not db.is_sqlite():  # SQLite: BEGIN IMMEDIATE already keeps writers apart
        lock_rows(PmSchedule.select(PmSchedule.id).where(PmSchedule.id.in_(ids_sql(ids)))
                  .order_by(PmSchedule.id)).execute()
    rows = read_rows(rows_to_decide(PmSchedule.id.in_(ids_sql(ids))).order_by(PmSchedule.id))
    problems: dict[int, str] = {}
    the_plans, the_pasts = plans(rows, problems), pasts(rows)
    orders: list[tuple[Any, Decision]] = []
    missed: list[dict[str, Any]] = []
    checks: list[tuple[dt.date, int]] = []
    for r in rows:
        result.checked += 1
        if r.asset_status == "retired":  # looked at again if it returns to service
            result.skipped.append(Skipped(r.id, r.name, r.asset_tag,
                                          f"Not ordered: {r.asset_tag} is retired."))
            if r.next_check != NEVER:
                checks.append((NEVER, r.id))
            continue
        if r.id in problems:  # stored before such rules were refused, or behind our back
            _set_aside(result, r, problems[r.id])
            continue
        try:
            d = decide(the_plans[r.id], the_pasts[r.id], as_of)
            again = check_after(the_plans[r.id], the_pasts[r.id], d, as_of)
        except ValueError as exc:  # a rule that cannot be walked: said, never silently dropped
            # Its next_check stays: every check names it until it is put right.
            _set_aside(result, r, str(exc))
            continue
        if again != r.next_check:
            checks.append((again, r.id))
        for m in d.missed:
            missed.append(dict(schedule=r.id, occurrence=m.occurrence, due_date=m.due_date,
                               due_reading=m.due_reading,
                               open_order=the_pasts[r.id].open_order))
            result.missed.append(MissedRow(r.id, r.name, r.asset_tag, m.occurrence, m.due_date,
                                           m.due_reading, r.meter_unit))
        if d.create:
            orders.append((r, d))
        elif the_pasts[r.id].open_order and d.reasons:
            result.skipped.append(Skipped(r.id, r.name, r.asset_tag, d.reasons[0]))
    if orders:  # made from the schedules' templates
        templates = {t.id: t for t in read_rows(template_rows(
            PmSchedule.id.in_(ids_sql(r.id for r, _d in orders))))}
        orders = [(templates[r.id], d) for r, d in orders]
    numbers = _insert(actor, orders, missed, as_of) if write else [""] * len(orders)
    if write and checks:
        database = db.database.obj
        database.cursor().executemany(
            f"UPDATE pm_schedule SET next_check = {database.param} WHERE id = {database.param}",
            [(PmSchedule.next_check.db_value(day), sid) for day, sid in checks])
    decided = {r.id: r for r in rows}
    for (t, d), number in zip(orders, numbers, strict=True):
        r = decided[t.id]
        result.created.append(Created(r.id, r.name, r.asset_tag, number, d.due or as_of,
                                      d.due_reading, d.words, r.meter_unit))


def _insert(actor: Actor, orders: list[tuple[Any, Decision]], missed: list[dict[str, Any]],
            as_of: dt.date) -> list[str]:
    """Write the chunk's orders (numbered), their checklists, status log, misses and audit
    events. Inside the chunk's transaction."""
    events: list[tuple[str, object, str, dict[str, Any]]] = []
    if missed:  # each is found once, under the chunk's locks
        insert_rows(PmMissed, missed)
        events += [("pm_schedule", m["schedule"], "missed",
                    {"occurrence": [None, m["occurrence"]], "open_order": [None, m["open_order"]]})
                   for m in missed]
    if not orders:
        audit.record_many(actor, events)
        return []
    year = dt.date.today().year
    first = reserve("wo", year, len(orders))
    numbers = format_work_order_numbers(year, first, len(orders))
    now = utcnow()
    before = WorkOrder.select(peewee.fn.MAX(WorkOrder.id)).scalar() or 0
    insert_rows(WorkOrder, [dict(_order_fields(r, d), number=n, created_at=now, updated_at=now)
                            for (r, d), n in zip(orders, numbers, strict=True)])
    # Ours are among the orders after `before` (others' may be too, on PostgreSQL).
    ours = set(numbers)
    ids = {number: wo_id for number, wo_id in tuples_of(
        WorkOrder.select(WorkOrder.number, WorkOrder.id).where(WorkOrder.id > before))
        if number in ours}
    tasks = []
    logs = []
    for (r, d), n in zip(orders, numbers, strict=True):
        wo_id = ids[n]
        for pos, t in enumerate(task_template(r), 1):
            tasks.append(dict(t, work_order=wo_id, position=pos))
        if _assignee(r):
            logs.append(dict(work_order=wo_id, author=actor.user_id, kind="status",
                             from_status="open", to_status="assigned",
                             text="assigned by its PM schedule"))
        created = {"number": [None, n], "pm_schedule": [None, r.name],
                   "pm_due": [None, d.due.isoformat() if d.due else None],
                   "status": [None, "assigned" if _assignee(r) else "open"],
                   "why": [None, d.words]}
        if d.due_reading is not None:
            created["pm_due_reading"] = [None, str(d.due_reading)]
        events.append(("work_order", wo_id, "created", created))
    insert_rows(Task, tasks)
    insert_rows(WorkOrderLog, logs)
    audit.record_many(actor, events)
    return numbers


# --- the check ----------------------------------------------------------------------------------


@mutation(Perm.PM_RUN, transaction=False)
def generate_due_work_orders(
    actor: Actor,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    wait_seconds: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
    schedule_ids: Sequence[int] | None = None,
) -> RunResult:
    """Create the orders due up to `as_of` (today) plus each schedule's lead days; record the
    fixed occurrences passed over as missed. Returns what was created, skipped (and why) and
    missed. A dry run returns the same without writing (and without the lease). While another
    runner holds the lease this one waits up to `wait_seconds`, then runs (finding its work
    done) or, if still kept out, returns with `not_run` saying by whom (a runner whose process
    or session is gone keeps no one out). A schedule that cannot be checked is set aside
    (`RunResult.unchecked`, and a warning in the log) and the others are checked.
    `progress(done, total)` is called after each chunk."""
    as_of = as_of or dt.date.today()
    result = RunResult(as_of=as_of, dry_run=dry_run)
    holder = "" if dry_run else runner_name(actor.username)
    if holder:
        got, waited = acquire(holder, wait_seconds)
        result.waited_for = waited
        if not got:
            result.not_run = (f"Not run: {waited} is running the PM check; "
                              "it will create what is due.")
            return result
    try:
        where = (PmSchedule.active == True) & (  # noqa: E712 (SQL)
            PmSchedule.next_check.is_null() | (PmSchedule.next_check <= as_of))
        if schedule_ids is not None:
            where &= PmSchedule.id.in_(list(schedule_ids))
        ids = [i for (i,) in tuples_of(PmSchedule.select(PmSchedule.id).where(where)
                                     .order_by(PmSchedule.id))]
        result.active = PmSchedule.select().where(PmSchedule.active == True).count()  # noqa: E712
        for start in range(0, len(ids), CHUNK):
            part = ids[start:start + CHUNK]
            if dry_run:
                _run_chunk(actor, part, as_of, result, write=False, holder="")
            else:
                _chunk_with_retry(actor, part, as_of, result, holder)
            if progress is not None:
                progress(min(start + CHUNK, len(ids)), len(ids))
    finally:
        if holder:
            release(holder)
    return result


def _chunk_with_retry(actor: Actor, part: Sequence[int], as_of: dt.date, result: RunResult,
                      holder: str) -> None:
    """One chunk in one transaction. Should another runner (whose lease lapsed) have written
    the same occurrence first, the UNIQUE constraint refuses ours: the chunk is read again and
    done again."""
    for attempt in range(3):
        mark = (len(result.created), len(result.skipped), len(result.missed), result.checked)
        try:
            with write_transaction():
                _run_chunk(actor, part, as_of, result, write=True, holder=holder)
            return
        except peewee.IntegrityError:
            del result.created[mark[0]:], result.skipped[mark[1]:], result.missed[mark[2]:]
            result.checked = mark[3]
            if attempt == 2:
                raise


# --- completion ---------------------------------------------------------------------------------


def local_today() -> dt.date:
    """The office's date (tests set it)."""
    return dt.date.today()


def pm_order_moved(wo: Any, to_status: str) -> None:
    """A PM order changed status: the next check looks at its schedule again, and completing
    it restarts the schedule's floating baselines from today and the meter's reading now.
    Inside the transition's transaction; no new version of the schedule (a planner editing it
    meanwhile is not in conflict)."""
    if not wo.pm_schedule_id:
        return
    changes: dict[Any, Any] = {PmSchedule.next_check: None}
    if to_status == "completed":
        meter_id = PmSchedule.select(PmSchedule.meter).where(
            PmSchedule.id == wo.pm_schedule_id).scalar()
        changes[PmSchedule.last_completed_on] = local_today()
        changes[PmSchedule.last_completed_reading] = Meter.select(Meter.last_reading).where(
            Meter.id == meter_id).scalar() if meter_id else None
    PmSchedule.update(changes).where(PmSchedule.id == wo.pm_schedule_id).execute()


def result_json(result: RunResult) -> dict[str, Any]:
    """The result as plain JSON data (for `keepwell pm run --json`)."""
    def plain(items: list[Any]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            row = {k: getattr(item, k) for k in item.__slots__}
            out.append({k: (v.isoformat() if isinstance(v, dt.date) else
                            str(v) if isinstance(v, Decimal) else v) for k, v in row.items()})
        return out
    return {"as_of": result.as_of.isoformat(), "dry_run": result.dry_run,
            "checked": result.checked, "active": result.active,
            "created": plain(result.created),
            "skipped": plain(result.skipped), "missed": plain(result.missed),
            "unchecked": plain(result.unchecked),
            "waited_for": result.waited_for, "not_run": result.not_run,
            "summary": result.summary}

