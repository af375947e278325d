"""Sites and the location tree (site -> building -> area ...) that assets are placed in.

Anyone signed in may read them; changing them needs ASSET_MANAGE. A location's parent is in the
same site and exists before it, so the tree can have no cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee

from app.errors import NotFound
from app.models import Asset, Location, Site
from app.permissions import Actor, Perm
from app.services import audit
from app.services.assets.fields import clean_code
from app.services.common import clean_text, get_or_not_found, raise_if, versioned_update
from app.services.registry import SIGNED_IN, mutation, query


@dataclass(frozen=True, slots=True)
class SiteRow:
    id: int
    code: str
    name: str
    version: int


@dataclass(frozen=True, slots=True)
class LocationNode:
    """One location of the tree; the GUI links nodes by `parent_id` (None: top of its site)."""

    id: int
    site_id: int
    parent_id: int | None
    code: str
    name: str
    kind: str
    asset_count: int  # assets placed directly here
    version: int


@query(SIGNED_IN)
def list_sites(actor: Actor) -> list[SiteRow]:
    """All sites by code."""
    q: Any = Site.select(Site.id, Site.code, Site.name, Site.version).order_by(Site.code).tuples()
    return [SiteRow(*r) for r in q]


@query(SIGNED_IN)
def location_tree(actor: Actor, site_id: int | None = None) -> list[LocationNode]:
    """Every location (of one site, or all) as flat nodes with parent ids and the number of
    assets placed directly in each, ordered by site and code."""
    counts = (
        Asset.select(Asset.location, peewee.fn.COUNT(Asset.id).alias("n"))
        .where(Asset.location.is_null(False))
        .group_by(Asset.location)
    )
    q: Any = (
        Location.select(
            Location.id, Location.site, Location.parent, Location.code, Location.name,
            Location.kind, peewee.fn.COALESCE(counts.c.n, 0), Location.version,
        )
        .join(Site, on=(Location.site == Site.id))
        .switch(Location)
        .join(counts, peewee.JOIN.LEFT_OUTER, on=(counts.c.location_id == Location.id))
    )
    if site_id is not None:
        q = q.where(Location.site == site_id)
    q = q.order_by(Site.code, Location.code).tuples()
    return [LocationNode(*r) for r in q]


@mutation(Perm.ASSET_MANAGE)
def add_site(actor: Actor, code: str, name: str) -> SiteRow:
    """A new site. ValidationError when the code is taken or a field is empty or too long."""
    errors: dict[str, str] = {}
    code = clean_code(errors, "code", code, max_length=20)
    name = clean_text(errors, "name", name, max_length=120)
    if "code" not in errors and Site.select().where(Site.code == code).exists():
        errors["code"] = f"{code!r} is already used by another site"
    raise_if(errors)
    site = Site.create(code=code, name=name)
    audit.record(actor, "site", site.id, "created", {"code": [None, code], "name": [None, name]})
    return SiteRow(site.id, site.code, site.name, site.version)


def _location_node(location_id: int) -> LocationNode:
    for node in _nodes(Location.id == location_id):
        return node
    raise NotFound(f"Location {location_id} does not exist.")


def _nodes(where: Any) -> list[LocationNode]:
    q: Any = Location.select(
        Location.id, Location.site, Location.parent, Location.code, Location.name,
        Location.kind, Asset.select(peewee.fn.COUNT(Asset.id)).where(
            Asset.location == Location.id), Location.version,
    ).where(where).tuples()
    return [LocationNode(*r) for r in q]


@mutation(Perm.ASSET_MANAGE)
def add_location(
    actor: Actor, site_id: int, parent_id: int | None, code: str, name: str, kind: str = "area"
) -> LocationNode:
    """A new location in a site, at the top or under `parent_id` (which must be in the same
    site). Codes are unique per site. ValidationError per field; NotFound for an unknown site."""
    site = get_or_not_found(Site, site_id, "Site")
    errors: dict[str, str] = {}
    code = clean_code(errors, "code", code, max_length=40)
    name = clean_text(errors, "name", name, max_length=120)
    kind = clean_text(errors, "kind", kind, max_length=20).lower()
    if parent_id is not None:
        parent: Any = Location.get_or_none(Location.id == parent_id)
        if parent is None:
            errors["parent"] = f"does not exist (location {parent_id})"
        elif parent.site_id != site.id:
            errors["parent"] = "is in another site"
    if "code" not in errors and Location.select().where(
        (Location.site == site.id) & (Location.code == code)
    ).exists():
        errors["code"] = f"{code!r} is already used in site {site.code}"
    raise_if(errors)
    # A new node cannot close a cycle: its parent already hangs from the top of the site.
    location = Location.create(site=site.id, parent=parent_id, code=code, name=name, kind=kind)
    audit.record(actor, "location", location.id, "created",
                 {"site": [None, site.code], "parent": [None, parent_id], "code": [None, code],
                  "name": [None, name], "kind": [None, kind]})
    return _location_node(location.id)


@mutation(Perm.ASSET_MANAGE)
def rename_location(
    actor: Actor, location_id: int, expected_version: int, name: str, code: str | None = None
) -> LocationNode:
    """Give a location a new name (and code). ConflictError if someone saved it meanwhile."""
    location = get_or_not_found(Location, location_id, "Location")
    errors: dict[str, str] = {}
    name = clean_text(errors, "name", name, max_length=120)
    new_code = location.code if code is None else clean_code(errors, "code", code, max_length=40)
    if "code" not in errors and new_code != location.code and Location.select().where(
        (Location.site == location.site_id) & (Location.code == new_code)
    ).exists():
        errors["code"] = f"{new_code!r} is already used in this site"
    raise_if(errors)
    changes = versioned_update(location, expected_version, "location", name=name, code=new_code)
    if changes:
        audit.record(actor, "location", location.id, "renamed", changes)
    return _location_node(location.id)


def location_path(location_id: int | None) -> str:
    """'SITE / CODE Name / ...' from the top of the site down to the location."""
    parts: list[str] = []
    seen: set[int] = set()
    current = location_id
    site_code = ""
    while current is not None and current not in seen:  # a damaged tree must not loop forever
        seen.add(current)
        row = Location.select(Location.parent, Location.code, Location.name, Location.site) \
            .where(Location.id == current).tuples().first()
        if row is None:
            break
        current, code, name, site_id = row
        parts.append(f"{code} {name}")
        site_code = Site.select(Site.code).where(Site.id == site_id).scalar() or ""
    return " / ".join([site_code, *reversed(parts)]) if parts else ""
