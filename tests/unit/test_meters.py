"""Meters and readings: a cumulative meter never goes down unless it was replaced."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest

from app.clock import utcnow
from app.errors import NotFound, PermissionDenied, ValidationError
from app.models import AuditEvent, Meter, MeterReading
from app.permissions import ROLE_PERMISSIONS, SYSTEM, Perm, Role
from app.services.assets import meters, register


def _counts() -> tuple[int, ...]:
    return tuple(m.select().count() for m in (Meter, MeterReading, AuditEvent))


@pytest.fixture
def pump(admin) -> register.AssetDetail:
    return register.add_asset(admin, "P-1", "Pump")


@pytest.fixture
def hours(admin, pump) -> meters.MeterRow:
    return meters.add_meter(admin, pump.id, "Run hours", "h")


def test_who_records_readings_is_who_works_orders_or_manages_assets():
    # The declared permission is WO_WORK; that covers ASSET_MANAGE only while every role with
    # ASSET_MANAGE also has WO_WORK.
    for role, perms in ROLE_PERMISSIONS.items():
        if Perm.ASSET_MANAGE in perms:
            assert Perm.WO_WORK in perms, role


def test_a_technician_records_readings_and_the_meter_follows(actors, hours):
    tech = actors[Role.TECHNICIAN]
    first = meters.record_reading(tech, hours.id, "100.5", note="round 1")
    second = meters.record_reading(tech, hours.id, 120)
    assert (first.value, first.recorded_by, first.note) == (Decimal("100.50"),
                                                            "Technician Person", "round 1")
    meter = meters.list_meters(tech, hours.asset_id)[0]
    assert meter.last_reading == Decimal("120.00") and meter.last_reading_at == second.at
    assert [r.value for r in meters.list_readings(tech, hours.id)] == [Decimal("120.00"),
                                                                       Decimal("100.50")]
    assert [r.id for r in meters.list_readings(tech, hours.id, limit=1)] == [second.id]
    detail = register.get_asset(actors[Role.REQUESTER], hours.asset_id)
    assert detail.meters[0].last_reading == Decimal("120.00")


@pytest.fixture
def new_york(monkeypatch):
    """The desk's clock in New York (the process's local time), put back afterwards."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_lower_reading_is_refused_with_the_last_reading_and_when(admin, hours, new_york):
    # The desk's clock, not UTC, is named.
    at = dt.datetime(2026, 7, 1, 18, 14)  # UTC: 14:14 in New York (summer time)
    meters.record_reading(admin, hours.id, "500", at=at)
    before = _counts()
    with pytest.raises(ValidationError) as err:
        meters.record_reading(admin, hours.id, "499.99")
    message = err.value.fields["value"]
    assert message.startswith("cannot be below the last reading, 500.00 h on 2026-07-01 14:14;")
    assert "meter replacement" in message
    assert err.value.message.startswith("Reading cannot be below")
    assert _counts() == before
    assert meters.record_reading(admin, hours.id, "500").value == Decimal("500.00")  # equal is ok


def test_a_replacement_may_read_lower_and_starts_a_new_series(admin, hours):
    meters.record_reading(admin, hours.id, "9000", at=utcnow() - dt.timedelta(hours=2))
    new = meters.record_reading(admin, hours.id, "3", replacement=True,
                                at=utcnow() - dt.timedelta(hours=1))
    assert new.replacement and meters.list_meters(admin, hours.asset_id)[0].last_reading == 3
    assert meters.record_reading(admin, hours.id, "10").value == 10  # below 9000: new meter
    with pytest.raises(ValidationError):
        meters.record_reading(admin, hours.id, "5")
    event = AuditEvent.select().where(AuditEvent.action == "reading").order_by(
        AuditEvent.id.desc()).first()
    assert json.loads(event.changes)["value"] == ["3.00", "10.00"]


