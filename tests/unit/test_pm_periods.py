"""The PM forecast's periods: a month shown as whole weeks Monday to Sunday, a week, paging across
year ends and short months, the titles, and the months ahead an export covers."""

from __future__ import annotations

import datetime as dt

import pytest

from app.pm.periods import MONTH, WEEK, months_ahead, period, period_title, step

D = dt.date


def test_a_month_is_shown_as_the_whole_weeks_around_it() -> None:
    # April 2026 runs Wednesday 1 to Thursday 30: Monday 30 March to Sunday 3 May.
    assert period(D(2026, 4, 16), MONTH) == (D(2026, 3, 30), D(2026, 5, 3))
    assert period(D(2026, 4, 1), MONTH) == period(D(2026, 4, 30), MONTH)


def test_a_month_from_monday_to_sunday_needs_no_other_month() -> None:
    # February 2027 starts on a Monday and has 28 days: exactly four weeks.
    assert period(D(2027, 2, 10), MONTH) == (D(2027, 2, 1), D(2027, 2, 28))


def test_a_month_across_the_year_end_ends_in_january() -> None:
    first, last = period(D(2026, 12, 25), MONTH)
    assert (first, last) == (D(2026, 11, 30), D(2027, 1, 3))
    assert (last - first).days + 1 == 35


def test_a_leap_february_ends_on_the_29th() -> None:
    # 29 February 2028 is a Tuesday: the last week runs to Sunday 5 March.
    assert period(D(2028, 2, 1), MONTH) == (D(2028, 1, 31), D(2028, 3, 5))


@pytest.mark.parametrize("day", [D(2026, 4, 13), D(2026, 4, 16), D(2026, 4, 19)])
def test_a_week_is_monday_to_sunday(day: dt.date) -> None:
    assert period(day, WEEK) == (D(2026, 4, 13), D(2026, 4, 19))


def test_months_step_from_the_first_day_so_31_january_goes_to_february() -> None:
    assert step(D(2026, 1, 31), MONTH, 1) == D(2026, 2, 1)
    assert step(D(2026, 3, 31), MONTH, -1) == D(2026, 2, 1)
    assert step(D(2026, 5, 17), MONTH, 0) == D(2026, 5, 1)


def test_months_step_across_year_ends_both_ways() -> None:
    assert step(D(2026, 12, 15), MONTH, 1) == D(2027, 1, 1)
    assert step(D(2027, 1, 15), MONTH, -1) == D(2026, 12, 1)
    assert step(D(2026, 11, 2), MONTH, 14) == D(2028, 1, 1)
    assert step(D(2026, 2, 2), MONTH, -26) == D(2023, 12, 1)


def test_weeks_step_seven_days_across_the_year_end() -> None:
    assert step(D(2026, 12, 30), WEEK, 1) == D(2027, 1, 6)
    assert step(D(2027, 1, 6), WEEK, -2) == D(2026, 12, 23)
    assert period(step(D(2026, 12, 30), WEEK, 1), WEEK) == (D(2027, 1, 4), D(2027, 1, 10))


def test_a_month_title_is_its_name_and_year() -> None:
    assert period_title(D(2026, 4, 16), MONTH) == "April 2026"
    assert period_title(D(2027, 1, 1), MONTH) == "January 2027"


def test_a_week_title_gives_the_iso_week_and_its_days() -> None:
    assert period_title(D(2026, 4, 16), WEEK) == "Week 16 · 13 – 19 Apr 2026"
    # Across a month end both months are named; across a year end both years.
    assert period_title(D(2026, 4, 29), WEEK) == "Week 18 · 27 Apr – 3 May 2026"
    assert period_title(D(2026, 12, 30), WEEK) == "Week 53 · 28 Dec 2026 – 3 Jan 2027"
    assert period_title(D(2027, 12, 29), WEEK) == "Week 52 · 27 Dec 2027 – 2 Jan 2028"


def test_months_ahead_end_the_day_before_the_same_date() -> None:
    assert months_ahead(D(2026, 4, 15), 3) == (D(2026, 4, 15), D(2026, 7, 14))
    assert months_ahead(D(2026, 11, 24), 12) == (D(2026, 11, 24), D(2027, 11, 23))


def test_months_ahead_from_a_month_end_stop_before_a_shorter_months_last_day() -> None:
    # 31 January + 1 month is 28 February: the day before it is the last one.
    assert months_ahead(D(2026, 1, 31), 1) == (D(2026, 1, 31), D(2026, 2, 27))
    assert months_ahead(D(2028, 1, 31), 1) == (D(2028, 1, 31), D(2028, 2, 28))  # a leap year
    assert months_ahead(D(2026, 11, 30), 3) == (D(2026, 11, 30), D(2027, 2, 27))
    assert months_ahead(D(2026, 8, 31), 6) == (D(2026, 8, 31), D(2027, 2, 27))
