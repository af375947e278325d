"""Sites, the location tree and the asset register: what a planner types and what everyone reads.

Bad input is refused per field with a sentence, and nothing is written: no row, no audit event.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from app.models import Asset, AuditEvent, Location, Site, WorkOrder
from app.permissions import SYSTEM, Role
from app.services.assets import locations
from app.services.assets import register as assets
from app.services.assets.register import SORT_COLUMNS

SQL_TEXT = "Robert'); DROP TABLE asset;-- \"quoted\" 100% _x_"


def _counts() -> tuple[int, ...]:
    return tuple(m.select().count() for m in (Site, Location, Asset, AuditEvent))


@pytest.fixture
def plant(admin):
    """RBP site: B1 (building) > B1-A (area) > B1-A1 (room); B2 (building)."""
    site = locations.add_site(admin, "rbp", "River Bend Plant")
    b1 = locations.add_location(admin, site.id, None, "b1", "Building 1", "building")
    area = locations.add_location(admin, site.id, b1.id, "b1-a", "Boiler area", "area")
    room = locations.add_location(admin, site.id, area.id, "b1-a1", "Pump room", "room")
    b2 = locations.add_location(admin, site.id, None, "b2", "Building 2", "building")
    return {"site": site, "B1": b1, "B1-A": area, "B1-A1": room, "B2": b2}


# --- sites and locations ----------------------------------------------------------------------


def test_location_tree_has_parents_and_direct_asset_counts(admin, plant):
    assets.add_asset(admin, "P-1", "Pump", location_id=plant["B1-A1"].id)
    assets.add_asset(admin, "P-2", "Pump", location_id=plant["B1-A1"].id)
    assets.add_asset(admin, "V-1", "Valve", location_id=plant["B1"].id)
    nodes = {n.code: n for n in locations.location_tree(admin)}
    assert list(nodes) == ["B1", "B1-A", "B1-A1", "B2"]
    assert nodes["B1"].parent_id is None and nodes["B1-A1"].parent_id == plant["B1-A"].id
    assert {c: n.asset_count for c, n in nodes.items()} == {"B1": 1, "B1-A": 0, "B1-A1": 2,
                                                            "B2": 0}
    assert nodes["B1"].kind == "building"
    assert locations.location_tree(admin, site_id=plant["site"].id + 99) == []
    assert [s.code for s in locations.list_sites(admin)] == ["RBP"]


def test_location_codes_are_unique_per_site_and_case_insensitive(admin, plant):
    site = plant["site"]
    before = _counts()
    with pytest.raises(ValidationError) as err:
        locations.add_location(admin, site.id, None, " B1 ", "Again")
    assert err.value.fields == {"code": "'B1' is already used in site RBP"}
    other = locations.add_site(admin, "north", "North works")
    assert locations.add_location(admin, other.id, None, "b1", "Building 1").code == "B1"
    with pytest.raises(ValidationError) as err:
        locations.add_site(admin, "RBP", "Twice")
    assert err.value.fields == {"code": "'RBP' is already used by another site"}
    assert _counts()[1] == before[1] + 1


def test_a_parent_location_must_exist_and_be_in_the_same_site(admin, plant):
    other = locations.add_site(admin, "north", "North works")
    before = _counts()
    with pytest.raises(ValidationError) as err:
        locations.add_location(admin, other.id, plant["B1"].id, "X", "Cross")
    assert err.value.fields == {"parent": "is in another site"}
    with pytest.raises(ValidationError) as err:
        locations.add_location(admin, other.id, 9999, "X", "Nowhere")
    assert err.value.fields == {"parent": "does not exist (location 9999)"}
    with pytest.raises(NotFound):
        locations.add_location(admin, 9999, None, "X", "No site")
    assert _counts() == before


@pytest.mark.parametrize("code, name, kind, fields", [
    ("", "", "", {"code": "is required", "name": "is required", "kind": "is required"}),
    ("A B", "x" * 121, "k" * 21, {"code": "may hold only", "name": "is 121 characters",
                                 "kind": "is 21 characters"}),
    (42, None, "area", {"code": "must be text", "name": "is required"}),
    ("'; DROP", "ok", "area", {"code": "may hold only"}),
])
def test_bad_location_fields_are_each_named(admin, plant, code, name, kind, fields):
    before = _counts()
    with pytest.raises(ValidationError) as err:
        locations.add_location(admin, plant["site"].id, None, code, name, kind)
    assert set(err.value.fields) == set(fields)
    for field, start in fields.items():
        assert err.value.fields[field].startswith(start)
    assert _counts() == before


def test_rename_location_with_optimistic_lock(admin, plant, make_user):
    planner = make_user(Role.PLANNER)
    node = plant["B2"]
    renamed = locations.rename_location(planner, node.id, node.version, SQL_TEXT, code="b2x")
    assert (renamed.name, renamed.code, renamed.version) == (SQL_TEXT, "B2X", node.version + 1)
    with pytest.raises(ConflictError) as err:
        locations.rename_location(admin, node.id, node.version, "Stale")
    assert planner.username in err.value.message
    with pytest.raises(ValidationError) as verr:
        locations.rename_location(admin, node.id, renamed.version, "Ok", code="B1")
    assert verr.value.fields == {"code": "'B1' is already used in this site"}
    assert Location.get_by_id(node.id).name == SQL_TEXT


def test_location_path_reads_from_the_site_down(admin, plant):
    asset = assets.add_asset(admin, "P-1", "Pump", location_id=plant["B1-A1"].id)
    assert asset.location_path == "RBP / B1 Building 1 / B1-A Boiler area / B1-A1 Pump room"


# --- adding and editing assets ----------------------------------------------------------------


def test_add_asset_cleans_and_stores_every_field(admin, plant):
    parent = assets.add_asset(admin, "P-100", "Pump set")
    detail = assets.add_asset(
        admin, "  p-101/a ", f" {SQL_TEXT} ", category="Pumps", criticality="a", status="Down",
        manufacturer="KSB", model="Etanorm", serial="SN'1", install_date="2020-02-29",
        cost="1,234.5", warranty_end=dt.date(2025, 2, 28), parent_id=parent.id,
        location_id=plant["B1-A"].id, notes="line 1\nline 2",
    )
    assert detail.tag == "P-101/A" and detail.name == SQL_TEXT
    assert (detail.criticality, detail.status) == ("A", "down")
    assert detail.install_date == dt.date(2020, 2, 29) and detail.cost == Decimal("1234.50")
    assert detail.parent_tag == "P-100" and detail.serial == "SN'1"
    assert detail.notes == "line 1\nline 2"
    assert Asset.select().where(Asset.name == SQL_TEXT).count() == 1
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (event.entity, event.action) == ("asset", "created")
    assert json.loads(event.changes)["tag"] == [None, "P-101/A"]
    assert assets.get_asset(admin, parent.id).child_count == 1


BAD_FIELDS = [
    ({"tag": ""}, "tag", "is required"),
    ({"tag": "   "}, "tag", "is required"),
    ({"tag": "T" * 41}, "tag", "is 41 characters long; at most 40 are allowed"),
    ({"tag": "P 101"}, "tag", "may hold only"),
    ({"tag": "P-1'--"}, "tag", "may hold only"),
    ({"tag": 101}, "tag", "must be text"),
    ({"name": ""}, "name", "is required"),
    ({"name": "n" * 121}, "name", "is 121 characters long; at most 120 are allowed"),
    ({"name": "bell\x07"}, "name", "contains control characters"),
    ({"category": "c" * 61}, "category", "is 61 characters"),
    ({"manufacturer": ["KSB"]}, "manufacturer", "must be text"),
    ({"model": "m" * 81}, "model", "is 81 characters"),
    ({"serial": "s" * 81}, "serial", "is 81 characters"),
    ({"notes": "n" * 20_001}, "notes", "is 20001 characters"),
    ({"criticality": "D"}, "criticality", "must be one of A, B, C"),
    ({"criticality": None}, "criticality", "must be one of A, B, C"),
    ({"status": "broken"}, "status", "must be one of in_service, down, retired"),
    ({"install_date": "1999-12-31"}, "install_date", "must be between 2000-01-01 and 2100-12-31"),
    ({"install_date": dt.date(2101, 1, 1)}, "install_date", "must be between"),
    ({"install_date": "31/12/2020"}, "install_date", "must be a date written YYYY-MM-DD"),
    ({"install_date": 2020}, "install_date", "must be a date"),
    ({"warranty_end": "2020-02-30"}, "warranty_end", "2020-02-30 is not a day of the calendar"),
    ({"install_date": "2021-01-01", "warranty_end": "2020-12-31"}, "warranty_end",
     "cannot be before the install date (2021-01-01)"),
    ({"cost": "-1"}, "cost", "cannot be negative"),
    ({"cost": "12.345"}, "cost", "may have at most 2 decimal places"),
    ({"cost": "twelve"}, "cost", "must be a number, not 'twelve'"),
    ({"cost": "NaN"}, "cost", "must be a number"),
    ({"cost": True}, "cost", "must be a number"),
    ({"cost": "1e15"}, "cost", "must be at most"),
    ({"parent_id": 9999}, "parent_id", "does not exist (asset 9999)"),
    ({"parent_id": "P-1"}, "parent_id", "must be chosen from the list"),
    ({"location_id": 9999}, "location_id", "does not exist (location 9999)"),
    ({"location_id": 0}, "location_id", "must be chosen from the list"),
]


@pytest.mark.parametrize("fields, name, message", BAD_FIELDS)
def test_each_bad_asset_field_is_named_and_nothing_is_written(admin, fields, name, message):
    before = _counts()
    values = {"tag": "P-1", "name": "Pump", **fields}
    with pytest.raises(ValidationError) as err:
        assets.add_asset(admin, **values)
    assert list(err.value.fields) == [name]
    assert err.value.fields[name].startswith(message)
    assert err.value.message.endswith(".")
    assert _counts() == before


def test_all_bad_fields_are_reported_at_once(admin):
    with pytest.raises(ValidationError) as err:
        assets.add_asset(admin, "", "", criticality="x", status="x", cost="-1",
                         install_date="x", parent_id=77, location_id=77)
    assert set(err.value.fields) == {"tag", "name", "criticality", "status", "cost",
                                     "install_date", "parent_id", "location_id"}
    assert "Tag is required." in err.value.message
    assert "Parent asset does not exist" in err.value.message


def test_tags_are_unique_whatever_the_case(admin):
    assets.add_asset(admin, "P-1", "Pump")
    before = _counts()
    with pytest.raises(ValidationError) as err:
        assets.add_asset(admin, " p-1 ", "Another pump")
    assert err.value.fields == {"tag": "'P-1' is already used by another asset"}
    assert _counts() == before


def test_update_asset_audits_old_and_new_values(admin, plant):
    asset = assets.add_asset(admin, "P-1", "Pump", cost="10")
    updated = assets.update_asset(admin, asset.id, asset.version, name="Feed pump",
                                  cost="12.50", location_id=plant["B2"].id, status="retired")
    assert (updated.name, updated.cost, updated.status) == ("Feed pump", Decimal("12.50"),
                                                            "retired")
    assert updated.version == asset.version + 1
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    changes = json.loads(event.changes)
    assert event.action == "updated" and changes["name"] == ["Pump", "Feed pump"]
    assert changes["location"] == [None, plant["B2"].id]
    unchanged = assets.update_asset(admin, asset.id, updated.version, name="Feed pump")
    assert unchanged.version == updated.version


def test_a_stale_update_names_who_changed_it_and_writes_nothing(admin, make_user):
    planner = make_user(Role.PLANNER)
    asset = assets.add_asset(admin, "P-1", "Pump")
    assets.update_asset(planner, asset.id, asset.version, name="Theirs")
    before = _counts()
    with pytest.raises(ConflictError) as err:
        assets.update_asset(admin, asset.id, asset.version, name="Mine")
    assert planner.username in err.value.message and "reload" in err.value.message
    assert err.value.theirs["name"] == "Theirs" and err.value.mine == {"name": "Mine"}
    assert _counts() == before and Asset.get_by_id(asset.id).name == "Theirs"


def test_update_refuses_bad_fields_a_taken_tag_and_cycles(admin):
    pump = assets.add_asset(admin, "P-1", "Pump", install_date="2020-01-01")
    motor = assets.add_asset(admin, "M-1", "Motor", parent_id=pump.id)
    rotor = assets.add_asset(admin, "R-1", "Rotor", parent_id=motor.id)
    pump = assets.get_asset(admin, pump.id)
    before = _counts()
    cases = [
        ({"tag": "m-1"}, {"tag": "'M-1' is already used by another asset"}),
        ({"parent_id": pump.id}, {"parent_id": "cannot be the asset itself"}),
        ({"parent_id": rotor.id}, {"parent_id": "cannot be one of the asset's own sub-assets"}),
        ({"warranty_end": "2019-12-31"},
         {"warranty_end": "cannot be before the install date (2020-01-01)"}),
        ({"name": " "}, {"name": "is required"}),
    ]
    for fields, expected in cases:
        with pytest.raises(ValidationError) as err:
            assets.update_asset(admin, pump.id, pump.version, **fields)
        assert err.value.fields == expected
    assert _counts() == before
    with pytest.raises(TypeError):
        assets.update_asset(admin, pump.id, pump.version, colour="red")
    with pytest.raises(NotFound):
        assets.update_asset(admin, 9999, 1, name="x")
    moved = assets.update_asset(admin, rotor.id, rotor.version, parent_id=None)
    assert moved.parent_tag == ""


def test_only_asset_managers_write_but_everyone_signed_in_reads(actors):
    asset = assets.add_asset(actors[Role.PLANNER], "P-1", "Pump")
    for role in (Role.SUPERVISOR, Role.TECHNICIAN, Role.REQUESTER):
        with pytest.raises(PermissionDenied):
            assets.add_asset(actors[role], "P-2", "Pump")
        assert assets.find_asset_by_tag(actors[role], " p-1").id == asset.id
    with pytest.raises(PermissionDenied):
        assets.list_assets(SYSTEM)


def test_get_asset_counts_open_and_past_work_orders(admin):
    asset = assets.add_asset(admin, "P-1", "Pump")
    for n, status in enumerate(["open", "in_progress", "completed", "closed", "cancelled"]):
        WorkOrder.create(number=f"WO-{n}", title="t", status=status, asset=asset.id)
    detail = assets.get_asset(admin, asset.id)
    assert (detail.open_work_orders, detail.past_work_orders) == (3, 2)
    with pytest.raises(NotFound):
        assets.get_asset(admin, 9999)
    with pytest.raises(NotFound, match="no asset with tag 'NOPE'"):
        assets.find_asset_by_tag(admin, "nope")


# --- the asset list ---------------------------------------------------------------------------


@pytest.fixture
def eight_assets(admin, plant):
    """Eight assets in B1, B1-A, B1-A1, B2 and nowhere."""
    rows = [
        ("P-101", "Boiler feed pump", "Pumps", "A", "in_service", "B1-A1", None),
        ("P-102", "Kessel Ölpumpe", "Pumps", "B", "down", "B1-A1", None),
        ("M-101", "Feed pump motor", "Motors", "B", "in_service", "B1-A1", "P-101"),
        ("C-201", "Air compressor", "Compressors", "C", "retired", "B1-A", None),
        ("F-301", "Fan 50% duty", "Fans", "C", "in_service", "B1", None),
        ("T-401", "Tank_2 level", "Tanks", "A", "down", "B2", None),
        ("V-501", "O'Brien valve", "Valves", "B", "in_service", None, None),
        ("X-601", "Spare drive", "", "C", "retired", None, None),
    ]
    ids: dict[str, int] = {}
    for tag, name, category, crit, status, loc, parent in rows:
        ids[tag] = assets.add_asset(
            admin, tag, name, category=category, criticality=crit, status=status,
            location_id=plant[loc].id if loc else None,
            parent_id=ids[parent] if parent else None).id
    return ids


@pytest.mark.parametrize("search, tags", [
    ("pump", {"P-101", "P-102", "M-101"}),
    ("ÖLPUMPE", {"P-102"}),
    ("50%", {"F-301"}),
    ("_2", {"T-401"}),
    ("o'brien", {"V-501"}),
    ("'; DROP TABLE asset; --", set()),
    ("compressors", {"C-201"}),
])
def test_search_matches_text_literally_in_sql(admin, eight_assets, search, tags):
    assert {r.tag for r in assets.list_assets(admin, search=search)} == tags
    assert assets.count_assets(admin, search=search) == len(tags)


def test_location_filter_includes_sublocations_unless_told_not_to(admin, plant, eight_assets):
    b1 = plant["B1"].id
    tags = {r.tag for r in assets.list_assets(admin, location_id=b1)}
    assert tags == {"P-101", "P-102", "M-101", "C-201", "F-301"}
    assert {r.tag for r in assets.list_assets(admin, location_id=b1,
                                              include_sublocations=False)} == {"F-301"}
    assert assets.count_assets(admin, location_id=plant["B1-A"].id) == 4
    assert assets.count_assets(admin, location_id=plant["B1-A"].id, status="down") == 1
    assert assets.list_assets(admin, location_id=9999) == []


def test_status_filter(admin, eight_assets):
    assert {r.tag for r in assets.list_assets(admin, status="retired")} == {"C-201", "X-601"}
    assert assets.count_assets(admin, status="In service") == 4
    with pytest.raises(ValidationError) as err:
        assets.list_assets(admin, status="broken")
    assert set(err.value.fields) == {"status"}


def _key(row: assets.AssetRow, sort: str) -> str:
    return {"location": row.location_code, "parent": row.parent_tag}.get(sort) or getattr(
        row, sort, "")


@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_without_overlaps_or_gaps(admin, eight_assets, sort, descending):
    everything = assets.list_assets(admin, sort=sort, descending=descending)
    assert len(everything) == 8
    pages = [assets.list_assets(admin, sort=sort, descending=descending, offset=o, limit=3)
             for o in (0, 3, 6)]
    paged = [r.id for page in pages for r in page]
    assert paged == [r.id for r in everything]
    keys = [_key(r, sort) for r in everything if _key(r, sort)]
    assert keys == sorted(keys, reverse=descending)
    blanks = [r for r in everything if not _key(r, sort)]
    if blanks and sort in ("location", "parent"):  # no location or parent: last either way
        assert everything[-len(blanks):] == blanks


def test_bad_sort_and_page_are_refused(admin, eight_assets):
    with pytest.raises(ValidationError):
        assets.list_assets(admin, sort="cost; DROP")
    for offset, limit in ((-1, 10), (0, 0), (0, 1001)):
        with pytest.raises(ValidationError):
            assets.list_assets(admin, offset=offset, limit=limit)


def test_list_rows_carry_display_fields(admin, eight_assets):
    row = next(r for r in assets.list_assets(admin) if r.tag == "M-101")
    assert (row.location_code, row.location_name, row.parent_tag) == ("B1-A1", "Pump room",
                                                                    "P-101")


def test_the_parts_of_an_asset_are_listed_by_their_parent(admin):
    line = assets.add_asset(admin, "LINE-1", "Bottling line 1")
    for tag in ("FIL-1", "CAP-1"):
        assets.add_asset(admin, tag, f"Part {tag}", parent_id=line.id)
    assets.add_asset(admin, "LAB-9", "Elsewhere")
    parts = assets.list_assets(admin, parent_id=line.id)
    assert [r.tag for r in parts] == ["CAP-1", "FIL-1"]
    assert all(r.parent_tag == "LINE-1" for r in parts)
