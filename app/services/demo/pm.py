"""The demo plant's preventive maintenance: schedules of every kind on its machines, in use for
a year, each with its last service done (a completed or signed-off order for its latest
occurrence before the demo day, the floating ones counting from it). app.services.demo.plant then
runs the real PM check as of the demo day, which raises what falls due now and settles every
schedule's next check: a new user's first look is a normal day, and the first automatic check
on their desk finds nothing overdue to raise (it once raised eight orders, all overdue)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from app.models import Asset, LaborEntry, Meter, PmSchedule, Task, User, WorkOrder
from app.pm.recurrence import latest_not_after, next_floating
from app.services.pm.fields import plan_of
from app.services.work_orders import numbering
from app.services.work_orders.lifecycle import SIGNATURE_MEANING

ONE_DAY = dt.timedelta(days=1)

# name, words in the asset's name, trigger fields (with the days' lead each order is raised
# before it is due), estimated hours, checklist
TEMPLATES: tuple[tuple[str, tuple[str, ...], dict[str, Any], str, tuple[str, ...]], ...] = (
    ("Monthly lubrication", ("Conveyor", "Palletizer", "Capper", "Crowner"),
     dict(time_unit="month", anchor="fixed", lead_days=5), "1.0",
     ("Grease the bearings", "Check the chain tension", "Clean and inspect guards")),
    ("Quarterly inspection", ("Filler", "Labeler", "Seamer", "Rinser"),
     dict(time_unit="rrule", rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO", anchor="fixed",
          lead_days=14), "3.0",
     ("Inspect the valves and seals", "Check sensors and interlocks", "Test the safety stops")),
    ("Weekly walk-round", ("Boiler", "Chiller"),
     dict(time_unit="week", anchor="floating", lead_days=1), "0.5",
     ("Read pressures and temperatures", "Look for leaks", "Note unusual noise")),
    ("Annual safety inspection", ("vessel", "receiver", "fire pump"),
     dict(time_unit="year", anchor="fixed", lead_days=30), "4.0",
     ("Inspect the shell and fittings", "Test the relief valve", "Record the certificate")),
    ("500 h service", ("Air compressor",),
     dict(meter_every="500", meter_tolerance="25", anchor="fixed"), "2.0",
     ("Change the oil filter", "Check the belts", "Drain the condensate")),
    ("Service (3 months or 1,000 h)", ("Chiller", "Filler"),
     dict(time_unit="month", time_every=3, meter_every="1000", anchor="floating",
          lead_days=7), "1.5",
     ("Check the mechanical seal", "Check vibration", "Grease the motor bearings")),
    ("Cooling tower cleaning", ("Cooling tower",),
     dict(time_unit="month", anchor="fixed", season_from=4, season_to=10, lead_days=5), "3.0",
     ("Clean the basin", "Check the fill and drift eliminators", "Dose the biocide")),
)
PER_TEMPLATE = 6
PARTS = ("motor", "gearbox")  # a machine's drive is serviced with the machine
SERVICE_NOTES = ("Done to the checklist; nothing found.",
                 "Done. Topped up the grease; guards refitted and checked.",
                 "All steps done; slight wear noted, to watch at the next service.")


def add_demo_schedules(rng: random.Random, today: dt.date, now: dt.datetime,
                       since: dt.datetime) -> int:
    """Insert the demo's PM schedules, set up at `since`, and the order of each one's last
    service; returns how many schedules. Inside the demo's transaction."""
    assets: list[Any] = list(Asset.select(Asset.id, Asset.name).where(Asset.status != "retired")
                             .order_by(Asset.tag))
    meters: dict[int, Any] = {m.asset_id: m for m in Meter.select()}  # type: ignore[attr-defined]
    technicians = [u.id for u in User.select(User.id).where(User.role == "technician")]
    rows = []
    for name, words, trigger, hours, steps in TEMPLATES:
        chosen = [a for a in assets if any(w.lower() in a.name.lower() for w in words)
                  and not any(part in a.name for part in PARTS)]
        needs_meter = "meter_every" in trigger
        if needs_meter:
            chosen = [a for a in chosen if a.id in meters]
        for asset in chosen[:PER_TEMPLATE]:
            fields = dict(trigger)
            if needs_meter:
                meter = meters[asset.id]
                reading = Decimal(meter.last_reading or 0)
                every = Decimal(fields["meter_every"])
                fields.update(meter=meter.id,  # last service a little under one interval ago
                              meter_start=reading - every + Decimal(rng.randint(10, 400)))
            start = since.date() + dt.timedelta(days=rng.randint(0, 27))
            if fields.get("time_unit") == "year":  # inspected once, due again within the year
                start = today + dt.timedelta(days=rng.randint(5, 300)) - relativedelta(years=1)
            rows.append(dict(
                fields, name=name, asset=asset.id, start_date=start,
                description=f"{name} of {asset.name}: work through the checklist and note "
                            "anything worn, loose or leaking.",
                estimated_hours=Decimal(hours), priority=3,
                assignee=rng.choice(technicians) if technicians and rng.random() < 0.7 else None,
                tasks=json.dumps([{"text": s, "kind": "check", "required": n == 0, "unit": ""}
                                  for n, s in enumerate(steps)]),
                created_at=since, updated_at=since))
    keys = {k for row in rows for k in row}  # insert_many takes the first row's columns
    defaults = {k: PmSchedule._meta.fields[k].default for k in keys}
    rows = [{**defaults, **row} for row in rows]
    if rows:
        PmSchedule.insert_many(rows).execute()
    _add_last_services(rng, today, now, since, technicians)
    return len(rows)


