"""The global search box: a number (typed or scanned) opens its order; words find orders
through the full-text index and assets by tag or name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.models import Asset, WorkOrder
from app.services import search
from app.services.work_orders import edit

YEAR = dt.date.today().year


@pytest.fixture
def indexed(db: Any, admin: Any) -> dict[str, Any]:
    pump = Asset.create(tag="PMP-0001", name="Ölpumpe Kessel")
    Asset.create(tag="PMP-0002", name="Return pump")
    belt = edit.create_work_order(admin, "Replace conveyor belt", description="Worn edges")
    seal = edit.create_work_order(admin, "Seal leaking at the pump", asset_id=pump.id,
                                  description="Oil under the Kühler; O'Brien says \"urgent\"")
    other = edit.create_work_order(admin, "Inspect fire extinguishers")
    return {"belt": belt, "seal": seal, "other": other, "pump": pump}


def kinds_and_labels(hits: list[search.SearchHit]) -> list[tuple[str, str]]:
    return [(h.kind, h.label) for h in hits]


def test_a_number_finds_its_order_in_every_form_it_is_typed(indexed, admin):
    seal = indexed["seal"]
    for text in (seal.number, seal.number.lower(), f" {YEAR}-2 ", "2", "000002", "WO-2"):
        assert search.exact_work_order(admin, text) == seal.id, text
    assert search.exact_work_order(admin, "WO-1999-000002") is None
    assert search.exact_work_order(admin, "99") is None
    assert search.exact_work_order(admin, "pump") is None
    assert search.global_search(admin, seal.number)[0].id == seal.id


def test_words_find_orders_by_prefix_case_and_accents_newest_first(indexed, admin):
    hits = search.global_search(admin, "leak")
    assert kinds_and_labels(hits) == [("work_order", indexed["seal"].number)]
    assert [h.text for h in search.global_search(admin, "REPLACE CONV")] == [
        "Replace conveyor belt"]
    assert search.global_search(admin, "kuhler")[0].id == indexed["seal"].id  # Kühler
    assert search.global_search(admin, "worn")[0].id == indexed["belt"].id  # description
    assert search.global_search(admin, "belt fire") == []  # every word must match


def test_assets_come_before_orders(indexed, admin):
    hits = search.global_search(admin, "pmp")
    assert kinds_and_labels(hits)[:2] == [("asset", "PMP-0001"), ("asset", "PMP-0002")]
    names = search.global_search(admin, "pump")
    assert ("asset", "PMP-0002") in kinds_and_labels(names)  # "Return pump"
    assert ("work_order", indexed["seal"].number) in kinds_and_labels(names)


def test_the_index_follows_edits(indexed, admin):
    belt = indexed["belt"]
    edit.update_work_order(admin, belt.id, belt.version, title="Tension drive chain")
    assert search.global_search(admin, "conveyor") == []
    assert search.global_search(admin, "chain")[0].id == belt.id
    WorkOrder.delete().where(WorkOrder.id == indexed["other"].id).execute()
    assert search.global_search(admin, "extinguishers") == []


def test_query_syntax_and_sql_are_plain_text(indexed, admin):
    for text in ('"', "O'Brien", "pump OR belt", "NEAR(a b)", "*", "a:*", "'; DROP TABLE x;--",
                 "title:seal", "-belt", "(", "\\", "%", "urgent\" OR \"x"):
        hits = search.global_search(admin, text)  # no error, no injection
        assert all(h.kind in ("asset", "work_order") for h in hits)
    assert search.global_search(admin, "O'Brien")[0].id == indexed["seal"].id
    assert search.global_search(admin, "   ") == []
    assert WorkOrder.select().count() == 3


def test_hits_are_capped(db, admin):
    for i in range(60):
        edit.create_work_order(admin, f"Grease bearing {i}")
    assert len(search.global_search(admin, "grease")) == search.MAX_HITS
    assert len(search.global_search(admin, "grease", limit=5)) == 5


def test_assets_are_found_by_words_of_name_maker_and_model(db, admin):
    from app.services.assets import register

    asset = register.add_asset(admin, "CMP-0007", "Schraubenkompressor Halle 2",
                             manufacturer="Kaeser", model="ASD 35")
    assert [h.label for h in search.global_search(admin, "kaeser")] == ["CMP-0007"]
    assert [h.label for h in search.global_search(admin, "schrauben halle")] == ["CMP-0007"]
    assert [h.label for h in search.global_search(admin, "cmp-00")] == ["CMP-0007"]
    register.update_asset(admin, asset.id, asset.version, name="Screw compressor")
    assert search.global_search(admin, "schrauben") == []
    assert [h.label for h in search.global_search(admin, "screw")] == ["CMP-0007"]


def test_a_bare_serial_in_several_years_is_not_opened_blindly(db, admin):
    edit.create_work_order(admin, "This year's")
    WorkOrder.create(number=f"WO-{YEAR - 1}-000001", title="Last year's")
    assert search.exact_work_order(admin, "1") is None  # two orders: the user picks
    hits = search.global_search(admin, "1")
    assert [h.label for h in hits[:2]] == [f"WO-{YEAR}-000001", f"WO-{YEAR - 1}-000001"]
    assert search.exact_work_order(admin, f"{YEAR - 1}-1") == hits[1].id
