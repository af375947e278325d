"""The demo plant's preventive maintenance: schedules of every kind on its machines, set up a
year ago, so that the PM screens have something to show and a first PM check orders a few."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from app.models import Asset, Meter, PmSchedule, User

# name, words in the asset's name, trigger fields, estimated hours, checklist
TEMPLATES: tuple[tuple[str, tuple[str, ...], dict[str, Any], str, tuple[str, ...]], ...] = (
    ("Monthly lubrication", ("Conveyor", "Palletizer", "Capper", "Crowner"),
     dict(time_unit="month", anchor="fixed"), "1.0",
     ("Grease the bearings", "Check the chain tension", "Clean and inspect guards")),
    ("Quarterly inspection", ("Filler", "Labeler", "Seamer", "Rinser"),
     dict(time_unit="rrule", rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO", anchor="fixed"), "3.0",
     ("Inspect the valves and seals", "Check sensors and interlocks", "Test the safety stops")),
    ("Weekly walk-round", ("Boiler", "Chiller"),
     dict(time_unit="week", anchor="floating"), "0.5",
     ("Read pressures and temperatures", "Look for leaks", "Note unusual noise")),
    ("Annual safety inspection", ("vessel", "receiver", "fire pump"),
     dict(time_unit="year", anchor="fixed", lead_days=30), "4.0",
     ("Inspect the shell and fittings", "Test the relief valve", "Record the certificate")),
    ("500 h service", ("Air compressor",),
     dict(meter_every="500", meter_tolerance="25", anchor="fixed"), "2.0",
     ("Change the oil filter", "Check the belts", "Drain the condensate")),
    ("Service (3 months or 1,000 h)", ("Chiller", "Filler"),
     dict(time_unit="month", time_every=3, meter_every="1000", anchor="floating"), "1.5",
     ("Check the mechanical seal", "Check vibration", "Grease the motor bearings")),
    ("Cooling tower cleaning", ("Cooling tower",),
     dict(time_unit="month", anchor="fixed", season_from=4, season_to=10), "3.0",
     ("Clean the basin", "Check the fill and drift eliminators", "Dose the biocide")),
)
PER_TEMPLATE = 6
PARTS = ("motor", "gearbox")  # a machine's drive is serviced with the machine


def add_demo_schedules(rng: random.Random, today: dt.date, since: dt.datetime) -> int:
    """Insert the demo's PM schedules; returns how many. Inside the demo's transaction."""
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
                fields.pop("meter_id", None)
            start = today - dt.timedelta(days=rng.randint(0, 25))
            if fields.get("time_unit") == "year":
                start = today + dt.timedelta(days=rng.randint(5, 300))
            rows.append(dict(
                fields, name=name, asset=asset.id, start_date=start,
                estimated_hours=Decimal(hours), priority=3,
                assignee=rng.choice(technicians) if technicians and rng.random() < 0.7 else None,
                tasks=json.dumps([{"text": s, "kind": "check", "required": n == 0, "unit": ""}
                                  for n, s in enumerate(steps)]),
                last_completed_on=start if fields.get("anchor") == "floating" else None,
                created_at=since, updated_at=since))
    keys = {k for row in rows for k in row}  # insert_many takes the first row's columns
    defaults = {k: PmSchedule._meta.fields[k].default for k in keys}
    rows = [{**defaults, **row} for row in rows]
    if rows:
        PmSchedule.insert_many(rows).execute()
    return len(rows)