# --- each schedule's last service ---------------------------------------------------------------


def _last_service(rng: random.Random, s: Any, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """(the occurrence served, the day it was done) for the schedule's latest occurrence
    before `today`, found as the PM engine finds them; None when it has had none yet."""
    plan = plan_of(s)
    yesterday = today - ONE_DAY
    if plan.recurrence is None:  # by meter alone: serviced a few weeks ago
        done = today - dt.timedelta(days=rng.randint(15, 60))
        return done, done
    if plan.anchor == "fixed":
        due = latest_not_after(plan.recurrence, plan.start, yesterday, plan.calendar)
        if due is None:
            return None
        return due, min(due + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2))), yesterday)
    # Floating: done on the day it fell due, less than one interval ago (the next one counts
    # from it, so it is not overdue today).
    interval = (today - (today - plan.recurrence.step(1))).days
    done = today - dt.timedelta(days=rng.randint(1, max(1, interval - 1)))
    while (following := next_floating(plan.recurrence, done, plan.calendar)) is not None \
            and following < today:
        done += ONE_DAY
    return done, done


def _stamp(rng: random.Random, day: dt.date, first_hour: int, last_hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(first_hour, last_hour - 1),
                                            rng.randint(0, 59)))


def _add_last_services(rng: random.Random, today: dt.date, now: dt.datetime,
                       since: dt.datetime, technicians: list[int]) -> None:
    """Each schedule's last service: its order (done, or signed off when more than two days
    old) with the checklist ticked and the hours booked, and the schedule's baselines."""
    people = {u.id: u for u in User.select()}
    signer = next((u for u in people.values() if u.username == "supervisor"), None)
    located: Any = Asset.select(Asset.id, Asset.location).tuples()
    places: dict[int, int] = dict(located)
    orders: list[dict[str, Any]] = []
    steps: dict[int, list[dict[str, Any]]] = {}  # by the order's index in `orders`
    hours: list[Any] = []
    schedules: list[Any] = list(PmSchedule.select().order_by(PmSchedule.id))
    for s in schedules:
        served = _last_service(rng, s, today)
        if served is None:
            continue
        due, done_on = served
        who = s.assignee_id or (rng.choice(technicians) if technicians else None)
        if who is None:
            continue
        raised = max(due - dt.timedelta(days=s.lead_days), since.date())
        created = max(_stamp(rng, raised, 5, 7), since)
        completed = _stamp(rng, done_on, 8, 15)
        worked = (s.estimated_hours or Decimal(1)) * Decimal(rng.choice(("0.75", "1", "1.25")))
        worked = max(worked.quantize(Decimal("0.25")), Decimal("0.25"))
        began = max(completed - dt.timedelta(hours=float(worked)),
                    created + dt.timedelta(minutes=10))
        signed = done_on < today - dt.timedelta(days=2) and signer is not None
        closed = min(completed + dt.timedelta(hours=rng.uniform(1, 30)),
                     now - dt.timedelta(minutes=1)) if signed else None
        reading = s.meter_start if s.meter_id else None
        orders.append(dict(
            title=s.name, description=s.description, type=s.wo_type, priority=s.priority,
            status="closed" if signed else "completed", asset=s.asset_id,
            location=places.get(s.asset_id), assignee=who, due_date=due,
            estimated_hours=s.estimated_hours, completion_notes=rng.choice(SERVICE_NOTES),
            completed_at=completed, closed_at=closed,
            closed_by=signer.id if signed and signer else None,
            signature_name=signer.full_name if signed and signer else "",
            signature_meaning=SIGNATURE_MEANING if signed else "",
            version=5 if signed else 4, created_at=created, updated_at=closed or completed,
            pm_schedule=s.id, pm_due=due,
            pm_due_reading=reading if s.time_unit == "" else None))
        template = json.loads(s.tasks or "[]")
        steps[len(orders) - 1] = [dict(
            position=n, text=t["text"], kind=t.get("kind", "check"),
            required=bool(t.get("required")), unit=t.get("unit", ""), result="done",
            done_by=who, done_at=began + (completed - began) * n / (len(template) + 1))
            for n, t in enumerate(template, 1)]
        hours.append((who, done_on, worked))
        PmSchedule.update(last_completed_on=done_on, last_completed_reading=reading).where(
            PmSchedule.id == s.id).execute()
    if not orders:
        return
    _number(orders)
    WorkOrder.insert_many(orders).execute()
    numbered: Any = WorkOrder.select(WorkOrder.number, WorkOrder.id).where(
        WorkOrder.number.in_([o["number"] for o in orders])).tuples()
    ids: dict[str, int] = dict(numbered)
    tasks = [dict(t, work_order=ids[orders[i]["number"]]) for i, rows in steps.items()
             for t in rows]
    Task.insert_many(tasks).execute()
    labor = [dict(work_order=ids[o["number"]], user=who, work_date=day, hours=worked,
                  rate=people[who].hourly_rate, note="")
             for o, (who, day, worked) in zip(orders, hours, strict=True)]
    LaborEntry.insert_many(labor).execute()


def _number(orders: list[dict[str, Any]]) -> None:
    """Numbers from each creation year's series (after the demo's other orders)."""
    by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for order in sorted(orders, key=lambda o: o["created_at"]):
        by_year[order["created_at"].year].append(order)
    for year, group in by_year.items():
        first = numbering.reserve("wo", year, len(group))
        for order, number in zip(group, numbering.format_work_order_numbers(
                year, first, len(group)), strict=True):
            order["number"] = number
