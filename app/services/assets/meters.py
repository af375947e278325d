"""Meters on assets (run hours, km, counts) and their readings (DESIGN.md section 3).

Who records readings: anyone who works on orders (Perm.WO_WORK: technicians read meters on their
rounds; planners, supervisors and admins too) or manages assets (Perm.ASSET_MANAGE). In the role
matrix every role with ASSET_MANAGE also has WO_WORK, so the declared permission is WO_WORK;
`test_meters` asserts that this stays true.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from app.clock import utcnow
from app.errors import NotFound, ValidationError
from app.models import Asset, Meter, MeterReading, PmSchedule, User
from app.permissions import Actor, Perm
from app.services import audit
from app.services.assets.fields import cents, clean_money
from app.services.common import clean_text, get_or_not_found, lock_rows, raise_if
from app.services.registry import SIGNED_IN, mutation, query

READING_PERM = Perm.WO_WORK
# Clocks on two desks differ a little; a reading "from the future" beyond this is a typo.
CLOCK_SLACK = dt.timedelta(minutes=5)
EARLIEST_READING = dt.datetime(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class MeterRow:
    id: int
    asset_id: int
    name: str
    unit: str
    cumulative: bool
    last_reading: Decimal | None
    last_reading_at: dt.datetime | None  # naive UTC
    version: int


@dataclass(frozen=True, slots=True)
class ReadingRow:
    id: int
    meter_id: int
    value: Decimal
    at: dt.datetime  # naive UTC
    recorded_by: str  # full name, "" when not recorded by a person
    replacement: bool
    note: str


_METER_FIELDS = (Meter.id, Meter.asset, Meter.name, Meter.unit, Meter.cumulative,
                 Meter.last_reading, Meter.last_reading_at, Meter.version)


def _to_meter_row(r: Any) -> MeterRow:
    return MeterRow(r[0], r[1], r[2], r[3], r[4], cents(r[5]), r[6], r[7])


def meter_rows(asset_id: int) -> list[MeterRow]:
    """The meters of an asset by name (for the asset form)."""
    q: Any = Meter.select(*_METER_FIELDS).where(Meter.asset == asset_id).order_by(Meter.name)
    return [_to_meter_row(r) for r in q.tuples()]


def _meter_row(meter_id: int) -> MeterRow:
    values = Meter.select(*_METER_FIELDS).where(Meter.id == meter_id).tuples().first()
    if values is None:
        raise NotFound(f"Meter {meter_id} does not exist (it may have been deleted).")
    return _to_meter_row(values)


@query(SIGNED_IN)
def list_meters(actor: Actor, asset_id: int) -> list[MeterRow]:
    """The meters of an asset by name, with their last readings."""
    return meter_rows(asset_id)


@mutation(Perm.ASSET_MANAGE)
def add_meter(
    actor: Actor, asset_id: int, name: str, unit: str, cumulative: bool = True
) -> MeterRow:
    """A new meter on an asset; names are unique per asset. A cumulative meter (run hours,
    km) never goes down except on a replacement. ValidationError per field; NotFound."""
    asset = get_or_not_found(Asset, asset_id, "Asset")
    errors: dict[str, str] = {}
    name = clean_text(errors, "meter_name", name, max_length=80)
    unit = clean_text(errors, "unit", unit, max_length=20)
    if not isinstance(cumulative, bool):
        errors["cumulative"] = "must be yes or no"
    if "meter_name" not in errors and Meter.select().where(
        (Meter.asset == asset.id) & (Meter.name == name)
    ).exists():
        errors["meter_name"] = f"{name!r} is already a meter of {asset.tag}"
    raise_if(errors)
    meter = Meter.create(asset=asset.id, name=name, unit=unit, cumulative=cumulative)
    audit.record(actor, "meter", meter.id, "created",
                 {"asset": [None, asset.tag], "name": [None, name], "unit": [None, unit],
                  "cumulative": [None, cumulative]})
    return _meter_row(meter.id)


def _clean_time(errors: dict[str, str], at: Any, now: dt.datetime) -> dt.datetime:
    if at is None:
        return now
    if not isinstance(at, dt.datetime):
        errors["at"] = "must be a date and time"
        return now
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    if at > now + CLOCK_SLACK:
        errors["at"] = "cannot be in the future"
    elif at < EARLIEST_READING:
        errors["at"] = "must be after 2000-01-01"
    return at


@mutation(READING_PERM)
def record_reading(
    actor: Actor,
    meter_id: int,
    value: Decimal | int | str,
    at: dt.datetime | None = None,
    replacement: bool = False,
    note: str = "",
) -> ReadingRow:
    """Record a meter reading taken at `at` (UTC; default now). On a cumulative meter a value
    below the last reading is refused (ValidationError on "value" naming the last reading and
    when) unless `replacement` says the meter was replaced. The meter's current reading moves
    only when this reading is its newest. ValidationError per field; NotFound."""
    meter = lock_rows(Meter.select().where(Meter.id == meter_id)).first()
    if meter is None:
        raise NotFound(f"Meter {meter_id} does not exist (it may have been deleted).")
    errors: dict[str, str] = {}
    amount = clean_money(errors, "value", value, negative=not meter.cumulative)
    if amount is None and "value" not in errors:
        errors["value"] = "is required"
    at = _clean_time(errors, at, utcnow())
    note = clean_text(errors, "note", note, max_length=500, required=False)
    if not isinstance(replacement, bool):
        errors["replacement"] = "must be yes or no"
    if amount is not None and "value" not in errors and "at" not in errors \
            and meter.cumulative and not replacement:
        _check_not_lower(errors, meter, amount, at)
    raise_if(errors)
    assert amount is not None
    reading = MeterReading.create(meter=meter.id, value=amount, at=at,
                                  recorded_by=actor.user_id, replacement=replacement, note=note)
    if meter.last_reading_at is None or at >= meter.last_reading_at:
        Meter.update(last_reading=amount, last_reading_at=at).where(
            Meter.id == meter.id).execute()
        # PM schedules counting on this meter may be due now: the next check looks again.
        PmSchedule.update(next_check=None).where(PmSchedule.meter == meter.id).execute()
    audit.record(actor, "meter", meter.id, "reading",
                 {"value": [None if meter.last_reading is None else str(cents(meter.last_reading)),
                            str(amount)], "at": [None, at], "replacement": [None, replacement]})
    return _reading_rows(MeterReading.id == reading.id, 1)[0]


def _check_not_lower(errors: dict[str, str], meter: Meter, amount: Decimal,
                     at: dt.datetime) -> None:
    """A cumulative meter never reads lower than the reading before (since the last meter
    replacement), nor higher than the one after (a reading entered late)."""
    readings = MeterReading.select(MeterReading.value, MeterReading.at,
                                   MeterReading.replacement).where(MeterReading.meter == meter.id)
    replaced_at = MeterReading.select(peewee.fn.MAX(MeterReading.at)).where(
        (MeterReading.meter == meter.id) & (MeterReading.replacement == True)  # noqa: E712
        & (MeterReading.at <= at)).scalar()
    earlier = readings.where(MeterReading.at <= at)
    if replaced_at is not None:
        earlier = earlier.where(MeterReading.at >= replaced_at)
    before = earlier.order_by(MeterReading.at.desc(), MeterReading.id.desc()).first()
    if before is not None and amount < before.value:
        errors["value"] = (f"cannot be below the last reading, {cents(before.value)} "
                           f"{meter.unit} on {_local(before.at)}; if the meter was "
                           "replaced, mark the reading as a meter replacement")
        return
    after = readings.where(MeterReading.at > at).order_by(MeterReading.at, MeterReading.id).first()
    if after is not None and not after.replacement and amount > after.value:
        errors["value"] = (f"cannot be above the later reading, {cents(after.value)} "
                           f"{meter.unit} on {_local(after.at)}")


def _local(utc: dt.datetime) -> str:
    """A stored (naive UTC) time as the person at this desk reads their clock."""
    return f"{utc.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"


def _reading_rows(where: Any, limit: int) -> list[ReadingRow]:
    q: Any = (
        MeterReading.select(
            MeterReading.id, MeterReading.meter, MeterReading.value, MeterReading.at,
            peewee.fn.COALESCE(User.full_name, ""), MeterReading.replacement, MeterReading.note,
        )
        .join(User, peewee.JOIN.LEFT_OUTER, on=(MeterReading.recorded_by == User.id))
        .where(where)
        .order_by(MeterReading.at.desc(), MeterReading.id.desc())
        .limit(limit)
    )
    return [ReadingRow(r[0], r[1], Decimal(str(r[2])).quantize(Decimal("0.01")), *r[3:])
            for r in q.tuples()]


@query(SIGNED_IN)
def list_readings(actor: Actor, meter_id: int, limit: int = 100) -> list[ReadingRow]:
    """The latest `limit` readings of a meter, newest first. NotFound for an unknown meter."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= 10_000:
        raise ValidationError({"limit": "must be between 1 and 10,000 readings"})
    get_or_not_found(Meter, meter_id, "Meter")
    return _reading_rows(MeterReading.meter == meter_id, limit)
