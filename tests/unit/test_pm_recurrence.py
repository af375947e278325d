"""PM due dates, to the day: a table of scenarios written out by hand from DESIGN.md section 4."""

from __future__ import annotations

import datetime as dt

import pytest

from app.pm.recurrence import (
    PlantCalendar,
    Recurrence,
    RecurrenceError,
    forecast,
    latest_not_after,
    next_fixed,
    next_floating,
)

D = dt.date
FAR = D(2040, 12, 31)

# (what, recurrence, start, calendar, the first due dates expected)
FIXED = [
    ("monthly from 31 January never drifts", Recurrence("month"), D(2026, 1, 31), None,
     [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)]),
    ("monthly from 31 January in a leap year", Recurrence("month"), D(2028, 1, 31), None,
     [D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31)]),
    ("yearly from 29 February", Recurrence("year"), D(2028, 2, 29), None,
     [D(2028, 2, 29), D(2029, 2, 28), D(2030, 2, 28), D(2031, 2, 28), D(2032, 2, 29)]),
    ("every 3 months from 30 November", Recurrence("month", 3), D(2026, 11, 30), None,
     [D(2026, 11, 30), D(2027, 2, 28), D(2027, 5, 30), D(2027, 8, 30), D(2027, 11, 30)]),
    ("every 2 weeks", Recurrence("week", 2), D(2026, 12, 21), None,
     [D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 18)]),
    ("every 10 days across a month end", Recurrence("day", 10), D(2026, 1, 25), None,
     [D(2026, 1, 25), D(2026, 2, 4), D(2026, 2, 14)]),
    ("first Monday of each quarter", Recurrence("rrule", rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO"),
     D(2026, 1, 1), None, [D(2026, 1, 5), D(2026, 4, 6), D(2026, 7, 6), D(2026, 10, 5)]),
    ("last working day of the month", Recurrence(
        "rrule", rrule="RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"), D(2026, 1, 1),
     None, [D(2026, 1, 30), D(2026, 2, 27), D(2026, 3, 31)]),
    ("monthly, only April to October", Recurrence("month"), D(2026, 1, 15),
     PlantCalendar(season=(4, 10)),
     [D(2026, 4, 15), D(2026, 5, 15), D(2026, 6, 15), D(2026, 7, 15), D(2026, 8, 15),
      D(2026, 9, 15), D(2026, 10, 15), D(2027, 4, 15)]),
    ("monthly, a winter season across the new year", Recurrence("month"), D(2026, 10, 1),
     PlantCalendar(season=(11, 2)),
     [D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1), D(2027, 2, 1), D(2027, 11, 1)]),
    ("weekly, plant holidays move it to the next open day", Recurrence("week"), D(2026, 12, 18),
     PlantCalendar(skip_dates=frozenset({D(2026, 12, 25), D(2026, 12, 26), D(2027, 1, 1)})),
     [D(2026, 12, 18), D(2026, 12, 27), D(2027, 1, 2), D(2027, 1, 8)]),
]


@pytest.mark.parametrize("what, rule, start, calendar, expected", FIXED,
                         ids=[row[0] for row in FIXED])
def test_fixed_series(what, rule, start, calendar, expected):
    days = forecast(rule, start, start, FAR, calendar or PlantCalendar())[:len(expected)]
    assert days == expected


def test_a_fixed_series_is_computed_from_its_start_not_chained():
    rule = Recurrence("month")
    chained, day = [], D(2026, 1, 31)
    for _ in range(12):
        chained.append(day)
        day = next_fixed(rule, D(2026, 1, 31), day)
    assert chained[-1] == D(2026, 12, 31)  # not the 28th it would drift to
    assert chained == forecast(rule, D(2026, 1, 31), D(2026, 1, 1), D(2026, 12, 31))


FLOATING = [  # (recurrence, completed on, calendar, next due)
    (Recurrence("month"), D(2026, 3, 17), None, D(2026, 4, 17)),  # late or early: from the work
    (Recurrence("month"), D(2026, 1, 31), None, D(2026, 2, 28)),
    (Recurrence("week", 6), D(2026, 12, 1), None, D(2027, 1, 12)),
    (Recurrence("month"), D(2026, 10, 20), PlantCalendar(season=(4, 10)), D(2027, 4, 1)),
    (Recurrence("day", 7), D(2026, 12, 18), PlantCalendar(skip_dates=frozenset(
        {D(2026, 12, 25)})), D(2026, 12, 26)),
    (Recurrence("rrule", rrule="FREQ=MONTHLY;BYMONTHDAY=1"), D(2026, 3, 1), None,
     D(2026, 4, 1)),
]


@pytest.mark.parametrize("rule, completed, calendar, expected", FLOATING)
def test_floating_schedules_follow_the_completion(rule, completed, calendar, expected):
    assert next_floating(rule, completed, calendar or PlantCalendar()) == expected


def test_a_start_in_the_past_is_due_once_for_its_latest_occurrence():
    rule = Recurrence("week")
    assert latest_not_after(rule, D(2026, 1, 5), D(2026, 3, 4)) == D(2026, 3, 2)
    assert latest_not_after(rule, D(2026, 1, 5), D(2026, 1, 4)) is None  # not started yet
    assert latest_not_after(rule, D(2026, 1, 5), D(2026, 1, 5)) == D(2026, 1, 5)


@pytest.mark.parametrize("kwargs, words", [
    ({"unit": "fortnight"}, "the unit must be one of"),
    ({"unit": "month", "every": 0}, "'every' must be a whole number from 1 to 1000"),
    ({"unit": "month", "every": 1001}, "from 1 to 1000"),
    ({"unit": "month", "every": True}, "whole number"),
    ({"unit": "day", "every": "3"}, "whole number"),
    ({"unit": "rrule"}, "a rule (RRULE) is required"),
    ({"unit": "rrule", "rrule": "FREQ=SOMETIMES"}, "is not a valid RRULE"),
])
def test_bad_recurrences_are_refused_in_words(kwargs, words):
    with pytest.raises(RecurrenceError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Recurrence(**kwargs)


def test_bad_calendars_and_ranges_are_refused():
    with pytest.raises(RecurrenceError, match="months must be from 1 to 12"):
        PlantCalendar(season=(0, 13))
    with pytest.raises(RecurrenceError, match="ends"):
        forecast(Recurrence("day"), D(2026, 1, 1), D(2026, 2, 1), D(2026, 1, 1))


def test_recurrences_say_themselves_in_words():
    assert Recurrence("month", 3).words == "every 3 months"
    assert Recurrence("week").words == "every week"
    assert Recurrence("rrule", rrule="FREQ=YEARLY").words == "by rule FREQ=YEARLY"
