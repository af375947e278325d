"""Permission-test argument builders for assets, locations, meters and work requests.

A request the actor reads or attaches to is filed by the actor itself (a person may always see
their own); the refusals for other people's requests are tested in test_requests.py.
"""

from __future__ import annotations

from collections.abc import Callable

from app.services import requests
from app.services.assets import locations, meters, register
from tests.unit.permission_context import Call, Context


def _site(ctx: Context) -> int:
    return locations.add_site(ctx.admin, f"S{next(ctx.serial)}", "Site").id


def _location(ctx: Context) -> locations.LocationNode:
    return locations.add_location(ctx.admin, _site(ctx), None, f"L{next(ctx.serial)}", "Area")


def _asset(ctx: Context) -> register.AssetDetail:
    return register.add_asset(ctx.admin, f"PT-{next(ctx.serial)}", "Pump")


def _meter(ctx: Context) -> meters.MeterRow:
    return meters.add_meter(ctx.admin, _asset(ctx).id, "Run hours", "h")


def _own_request(ctx: Context) -> requests.RequestDetail:
    """Filed by the actor when it is a person (SYSTEM and IT cannot file: the admin does)."""
    filer = ctx.actor if ctx.actor.user_id is not None else ctx.admin
    return requests.file_request(filer, f"Leak {next(ctx.serial)}")


def _rename_location(ctx: Context) -> Call:
    location = _location(ctx)
    return (location.id, location.version, "Renamed"), {}


def _rename_asset(ctx: Context) -> Call:
    asset = _asset(ctx)
    return (asset.id, asset.version), {"name": "Renamed pump"}


def _reject(ctx: Context) -> Call:
    request = requests.file_request(ctx.admin, "Duplicate of WR-1")
    return (request.id, request.version, "Duplicate"), {}


MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {
    "assets.locations.add_site": lambda ctx: ((f"NS{next(ctx.serial)}", "New site"), {}),
    "assets.locations.add_location": lambda ctx: ((_site(ctx), None, "HALL", "Hall"), {}),
    "assets.locations.rename_location": lambda ctx: _rename_location(ctx),
    "assets.register.add_asset": lambda ctx: ((f"NEW-{next(ctx.serial)}", "New pump"), {}),
    "assets.register.update_asset": lambda ctx: _rename_asset(ctx),
    "assets.meters.add_meter": lambda ctx: ((_asset(ctx).id, "Strokes", "count"), {}),
    "assets.meters.record_reading": lambda ctx: ((_meter(ctx).id, "12.5"), {}),
    "requests.file_request": lambda ctx: (("Noisy fan",), {}),
    "requests.reject_request": lambda ctx: _reject(ctx),
    "requests.add_request_attachment": lambda ctx: (
        (_own_request(ctx).id, "photo.jpg", b"\xff\xd8data", "image/jpeg"), {}),
}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {
    "assets.locations.list_sites": lambda ctx: ((), {}),
    "assets.locations.location_tree": lambda ctx: ((), {}),
    "assets.register.get_asset": lambda ctx: ((_asset(ctx).id,), {}),
    "assets.register.find_asset_by_tag": lambda ctx: ((_asset(ctx).tag.lower(),), {}),
    "assets.register.list_assets": lambda ctx: (("pump",), {"sort": "name"}),
    "assets.register.count_assets": lambda ctx: (("pump",), {}),
    "assets.meters.list_meters": lambda ctx: ((_asset(ctx).id,), {}),
    "assets.meters.list_readings": lambda ctx: ((_meter(ctx).id,), {}),
    "requests.list_requests": lambda ctx: ((), {}),
    "requests.count_requests": lambda ctx: ((), {}),
    "requests.get_request": lambda ctx: ((_own_request(ctx).id,), {}),
    "requests.get_request_attachment": lambda ctx: ((_own_file(ctx),), {}),
}


def _own_file(ctx: Context) -> int:
    from app.models import Attachment

    request = _own_request(ctx)
    return Attachment.create(work_request=request.id, filename="leak.jpg",
                             media_type="image/jpeg", size=3, data=b"\xff\xd8\xff").id
