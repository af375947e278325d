"""The day-to-day life of the demo plant, added after its orders: hours booked and comments on
the work done, run-hour meters with monthly readings on the big machines, and work requests in
every state (waiting, approved into an order, turned down with a reason). Inside the demo
plant's transaction; deterministic like the rest of it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from app.models import (
    Asset,
    LaborEntry,
    Location,
    Meter,
    MeterReading,
    User,
    WorkOrder,
    WorkOrderLog,
    WorkRequest,
)
from app.services.requests import format_request_number
from app.services.work_orders import numbering

WORKED = ("in_progress", "completed", "closed")
COMMENTS = (
    "Parts on site; starting after the line stops at 14:00.",
    "Found the guard bolts loose as well, tightened them.",
    "Waiting for the electrician to isolate the drive.",
    "Done. Ran for 20 minutes with no noise.",
    "Seal kit was the wrong size; fitted the spare from stores.",
)
METERED = ("Compressor", "Filler", "Boiler", "Chiller", "Conveyor", "Pump")
REQUESTS = (  # title, description, status, reason when rejected, asset or place it names
    ("Water dripping from the ceiling by door 3", "Near the loading bay, since this morning.",
     "new", "", "Warehouse"),
    ("Noise from the labeler infeed", "A squeal every few seconds on line 1.", "new", "",
     "Line 1 Labeler"),
    ("Office heating not working", "Planning office is at 15 °C.", "new", "", "Office AHU"),
    ("Forklift charger shows a fault light", "Red light on charger 2.", "new", "",
     "battery charger 02"),
    ("Broken light in the cold store", "", "approved", "", "Warehouse"),
    ("Conveyor guard cracked on line 1", "Crack along the top edge.", "approved", "",
     "Conveyor"),
    ("Paint the canteen", "Walls are marked.", "rejected",
     "Not maintenance work: facilities will quote it for next year's budget.", "Offices"),
    ("Replace the kettle in the break room", "", "rejected",
     "Small appliances are bought by the office manager, not maintenance.", "Offices"),
)


def add_demo_activity(rng: random.Random, now: dt.datetime, today: dt.date) -> dict[str, int]:
    """Write the activity; returns how many of each were made."""
    people: dict[str, Any] = {u.username: u for u in User.select()}
    workers = [u for u in people.values() if u.role == "technician"]
    labor, comments = _labor_and_comments(rng, workers, today)
    meters, readings = _meters(rng, people.get("technician"), now)
    requests = _requests(people, now)
    return {"labor_entries": labor, "comments": comments, "meters": meters,
            "meter_readings": readings, "work_requests": requests}


def _labor_and_comments(rng: random.Random, workers: list[Any],
                        today: dt.date) -> tuple[int, int]:
    orders: Any = (WorkOrder.select(WorkOrder.id, WorkOrder.assignee, WorkOrder.estimated_hours,
                                    WorkOrder.due_date, WorkOrder.status)
                   .where(WorkOrder.status.in_(list(WORKED))).order_by(WorkOrder.id).tuples())
    by_id = {w.id: w for w in workers}
    labor, notes = [], []
    for wo_id, assignee_id, estimate, due, status in orders:
        person = by_id.get(assignee_id) or (rng.choice(workers) if workers else None)
        if person is None:
            continue
        hours = Decimal(str(estimate or rng.choice((1, 1.5, 2, 3)))).quantize(Decimal("0.25"))
        day = min(due or today, today)
        if status == "in_progress":
            hours = (hours / 2).quantize(Decimal("0.25")) or Decimal("0.5")
        labor.append(dict(work_order=wo_id, user=person.id, work_date=day, hours=hours,
                          rate=person.hourly_rate, note=""))
        if rng.random() < 0.3:
            notes.append(dict(work_order=wo_id, author=person.id, kind="comment",
                              text=rng.choice(COMMENTS),
                              at=dt.datetime.combine(day, dt.time(10, 30))))
    for start in range(0, len(labor), 400):
        LaborEntry.insert_many(labor[start:start + 400]).execute()
    for start in range(0, len(notes), 400):
        WorkOrderLog.insert_many(notes[start:start + 400]).execute()
    return len(labor), len(notes)


def _meters(rng: random.Random, reader: Any, now: dt.datetime) -> tuple[int, int]:
    assets: Any = (Asset.select(Asset.id, Asset.name).where(Asset.status != "retired")
                   .order_by(Asset.tag).tuples())
    chosen = [(i, name) for i, name in assets
              if any(w.lower() in name.lower() for w in METERED)][:30]
    readings = 0
    for asset_id, _name in chosen:
        value = Decimal(rng.randint(2_000, 30_000))
        meter = Meter.create(asset=asset_id, name="Run hours", unit="h", cumulative=True)
        rows = []
        for months_ago in range(6, -1, -1):
            at = now - dt.timedelta(days=30 * months_ago, hours=rng.randint(0, 8))
            rows.append(dict(meter=meter.id, value=value, at=at,
                             recorded_by=reader.id if reader else None))
            value += Decimal(rng.randint(300, 620))
        MeterReading.insert_many(rows).execute()
        Meter.update(last_reading=rows[-1]["value"], last_reading_at=rows[-1]["at"]).where(
            Meter.id == meter.id).execute()
        readings += len(rows)
    return len(chosen), readings


def _requests(people: dict[str, Any], now: dt.datetime) -> int:
    requester, planner = people.get("requester"), people.get("planner")
    if requester is None or planner is None:
        return 0
    first = numbering.reserve("wr", now.year, len(REQUESTS))
    open_orders: list[Any] = list(WorkOrder.select(WorkOrder.id).where(WorkOrder.status == "open")
                       .order_by(WorkOrder.id.desc()).limit(2).tuples())
    for n, (title, description, status, reason, about) in enumerate(REQUESTS):
        asset: Any = (Asset.select(Asset.id, Asset.location).where(Asset.name.contains(about))
                      .order_by(Asset.tag).first())
        place = asset.location_id if asset else (
            Location.select(Location.id).where(Location.name.contains(about)).scalar())
        filed = now - dt.timedelta(days=len(REQUESTS) - n, hours=3)
        decided = status != "new"
        linked = open_orders.pop()[0] if status == "approved" and open_orders else None
        WorkRequest.create(
            number=format_request_number(now.year, first + n), title=title,
            description=description, priority=2 if n % 3 == 0 else 3, requester=requester.id,
            asset=asset.id if asset else None, location=place,
            status=status if (status != "approved" or linked) else "new",
            decided_by=planner.id if decided else None,
            decided_at=filed + dt.timedelta(hours=2) if decided else None,
            reject_reason=reason, work_order=linked, created_at=filed, updated_at=filed)
    return len(REQUESTS)
