"""The PM Schedules screen: a planner's schedules with when each is next due (overdue in red),
the meter reading it waits for, its open order and compliance; text, asset and active filters
applied by the service; new, open, deactivate and activate; other desks' changes shown; the
lazy model passes qtmodeltester."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.models import PmSchedule
from app.permissions import Role
from app.services.assets import locations, meters, register
from app.services.pm import run, schedules
from ui.pm.schedules_screen import COLUMN_WIDTHS, NAME_MIN, PmSchedulesScreen
from ui.pm.schedules_table import (
    COL_ASSET,
    COL_COMPLIANCE,
    COL_NAME,
    COL_NEXT_AT,
    COL_NEXT_DUE,
    COL_OPEN_ORDER,
    COL_TRIGGER,
    HEADERS,
    OVERDUE,
    PmScheduleTableModel,
    ScheduleFilter,
    compliance_text,
    tooltip_lines,
)

D = dt.date.fromisoformat
TODAY = D("2027-03-15")  # the office's date in these tests


@pytest.fixture
def planner(make_user):
    return make_user(Role.PLANNER, "pat")


@pytest.fixture
def plant(db, admin, planner) -> dict[str, Any]:
    site = locations.add_site(admin, "rbp", "Riverside")
    hall = locations.add_location(admin, site.id, None, "HALL", "Filling hall", "building")
    pump = register.add_asset(admin, "PMP-0001", "Feed pump", location_id=hall.id)
    compressor = register.add_asset(admin, "CMP-0001", "Air compressor", location_id=hall.id)
    hours = meters.add_meter(admin, compressor.id, "Run hours", "h")
    meters.record_reading(admin, hours.id, 4820)
    made = {
        "monthly": schedules.create_schedule(
            planner, name="Monthly lubrication", asset_id=pump.id, time_unit="month",
            start_date="2027-01-31"),
        "quarterly": schedules.create_schedule(
            planner, name="Quarterly vibration check", asset_id=pump.id, time_unit="rrule",
            rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO", start_date="2027-03-16"),
        "service": schedules.create_schedule(
            planner, name="500 h service", asset_id=compressor.id, meter_id=hours.id,
            meter_every="500", meter_start="4500"),
        "winter": schedules.create_schedule(
            planner, name="Heater check", asset_id=compressor.id, time_unit="year",
            start_date="2027-11-01", active=False),
    }
    return {"pump": pump, "compressor": compressor, "hours": hours, **made}


def _screen(qtbot, actor, page_size: int = 200) -> PmSchedulesScreen:
    screen = PmSchedulesScreen(actor, page_size=page_size, today=lambda: TODAY)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    return screen


def _shown(screen: PmSchedulesScreen, col: int = COL_NAME) -> list[str]:
    model = screen.model
    return [model.index(r, col).data() for r in range(model.rowCount())]


def _select(screen: PmSchedulesScreen, name: str) -> None:
    row = next(r for r, text in enumerate(_shown(screen)) if text.startswith(name))
    screen.table.selectRow(row)


def test_a_planner_sees_each_schedule_with_when_it_is_next_due(qtbot, plant, planner):
    screen = _screen(qtbot, planner)
    assert [screen.model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)] == \
        list(HEADERS)
    # By asset tag, then name; inactive ones are not shown at first.
    assert _shown(screen) == ["500 h service", "Monthly lubrication",
                              "Quarterly vibration check"]
    assert screen.count_label.text() == "3 active schedules"
    rows = {name: r for r, name in enumerate(_shown(screen))}
    model = screen.model

    def cell(name: str, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.index(rows[name], col).data(role)

    # Monthly from 31 January, looked at on 15 March: 28 February is due and not ordered.
    assert cell("Monthly lubrication", COL_ASSET) == "PMP-0001"
    assert cell("Monthly lubrication", COL_TRIGGER) == "every month (fixed)"
    assert cell("Monthly lubrication", COL_NEXT_DUE) == "2027-02-28"
    assert cell("Monthly lubrication", COL_NEXT_DUE,
                Qt.ItemDataRole.ForegroundRole).color() == OVERDUE
    assert cell("Monthly lubrication", COL_NEXT_DUE, Qt.ItemDataRole.ToolTipRole) == "Overdue"
    # A rule is said in words; the first Monday of a quarter from 16 March is not overdue.
    assert cell("Quarterly vibration check", COL_TRIGGER) == \
        "the first Monday of every 3 months (fixed)"
    assert cell("Quarterly vibration check", COL_NEXT_DUE) == "2027-06-07"
    assert cell("Quarterly vibration check", COL_NEXT_DUE,
                Qt.ItemDataRole.ForegroundRole) is None
    # By meter: the reading it waits for.
    assert cell("500 h service", COL_NEXT_AT) == "5,000 h"
    assert cell("500 h service", COL_TRIGGER) == "every 500 h (fixed)"
    assert cell("500 h service", COL_COMPLIANCE) == "—"  # nothing was due yet


def test_an_ordered_schedule_shows_its_open_order_and_compliance(qtbot, plant, planner, admin):
    run.generate_due_work_orders(admin, as_of=TODAY)  # 28 Feb ordered, 31 Jan missed
    screen = _screen(qtbot, planner)
    row = _shown(screen).index("Monthly lubrication")
    order = screen.model.index(row, COL_OPEN_ORDER).data()
    assert order.startswith("WO-")
    assert screen.model.index(row, COL_COMPLIANCE).data() == "0 %"  # 31 Jan missed
    # The order still open is the work due next.
    assert screen.model.index(row, COL_NEXT_DUE).data() == "2027-02-28"


def test_compliance_reads_as_a_percentage():
    assert compliance_text(0.916) == "92 %"
    assert compliance_text(1.0) == "100 %"
    assert compliance_text(None) == "—"


def test_a_long_rule_is_whole_in_the_triggers_tooltip(qtmodeltester):
    trigger = ("by rule FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;"
               "BYMONTH=1,4,7,10;BYHOUR=6 (fixed), April–October only")
    row = schedules.ScheduleRow(
        id=1, name="Quarter end check", asset_id=1, asset_tag="PMP-0001",
        asset_name="Feed pump", active=True, trigger=trigger, next_due=D("2027-03-31"),
        next_reading="", last_done=None, open_order="", compliance=None, assignee_name="",
        estimated_hours=Decimal("1"), version=1)
    model = PmScheduleTableModel(lambda f, offset, limit: [row][offset:offset + limit],
                                 today=lambda: TODAY)
    qtmodeltester.check(model)
    tip = model.index(0, COL_TRIGGER).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.replace("\n", "") == f"Due {trigger}"  # all of it, once
    assert len(tip.splitlines()) == 2 and all(len(line) <= 80 for line in tip.splitlines())
    assert tooltip_lines("Due every week (floating)") == "Due every week (floating)"


def test_search_asset_and_active_filters(qtbot, plant, planner):
    screen = _screen(qtbot, planner)
    qtbot.keyClicks(screen.search, "vibration")
    screen.apply_search()  # what the pause after typing does
    assert _shown(screen) == ["Quarterly vibration check"]
    assert screen.count_label.text() == "1 active schedule matches"
    screen.search.clear()
    screen.apply_search()
    qtbot.keyClicks(screen.search, "cmp-0001")  # an asset tag is searched too
    screen.apply_search()
    assert _shown(screen) == ["500 h service"]

    screen.search.clear()
    screen.apply_search()
    screen.asset_filter.setText("PMP-0001")
    screen.asset_filter.editingFinished.emit()  # Enter or leaving the field
    assert screen.model.filter.asset_id == plant["pump"].id
    assert _shown(screen) == ["Monthly lubrication", "Quarterly vibration check"]
    screen.asset_filter.clear()
    screen.asset_filter.editingFinished.emit()
    assert screen.model.filter.asset_id is None

    screen.active_box.setCurrentIndex(screen.active_box.findText("Inactive"))
    assert _shown(screen) == ["Heater check (inactive)"]
    assert screen.count_label.text() == "1 inactive schedule"
    screen.active_box.setCurrentIndex(screen.active_box.findText("All"))
    assert len(_shown(screen)) == 4
    row = _shown(screen).index("Heater check (inactive)")
    assert screen.model.index(row, COL_NEXT_DUE).data(Qt.ItemDataRole.ForegroundRole) \
        .color().name() == "#8a8f98"  # greyed out, never red


def test_model_pages_and_passes_qtmodeltester(qtmodeltester, plant, planner):
    def fetch(f: ScheduleFilter, offset: int, limit: int):
        return schedules.list_schedules(planner, f.search, f.asset_id, f.active, offset,
                                           limit, today=TODAY)

    model = PmScheduleTableModel(fetch, page_size=2, today=lambda: TODAY)
    model.set_filter(active=None)
    assert model.rowCount() == 2 and model.canFetchMore(model.index(-1, -1))
    qtmodeltester.check(model)
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 4 and model.all_fetched
    qtmodeltester.check(model)


def test_create_a_schedule_through_the_form_and_see_it_listed(qtbot, plant, planner):
    screen = _screen(qtbot, planner)
    with qtbot.waitActive(screen):
        screen.activateWindow()
    qtbot.keyClick(screen.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = screen.forms[None]
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)  # shortcuts (Ctrl+S) go to the active window
    assert form.windowTitle() == "New PM schedule" and form.save_button.text() == "Create"
    qtbot.keyClicks(form.name, "Weekly belt check")
    form.asset.setText("cmp-0001")
    form.asset.editingFinished.emit()
    form.triggers.by_time.setChecked(True)
    form.triggers.time_unit.setCurrentIndex(form.triggers.time_unit.findData("week"))
    form.triggers.start_date.edit.setText("2027-03-22")
    with qtbot.waitSignal(form.saved):
        qtbot.keyClick(form.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not form.isVisible() and None not in screen.forms

    stored = PmSchedule.get(PmSchedule.name == "Weekly belt check")
    assert (stored.asset_id, stored.time_unit, stored.time_every, stored.anchor) == \
        (plant["compressor"].id, "week", 1, "fixed")
    assert stored.start_date == D("2027-03-22")
    chosen = screen.selected()
    assert chosen is not None and chosen.id == stored.id
    assert chosen.next_due == D("2027-03-22")
    assert screen.count_label.text() == "4 active schedules"


def test_enter_opens_the_selected_schedule(qtbot, plant, planner):
    screen = _screen(qtbot, planner)
    _select(screen, "500 h service")
    assert screen.open_action.isEnabled()
    screen.table.activated.emit(screen.table.currentIndex())  # Enter or a double-click
    form = screen.forms[plant["service"].id]
    assert form.isVisible() and form.name.text() == "500 h service"
    assert form.triggers.by_meter.isChecked() and not form.triggers.by_time.isChecked()
    assert form.triggers.meter.currentData() == plant["hours"].id
    assert form.triggers.meter_every.text() == "500"
    assert screen.open_schedule_id(plant["service"].id) is form  # raised, not opened twice


def test_deactivate_and_activate_again(qtbot, plant, planner):
    screen = _screen(qtbot, planner)
    _select(screen, "Monthly lubrication")
    assert screen.toggle_action.text() == "Deactivate"
    screen.toggle_action.trigger()
    assert not PmSchedule.get_by_id(plant["monthly"].id).active
    assert "Monthly lubrication" not in _shown(screen)  # the list shows active ones

    screen.active_box.setCurrentIndex(screen.active_box.findText("Inactive"))
    _select(screen, "Monthly lubrication")
    assert screen.toggle_action.text() == "Activate"
    screen.toggle_action.trigger()
    assert PmSchedule.get_by_id(plant["monthly"].id).active
    assert _shown(screen) == ["Heater check (inactive)"]


def test_another_desks_change_shows_here(qtbot, plant, planner, make_user):
    other = make_user(Role.PLANNER, "olga")
    screen = _screen(qtbot, planner)
    _select(screen, "Quarterly vibration check")
    made = schedules.create_schedule(other, name="Seal inspection", asset_id=plant["pump"].id,
                                        time_unit="year", start_date="2027-06-01")
    service = plant["service"]
    schedules.update_schedule(other, service.id, service.version, meter_every="250")
    screen.refresh_for({"pm_schedule": {str(made.id), str(service.id)}})
    assert "Seal inspection" in _shown(screen)
    assert screen.selected().name == "Quarterly vibration check"  # the selection stays
    row = _shown(screen).index("500 h service")
    assert screen.model.index(row, COL_NEXT_AT).data() == "4,750 h"
    assert PmSchedule.get_by_id(service.id).meter_every == Decimal("250.00")
    screen.refresh_for({"site": {"1"}})  # nothing shown here: no reload needed
    assert screen.selected().name == "Quarterly vibration check"


def test_the_trigger_column_takes_the_room_its_texts_need(qtbot, plant, planner):
    both = schedules.create_schedule(
        planner, name="Filter and belt inspection", asset_id=plant["compressor"].id,
        time_unit="month", time_every=3, meter_id=plant["hours"].id, meter_every="1000",
        anchor="floating", start_date="2027-04-01")
    screen = PmSchedulesScreen(planner, today=lambda: TODAY)
    qtbot.addWidget(screen)
    screen.resize(1400 - 190, 600)  # in a 1400 px window, beside the navigation
    screen.show()
    qtbot.waitExposed(screen)
    table = screen.table
    trigger = screen.model.index(screen.model.row_of(both.id), COL_TRIGGER).data()
    assert trigger == "every 3 months or every 1,000 h, whichever first"
    assert table.columnWidth(COL_TRIGGER) >= table.sizeHintForColumn(COL_TRIGGER)  # it all
    assert table.columnWidth(COL_NAME) >= NAME_MIN
    wide_name = table.columnWidth(COL_NAME)

    # Short triggers only: the name gets the room.
    screen.search.setText("lubrication")
    screen.apply_search()
    assert _shown(screen) == ["Monthly lubrication"]
    assert table.columnWidth(COL_TRIGGER) == COLUMN_WIDTHS[COL_TRIGGER][0]
    assert table.columnWidth(COL_NAME) > wide_name


def test_a_schedule_opened_from_elsewhere_is_chosen_in_the_list(qtbot, plant, planner):
    screen = _screen(qtbot, planner)
    _select(screen, "Monthly lubrication")
    form = screen.open_schedule_id(plant["service"].id)  # as the forecast asks
    assert form is not None and form.isVisible()
    assert screen.selected().id == plant["service"].id
    form.done(0)
