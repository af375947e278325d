"""The asset form: add and edit through it; bad input named under each field with nothing
written; a save that lost a race says who won and offers Reload / Keep my edits; unsaved edits
are not lost by closing; roles that may not manage assets get it read-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from app.models import Asset, AuditEvent
from app.permissions import Role
from app.services import history
from app.services.assets import locations, register
from ui.assets.activity import history_summary
from ui.assets.form import AssetForm
from ui.assets.screen import AssetsScreen

SQL_TEXT = "Robert'); DROP TABLE asset;-- \"quoted\" 100% _x_"


@pytest.fixture
def plant(db, admin) -> dict[str, Any]:
    site = locations.add_site(admin, "rbp", "Riverside")
    hall = locations.add_location(admin, site.id, None, "HALL", "Filling hall", "building")
    line = locations.add_location(admin, site.id, hall.id, "L1", "Line 1", "area")
    conveyor = register.add_asset(admin, "CNV-0001", "Infeed conveyor", category="Conveyor",
                                location_id=line.id)
    pump = register.add_asset(admin, "PMP-0001", "Feed pump", category="Pump", criticality="A",
                            manufacturer="KSB", model="Etanorm", serial="S-1",
                            install_date="2019-03-14", cost="12500", location_id=line.id)
    return {"hall": hall, "line": line, "conveyor": conveyor, "pump": pump}


def _screen(qtbot, actor) -> AssetsScreen:
    screen = AssetsScreen(actor)
    qtbot.addWidget(screen)
    screen.resize(1200, 750)
    screen.show()
    return screen


def _open(qtbot, screen: AssetsScreen, asset_id: int) -> AssetForm:
    form = screen.open_asset_id(asset_id)
    assert form is not None
    qtbot.waitExposed(form)
    return form


def _written() -> tuple[int, int]:
    return Asset.select().count(), AuditEvent.select().count()


def _shown_errors(form: AssetForm) -> dict[str, str]:
    return {name: label.text() for name, label in form.errors.items() if label.isVisibleTo(form)}


def _click(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text() == text).click()


def test_add_an_asset_through_the_form(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    screen.choose_location(plant["hall"].id)
    screen.new_action.trigger()
    form = screen.forms[None]
    qtbot.waitExposed(form)
    assert form.windowTitle() == "New asset" and form.save_button.text() == "Add asset"
    assert form.location.location_id() == plant["hall"].id  # where the user was looking
    qtbot.keyClicks(form.tag, "mtr-0007")
    qtbot.keyClicks(form.name, "Conveyor drive motor")
    form.category.setText("Motor")
    form.criticality.setCurrentIndex(form.criticality.findData("C"))
    form.parent_asset.setText("cnv-0001")
    form.location.set_location(plant["line"].id)
    form.manufacturer.setText("WEG")
    form.install_date.setText("2021-05-02")
    form.warranty_end.setText("2024-05-02")
    form.cost.setText("1,480.50")
    form.notes.setPlainText(SQL_TEXT)
    with qtbot.waitSignal(form.saved):
        form.save_button.click()
    assert not form.isVisible() and None not in screen.forms

    motor = Asset.get(Asset.tag == "MTR-0007")
    assert (motor.name, motor.category, motor.criticality, motor.manufacturer) == \
        ("Conveyor drive motor", "Motor", "C", "WEG")
    assert motor.parent_id == plant["conveyor"].id and motor.location_id == plant["line"].id
    assert (motor.install_date, motor.warranty_end) == (dt.date(2021, 5, 2), dt.date(2024, 5, 2))
    assert Decimal(str(motor.cost)) == Decimal("1480.50")
    assert motor.notes == SQL_TEXT  # quotes and SQL are text
    assert screen.selected() is not None and screen.selected().tag == "MTR-0007"
    assert screen.count_label.text() == "3 assets in Filling hall"


def test_edit_an_asset_and_see_it_in_its_history(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    assert form.windowTitle() == "Asset PMP-0001: Feed pump"
    assert (form.cost.text(), form.install_date.text()) == ("12,500.00", "2019-03-14")
    assert form.location.location_id() == plant["line"].id
    assert "RBP / HALL Filling hall / L1 Line 1" in form.subheading.text()
    form.name.setText(SQL_TEXT)
    form.status.setCurrentIndex(form.status.findData("down"))
    form.cost.setText("13000")
    assert form.is_dirty()
    with qtbot.waitSignal(form.saved):
        form.save_button.click()
    pump = Asset.get_by_id(plant["pump"].id)
    assert (pump.name, pump.status, pump.version) == (SQL_TEXT, "down", 2)
    assert Decimal(str(pump.cost)) == Decimal("13000.00")
    assert pump.serial == "S-1"  # untouched fields stay

    form = _open(qtbot, screen, plant["pump"].id)
    history = form.history_tab.table
    assert history.rowCount() == 2  # updated, created; newest first
    assert history.item(0, 1).text() == "Ada Admin" and history.item(0, 2).text() == "Edited"
    changed = history.item(0, 3).text()
    assert "Status: In service → Down" in changed  # words, never in_service
    assert "in_service" not in changed and "in_service" not in history.item(0, 3).toolTip()
    assert "Cost: 12500" in changed and "→ 13000.00" in changed
    when = dt.datetime.strptime(history.item(0, 0).text(), "%Y-%m-%d %H:%M")
    assert abs(when - dt.datetime.now()) < dt.timedelta(minutes=2)  # local time, not UTC


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("tag", "", "Tag is required."),
    ("tag", "cnv-0001", "Tag 'CNV-0001' is already used by another asset."),
    ("tag", "has space", "Tag may hold only letters, digits"),
    ("name", "x" * 121, "Name is 121 characters long; at most 120 are allowed."),
    ("install_date", "14.03.2019", "Install date must be a date written YYYY-MM-DD"),
    ("cost", "twelve", "Cost must be a number, not 'twelve'."),
    ("warranty_end", "2018-01-01", "Warranty end cannot be before the install date (2019-03-14)."),
    ("parent_id", "NOPE-1", "Parent asset must be an existing asset: no asset has the tag"),
])
def test_bad_input_is_named_under_its_field_and_nothing_is_written(qtbot, plant, admin, field,
                                                                   typed, message):
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    before = _written()
    widget = form.fields[field]
    assert isinstance(widget, QLineEdit)
    widget.setText(typed)
    form.save_button.click()
    assert form.isVisible()  # still open, with the edits
    shown = _shown_errors(form)
    assert list(shown) == [field] and shown[field].startswith(message)
    assert form.message.text().startswith("Nothing was saved: one field needs attention.")
    assert _written() == before and Asset.get_by_id(plant["pump"].id).version == 1
    widget.setText(Asset.get_by_id(plant["pump"].id).tag if field == "tag" else "")
    if field == "name":
        widget.setText("Feed pump")
    form.save_button.click()
    assert not form.isVisible() and _shown_errors(form) == {}


def test_every_bad_field_is_named_at_once_on_a_new_asset(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    form = screen.new_asset()
    before = _written()
    form.install_date.setText("2020-01-01")
    form.warranty_end.setText("2019-12-31")
    form.cost.setText("-5")
    form.save_button.click()
    assert _shown_errors(form) == {
        "tag": "Tag is required.", "name": "Name is required.",
        "cost": "Cost cannot be negative.",
        "warranty_end": "Warranty end cannot be before the install date (2020-01-01).",
    }
    assert form.message.text().startswith("Nothing was saved: 4 fields need attention.")
    assert _written() == before


def test_a_save_that_lost_a_race_says_who_and_keeps_my_edits(qtbot, plant, admin, make_user,
                                                             answer_modal):
    pat = make_user(Role.PLANNER, "pat")
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    # Another desk saves between our load and our save.
    register.update_asset(pat, plant["pump"].id, 1, name="Feed pump (rebuilt)")
    form.serial.setText("S-2")
    seen = {}

    def keep(box: QMessageBox) -> None:
        seen["text"] = box.text()
        _click(box, "Keep my edits")

    answer_modal(QMessageBox, keep)
    form.save_button.click()
    assert seen["text"].startswith("Planner Person saved this asset at ")
    assert "Name: Feed pump → Feed pump (rebuilt)" in seen["text"]
    pump = Asset.get_by_id(plant["pump"].id)
    assert (pump.name, pump.serial, pump.version) == ("Feed pump (rebuilt)", "S-1", 2)
    # Their change and mine, together in the form; the next save writes mine on top of theirs.
    assert (form.name.text(), form.serial.text()) == ("Feed pump (rebuilt)", "S-2")
    assert "Your edits are on top of the version Planner Person saved" in form.message.text()
    form.save_button.click()
    pump = Asset.get_by_id(plant["pump"].id)
    assert (pump.name, pump.serial, pump.version) == ("Feed pump (rebuilt)", "S-2", 3)


def test_reload_after_a_lost_race_shows_their_version(qtbot, plant, admin, make_user,
                                                      answer_modal):
    pat = make_user(Role.PLANNER, "pat")
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    register.update_asset(pat, plant["pump"].id, 1, serial="S-9")
    form.serial.setText("S-2")
    answer_modal(QMessageBox, lambda box: _click(box, "Reload"))
    form.save_button.click()
    assert form.isVisible() and form.serial.text() == "S-9" and not form.is_dirty()
    assert "Reloaded: this is the asset as Planner Person left it." in form.message.text()
    assert Asset.get_by_id(plant["pump"].id).serial == "S-9"


def test_closing_with_unsaved_edits_asks_first(qtbot, plant, admin, answer_modal):
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    form.name.setText("Renamed")
    answer_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    form.close()
    assert form.isVisible() and form.name.text() == "Renamed"
    answer_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Discard).click())
    form.reject()
    assert not form.isVisible()
    assert Asset.get_by_id(plant["pump"].id).name == "Feed pump"

    form = _open(qtbot, screen, plant["pump"].id)
    form.name.setText("Renamed")
    answer_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Save).click())
    form.reject()
    assert not form.isVisible() and Asset.get_by_id(plant["pump"].id).name == "Renamed"


def test_closing_without_edits_does_not_ask(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    form.name.setText("Something")
    form.name.setText("Feed pump")  # typed back: nothing to lose
    form.reject()
    assert not form.isVisible()


@pytest.mark.parametrize("role", [Role.REQUESTER, Role.TECHNICIAN])
def test_the_form_is_read_only_for_who_may_not_manage_assets(qtbot, plant, make_user, role):
    screen = _screen(qtbot, make_user(role))
    assert not screen.new_action.isVisible() and screen.new_asset() is None
    form = _open(qtbot, screen, plant["pump"].id)
    assert form.save_button is None
    assert [b.text() for b in form.button_box.buttons()] == ["Close"]
    assert all(w.isReadOnly() for w in form.fields.values() if hasattr(w, "isReadOnly"))
    assert not form.status.isEnabled() and not form.location.isEnabled()
    assert "read only" in form.subheading.text()
    form.name.setText("typed anyway")
    assert not form.save()
    assert Asset.get_by_id(plant["pump"].id).name == "Feed pump"
    form.reject()  # no question: nothing can be saved
    assert not form.isVisible()


def test_another_desk_change_shows_in_an_untouched_form(qtbot, plant, admin, make_user):
    pat = make_user(Role.PLANNER, "pat")
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    register.update_asset(pat, plant["pump"].id, 1, model="Etanorm G")
    screen.refresh_for({"asset": {str(plant["pump"].id)}})
    assert form.model_name.text() == "Etanorm G" and not form.is_dirty()
    form.serial.setText("S-7")
    register.update_asset(pat, plant["pump"].id, 2, model="Etanorm H")
    screen.refresh_for({"asset": {str(plant["pump"].id)}})
    assert form.serial.text() == "S-7"  # an edit in progress is not overwritten
    assert "Someone has just changed this asset" in form.message.text()


def test_an_existing_asset_opens_on_its_tabs_so_a_stray_key_changes_nothing(qtbot, plant,
                                                                              admin):
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    assert form.focusWidget() is form.tabs.tabBar()
    assert not form.tag.hasFocus() and not form.tag.hasSelectedText()
    qtbot.keyClicks(form.focusWidget(), "x1")  # a key pressed by mistake
    qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Delete)
    assert form.tag.text() == "PMP-0001" and not form.is_dirty()
    assert form.tabs.currentIndex() == 0  # still on Details, where the user is looking

    new = screen.new_asset()
    qtbot.waitExposed(new)
    assert new.focusWidget() is new.tag  # a new asset starts at its tag
    qtbot.keyClicks(new.focusWidget(), "pmp-0002")
    assert new.tag.text() == "pmp-0002"


def test_the_sub_assets_in_the_heading_list_them_and_open_one(qtbot, plant, admin):
    pump = plant["pump"]
    seal = register.add_asset(admin, "SEAL-0001", "Mechanical seal", parent_id=pump.id,
                            location_id=plant["line"].id)
    motor = register.add_asset(admin, "MTR-0001", "Pump motor", parent_id=pump.id,
                             location_id=plant["hall"].id)  # elsewhere: found all the same
    register.add_asset(admin, "MTR-0002", "Conveyor motor", parent_id=plant["conveyor"].id,
                     location_id=plant["line"].id)
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, pump.id)
    assert '<a href="sub-assets">2 sub-assets</a>' in form.subheading.text()
    form.subheading.linkActivated.emit("sub-assets")  # a click on the link
    menu = form.sub_asset_menu
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    assert [a.text() for a in menu.actions()] == ["MTR-0001  Pump motor",
                                                  "SEAL-0001  Mechanical seal"]
    menu.actions()[0].trigger()
    opened = screen.forms[motor.id]
    assert opened.isVisible() and opened.tag.text() == "MTR-0001"
    assert "sub-asset" not in opened.subheading.text()  # a motor has no parts of its own
    assert seal.id not in screen.forms


def test_the_other_desks_change_of_status_is_told_in_words(qtbot, plant, admin, make_user,
                                                           answer_modal):
    pat = make_user(Role.PLANNER, "pat")
    screen = _screen(qtbot, admin)
    form = _open(qtbot, screen, plant["pump"].id)
    register.update_asset(pat, plant["pump"].id, 1, status="retired")
    form.serial.setText("S-2")
    seen = {}

    def reload(box: QMessageBox) -> None:
        seen["text"] = box.text()
        _click(box, "Reload")

    answer_modal(QMessageBox, reload)
    form.save_button.click()
    assert "Status: In service → Retired" in seen["text"] and "in_service" not in seen["text"]
    assert form.status.currentText() == "Retired"


def test_history_summaries_show_asset_statuses_in_words():
    row = history.HistoryRow(1, dt.datetime(2026, 1, 5, 8, 0), "pat", "updated",
                             {"status": ["in_service", "down"], "serial": ["S-1", "S-2"]})
    text = history_summary(row)
    assert "In service → Down" in text and "in_service" not in text
    assert "S-1 → S-2" in text
