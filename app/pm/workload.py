"""The workload the PM forecast brings: estimated hours per day and per person, and which days
are over capacity (more hours for one person than a person can do in a day).

The forecast calendar's cells, the screen's side panel and the tests all count with these, so
they show the same numbers. No database and no Qt here: the caller passes the forecast in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

UNASSIGNED = "Unassigned"


class PlannedOrder(Protocol):
    """What the load is counted from: app.services.pm.forecast.ForecastItem has these."""

    @property
    def day(self) -> dt.date: ...
    @property
    def assignee_name(self) -> str: ...
    @property
    def hours(self) -> Decimal: ...


Order = TypeVar("Order", bound=PlannedOrder)


def who(item: PlannedOrder) -> str:
    """The assignee's name; orders with nobody assigned are counted together as UNASSIGNED, as
    if one person had to do them all."""
    return item.assignee_name or UNASSIGNED


def total_hours(items: Iterable[PlannedOrder]) -> Decimal:
    return sum((i.hours for i in items), Decimal(0))


def hours_by_assignee(items: Iterable[PlannedOrder]) -> dict[str, Decimal]:
    """Each assignee's estimated hours (UNASSIGNED for the orders nobody has)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        out[who(item)] += item.hours
    return dict(out)


def over_capacity(hours: Decimal, capacity: Decimal) -> bool:
    """More than one person can do in a day; exactly `capacity` is a full day, not too much."""
    return hours > capacity


@dataclass(frozen=True)
class DayLoad(Generic[Order]):
    day: dt.date
    items: tuple[Order, ...]
    hours: Decimal
    over: tuple[tuple[str, Decimal], ...]  # who has more than the capacity that day, and how much

    @property
    def overloaded(self) -> bool:
        return bool(self.over)


@dataclass(frozen=True)
class PersonLoad:
    name: str  # UNASSIGNED for orders with nobody assigned
    orders: int
    hours: Decimal
    busiest_day: dt.date
    busiest_hours: Decimal
    days_over: int


def day_loads(items: Iterable[Order], capacity: Decimal) -> dict[dt.date, DayLoad[Order]]:
    """Each day's orders (in the order given) and hours; a day is over when one person's hours
    (or the unassigned hours) are over `capacity`, and `over` names them, the most hours first."""
    by_day: dict[dt.date, list[Order]] = defaultdict(list)
    for item in items:
        by_day[item.day].append(item)
    out = {}
    for day, found in by_day.items():
        over = tuple(sorted(((name, h) for name, h in hours_by_assignee(found).items()
                             if over_capacity(h, capacity)),
                            key=lambda p: (-p[1], p[0])))
        out[day] = DayLoad(day, tuple(found), total_hours(found), over)
    return out


def person_loads(items: Iterable[PlannedOrder], capacity: Decimal) -> list[PersonLoad]:
    """Per assignee over the items' period, the most hours first (the unassigned orders after
    a person with as many hours); the busiest day is the earliest of the days with the most."""
    per: dict[str, dict[dt.date, list[PlannedOrder]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        per[who(item)][item.day].append(item)
    out = []
    for name, days in per.items():
        hours_by_day = {d: total_hours(found) for d, found in days.items()}
        busiest = max(hours_by_day, key=lambda d: (hours_by_day[d], -d.toordinal()))
        out.append(PersonLoad(name, sum(len(f) for f in days.values()),
                              sum(hours_by_day.values(), Decimal(0)), busiest,
                              hours_by_day[busiest],
                              sum(1 for h in hours_by_day.values()
                                  if over_capacity(h, capacity))))
    return sorted(out, key=lambda p: (-p.hours, p.name == UNASSIGNED, p.name))
