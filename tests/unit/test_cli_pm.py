"""`keepwell pm ...` and `keepwell meter read` in-process, on a real database (SQLite here;
PostgreSQL through tests/integration/test_cli_pm_pg.py). Dates are counted from today, so the
tests mean the same whatever day they run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from app import db as dbmod
from app.models import AuditEvent, PmSchedule, WorkOrder
from tests.cli_runner import Result, Run

PASSWORD = "correct-horse-42"
TODAY = dt.date.today()


@pytest.fixture
def pm_plant(kw: Run, db_url: str) -> str:
    return make_pm_plant(kw, db_url)


def make_pm_plant(kw: Run, db_url: str) -> str:
    """ada (admin), pat (planner), tess (technician); pump PMP-0001 with a run-hours meter
    reading 1,000 h. All through the command line."""
    assert kw("--db", db_url, "db", "init").code == 0
    for name, role in (("ada", "admin"), ("pat", "planner"), ("tess", "technician")):
        # ada, the first admin, needs no sign-in; the others are added by her (stdin: her
        # password, then theirs)
        by_ada = () if name == "ada" else ("--user", "ada")
        result = kw("--db", db_url, "user", "add", name, "--full-name", f"{name.title()} X",
                    "--role", role, "--no-force-change", *by_ada, "--password-stdin",
                    stdin=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.code == 0, result.err
    for argv in (("asset", "add", "PMP-0001", "--name", "Feed pump"),
                 ("meter", "add", "PMP-0001", "Run hours", "--unit", "h"),
                 ("meter", "read", "PMP-0001", "Run hours", "1000")):
        result = as_user(kw, db_url, "pat", *argv)
        assert result.code == 0, result.err
    return db_url


def as_user(kw: Run, url: str, user: str, *argv: str) -> Result:
    return kw("--db", url, *argv, "--user", user, "--password-stdin", stdin=PASSWORD)


def pm(kw: Run, url: str, user: str, *argv: str) -> Result:
    return as_user(kw, url, user, "pm", *argv)


def counts(url: str) -> tuple[int, int, int]:
    """(schedules, work orders, audit events but sign-ins) as stored."""
    dbmod.connect(url)
    try:
        events = AuditEvent.select().where(AuditEvent.action != "sign_in").count()
        return PmSchedule.select().count(), WorkOrder.select().count(), events
    finally:
        dbmod.close()


def add_weekly(kw: Run, url: str, *extra: str) -> dict:
    result = pm(kw, url, "pat", "add", "--asset", "pmp-0001", "--name", "Weekly walk-round",
                "--every", "1", "--unit", "week", "--start", TODAY.isoformat(), "--json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_add_list_explain_forecast_and_run_a_time_schedule(kw: Run, pm_plant: str) -> None:
    added = add_weekly(kw, pm_plant, "--priority", "2", "--hours", "1.5", "--assignee", "tess",
                       "--task", "Listen to the bearings", "--required-task", "Check the seal")
    assert (added["name"], added["asset_tag"], added["trigger"]) == (
        "Weekly walk-round", "PMP-0001", "every week (fixed)")
    assert added["due_now"] == TODAY.isoformat() and added["explanation"].startswith("Due ")
    fields = added["fields"]
    assert (fields["priority"], fields["estimated_hours"], fields["lead_days"]) == (2, "1.50", 0)
    assert [(t["text"], t["required"]) for t in fields["tasks"]] == [
        ("Listen to the bearings", False), ("Check the seal", True)]
    sid = str(added["id"])

    (row,) = json.loads(pm(kw, pm_plant, "tess", "list", "--json").out)
    assert (row["id"], row["asset_tag"], row["next_due"], row["open_order"]) == (
        added["id"], "PMP-0001", TODAY.isoformat(), "")
    assert row["assignee_name"] == "Tess X" and row["compliance"] is None
    assert row["estimated_hours"] == "1.50"
    table = pm(kw, pm_plant, "tess", "list", "--search", "walk")
    assert table.code == 0
    assert "NEXT DUE" in table.out and "every week (fixed)" in table.out
    assert "No PM schedules match." in pm(kw, pm_plant, "tess", "list", "--search", "zzz").out

    explained = pm(kw, pm_plant, "tess", "explain", sid)
    assert explained.code == 0, explained.err
    assert f"PM {sid} 'Weekly walk-round' on PMP-0001 (Feed pump)" in explained.out
    assert f"As of {TODAY:%a %d %b %Y}: Due " in explained.out
    earlier = json.loads(pm(kw, pm_plant, "tess", "explain", sid, "--as-of",
                            (TODAY - dt.timedelta(days=1)).isoformat(), "--json").out)
    assert earlier["due_now"] is None and earlier["explanation"].startswith("Not due yet")

    forecast = json.loads(pm(kw, pm_plant, "tess", "forecast", sid, "--from", TODAY.isoformat(),
                             "--to", (TODAY + dt.timedelta(days=27)).isoformat(), "--json").out)
    assert forecast["occurrences"] == [
        {"day": (TODAY + dt.timedelta(days=7 * k)).isoformat(), "how": "time", "number": "",
         "overdue_since": None} for k in range(4)]
    plain = pm(kw, pm_plant, "tess", "forecast", sid)  # from today, for a year
    assert "Expected due 53 times" in plain.out or "Expected due 52 times" in plain.out

    dry = pm(kw, pm_plant, "pat", "run", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    report = json.loads(dry.out)
    assert report["dry_run"] is True and [c["number"] for c in report["created"]] == [""]
    assert counts(pm_plant)[1] == 0

    run = pm(kw, pm_plant, "pat", "run", "--json")
    assert run.code == 0, run.err
    (created,) = json.loads(run.out)["created"]
    assert created["number"].startswith("WO-") and created["due"] == TODAY.isoformat()
    dbmod.connect(pm_plant)
    wo = WorkOrder.get(WorkOrder.number == created["number"])
    assert (wo.type, wo.status, wo.priority, wo.pm_due) == ("preventive", "assigned", 2, TODAY)
    assert [t.text for t in wo.tasks.order_by("position")] == [
        "Listen to the bearings", "Check the seal"]
    dbmod.close()

    again = pm(kw, pm_plant, "ada", "run")
    assert again.code == 0 and "created 0 orders" in again.out
    week = (TODAY + dt.timedelta(days=7)).isoformat()
    ahead = pm(kw, pm_plant, "ada", "run", "--dry-run", "--as-of", week)
    assert "created" not in ahead.out and "would create 0 orders" in ahead.out, ahead.out
    assert "Missed (its order was still open" in ahead.out and week in ahead.out
    assert "Skipped:" in ahead.out and f"{created['number']} is still open" in ahead.out
    (row,) = json.loads(pm(kw, pm_plant, "pat", "list", "--json").out)
    assert row["open_order"] == created["number"]


def test_a_run_prints_what_it_created(kw: Run, pm_plant: str) -> None:
    add_weekly(kw, pm_plant)
    preview = pm(kw, pm_plant, "pat", "run", "--dry-run")
    assert preview.out.startswith(f"PM check for {TODAY:%d %b %Y}: would create 1 order")
    assert "Nothing was written (dry run)." in preview.out and "Would create:" in preview.out
    done = pm(kw, pm_plant, "pat", "run")
    assert "created 1 order," in done.out and "Created:" in done.out
    assert "WO-" in done.out and "Weekly walk-round" in done.out


def test_a_meter_schedule_follows_the_readings(kw: Run, pm_plant: str) -> None:
    added = json.loads(pm(kw, pm_plant, "pat", "add", "--asset", "PMP-0001", "--name",
                          "Oil change", "--meter", "run hours", "--meter-every", "500",
                          "--tolerance", "50", "--json").out)
    assert added["trigger"] == "every 500 h (fixed)" and added["meter_reading"] == "1000.00"
    assert added["explanation"] == (
        "Not due by meter: meter at 1,000 h; due at 1,500 h minus 50 h tolerance.")

    read = as_user(kw, pm_plant, "tess", "meter", "read", "PMP-0001", "Run hours", "1400",
                   "--note", "weekly round", "--json")
    assert read.code == 0, read.err
    reading = json.loads(read.out)
    assert (reading["value"], reading["note"], reading["recorded_by"]) == (
        "1400.00", "weekly round", "Tess X")
    assert json.loads(pm(kw, pm_plant, "pat", "run", "--json").out)["created"] == []

    plain = as_user(kw, pm_plant, "tess", "meter", "read", "PMP-0001", "Run hours", "1460")
    assert plain.out.strip() == "Recorded 1,460 h on PMP-0001 Run hours."
    why = pm(kw, pm_plant, "pat", "explain", str(added["id"]))
    assert "Due by meter: meter at 1,460 h" in why.out
    (created,) = json.loads(pm(kw, pm_plant, "pat", "run", "--json").out)["created"]
    assert created["due_reading"] == "1500.00" and created["due"] == TODAY.isoformat()

    lower = as_user(kw, pm_plant, "tess", "meter", "read", "PMP-0001", "Run hours", "900")
    assert lower.code == 1 and "cannot be below the last reading, 1460.00 h" in lower.err


def test_both_triggers_default_to_floating(kw: Run, pm_plant: str) -> None:
    both = json.loads(pm(kw, pm_plant, "pat", "add", "--asset", "PMP-0001", "--name", "Service",
                         "--every", "3", "--unit", "month", "--meter", "Run hours",
                         "--meter-every", "2000", "--season", "apr-oct", "--skip-dates",
                         "2030-12-25, 2030-12-24", "--lead-days", "5", "--json").out)
    assert both["trigger"] == "every 3 months or every 2,000 h, whichever first, April–October only"
    fields = both["fields"]
    assert (fields["anchor"], fields["season_from"], fields["season_to"]) == ("floating", 4, 10)
    assert fields["skip_dates"] == "2030-12-24,2030-12-25" and fields["lead_days"] == 5
    rule = json.loads(pm(kw, pm_plant, "pat", "add", "--asset", "PMP-0001", "--name",
                         "Quarterly", "--rrule", "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
                         "--json").out)
    assert rule["trigger"] == "the first Monday of every 3 months (fixed)"
    listed = json.loads(pm(kw, pm_plant, "pat", "list", "--asset", "pmp-0001", "--json").out)
    assert [r["name"] for r in listed] == ["Quarterly", "Service"]


TRIGGER = ("--every", "1", "--unit", "month")


# Each case: the options after `pm add --asset PMP-0001 --name PM` (unless given), and what the
# one error line says: the option first, then the service's words about it.
@pytest.mark.parametrize("argv, words", [
    (("--start", "2026-02-30", *TRIGGER),
     ("--start: Start date 2026-02-30 is not a day of the calendar.",)),
    (("--end", "2001-01-01", *TRIGGER), ("--end: End date (2001-01-01) is before the start",)),
    (("--asset", "NOPE-1", *TRIGGER), ("--asset: 'NOPE-1' is not the tag of any asset.",)),
    (("--meter", "Fuel", "--meter-every", "5"),
     ("--meter: 'Fuel' is not a meter of PMP-0001 (its meters: Run hours).",)),
    (("--meter-every", "5"), ("--meter: ", "is needed with --meter-every")),
    (("--meter", "Run hours"), ("--meter-every: ", "is required")),
    (("--meter", "Run hours", "--meter-every", "50", "--tolerance", "60"),
     ("--tolerance: ", "must be less than the interval (50 h)")),
    ((), ("No trigger: choose a time trigger (--every with --unit, or --rrule), a meter "
          "trigger (--meter with --meter-every) or both.",)),
    (("--rrule", "FREQ=SOMETIMES"), ("--rrule: ", "not a valid RRULE", "SOMETIMES")),
    (("--every", "3"), ("--unit: ", "is needed with --every: day, week, month or year.")),
    (("--every", "0", "--unit", "day"), ("--every: ", "must be a whole number from 1 to 1000")),
    (("--season", "4-13", *TRIGGER), ("--season: ", "must be two months like 4-10")),
    (("--skip-dates", "2030-01-01,xmas", *TRIGGER),
     ("--skip-dates: 'xmas' is not a date written YYYY-MM-DD.",)),
    (("--assignee", "nobody", *TRIGGER), ("--assignee: 'nobody' is not a username.",)),
    (("--lead-days", "400", *TRIGGER), ("--lead-days: Lead days must be a whole number",)),
    (("--meter", "Run hours", "--meter-every", "500", "--anchor", "fixed", *TRIGGER),
     ("--anchor: ", "must be floating when the schedule is due by time or meter")),
    # (An empty --name is refused by the parser: tests/unit/test_cli_empty_values.py.)
    # Rules that never come round again: refused, as the GUI's form refuses them.
    (("--rrule", "FREQ=DAILY;INTERVAL=0"),
     ("--rrule: ", "INTERVAL must be a whole number from 1 to 1000, not 0")),
    (("--rrule", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
     ("--rrule: The rule gives no date in the 200 years from ", "it can never be due")),
])
def test_bad_input_says_which_option_and_writes_nothing(
        kw: Run, pm_plant: str, argv: tuple[str, ...], words: tuple[str, ...]) -> None:
    before = counts(pm_plant)
    base = [*(() if "--asset" in argv else ("--asset", "PMP-0001")),
            *(() if "--name" in argv else ("--name", "PM"))]
    result = pm(kw, pm_plant, "pat", "add", *base, *argv)
    assert result.code == 1, result.out
    errors = [line for line in result.err.splitlines() if line.startswith("keepwell: error:")]
    assert len(errors) == 1 and all(w in errors[0] for w in words), result.err
    assert counts(pm_plant) == before


def test_every_problem_is_named_at_once(kw: Run, pm_plant: str) -> None:
    result = pm(kw, pm_plant, "pat", "add", "--asset", "PMP-0001", "--name", "PM", *TRIGGER,
                "--start", "someday", "--priority", "9", "--season", "summer", "--hours", "-1")
    assert result.code == 1
    for option in ("--start:", "--priority:", "--season:", "--hours:"):
        assert option in result.err
    assert counts(pm_plant)[0] == 0


@pytest.mark.parametrize("argv, words", [
    (("add", "--asset", "PMP-0001", "--name", "PM", "--unit", "fortnight"), "invalid choice"),
    (("add", "--asset", "PMP-0001", "--name", "PM", "--every", "2", "--unit", "week",
      "--rrule", "FREQ=DAILY"), "give either --every/--unit or --rrule, not both."),
    (("list", "--limit", "0"), "--limit must be from 1 to 1000."),
    (("forecast", "one"), "argument ID: must be a whole number from 1 to 2147483647, not 'one'"),
    (("forecast", "99999999999999999999999"), "must be a whole number from 1 to 2147483647"),
    (("explain", "0"), "argument ID: must be a whole number from 1 to 2147483647, not '0'"),
    (("run", "--as-of", (TODAY + dt.timedelta(days=3)).isoformat()),
     "--as-of is after today: a real run would record occurrences as missed"),
])
def test_wrong_usage_exits_2(kw: Run, pm_plant: str, argv: tuple[str, ...], words: str) -> None:
    result = pm(kw, pm_plant, "pat", *argv)
    assert result.code == 2 and words in result.err, result.err
    assert counts(pm_plant)[:2] == (0, 0)


def test_bad_dates_and_ids_for_forecast_explain_and_run(kw: Run, pm_plant: str) -> None:
    sid = str(add_weekly(kw, pm_plant)["id"])
    cases = [
        (("forecast", sid, "--from", "2026-13-01"),
         "--from: From 2026-13-01 is not a day of the calendar"),
        (("forecast", sid, "--from", "2026-06-01", "--to", "2026-05-01"),
         "--to: To (2026-05-01) is before the start (2026-06-01)."),
        (("forecast", sid, "--from", "2026-01-01", "--to", "2030-01-01"),
         "--to: To must be at most 1,098 days"),
        (("forecast", "999"), "PM schedule 999"),
        (("explain", sid, "--as-of", "yesterday"), "--as-of: As of must be a date written"),
        (("explain", "999"), "PM schedule 999"),
        (("run", "--as-of", "31/12/2026"), "--as-of: As of must be a date written"),
    ]
    for argv, words in cases:
        result = pm(kw, pm_plant, "pat", *argv)
        assert result.code == 1 and words in result.err, (argv, result.err)
    assert counts(pm_plant)[1] == 0
    ahead = pm(kw, pm_plant, "pat", "run", "--dry-run", "--json", "--as-of",
               (TODAY + dt.timedelta(days=7)).isoformat())
    assert ahead.code == 0 and json.loads(ahead.out)["created"][0]["number"] == ""
    assert counts(pm_plant)[1] == 0


def test_roles_are_those_of_the_services(kw: Run, pm_plant: str) -> None:
    add_weekly(kw, pm_plant)
    before = counts(pm_plant)
    refused = pm(kw, pm_plant, "tess", "run")
    assert refused.code == 1
    assert ("Technician accounts may not do this: running the preventive maintenance check"
            in refused.err)
    dry = pm(kw, pm_plant, "tess", "run", "--dry-run")
    assert dry.code == 1 and "Technician accounts may not do this" in dry.err
    add = pm(kw, pm_plant, "tess", "add", "--asset", "PMP-0001", "--name", "PM", *TRIGGER)
    assert add.code == 1 and "managing preventive maintenance" in add.err
    bad_and_refused = pm(kw, pm_plant, "tess", "add", "--asset", "NOPE", "--name", "PM")
    assert bad_and_refused.code == 1 and "Technician accounts may not do this" in (
        bad_and_refused.err)
    assert counts(pm_plant) == before
    assert pm(kw, pm_plant, "tess", "list").code == 0  # seeing them is allowed
    wrong = kw("--db", pm_plant, "pm", "run", "--user", "pat", "--password-stdin",
               stdin="not the password")
    assert wrong.code == 1 and "Unknown user or wrong password." in wrong.err


def test_the_list_marks_a_day_estimated_from_the_meter() -> None:
    from decimal import Decimal

    from app.cli import pm as cli_pm
    from app.services.pm.schedules import ScheduleRow

    row = ScheduleRow(
        id=1, name="Service", asset_id=1, asset_tag="PMP-0001", asset_name="Feed pump",
        active=True, trigger="every 500 h (fixed)", next_due=dt.date(2026, 12, 4),
        next_reading="1,500 h", last_done=None, open_order="", compliance=None,
        assignee_name="", estimated_hours=Decimal(2), version=1, next_due_estimated=True)
    assert cli_pm._next(row) == "≈ 2026-12-04 (at 1,500 h)"
    calendar = dataclasses.replace(row, next_due_estimated=False)
    assert cli_pm._next(calendar) == "2026-12-04 or at 1,500 h"
