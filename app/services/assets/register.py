"""The asset register (DESIGN.md section 3): assets in a tree of parents and sub-assets,
placed in the location tree of app/services/assets/locations.py.

Anyone signed in may read it (a requester picks the asset when filing a request); changing it
needs ASSET_MANAGE. Lists are sorted, filtered and paged in SQL and come back as light rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from app import db
from app.errors import NotFound, ValidationError
from app.models import Asset, Location, PmSchedule, WorkOrder
from app.permissions import Actor, Perm
from app.services import audit
from app.services.assets.fields import (
    ASSET_FIELDS,
    ASSET_STATUSES,
    cents,
    check_asset_dates,
    clean_asset_fields,
)
from app.services.assets.locations import location_path
from app.services.assets.meters import MeterRow, meter_rows
from app.services.common import lock_rows, page_order, raise_if, text_search, versioned_update
from app.services.registry import SIGNED_IN, mutation, query
from app.services.work_orders.listing import FINISHED_STATUSES

PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class AssetRow:
    id: int
    tag: str
    name: str
    category: str
    criticality: str
    status: str
    location_code: str
    location_name: str
    parent_tag: str
    manufacturer: str
    model: str


@dataclass(frozen=True)
class AssetDetail:
    id: int
    tag: str
    name: str
    category: str
    criticality: str
    status: str
    manufacturer: str
    model: str
    serial: str
    install_date: dt.date | None
    cost: Decimal | None
    warranty_end: dt.date | None
    notes: str
    location_id: int | None
    location_path: str  # "RBP / PROD / PROD-L1 Line 1", "" when not placed
    parent_id: int | None
    parent_tag: str
    child_count: int
    meters: tuple[MeterRow, ...]
    open_work_orders: int
    past_work_orders: int  # closed or cancelled
    version: int
    updated_at: dt.datetime


# --- assets ---------------------------------------------------------------------------------


def _parent_problem(asset_id: int | None, parent_id: int | None) -> str | None:
    """Why `parent_id` cannot be the parent of `asset_id` (None for a new asset), or None."""
    if parent_id is None:
        return None
    if asset_id is not None and parent_id == asset_id:
        return "cannot be the asset itself"
    current: int | None = parent_id
    seen: set[int] = set()
    first = True
    while current is not None and current not in seen:
        seen.add(current)
        row = Asset.select(Asset.parent).where(Asset.id == current).tuples().first()
        if row is None:
            return f"does not exist (asset {parent_id})" if first else None
        first = False
        current = row[0]
        if asset_id is not None and current == asset_id:
            return "cannot be one of the asset's own sub-assets"
    return None


def _check_references(errors: dict[str, str], asset_id: int | None, values: dict) -> None:
    location_id = values.get("location_id")
    if location_id is not None and "location_id" not in errors and \
            not Location.select().where(Location.id == location_id).exists():
        errors["location_id"] = f"does not exist (location {location_id})"
    if "parent_id" in values and "parent_id" not in errors:
        problem = _parent_problem(asset_id, values["parent_id"])
        if problem:
            errors["parent_id"] = problem
    if "tag" in values and "tag" not in errors:
        taken = Asset.select().where(Asset.tag == values["tag"])
        if asset_id is not None:
            taken = taken.where(Asset.id != asset_id)
        if taken.exists():
            errors["tag"] = f"{values['tag']!r} is already used by another asset"


def _columns(values: dict) -> dict[str, Any]:
    return {("location" if k == "location_id" else "parent" if k == "parent_id" else k): v
            for k, v in values.items()}


@mutation(Perm.ASSET_MANAGE)
def add_asset(
    actor: Actor,
    tag: str,
    name: str,
    category: str = "",
    criticality: str = "B",
    status: str = "in_service",
    manufacturer: str = "",
    model: str = "",
    serial: str = "",
    install_date: dt.date | str | None = None,
    cost: Decimal | int | str | None = None,
    warranty_end: dt.date | str | None = None,
    parent_id: int | None = None,
    location_id: int | None = None,
    notes: str = "",
) -> AssetDetail:
    """Register an asset. The tag is trimmed and upper-cased, and unique. Raises
    ValidationError naming every bad field (nothing is written then)."""
    given = dict(tag=tag, name=name, category=category, criticality=criticality, status=status,
                 manufacturer=manufacturer, model=model, serial=serial,
                 install_date=install_date, cost=cost, warranty_end=warranty_end,
                 parent_id=parent_id, location_id=location_id, notes=notes)
    errors: dict[str, str] = {}
    values = clean_asset_fields(errors, given)
    check_asset_dates(errors, values["install_date"], values["warranty_end"])
    _check_references(errors, None, values)
    raise_if(errors)
    try:
        with db.database.atomic():  # a savepoint: another desk may take the tag at this moment
            asset = Asset.create(**_columns(values))
    except peewee.IntegrityError as exc:
        raise ValidationError(
            {"tag": f"{values.get('tag', '')!r} is already used by another asset"}) from exc
    audit.record(actor, "asset", asset.id, "created",
                 {k: [None, v] for k, v in values.items() if v not in (None, "")})
    return _detail(asset.id)


@mutation(Perm.ASSET_MANAGE)
def update_asset(actor: Actor, asset_id: int, expected_version: int, **fields: Any) -> AssetDetail:
    """Change some fields of an asset (the keyword names of `add_asset`). ConflictError naming
    who saved it since `expected_version`; ValidationError per bad field; NotFound."""
    unknown = sorted(set(fields) - set(ASSET_FIELDS))
    if unknown:
        raise TypeError(f"update_asset got unknown fields {unknown}")
    asset = lock_rows(Asset.select().where(Asset.id == asset_id)).first()
    if asset is None:
        raise NotFound(f"Asset {asset_id} does not exist (it may have been deleted).")
    errors: dict[str, str] = {}
    values = clean_asset_fields(errors, fields)
    check_asset_dates(errors, values.get("install_date", asset.install_date),
                      values.get("warranty_end", asset.warranty_end))
    _check_references(errors, asset.id, values)
    raise_if(errors)
    try:
        with db.database.atomic():
            changes = versioned_update(asset, expected_version, "asset", **_columns(values))
    except peewee.IntegrityError as exc:
        raise ValidationError(
            {"tag": f"{values.get('tag', '')!r} is already used by another asset"}) from exc
    if changes:
        if "status" in changes:  # retired or back in service: its PM schedules are looked at
            PmSchedule.update(next_check=None).where(PmSchedule.asset == asset.id).execute()
        audit.record(actor, "asset", asset.id, "updated", changes)
    return _detail(asset.id)


def _detail(asset_id: int) -> AssetDetail:
    asset: Any = Asset.get_or_none(Asset.id == asset_id)
    if asset is None:
        raise NotFound(f"Asset {asset_id} does not exist (it may have been deleted).")
    parent_tag = "" if asset.parent_id is None else (
        Asset.select(Asset.tag).where(Asset.id == asset.parent_id).scalar() or "")
    orders = WorkOrder.select().where(WorkOrder.asset == asset.id)
    past = orders.where(WorkOrder.status.in_(FINISHED_STATUSES)).count()
    return AssetDetail(
        id=asset.id, tag=asset.tag, name=asset.name, category=asset.category,
        criticality=asset.criticality, status=asset.status, manufacturer=asset.manufacturer,
        model=asset.model, serial=asset.serial, install_date=asset.install_date,
        cost=cents(asset.cost), warranty_end=asset.warranty_end, notes=asset.notes,
        location_id=asset.location_id, location_path=location_path(asset.location_id),
        parent_id=asset.parent_id, parent_tag=parent_tag,
        child_count=Asset.select().where(Asset.parent == asset.id).count(),
        meters=tuple(meter_rows(asset.id)), open_work_orders=orders.count() - past,
        past_work_orders=past, version=asset.version, updated_at=asset.updated_at,
    )


@query(SIGNED_IN)
def get_asset(actor: Actor, asset_id: int) -> AssetDetail:
    """An asset with its location path, parent tag, meters and work-order counts; NotFound."""
    return _detail(asset_id)


@query(SIGNED_IN)
def find_asset_by_tag(actor: Actor, tag: str) -> AssetDetail:
    """The asset with this tag (any case, spaces trimmed), as a barcode scan gives it; NotFound."""
    wanted = tag.strip().upper() if isinstance(tag, str) else ""
    asset_id = Asset.select(Asset.id).where(Asset.tag == wanted).scalar() if wanted else None
    if asset_id is None:
        raise NotFound(f"There is no asset with tag {wanted or tag!r}.")
    return _detail(int(asset_id))


# --- the asset list -------------------------------------------------------------------------

ParentAsset = Asset.alias("parent_asset")
SORT_COLUMNS: dict[str, Any] = {
    "tag": Asset.tag,
    "name": Asset.name,
    "category": Asset.category,
    "criticality": Asset.criticality,
    "status": Asset.status,
    "location": Location.code,
    "parent": ParentAsset.tag,
    "manufacturer": Asset.manufacturer,
}


def _subtree(location_id: int) -> Any:
    """SELECT of the ids of a location and every location below it (a recursive CTE)."""
    base = Location.select(Location.id).where(Location.id == location_id).cte(
        "subtree", recursive=True, columns=("id",))
    below = Location.select(Location.id).join(base, on=(Location.parent == base.c.id))
    tree = base.union_all(below)
    return tree.select_from(tree.c.id)


def _filtered(search: str, location_id: int | None, include_sublocations: bool,
              status: str | None, parent_id: int | None = None) -> Any:
    q: Any = (
        Asset.select(
            Asset.id, Asset.tag, Asset.name, Asset.category, Asset.criticality, Asset.status,
            peewee.fn.COALESCE(Location.code, ""), peewee.fn.COALESCE(Location.name, ""),
            peewee.fn.COALESCE(ParentAsset.tag, ""), Asset.manufacturer, Asset.model,
        )
        .join(Location, peewee.JOIN.LEFT_OUTER, on=(Asset.location == Location.id))
        .switch(Asset)
        .join(ParentAsset, peewee.JOIN.LEFT_OUTER, on=(Asset.parent == ParentAsset.id))
    )
    if status is not None:
        status = status.strip().lower().replace(" ", "_") if isinstance(status, str) else ""
        if status not in ASSET_STATUSES:
            raise ValidationError({"status": "must be one of " + ", ".join(ASSET_STATUSES)})
        q = q.where(Asset.status == status)
    if location_id is not None:
        q = q.where(Asset.location.in_(_subtree(location_id)) if include_sublocations
                    else Asset.location == location_id)
    if parent_id is not None:
        q = q.where(Asset.parent == parent_id)
    matches = text_search((Asset.tag, Asset.name, Asset.category, Asset.manufacturer,
                           Asset.model, Asset.serial), search)
    return q if matches is None else q.where(matches)


@query(SIGNED_IN)
def list_assets(
    actor: Actor,
    search: str = "",
    location_id: int | None = None,
    include_sublocations: bool = True,
    status: str | None = None,
    sort: str = "tag",
    descending: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    parent_id: int | None = None,
) -> list[AssetRow]:
    """One page of assets matching `search` (tag, name, category, maker, model, serial), in a
    location (and the locations below it) and of a status; sorted in SQL by `sort` (one of
    SORT_COLUMNS), ties broken by id so pages never overlap; `parent_id` keeps the parts of
    one asset. ValidationError for a bad sort, status or page."""
    order = page_order(SORT_COLUMNS, sort, descending, Asset.id, offset, limit)
    q = _filtered(search, location_id, include_sublocations, status, parent_id)
    return [AssetRow(*r) for r in q.order_by(*order).offset(offset).limit(limit).tuples()]


@query(SIGNED_IN)
def count_assets(
    actor: Actor,
    search: str = "",
    location_id: int | None = None,
    include_sublocations: bool = True,
    status: str | None = None,
) -> int:
    """How many assets `list_assets` would page through with the same filters."""
    return _filtered(search, location_id, include_sublocations, status).count()
