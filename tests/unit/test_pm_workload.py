"""The PM forecast's workload: hours summed per day and per assignee, the orders nobody has counted
as one more person, and a day over capacity only when one person's hours are more than a person
can do in a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.pm.workload import (
    UNASSIGNED,
    day_loads,
    hours_by_assignee,
    over_capacity,
    person_loads,
    total_hours,
    who,
)
from app.services.pm.forecast import ForecastItem

MON = dt.date(2026, 5, 4)
TUE = MON + dt.timedelta(days=1)
WED = MON + dt.timedelta(days=2)
EIGHT = Decimal(8)


def order(day: dt.date, assignee: str, hours: str, name: str = "Lubrication") -> ForecastItem:
    return ForecastItem(day, "time", 7, name, "P-101", "Feed pump", assignee, Decimal(hours))


def test_orders_with_nobody_assigned_are_counted_as_unassigned() -> None:
    assert who(order(MON, "", "1")) == UNASSIGNED
    assert who(order(MON, "Tina Tech", "1")) == "Tina Tech"


def test_hours_are_summed_per_assignee() -> None:
    items = [order(MON, "Tina Tech", "2.5"), order(MON, "", "1"), order(TUE, "Tina Tech", "3"),
             order(TUE, "Lee Park", "0.5"), order(WED, "", "4")]
    assert hours_by_assignee(items) == {"Tina Tech": Decimal("5.5"), UNASSIGNED: Decimal(5),
                                        "Lee Park": Decimal("0.5")}
    assert total_hours(items) == Decimal(11)
    assert total_hours([]) == Decimal(0)


def test_hours_are_summed_per_day_keeping_the_orders_in_their_order() -> None:
    first, second, third = (order(MON, "Tina Tech", "6", "Belt check"),
                            order(TUE, "Lee Park", "2", "Filter change"),
                            order(MON, "", "1.5", "Walk-round"))
    loads = day_loads([first, second, third], EIGHT)
    assert list(loads) == [MON, TUE]
    assert loads[MON].day == MON
    assert loads[MON].items == (first, third)
    assert loads[MON].hours == Decimal("7.5")
    assert loads[TUE].items == (second,)
    assert loads[TUE].hours == Decimal(2)


def test_a_day_is_over_when_one_person_has_more_than_the_capacity() -> None:
    items = [order(MON, "Tina Tech", "6"), order(MON, "Tina Tech", "6"),
             order(MON, "Lee Park", "9"), order(MON, "Ann Ode", "8")]
    load = day_loads(items, EIGHT)[MON]
    # Most hours first; Ann has exactly a day's work, which is not too much.
    assert load.over == (("Tina Tech", Decimal(12)), ("Lee Park", Decimal(9)))
    assert load.overloaded


def test_a_busy_day_shared_out_is_not_over() -> None:
    # 14 hours on the day, but nobody more than 8.
    items = [order(MON, "Tina Tech", "6"), order(MON, "Lee Park", "5"), order(MON, "", "3")]
    load = day_loads(items, EIGHT)[MON]
    assert load.hours == Decimal(14)
    assert load.over == ()
    assert not load.overloaded


def test_unassigned_hours_overload_a_day_as_if_one_person_had_them() -> None:
    items = [order(MON, "", "5"), order(MON, "", "4"), order(MON, "Lee Park", "3")]
    assert day_loads(items, EIGHT)[MON].over == ((UNASSIGNED, Decimal(9)),)


def test_unassigned_hours_over_capacity_are_flagged_too() -> None:
    items = [order(MON, "", "5", "Job 0"), order(MON, "", "5", "Job 1"),
             order(MON, "Lee", "3", "Oil")]
    assert day_loads(items, EIGHT)[MON].over == ((UNASSIGNED, Decimal(10)),)
    people = person_loads(items, EIGHT)
    assert [(p.name, p.orders, p.hours, p.days_over) for p in people] == [
        (UNASSIGNED, 2, Decimal(10), 1), ("Lee", 1, Decimal(3), 0)]


def test_people_over_capacity_by_the_same_hours_are_named_in_alphabetical_order() -> None:
    items = [order(MON, "Zoe Zed", "9"), order(MON, "Ann Ode", "9")]
    assert day_loads(items, EIGHT)[MON].over == (("Ann Ode", Decimal(9)),
                                                 ("Zoe Zed", Decimal(9)))


def test_over_capacity_is_strictly_more_than_a_day() -> None:
    assert over_capacity(Decimal("8.5"), EIGHT)
    assert not over_capacity(EIGHT, EIGHT)
    assert not over_capacity(Decimal("7.5"), EIGHT)


def test_each_person_gets_orders_hours_busiest_day_and_days_over() -> None:
    items = [order(MON, "Tina Tech", "6"), order(MON, "Tina Tech", "4"),
             order(TUE, "Tina Tech", "3"), order(WED, "Tina Tech", "9"),
             order(TUE, "Lee Park", "2"), order(WED, "Lee Park", "2")]
    tina, lee = person_loads(items, EIGHT)
    assert (tina.name, tina.orders, tina.hours) == ("Tina Tech", 4, Decimal(22))
    assert (tina.busiest_day, tina.busiest_hours) == (MON, Decimal(10))
    assert tina.days_over == 2  # Monday 10 h and Wednesday 9 h; Tuesday's 3 h is not
    # Two days with Lee's most hours: the earlier is the busiest.
    assert (lee.name, lee.orders, lee.hours) == ("Lee Park", 2, Decimal(4))
    assert (lee.busiest_day, lee.busiest_hours, lee.days_over) == (TUE, Decimal(2), 0)


def test_people_are_listed_by_most_hours_and_unassigned_after_an_equal_person() -> None:
    items = [order(MON, "", "3"), order(MON, "Zoe Zed", "3"), order(TUE, "Ann Ode", "3"),
             order(TUE, "Lee Park", "5")]
    assert [p.name for p in person_loads(items, EIGHT)] == [
        "Lee Park", "Ann Ode", "Zoe Zed", UNASSIGNED]


def test_a_lower_capacity_marks_more_days() -> None:
    items = [order(MON, "Tina Tech", "5"), order(TUE, "Tina Tech", "3")]
    assert [d for d, load in day_loads(items, EIGHT).items() if load.overloaded] == []
    assert [d for d, load in day_loads(items, Decimal(4)).items() if load.overloaded] == [MON]
    assert person_loads(items, Decimal(2))[0].days_over == 2


PEOPLE = st.sampled_from(["", "Tina Tech", "Lee Park", "Ann Ode"])
HOURS = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(12), places=1)
ORDERS = st.lists(st.builds(order, st.sampled_from([MON, TUE, WED]), PEOPLE,
                            HOURS.map(str)), max_size=30)


@given(ORDERS, HOURS)
def test_the_days_and_the_people_add_up_to_the_same_hours(items, capacity) -> None:
    loads = day_loads(items, capacity)
    people = person_loads(items, capacity)
    assert sum((load.hours for load in loads.values()), Decimal(0)) == total_hours(items)
    assert sum((p.hours for p in people), Decimal(0)) == total_hours(items)
    assert sum(p.orders for p in people) == sum(len(load.items) for load in loads.values()) \
        == len(items)
    # A day holds its own orders and is over exactly when someone's hours that day are over;
    # each person's days over are the days that name them.
    for day, load in loads.items():
        assert all(i.day == day for i in load.items)
        per_person = hours_by_assignee(load.items)
        assert dict(load.over) == {n: h for n, h in per_person.items() if h > capacity}
    for person in people:
        named = sum(1 for load in loads.values() if person.name in dict(load.over))
        assert person.days_over == named
