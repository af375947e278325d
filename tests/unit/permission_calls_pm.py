"""Permission-test argument builders for PM schedules and the PM check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.services.assets import register
from app.services.pm import schedules
from tests.unit.permission_context import Call, Context


def _schedule(ctx: Context) -> schedules.ScheduleDetail:
    """A monthly schedule that is due today (its start date)."""
    asset = register.add_asset(ctx.admin, f"PM-{next(ctx.serial)}", "Compressor")
    return schedules.create_schedule(
        ctx.admin, name="Monthly check", asset_id=asset.id, time_unit="month",
        start_date=dt.date.today(), tasks=[{"text": "Check the belt"}])


def _values(ctx: Context) -> dict:
    asset = register.add_asset(ctx.admin, f"PV-{next(ctx.serial)}", "Fan")
    return dict(name="Weekly", asset_id=asset.id, time_unit="week", start_date="2026-01-05")


def _rename(ctx: Context) -> Call:
    s = _schedule(ctx)
    return (s.id, s.version), {"name": "Renamed check"}


def _run(ctx: Context) -> Call:
    _schedule(ctx)
    return (), {}


MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {
    "pm.schedules.create_schedule": lambda ctx: ((), _values(ctx)),
    "pm.schedules.update_schedule": _rename,
    "pm.run.generate_due_work_orders": _run,
}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {
    "pm.schedules.list_schedules": lambda ctx: ((), {}),
    "pm.schedules.count_schedules": lambda ctx: ((), {}),
    "pm.schedules.get_schedule": lambda ctx: ((_schedule(ctx).id,), {}),
    "pm.schedules.explain_schedule": lambda ctx: ((_schedule(ctx).id,), {}),
    "pm.schedules.preview_schedule": lambda ctx: ((_values(ctx),), {}),
    "pm.forecast.forecast_schedule": lambda ctx: (
        (_schedule(ctx).id, "2026-01-01", "2026-12-31"), {}),
    "pm.forecast.forecast_all": lambda ctx: (("2026-01-01", "2026-12-31"), {}),
}
