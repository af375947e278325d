"""Drawing the demo plant in memory (app.services.demo.plant writes it): the accounts, the assets
under their locations, and a year of work orders with checklists, from the reference data in
data/demo/plant.toml and a seeded random generator, dated relative to today."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.services.work_orders.lifecycle import SIGNATURE_MEANING

# (username, full name, role, password): one account per role, and more technicians (one per
# craft) so that work is spread over several people.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("admin", "Alex Morgan", "admin", "demo-admin-2026"),
    ("planner", "Priya Shah", "planner", "demo-planner-2026"),
    ("supervisor", "Sam Okafor", "supervisor", "demo-supervisor-2026"),
    ("technician", "Tom Rivera", "technician", "demo-technician-2026"),
    ("electrician", "Erin Walsh", "technician", "demo-electrician-2026"),
    ("hvac", "Hamid Karimi", "technician", "demo-hvac-2026"),
    ("instruments", "Ines Duarte", "technician", "demo-instruments-2026"),
    ("requester", "Rosa Lindqvist", "requester", "demo-requester-2026"),
)
CRAFT_AND_RATE = {
    "admin": ("", "0"),
    "planner": ("Planning", "46.00"),
    "supervisor": ("Maintenance supervisor", "52.00"),
    "technician": ("Mechanical", "38.50"),
    "electrician": ("Electrical", "41.00"),
    "hvac": ("HVAC", "40.00"),
    "instruments": ("Instrumentation", "42.50"),
    "requester": ("Production", "0"),
}

# Status weights (open, assigned, in_progress, on_hold, completed, closed, cancelled) by age in
# days: young orders are still being worked, old ones are mostly signed off.
_STATUSES = ("open", "assigned", "in_progress", "on_hold", "completed", "closed", "cancelled")
_BY_AGE = (
    (2, (35, 30, 20, 5, 8, 0, 2)),
    (10, (8, 12, 14, 10, 24, 28, 4)),
    (40, (2, 3, 3, 5, 10, 73, 4)),
    (10**6, (0.5, 0.5, 0.5, 1, 1.5, 92, 4)),
)
_NOT_YET_DUE = (50, 40, 8, 2, 0, 0, 0)
_VERSION = {"open": 1, "assigned": 2, "in_progress": 3, "on_hold": 4, "completed": 4,
            "closed": 5, "cancelled": 2}

@dataclass
class AssetPlan:
    tag: str
    name: str
    kind: str
    location: str
    criticality: str
    parent: str | None = None
    status: str = "in_service"
    notes: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class OrderPlan:
    created_at: dt.datetime
    type: str
    title: str
    description: str
    priority: int
    asset: AssetPlan | None
    location: str
    due_date: dt.date
    hours: float
    task_defs: list[dict[str, Any]]
    craft: str = "Mechanical"
    requester: str | None = None
    planned_start: dt.date | None = None
    failure: dict[str, Any] | None = None
    status: str = "open"
    number: str = ""
    row: dict[str, Any] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)

def _weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(items, weights=weights)[0]


class Planner:
    """Draws the plant and its history in memory, before anything is written."""

    def __init__(self, ref: dict[str, Any], rng: random.Random, now: dt.datetime,
                 today: dt.date) -> None:
        self.ref, self.rng, self.now, self.today = ref, rng, now, today
        self.kinds: dict[str, dict[str, Any]] = ref["kinds"]
        self.history: dict[str, Any] = ref["history"]
        self.codes: dict[str, dict[str, str]] = ref["failure_codes"]
        roles = {a[0]: a[2] for a in DEMO_ACCOUNTS}
        # Each craft's technician gets most of that craft's work.
        self.crafts = {craft: name for name, (craft, _rate) in CRAFT_AND_RATE.items()
                       if roles.get(name) == "technician"}
        self.location_names = {a["code"]: a["name"] for b in ref["buildings"] for a in b["areas"]}

    # -- assets -------------------------------------------------------------------------------

    def assets(self) -> list[AssetPlan]:
        counters: dict[str, int] = defaultdict(int)
        result: list[AssetPlan] = []

        def add(kind: str, name: str, location: str, parent: AssetPlan | None) -> AssetPlan:
            spec = self.kinds[kind]
            counters[spec["prefix"]] += 1
            crit = parent.criticality if parent else _weighted(self.rng, "ABC", spec["criticality"])
            asset = AssetPlan(f"{spec['prefix']}-{counters[spec['prefix']]:04d}", name, kind,
                               location, crit, parent.tag if parent else None)
            asset.fields = self._nameplate(spec, parent)
            result.append(asset)
            return asset

        for building in self.ref["buildings"]:
            for area in building["areas"]:
                for entry in area["assets"]:
                    spec = self.kinds[entry["kind"]]
                    names = entry.get("names") or [
                        f"{area['short']} {spec['name'].lower()} {n:02d}"
                        for n in range(1, entry["count"] + 1)]
                    for name in names:
                        parent = add(entry["kind"], name, area["code"], None)
                        if self.rng.random() < spec.get("child_share", 0):
                            for child in spec.get("children", []):
                                label = self.kinds[child].get("child_name", child)
                                add(child, f"{name} {label}", area["code"], parent)
        self._mark_down_and_retired(result)
        return result

    def _nameplate(self, spec: dict[str, Any], parent: AssetPlan | None) -> dict[str, Any]:
        rng = self.rng
        make = rng.choice(spec["makes"])
        low, high = spec["installed"]
        if parent is not None:  # a drive is no older than the machine it drives
            low = max(low, parent.fields["install_date"].year)
        high = min(high, self.today.year - 1)
        installed = dt.date(rng.randint(min(low, high), high),
                            rng.randint(1, 12), rng.randint(1, 28))
        cost = Decimal(round(rng.uniform(*spec["cost"]), -1)).quantize(Decimal("0.01"))
        initials = "".join(w[0] for w in make["manufacturer"].split()).upper()[:2]
        return {
            "category": spec["category"], "manufacturer": make["manufacturer"],
            "model": rng.choice(make["models"]),
            "serial": f"{initials}{installed.year % 100:02d}-{rng.randint(100000, 999999)}",
            "install_date": installed, "cost": cost,
            "warranty_end": installed.replace(year=installed.year + rng.choice((1, 2, 2, 3, 5))),
        }

    def _mark_down_and_retired(self, assets: list[AssetPlan]) -> None:
        parents = {a.parent for a in assets if a.parent}
        candidates = [a for a in assets if a.parent is None and a.tag not in parents]
        for asset in self.rng.sample([a for a in candidates if a.criticality == "C"],
                                     self.history["retired_assets"]):
            retired = self.today - dt.timedelta(days=self.rng.randint(30, 300))
            asset.status = "retired"
            asset.notes = f"Retired {retired:%B %Y}; left in place awaiting removal."
        for asset in self.rng.sample([a for a in assets if a.status == "in_service"
                                      and a.criticality in "AB"], self.history["down_assets"]):
            asset.status = "down"

    # -- work orders --------------------------------------------------------------------------

    def orders(self, assets: list[AssetPlan]) -> list[OrderPlan]:
        live = [a for a in assets if a.status != "retired"]
        orders = self._preventive(live)
        orders += self._failures(live, "corrective", self.history["corrective_orders"],
                                 {"A": 3, "B": 2, "C": 1})
        orders += self._failures(live, "emergency", self.history["emergency_orders"],
                                 {"A": 8, "B": 1, "C": 0.2})
        orders += self._projects(live)
        for asset in (a for a in live if a.status == "down"):
            kind = "emergency" if asset.criticality == "A" else "corrective"
            order = self._failure_order(asset, kind, self.rng.uniform(0.5, 10))
            order.status = self.rng.choice(("in_progress", "on_hold"))
            orders.append(order)
        for order in orders:
            self._settle(order)
        return orders

    def _stamp(self, day: dt.date, first_hour: int = 6, last_hour: int = 18) -> dt.datetime:
        when = dt.datetime.combine(day, dt.time(self.rng.randint(first_hour, last_hour - 1),
                                                self.rng.randint(0, 59)))
        return min(when, self.now - dt.timedelta(hours=2, minutes=self.rng.randint(0, 90)))

    def _pick_tasks(self, defs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        n = self.rng.randint(min(2, len(defs)), min(6, len(defs)))
        return [defs[i] for i in sorted(self.rng.sample(range(len(defs)), n))]

    def _preventive(self, assets: list[AssetPlan]) -> list[OrderPlan]:
        start = self.today - dt.timedelta(days=365)
        orders = []
        for asset in assets:
            spec = self.kinds[asset.kind]
            for pm in spec.get("pm", []):
                if asset.criticality not in pm.get("crit", "ABC"):
                    continue
                every, kind = pm["every"], pm.get("type", "preventive")
                lead = pm.get("lead", min(14, every // 2))
                tasks = self._pick_tasks(pm.get("tasks") or spec["tasks"])
                due = start + dt.timedelta(days=self.rng.randrange(every))
                while due - dt.timedelta(days=lead) <= self.today:
                    created = due - dt.timedelta(days=lead)
                    if created >= start:
                        orders.append(OrderPlan(
                            self._stamp(created, 4, 6), kind, pm["title"],
                            f"{pm['title']} for {asset.name} ({asset.tag}), every {every} days. "
                            "Work through the checklist and record the readings.",
                            2 if asset.criticality == "A" and kind == "preventive" else 3,
                            asset, asset.location, due, self.rng.uniform(*pm.get("hours", (1, 2))),
                            tasks, spec["craft"],
                            planned_start=due - dt.timedelta(days=self.rng.randint(0, 3))))
                    due += dt.timedelta(days=every)
        return orders

    def _failures(self, assets: list[AssetPlan], kind: str, count: int,
                  weights: dict[str, float]) -> list[OrderPlan]:
        # Kinds with failures of their own listed for this type fail that way more often.
        odds = [weights[a.criticality] * (3 if self.kinds[a.kind].get(kind) else 1)
                for a in assets]
        chosen = self.rng.choices(assets, odds, k=count)
        return [self._failure_order(a, kind, self.rng.uniform(0, 365)) for a in chosen]

    def _failure_order(self, asset: AssetPlan, kind: str, days_ago: float) -> OrderPlan:
        rng, spec = self.rng, self.kinds[asset.kind]
        entry = rng.choice(spec.get(kind) or spec["corrective"])
        created = self._stamp(self.today - dt.timedelta(days=days_ago), 0 if kind == "emergency"
                              else 6, 24 if kind == "emergency" else 18)
        if kind == "emergency":
            priority, requester = 1, rng.choice(("supervisor", "requester", "supervisor"))
            text = f"{asset.name} ({asset.tag}) stopped: {entry['title'].lower()}. " \
                   "Production affected; attend immediately."
        else:
            priority = rng.choice({"A": (1, 2, 2, 3), "B": (2, 3, 3), "C": (3, 3, 4)}[
                asset.criticality])
            requester = _weighted(rng, ("requester", "supervisor", "planner", "technician",
                                        "electrician"), (50, 20, 10, 10, 10))
            text = f"{entry['title']} on {asset.name} ({asset.tag}). Reported from the floor."
        due = created.date() + dt.timedelta(days={1: 0, 2: 3, 3: 10, 4: 28}[priority])
        tasks = self._pick_tasks(self.history["corrective_tasks"])
        return OrderPlan(created, kind, entry["title"], text, priority, asset, asset.location,
                          due, rng.uniform(1, 6), tasks, spec["craft"], requester, failure=entry)

    def _projects(self, assets: list[AssetPlan]) -> list[OrderPlan]:
        rng = self.rng
        targets: list[tuple[AssetPlan | None, str, str]] = [
            (None, p["location"], p["title"]) for p in self.history["location_projects"]]
        big = [a for a in assets if a.parent is None and a.criticality in "AB"]
        for chosen in rng.sample(big, self.history["asset_projects"]):
            titles = self.kinds[chosen.kind].get("project") or self.history["default_projects"]
            targets.append((chosen, chosen.location, rng.choice(titles)))
        orders = []
        for asset, location, title in targets:
            created = self._stamp(self.today - dt.timedelta(days=rng.uniform(0, 330)))
            what = f"{asset.name} ({asset.tag})" if asset else self.location_names[location]
            orders.append(OrderPlan(
                created, "project", title, f"Project: {title.lower()} ({what}). Scope, "
                "materials and method statement attached to the capital request.",
                rng.choice((3, 4)), asset, location,
                created.date() + dt.timedelta(days=rng.randint(30, 120)), rng.uniform(8, 60),
                self._pick_tasks(self.history["project_tasks"]),
                self.kinds[asset.kind]["craft"] if asset else "Mechanical", "planner",
                planned_start=created.date() + dt.timedelta(days=rng.randint(7, 30))))
        return orders

    def _settle(self, o: OrderPlan) -> None:
        """Choose a status that fits the order's age, and fill in everything that status
        implies: assignee, start, completion, sign-off, failure codes and task results."""
        rng, now = self.rng, self.now
        if o.status == "open":  # not forced by a down asset
            if o.type in ("preventive", "inspection", "project"):
                age = (self.today - o.due_date).days
            else:
                age = (now - o.created_at).days
            weights = _NOT_YET_DUE if age < 0 else next(w for limit, w in _BY_AGE if age < limit)
            o.status = _weighted(rng, _STATUSES, weights)
        status = o.status
        tech = self.crafts.get(o.craft) if rng.random() < 0.75 else None
        assignee = tech or _weighted(rng, [*self.crafts.values(), "supervisor"],
                                     [*([10] * len(self.crafts)), 3])
        if status == "open" or (status == "cancelled" and rng.random() < 0.5):
            assignee = None
        row: dict[str, Any] = dict(
            assignee=assignee, estimated_hours=Decimal(f"{max(0.25, round(o.hours * 4) / 4):.2f}"),
            downtime_hours=None, failure_problem="", failure_cause="", failure_remedy="",
            completion_notes="", hold_reason="", completed_at=None, closed_at=None,
            closed_by=None, signature_name="", signature_meaning="", version=_VERSION[status])
        updated = o.created_at + dt.timedelta(minutes=rng.randint(5, 240))
        start = completed = None
        if status in ("in_progress", "on_hold", "completed", "closed"):
            start = self._start(o)
            updated = start
        if status == "on_hold":
            row["hold_reason"] = rng.choice(self.history["hold_reasons"])
        if status in ("completed", "closed"):
            assert start is not None
            work = o.hours * rng.uniform(0.6, 1.5)
            completed = _clamp(start + dt.timedelta(hours=work), start + dt.timedelta(minutes=10),
                               now - dt.timedelta(minutes=10))
            row["completed_at"] = updated = completed
            row["completion_notes"] = self._completion_notes(o, row)
            if o.type in ("corrective", "emergency") and o.failure:
                row["failure_problem"] = o.failure["problem"]
                row["failure_cause"] = rng.choice(o.failure["cause"])
                row["failure_remedy"] = rng.choice(o.failure["remedy"])
                row["completion_notes"] = (
                    f"{self.codes['cause'][row['failure_cause']]} found. "
                    f"{self.codes['remedy'][row['failure_remedy']]}; tested and returned to "
                    "service.")
                if o.asset and o.asset.criticality in "AB":
                    row["downtime_hours"] = Decimal(f"{work * rng.uniform(0.5, 1.3):.2f}")
        if status == "closed":
            assert completed is not None
            signer = _weighted(rng, ("supervisor", "admin"), (85, 15))
            row["closed_at"] = updated = _clamp(
                completed + dt.timedelta(hours=rng.uniform(1, 72)),
                completed + dt.timedelta(minutes=5), now - dt.timedelta(minutes=1))
            row.update(closed_by=signer, signature_meaning=SIGNATURE_MEANING,
                       signature_name=next(a[1] for a in DEMO_ACCOUNTS if a[0] == signer))
        if status == "cancelled":
            row["completion_notes"] = f"Cancelled: {rng.choice(self.history['cancel_reasons'])}."
            updated = o.created_at + dt.timedelta(hours=rng.uniform(1, 240))
        row["updated_at"] = min(updated, now - dt.timedelta(minutes=1))
        o.row = row
        o.tasks = self._task_rows(o, start, completed)

    def _start(self, o: OrderPlan) -> dt.datetime:
        rng = self.rng
        if o.type in ("preventive", "inspection"):
            day = o.due_date - dt.timedelta(days=rng.randint(0, 4))
            target = dt.datetime.combine(day, dt.time(7)) + dt.timedelta(hours=rng.uniform(0, 8))
        elif o.type == "project" and o.planned_start:
            target = dt.datetime.combine(o.planned_start, dt.time(7, 30))
        else:
            delay = {1: (0.2, 2), 2: (2, 30), 3: (8, 120), 4: (24, 400)}[o.priority]
            target = o.created_at + dt.timedelta(hours=rng.uniform(*delay))
        return _clamp(target, o.created_at + dt.timedelta(minutes=10),
                      self.now - dt.timedelta(minutes=30))

    def _completion_notes(self, o: OrderPlan, row: dict[str, Any]) -> str:
        if o.type == "project":
            return "Completed to plan and handed over to production."
        if o.type in ("preventive", "inspection"):
            return str(self.rng.choice(self.history["pm_notes"]))
        return "Repaired, tested and returned to service."

    def _task_rows(self, o: OrderPlan, start: dt.datetime | None,
                   completed: dt.datetime | None) -> list[dict[str, Any]]:
        rng = self.rng
        if o.status in ("completed", "closed"):
            done = [t.get("required", False) or rng.random() < 0.92 for t in o.task_defs]
        elif o.status in ("in_progress", "on_hold"):
            k = rng.randrange(len(o.task_defs))
            done = [i < k for i in range(len(o.task_defs))]
        else:
            done = [False] * len(o.task_defs)
        end = completed or min((start or self.now) + dt.timedelta(hours=max(o.hours, 1)),
                               self.now - dt.timedelta(minutes=5))
        rows = []
        for position, (spec, is_done) in enumerate(zip(o.task_defs, done, strict=True), 1):
            at = None
            if is_done and start is not None:
                at = start + (end - start) * position / (len(o.task_defs) + 1)
            rows.append(dict(
                position=position, text=spec["text"], kind=spec.get("kind", "check"),
                required=bool(spec.get("required", False)), unit=spec.get("unit", ""),
                result=self._result(spec) if at else "", done_by=o.row["assignee"] if at else None,
                done_at=at))
        return rows

    def _result(self, spec: dict[str, Any]) -> str:
        rng, kind = self.rng, spec.get("kind", "check")
        if kind == "pass_fail":
            return "pass" if rng.random() < 0.94 else "fail"
        if kind == "reading":
            low, high = spec.get("range", (0.0, 100.0))
            decimals = 2 if high - low < 5 else 1 if high - low < 200 else 0
            return f"{rng.uniform(low, high):.{decimals}f}"
        if kind == "text":
            return str(rng.choice(spec.get("answers") or self.history["text_answers"]))
        return "done"


def _clamp(value: dt.datetime, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    return max(low, min(value, high)) if low <= high else low
