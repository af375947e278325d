"""Bad input answered in words (issue 11): each of these ended in a one-line `unexpected …`
error with a traceback in the log. Now each is refused by a message that names the field and
the rule, and nothing is written: an RRULE with a negative INTERVAL (or any other bad part),
an hourly rate of 1e30, text that is not UTF-8 (bytes of the command line that are not, such as
$'\\xff', arrive as lone surrogates), and text with control characters or bidirectional
overrides that can disguise it in lists and printouts. Right-to-left letters are kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app import db as dbmod
from app.cli import common
from app.errors import ValidationError
from app.models import ALL_MODELS, AuditEvent, AuditHead, User
from app.permissions import Actor, Role
from app.pm.recurrence import Recurrence, RecurrenceError
from app.pm.rule_checks import rule_problem
from app.services import requests
from app.services.assets import meters, register
from app.services.common import clean_text, parse_decimal
from app.services.people import users
from app.services.pm import schedules
from app.services.work_orders import edit
from tests.cli_runner import Run

PASSWORD = "correct-horse-42"


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, but the sign-in bookkeeping (who signed in when): what a
    refused command must leave as it was."""
    out = {m.__name__: list(m.select().order_by(m._meta.primary_key).tuples())
           for m in ALL_MODELS if m not in (User, AuditEvent, AuditHead)}
    out["User"] = list(User.select(User.id, User.username, User.full_name, User.role,
                                   User.hourly_rate, User.version).order_by(User.id).tuples())
    out["AuditEvent"] = list(AuditEvent.select(AuditEvent.entity, AuditEvent.entity_id,
                                               AuditEvent.action)
                             .where(AuditEvent.action != "sign_in")
                             .order_by(AuditEvent.id).tuples())
    return out


# --- RRULEs: every part checked, in words ----------------------------------------------------

