"""Choosing an asset, a location or a person in a form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.models import Asset, Location, Site
from app.permissions import Role
from app.services.people import users
from ui.common.pickers import AssetPicker, LocationPicker, PersonPicker


def _plant(db: Any) -> dict[str, Any]:
    site = Site.create(code="RBP", name="Riverside")
    hall = Location.create(site=site, code="HALL", name="Filling hall")
    line = Location.create(site=site, parent=hall, code="L1", name="Line 1")
    pump = Asset.create(tag="PMP-0001", name="Feed pump", location=line)
    Asset.create(tag="PMP-0002", name="Return pump", location=line)
    return {"hall": hall, "line": line, "pump": pump}


def test_a_scanned_tag_and_enter_choose_the_asset(qtbot, db, admin):
    plant = _plant(db)
    picker = AssetPicker(admin)
    qtbot.addWidget(picker)
    picker.show()
    picker.setFocus()

    qtbot.keyClicks(picker, "pmp-0001")
    with qtbot.waitSignal(picker.changed):
        qtbot.keyClick(picker, Qt.Key.Key_Return)

    assert picker.asset_id() == plant["pump"].id
    assert picker.text() == "PMP-0001 — Feed pump"
    assert picker.problem() == ""


def test_typing_offers_matching_assets(qtbot, db, admin):
    _plant(db)
    picker = AssetPicker(admin)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker, "return")
    qtbot.waitUntil(lambda: picker.completer().model().rowCount() > 0)
    assert picker.completer().model().index(0, 0).data() == "PMP-0002 — Return pump"


def test_an_unknown_tag_is_named_and_chooses_nothing(qtbot, db, admin):
    _plant(db)
    picker = AssetPicker(admin)
    qtbot.addWidget(picker)
    picker.setText("NOPE-1")
    assert picker.asset_id() is None
    assert picker.problem() == "'NOPE-1' is not the tag of any asset"
    picker.clear()
    assert picker.asset_id() is None and picker.problem() == ""


def test_locations_show_their_path_and_people_exclude_requesters(qtbot, db, admin, make_user):
    plant = _plant(db)
    make_user(Role.REQUESTER, "rita")
    tess = make_user(Role.TECHNICIAN, "tess")
    location = LocationPicker(admin)
    person = PersonPicker(admin)
    qtbot.addWidget(location)
    qtbot.addWidget(person)

    location.set_location(plant["line"].id)
    assert location.currentText() == "RBP / Filling hall / Line 1"
    assert location.location_id() == plant["line"].id
    labels = [person.itemText(i) for i in range(person.count())]
    assert "rita" not in " ".join(labels)
    person.set_user(tess.user_id)
    assert person.user_id() == tess.user_id

    users.deactivate_user(admin, tess.user_id)
    later = PersonPicker(admin)
    qtbot.addWidget(later)
    later.set_user(tess.user_id, "Tess (deactivated)")
    assert later.user_id() == tess.user_id and later.currentText() == "Tess (deactivated)"