def test_a_late_reading_fits_between_its_neighbours_and_does_not_move_the_meter(admin, hours):
    now = utcnow()
    meters.record_reading(admin, hours.id, "100", at=now - dt.timedelta(days=2))
    meters.record_reading(admin, hours.id, "200", at=now - dt.timedelta(hours=1))
    late = meters.record_reading(admin, hours.id, "150", at=now - dt.timedelta(days=1))
    assert meters.list_meters(admin, hours.asset_id)[0].last_reading == 200
    assert [r.id for r in meters.list_readings(admin, hours.id)][1] == late.id
    with pytest.raises(ValidationError) as err:
        meters.record_reading(admin, hours.id, "250", at=now - dt.timedelta(hours=12))
    assert err.value.fields["value"].startswith("cannot be above the later reading, 200.00 h")


def test_a_gauge_may_go_down_and_below_zero(admin, pump):
    gauge = meters.add_meter(admin, pump.id, "Oil temperature", "°C", cumulative=False)
    meters.record_reading(admin, gauge.id, "60")
    assert meters.record_reading(admin, gauge.id, "-5.5").value == Decimal("-5.50")


@pytest.mark.parametrize("kwargs, field, message", [
    ({"value": ""}, "value", "is required"),
    ({"value": None}, "value", "is required"),
    ({"value": "ten"}, "value", "must be a number, not 'ten'"),
    ({"value": "-1"}, "value", "cannot be negative"),
    ({"value": "1.234"}, "value", "may have at most 2 decimal places"),
    ({"value": "1e13"}, "value", "must be at most"),
    ({"value": [1]}, "value", "must be a number"),
    ({"value": "1", "at": utcnow() + dt.timedelta(days=1)}, "at", "cannot be in the future"),
    ({"value": "1", "at": dt.datetime(1999, 1, 1)}, "at", "must be after 2000-01-01"),
    ({"value": "1", "at": "yesterday"}, "at", "must be a date and time"),
    ({"value": "1", "note": "n" * 501}, "note", "is 501 characters"),
    ({"value": "1", "replacement": "yes"}, "replacement", "must be yes or no"),
])
def test_bad_readings_are_refused_per_field(admin, hours, kwargs, field, message):
    before = _counts()
    with pytest.raises(ValidationError) as err:
        meters.record_reading(admin, hours.id, **kwargs)
    assert list(err.value.fields) == [field]
    assert err.value.fields[field].startswith(message)
    assert _counts() == before


def test_a_timezone_aware_time_is_stored_as_utc(admin, hours):
    local = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert meters.record_reading(admin, hours.id, "1", at=local).at == dt.datetime(2024, 5, 1,
                                                                                    10, 0)


def test_add_meter_checks_its_fields(admin, pump, hours):
    before = _counts()
    cases = [
        (("", ""), {"meter_name": "is required", "unit": "is required"}),
        (("run hours'--", "u" * 21), {"unit": "is 21 characters long; at most 20 are allowed"}),
        (("Run hours", "h"), {"meter_name": "'Run hours' is already a meter of P-1"}),
    ]
    for (name, unit), expected in cases:
        with pytest.raises(ValidationError) as err:
            meters.add_meter(admin, pump.id, name, unit)
        assert err.value.fields == expected
    with pytest.raises(ValidationError) as err:
        meters.add_meter(admin, pump.id, "Strokes", "n", cumulative="yes")  # type: ignore[arg-type]
    assert err.value.fields == {"cumulative": "must be yes or no"}
    with pytest.raises(NotFound):
        meters.add_meter(admin, 9999, "Strokes", "n")
    assert _counts() == before
    assert "Meter name is required." in ValidationError({"meter_name": "is required"}).message


def test_who_may_do_what_with_meters(actors, hours):
    for role in (Role.TECHNICIAN, Role.SUPERVISOR):
        with pytest.raises(PermissionDenied):
            meters.add_meter(actors[role], hours.asset_id, "Strokes", "n")
    with pytest.raises(PermissionDenied):
        meters.record_reading(actors[Role.REQUESTER], hours.id, "1")
    with pytest.raises(PermissionDenied):
        meters.record_reading(SYSTEM, hours.id, "1")
    assert meters.list_readings(actors[Role.REQUESTER], hours.id) == []
    with pytest.raises(NotFound):
        meters.record_reading(actors[Role.TECHNICIAN], 9999, "1")
    with pytest.raises(NotFound):
        meters.list_readings(actors[Role.TECHNICIAN], 9999)
    with pytest.raises(ValidationError):
        meters.list_readings(actors[Role.TECHNICIAN], hours.id, limit=0)