BAD_RULES = [
    ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be a whole number from 1 to 1000, not -1"),
    ("FREQ=DAILY;INTERVAL=99999999999999999999999", "INTERVAL must be a whole number"),
    ("FREQ=DAILY;COUNT=-3", "leave out DTSTART, UNTIL and COUNT"),
    ("FREQ=WEEKLY;BYDAY=XX", "BYDAY must list days as MO, TU, WE, TH, FR, SA, SU"),
    ("FREQ=WEEKLY;BYDAY=2MO", "BYDAY's 2MO numbers a weekday, which only a MONTHLY or YEARLY"),
    ("FREQ=MONTHLY;BYDAY=6MO", "a weekday's number must be from 1 to 5 or -5 to -1"),
    ("FREQ=MONTHLY;BYDAY=-MO", "has a sign but no number"),
    ("FREQ=MONTHLY;BYMONTHDAY=40", "BYMONTHDAY must be whole numbers from 1 to 31 or -31 to -1"),
    ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY must be whole numbers from 1 to 31"),
    ("FREQ=YEARLY;BYMONTH=13", "BYMONTH must be whole numbers from 1 to 12, not 13"),
    ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH must be whole numbers from 1 to 12, not -1"),
    ("FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY must be whole numbers from 1 to 366"),
    ("FREQ=MONTHLY;BYYEARDAY=100", "BYYEARDAY cannot be used with FREQ=MONTHLY (only with "
                                   "YEARLY)"),
    ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY cannot be used with FREQ=WEEKLY"),
    ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO must be whole numbers from 1 to 53"),
    ("FREQ=DAILY;BYHOUR=25", "BYHOUR must be whole numbers from 0 to 23, not 25"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=400", "BYSETPOS must be whole numbers from 1 to 366"),
    ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS picks among the dates another BY part gives"),
    ("FREQ=DAILY;BYEASTER=999999", "BYEASTER must be whole numbers from -366 to 366"),
    ("FREQ=DAILY;WKST=XX", "WKST must be one of MO, TU"),
    ("FREQ=DAILY;FOO=1", "FOO is not a part of a rule; the parts are FREQ, INTERVAL"),
    ("FREQ=DAILY;INTERVAL=1;INTERVAL=2", "INTERVAL is given twice"),
    ("FREQ=DAILY;BYDAY", "BYDAY is not a part written NAME=VALUE"),
    ("FREQ=HOURLY", "FREQ=HOURLY cannot be used; PM is due on days"),
    ("BYDAY=MO", "FREQ is missing"),
    ("FREQ=WEEKLY;BYDAY=MO,,TU", "BYDAY must list days as MO, TU, WE, TH, FR, SA, SU, "
                                 "optionally numbered (1MO: the first Monday, -1FR: the last "
                                 "Friday), not nothing"),
]


@pytest.mark.parametrize("rule, words", BAD_RULES, ids=[r for r, _ in BAD_RULES])
def test_a_bad_rule_names_its_part_and_the_rule(rule: str, words: str) -> None:
    problem = rule_problem(rule)
    assert problem is not None and words in problem, problem
    with pytest.raises(RecurrenceError) as refused:
        Recurrence("rrule", rrule=rule)
    assert refused.value.detail == problem
    assert str(refused.value) == f"the rule {rule!r} is not a valid RRULE: {problem}"


GOOD_RULES = [
    "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", "RRULE:FREQ=DAILY;",
    "freq=monthly;byday=mo,tu,we,th,fr;bysetpos=-1", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
    "FREQ=YEARLY;BYYEARDAY=1,-1", "FREQ=YEARLY;BYDAY=20MO", "FREQ=DAILY;BYEASTER=-2",
    "FREQ=WEEKLY;WKST=SU;BYDAY=SA", "FREQ=DAILY;BYHOUR=8,16",
]


@pytest.mark.parametrize("rule", GOOD_RULES)
def test_good_rules_pass_and_give_dates(rule: str) -> None:
    assert rule_problem(rule) is None
    first = next(Recurrence("rrule", rrule=rule).raw_series(dt.date(2027, 1, 1)))
    assert first >= dt.date(2027, 1, 1)


@pytest.fixture
def pump(db: Any) -> Any:
    from app.models import Asset, Location, Site

    site = Site.create(code="S1", name="Main plant")
    hall = Location.create(site=site, code="HALL", name="Filling hall")
    return Asset.create(tag="PMP-0001", name="Feed pump", location=hall)


def test_a_schedule_with_a_bad_rule_is_refused_by_the_field_and_not_written(
        pump: Any, make_user: Any) -> None:
    planner = make_user(Role.PLANNER)
    before = snapshot()
    for rule, words in BAD_RULES:
        with pytest.raises(ValidationError) as refused:
            schedules.create_schedule(planner, name="Lube", asset_id=pump.id,
                                      time_unit="rrule", rrule=rule)
        assert refused.value.fields == {"rrule": f"is not a valid RRULE: {rule_problem(rule)}"}
        assert words in refused.value.fields["rrule"]
    assert snapshot() == before


# --- numbers: bounded, never an arithmetic error ---------------------------------------------

@pytest.mark.parametrize("text", ["1e30", "-1", "NaN", "sNaN", "Infinity", "-inf", "1" * 41,
                                  "1e999999999", "99999999.995", "twelve", "1\x00", "\udcff"])
def test_an_hourly_rate_out_of_range_or_not_a_number_is_refused_in_words(
        admin: Actor, text: str) -> None:
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        users.add_user(admin, "uma", "Uma User", "technician", PASSWORD, hourly_rate=text)
    assert refused.value.fields["hourly_rate"] in (
        "must be between 0 and 99,999,999.99", "must be a number, such as 42.50")
    assert snapshot() == before


def test_a_good_rate_is_kept_to_the_cent(admin: Actor) -> None:
    row = users.add_user(admin, "uma", "Uma User", "technician", PASSWORD,
                         hourly_rate="1e-30", must_change_password=False)
    assert row.hourly_rate == Decimal("0.00")
    row = users.add_user(admin, "vic", "Vic User", "technician", PASSWORD,
                         hourly_rate=" 99,999,999.99 ", must_change_password=False)
    assert row.hourly_rate == Decimal("99999999.99")


@pytest.mark.parametrize("value", [Decimal("1e30"), 10**5000, 1e300, float("nan"), "1e30",
                                   "-1e30", "1" * 200],
                         ids=["Decimal 1e30", "int 10**5000", "float 1e300", "float nan",
                              "text 1e30", "text -1e30", "200 digits"])
def test_every_amount_field_refuses_huge_values_in_words(
        pump: Any, make_user: Any, value: Any) -> None:
    """Cost, meter readings, estimated hours, downtime, PM meter intervals: the column's
    limit, named."""
    planner = make_user(Role.PLANNER)
    meter = meters.add_meter(planner, pump.id, "Run hours", "h")
    order = edit.create_work_order(planner, title="Leak")
    before = snapshot()
    attempts = [
        ("cost", lambda: register.add_asset(planner, tag="PMP-0002", name="Spare",
                                               cost=value)),
        ("value", lambda: meters.record_reading(planner, meter.id, value)),
        ("estimated_hours", lambda: edit.create_work_order(planner, title="Leak",
                                                           estimated_hours=value)),
        ("downtime_hours", lambda: edit.set_downtime(planner, order.id, order.version, value)),
        ("meter_every", lambda: schedules.create_schedule(
            planner, name="Lube", asset_id=pump.id, meter_id=meter.id, meter_every=value,
            anchor="floating")),
    ]
    for field, attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert field in refused.value.fields, (field, refused.value.fields)
        message = refused.value.fields[field]
        assert message.startswith(("must be", "cannot be negative")), (field, message)
    assert snapshot() == before


def test_parse_decimal_never_raises() -> None:
    for value in ("1e30", "1e999999999999999999", "-0", "1_000", " 12,50 ", "\udcff", "1\x00",
                  "x" * 100_000, 10**5000, True, None, [], float("inf"), Decimal("sNaN")):
        number = parse_decimal(value)
        assert number is None or number.is_finite()
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal("2,5", decimal_comma=True) == Decimal("2.5")
    assert parse_decimal(0.1) == Decimal("0.1")


# --- text: UTF-8, no control characters, no direction overrides ------------------------------

BAD_TEXT = [
    ("\udcff", "is not valid text (UTF-8): character 1 cannot be read (the byte 0xFF)"),
    ("Leak \udcc3\udca9", "is not valid text (UTF-8): character 6 cannot be read (the byte "
                          "0xC3)"),
    ("Leak\x00", "contains control characters (U+0000, character 5)"),
    ("Leak\x1b[31m", "contains control characters (U+001B, character 5)"),
    ("Le\x85ak", "contains control characters (U+0085, character 3)"),
    ("Leak\rhidden", "must be one line: it contains a line break (U+000D, character 5)"),
    ("Leak\nhidden", "must be one line: it contains a line break (U+000A, character 5)"),
    ("Leak\u2028x", "must be one line: it contains a line break (U+2028, character 5)"),
    ("Leak\tx", "must be one line of text: it contains a tab (U+0009, character 5)"),
    ("invoice\u202efdp.exe", "contains an invisible direction control (U+202E, character 8)"),
    ("a\u202ab", "contains an invisible direction control (U+202A"),
    ("a\u2066b\u2069", "contains an invisible direction control (U+2066"),
    ("a\u2069", "contains an invisible direction control (U+2069"),
]


@pytest.mark.parametrize("text, words", BAD_TEXT, ids=[repr(t) for t, _ in BAD_TEXT])
def test_a_title_that_is_not_plain_text_is_refused_by_name(
        make_user: Any, text: str, words: str) -> None:
    planner = make_user(Role.PLANNER)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        edit.create_work_order(planner, title=text)
    assert refused.value.fields["title"].startswith(words), refused.value.fields
    assert snapshot() == before


def test_multi_line_text_keeps_lines_and_tabs_but_not_other_controls(make_user: Any) -> None:
    planner = make_user(Role.PLANNER)
    order = edit.create_work_order(planner, title="Leak",
                                   description="Line one\r\n\tindented\nthree")
    assert order.description == "Line one\n\tindented\nthree"  # Windows' CR LF is one newline
    for bad, words in (("a\rb", "contains control characters (U+000D"),
                       ("a\x07b", "contains control characters (U+0007"),
                       ("a\u202db", "contains an invisible direction control (U+202D"),
                       ("a\udcffb", "is not valid text (UTF-8)")):
        with pytest.raises(ValidationError) as refused:
            edit.create_work_order(planner, title="Leak", description=bad)
        assert refused.value.fields["description"].startswith(words)


@pytest.mark.parametrize("text", ["مضخة التغذية", "משאבת הזנה", "Pump מס׳ 3 (فلتر)",
                                  "Ölpumpe \u200f", "泵 🛠"])
def test_right_to_left_and_other_scripts_are_kept_as_typed(make_user: Any, text: str) -> None:
    planner = make_user(Role.PLANNER)
    order = edit.create_work_order(planner, title=text)
    assert order.title == text.strip()
    request = requests.file_request(planner, title=text)
    assert request.title == text.strip()


def test_every_owned_text_field_goes_through_the_same_rule(
        pump: Any, make_user: Any, admin: Actor) -> None:
    """Asset, meter, request, user and schedule fields: the override is refused by name."""
    planner = make_user(Role.PLANNER)
    bad = "x\u202ey"
    attempts = [
        ("name", lambda: register.add_asset(planner, tag="P-2", name=bad)),
        ("notes", lambda: register.add_asset(planner, tag="P-2", name="ok", notes=bad)),
        ("serial", lambda: register.add_asset(planner, tag="P-2", name="ok", serial=bad)),
        ("meter_name", lambda: meters.add_meter(planner, pump.id, bad, "h")),
        ("unit", lambda: meters.add_meter(planner, pump.id, "Run", bad)),
        ("title", lambda: requests.file_request(planner, title=bad)),
        ("description", lambda: requests.file_request(planner, title="ok", description=bad)),
        ("full_name", lambda: users.add_user(admin, "uma", bad, "technician", PASSWORD)),
        ("craft", lambda: users.add_user(admin, "uma", "Uma", "technician", PASSWORD,
                                         craft=bad)),
        ("name", lambda: schedules.create_schedule(planner, name=bad, asset_id=pump.id,
                                                   time_unit="month")),
        ("rrule", lambda: schedules.create_schedule(planner, name="ok", asset_id=pump.id,
                                                    time_unit="rrule", rrule=bad)),
    ]
    before = snapshot()
    for field, attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.fields.get(field, "").startswith(
            "contains an invisible direction control"), (field, refused.value.fields)
    assert snapshot() == before


def test_clean_text_defaults_long_fields_to_multi_line() -> None:
    errors: dict[str, str] = {}
    assert clean_text(errors, "notes", "a\nb", max_length=20_000) == "a\nb"
    assert clean_text(errors, "name", "a\nb", max_length=120, multiline=True) == "a\nb"
    assert errors == {}
    clean_text(errors, "name", "a\nb", max_length=120)
    assert errors["name"].startswith("must be one line")


def test_a_search_that_is_not_text_is_refused_by_name(make_user: Any) -> None:
    from app.services.work_orders import listing

    planner = make_user(Role.PLANNER)
    for bad, words in (("\udcff", "is not valid text (UTF-8)"),
                       ("a\x00", "contains control characters"),
                       ("x" * 201, "is 201 characters long; at most 200 are allowed")):
        with pytest.raises(ValidationError) as refused:
            listing.list_work_orders(planner, listing.WorkOrderFilter(search=bad))
        assert refused.value.fields["search"].startswith(words)


# --- the issue's commands, end to end --------------------------------------------------------

@pytest.fixture
def plant(kw: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(common.ENV_PASSWORD, PASSWORD)
    assert kw("--db", db_url, "db", "init").code == 0
    database, target = dbmod.connect(db_url)
    try:
        from app.services import setup

        setup.set_up_organisation("Test Plant", "ada", "Ada Admin", PASSWORD)
        ada = users.find_user_id("ada")
        from app.services.people.auth import actor_for

        admin = actor_for(User.get_by_id(ada))
        users.add_user(admin, "pat", "Pat Planner", "planner", PASSWORD,
                       must_change_password=False)
    finally:
        dbmod.close()
    for argv in (("asset", "add", "PMP-0001", "--name", "Feed pump"),):
        made = kw("--db", db_url, *argv, "--user", "pat")
        assert made.code == 0, made.err
    monkeypatch.chdir(tmp_path)
    return db_url


def _tables(url: str) -> dict[str, list[tuple]]:
    dbmod.connect(url)
    try:
        return snapshot()
    finally:
        dbmod.close()


ISSUE_COMMANDS = [
    (("pm", "add", "--asset", "PMP-0001", "--name", "Lube", "--rrule",
      "FREQ=DAILY;INTERVAL=-1", "--user", "pat"),
     "--rrule: The rule is not a valid RRULE: INTERVAL must be a whole number from 1 to 1000, "
     "not -1."),
    (("user", "add", "u", "--full-name", "x", "--role", "technician", "--hourly-rate", "1e30",
      "--password-stdin", "--user", "ada"),
     "Hourly rate must be between 0 and 99,999,999.99."),
    (("wo", "create", "--title", "\udcff", "--user", "pat"),
     "Title is not valid text (UTF-8): character 1 cannot be read (the byte 0xFF)."),
    (("wo", "list", "--search", "\udcff", "--user", "pat"),
     "Search is not valid text (UTF-8): character 1 cannot be read (the byte 0xFF)."),
    (("wo", "create", "--title", "invoice\u202efdp.exe", "--user", "pat"),
     "Title contains an invisible direction control (U+202E, character 8)"),
]


@pytest.mark.parametrize("argv, words", ISSUE_COMMANDS, ids=[" ".join(a[:2]) + " " + a[-3][:6]
                                                            for a, _ in ISSUE_COMMANDS])
def test_the_issues_commands_are_answered_in_words(
        kw: Run, plant: str, argv: tuple[str, ...], words: str) -> None:
    before = _tables(plant)
    result = kw("--db", plant, *argv, stdin="Strong-pass-123\n")
    assert result.code == common.EXIT_FAILED, result.err
    assert "unexpected" not in result.err
    assert words in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1
    assert _tables(plant) == before
