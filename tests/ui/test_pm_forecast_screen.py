"""The PM Forecast screen on a real database: orders on the right days in the month and week
views, days over a person's capacity marked (with who and how much in the tooltip), paging by
button and key, the filters, the hours-per-person panel, and the .ics export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from app.models import WorkOrder
from app.permissions import Actor, Role
from app.pm.periods import MONTH, WEEK, period, period_title
from app.pm.workload import day_loads
from app.services.assets import meters, register
from app.services.people import users
from app.services.pm import forecast, run, schedules
from app.services.pm.forecast import ForecastItem
from tests.conftest import TEST_PASSWORD
from ui.pm.forecast_screen import PmForecastScreen
from ui.pm.forecast_words import over_lines

TODAY = dt.date.today()
DAY = TODAY + dt.timedelta(days=3)  # the day the weekly schedules start


@pytest.fixture
def plant(admin: Actor) -> dict[str, Any]:
    """Tina has two 6-hour weekly schedules from DAY on; Marco one of 2 hours on the day
    after; one 1-hour schedule has nobody assigned."""
    tina = users.add_user(admin, "tina", "Tina Tech", "technician", TEST_PASSWORD,
                          must_change_password=False)
    marco = users.add_user(admin, "marco", "Marco Rossi", "technician", TEST_PASSWORD,
                           must_change_password=False)
    pump = register.add_asset(admin, "P-101", "Feed pump")
    fan = register.add_asset(admin, "F-7", "Exhaust fan")

    def weekly(name: str, asset_id: int, start: dt.date, hours: str,
               who: int | None) -> int:
        return schedules.create_schedule(
            admin, name=name, asset_id=asset_id, time_unit="week", start_date=start,
            estimated_hours=hours, assignee_id=who).id

    return {
        "lube": weekly("Lubrication", pump.id, DAY, "6", tina.id),
        "belt": weekly("Belt check", fan.id, DAY, "6", tina.id),
        "filter": weekly("Filter change", fan.id, DAY + dt.timedelta(days=1), "2", marco.id),
        "look": weekly("Walk-round", pump.id, DAY + dt.timedelta(days=1), "1", None),
        "pump": pump, "fan": fan,
    }


@pytest.fixture
def planner(make_user) -> Actor:
    return make_user(Role.PLANNER)


def _screen(qtbot, actor: Actor) -> PmForecastScreen:
    screen = PmForecastScreen(actor)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitExposed(screen)
    _wait(qtbot, screen)
    return screen


def _wait(qtbot, screen: PmForecastScreen) -> None:
    qtbot.waitUntil(lambda: not screen.loading, timeout=20_000)


def _names(screen: PmForecastScreen, day: dt.date) -> list[str]:
    load = screen.loads.get(day)
    return sorted(i.name for i in load.items) if load else []


def test_month_view_shows_each_order_on_its_day(qtbot, plant, planner) -> None:
    screen = PmForecastScreen(planner)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    assert screen.loading  # read in the background; the screen is shown at once
    assert screen.calendar.message == "Loading forecast…"
    assert screen.status.text() == "Loading forecast…"
    _wait(qtbot, screen)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    assert screen.mode == MONTH
    assert screen.period_label.text() == f"{DAY:%B %Y}"
    first, last = screen.period()
    assert first <= DAY <= last and (last - first).days + 1 in (28, 35, 42)
    assert _names(screen, DAY) == ["Belt check", "Lubrication"]
    assert _names(screen, DAY + dt.timedelta(days=1)) == ["Filter change", "Walk-round"]
    assert _names(screen, DAY + dt.timedelta(days=2)) == []
    week_on = DAY + dt.timedelta(days=7)
    if week_on <= last:
        assert _names(screen, week_on) == ["Belt check", "Lubrication"]
    texts = [line.text for line in screen.calendar.cell_lines(DAY)]
    assert texts == ["F-7 Belt check", "P-101 Lubrication"]  # the asset first
    # Clicking the day lists its orders in the side panel.
    qtbot.mouseClick(screen.calendar, Qt.MouseButton.LeftButton,
                     pos=screen.calendar.cell_rect(DAY).center())
    assert screen.calendar.selected == DAY
    assert screen.day_table.rowCount() == 2
    assert screen.day_table.item(1, 0).text() == "P-101 Lubrication"
    assert screen.day_table.item(1, 1).text() == "Tina Tech"
    assert screen.day_table.item(1, 2).text() == "6 h"
    assert "2 orders · 12 h" in screen.day_title.text()


def test_two_six_hour_orders_for_one_technician_overload_the_day(qtbot, plant,
                                                                planner) -> None:
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    load = screen.loads[DAY]
    assert load.overloaded and load.hours == Decimal(12)
    tip = screen.calendar.tooltip_for(DAY)
    assert "Tina Tech: 12 h of 8 h" in tip
    assert "Over capacity" in tip
    assert not screen.loads[DAY + dt.timedelta(days=1)].overloaded  # 2 h + 1 h unassigned
    assert "over capacity" in screen.status.text()
    people = {screen.people.item(r, 0).text(): r for r in range(screen.people.rowCount())}
    row = people["Tina Tech"]
    assert screen.people.item(row, 3).text().endswith("· 12 h")
    assert screen.people.item(row, 0).foreground().color().name() == "#b42318"
    assert "Unassigned" in people
    # More hours a day per person: the same day is no longer over.
    screen.capacity.setValue(12)
    assert not screen.loads[DAY].overloaded
    assert "Tina Tech" not in screen.calendar.tooltip_for(DAY).split("\n")[0]


def test_dates_estimated_from_a_meter_are_marked(qtbot, plant, planner, admin) -> None:
    meter = meters.add_meter(admin, plant["fan"].id, "Run hours", "h")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    meters.record_reading(admin, meter.id, 1000, at=now - dt.timedelta(days=10))
    meters.record_reading(admin, meter.id, 1100, at=now - dt.timedelta(minutes=5))
    sid = schedules.create_schedule(admin, name="Oil change", asset_id=plant["fan"].id,
                                       meter_id=meter.id, meter_every="50", meter_start="1000",
                                       start_date=TODAY, estimated_hours="2").id
    screen = _screen(qtbot, planner)
    by_meter = [i for i in screen.visible if i.schedule_id == sid]
    assert by_meter and all(i.how == "meter" for i in by_meter)
    day = by_meter[0].day
    screen.show_date(day)
    _wait(qtbot, screen)
    texts = [line.text for line in screen.calendar.cell_lines(day)]
    assert "F-7 ≈ Oil change" in texts
    assert "F-7 ≈ Oil change" in screen.calendar.tooltip_for(day)
    assert "estimated from meter use" in screen.calendar.tooltip_for(day)
    row = next(r for r in range(screen.day_table.rowCount())
               if screen.day_table.item(r, 0).text() == "F-7 ≈ Oil change")
    assert screen.day_table.item(row, 0).font().italic()
    assert "meter" in screen.day_table.item(row, 0).toolTip()


def test_unassigned_hours_over_capacity_are_named_in_the_tooltip() -> None:
    # The counting is tests/unit/test_pm_workload.py's; here the words the tooltip gives.
    day = dt.date(2026, 5, 4)
    items = [ForecastItem(day, "time", n, f"Job {n}", "A-1", "Pump", "", Decimal(5))
             for n in range(2)]
    items.append(ForecastItem(day, "meter", 9, "Oil", "A-2", "Fan", "Lee", Decimal(3)))
    load = day_loads(items, Decimal(8))[day]
    assert over_lines(load, Decimal(8)) == ["Unassigned: 10 h of 8 h"]


def test_week_view_and_paging(qtbot, plant, planner) -> None:
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    qtbot.mouseClick(screen.week_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, screen)
    assert screen.mode == WEEK
    first, last = screen.period()
    assert (last - first).days == 6 and first.weekday() == 0 and first <= DAY <= last
    assert screen.period_label.text() == period_title(DAY, WEEK)
    assert screen.period_label.text().startswith(f"Week {DAY.isocalendar().week} ·")
    lines = screen.calendar.cell_lines(DAY)
    assert [line.text for line in lines] == ["F-7 Belt check", "6 h · Tina Tech",
                                             "P-101 Lubrication", "6 h · Tina Tech"]
    # Next, PgDn, Alt+Left, PgUp, T.
    qtbot.mouseClick(screen.next_button, Qt.MouseButton.LeftButton)
    assert screen.period()[0] == first + dt.timedelta(days=7)
    screen.calendar.setFocus()
    qtbot.keyClick(screen.calendar, Qt.Key.Key_PageDown)
    assert screen.period()[0] == first + dt.timedelta(days=14)
    _wait(qtbot, screen)
    assert _names(screen, DAY + dt.timedelta(days=14)) == ["Belt check", "Lubrication"]
    screen.go_previous()
    qtbot.keyClick(screen.calendar, Qt.Key.Key_PageUp)
    assert screen.period()[0] == first
    qtbot.keyClick(screen.calendar, Qt.Key.Key_T)
    assert screen.period() == period(TODAY, WEEK)
    assert screen.calendar.selected == TODAY
    # Back to the month: the month of the week shown.
    qtbot.mouseClick(screen.month_button, Qt.MouseButton.LeftButton)
    assert screen.mode == MONTH
    assert screen.period_label.text() == f"{TODAY:%B %Y}"
    qtbot.mouseClick(screen.next_button, Qt.MouseButton.LeftButton)
    following = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert screen.period_label.text() == f"{following:%B %Y}"
    _wait(qtbot, screen)


def test_alt_arrows_page_from_anywhere_on_the_screen(qtbot, plant, planner) -> None:
    screen = _screen(qtbot, planner)
    screen.activateWindow()
    qtbot.waitActive(screen)
    start = screen.period()
    screen.capacity.setFocus()
    qtbot.keyClick(screen.capacity, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert screen.period()[0] > start[0]
    qtbot.keyClick(screen.capacity, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert screen.period() == start
    _wait(qtbot, screen)


def test_filters_by_assignee_and_by_asset(qtbot, plant, planner) -> None:
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    labels = [screen.assignee_filter.itemText(i) for i in range(screen.assignee_filter.count())]
    assert labels == ["Everyone", "Marco Rossi", "Tina Tech", "Unassigned"]
    screen.assignee_filter.setCurrentIndex(labels.index("Marco Rossi"))
    assert _names(screen, DAY) == []
    assert _names(screen, DAY + dt.timedelta(days=1)) == ["Filter change"]
    assert [screen.people.item(r, 0).text() for r in range(screen.people.rowCount())] == [
        "Marco Rossi"]
    screen.assignee_filter.setCurrentIndex(0)

    qtbot.keyClicks(screen.asset_filter, "P-101")
    qtbot.keyClick(screen.asset_filter, Qt.Key.Key_Return)
    assert screen.asset_filter.asset_id() == plant["pump"].id
    _wait(qtbot, screen)
    assert _names(screen, DAY) == ["Lubrication"]
    assert _names(screen, DAY + dt.timedelta(days=1)) == ["Walk-round"]
    assert all(i.asset_tag == "P-101" for i in screen.visible)


def test_double_clicking_an_order_names_its_schedule(qtbot, plant, planner) -> None:
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    screen.show_day(DAY)
    assert "Double-click to open its schedule" in screen.day_table.item(1, 0).toolTip()
    with qtbot.waitSignal(screen.schedule_activated) as blocker:
        screen.day_table.cellDoubleClicked.emit(1, 0)
    assert blocker.args == [plant["lube"]]


def test_changes_elsewhere_are_read_again_without_blanking_the_calendar(
        qtbot, plant, planner, admin, monkeypatch) -> None:
    monkeypatch.setattr("ui.pm.forecast_reading.CHANGE_DELAY_MS", 50)
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    day = DAY + dt.timedelta(days=2)
    schedules.create_schedule(admin, name="Greasing", asset_id=plant["pump"].id,
                                 time_unit="month", start_date=day, estimated_hours="1")
    screen.refresh_for({"pm_schedule": {"99"}})
    assert screen.loading
    assert _names(screen, DAY) == ["Belt check", "Lubrication"]  # shown until the new read
    assert screen.calendar.message == ""
    _wait(qtbot, screen)
    assert _names(screen, day) == ["Greasing"]

    # Orders changing wait a while (CHANGE_DELAY_MS) before a new read.
    schedules.create_schedule(admin, name="Descaling", asset_id=plant["fan"].id,
                                 time_unit="month", start_date=day, estimated_hours="1")
    screen.refresh_for({"work_order": {"1"}})
    assert not screen.loading
    qtbot.waitUntil(lambda: _names(screen, day) == ["Descaling", "Greasing"], timeout=20_000)
    _wait(qtbot, screen)

    # A hidden screen only notes the change, and reads when it is shown again.
    screen.hide()
    schedules.create_schedule(admin, name="Alignment", asset_id=plant["fan"].id,
                                 time_unit="month", start_date=day, estimated_hours="1")
    screen.refresh_for({"pm_schedule": {"100"}})
    assert not screen.loading
    screen.show()
    assert screen.loading
    _wait(qtbot, screen)
    assert _names(screen, day) == ["Alignment", "Descaling", "Greasing"]


def _export(qtbot, screen: PmForecastScreen, monkeypatch, path: Path) -> list:
    asked: list[str] = []

    def save_name(_parent, _caption, proposed, _filter):
        asked.append(proposed)
        return str(path), "iCalendar files (*.ics)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    qtbot.mouseClick(screen.export.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.export.running, timeout=20_000)
    assert asked and Path(asked[0]).name == "keepwell-pm-forecast.ics"
    return Calendar.from_ical(path.read_bytes()).walk("VEVENT")


def test_export_writes_the_visible_period(qtbot, plant, planner, monkeypatch,
                                          tmp_path: Path) -> None:
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    events = _export(qtbot, screen, monkeypatch, tmp_path / "visible.ics")
    assert len(events) == len(screen.visible) > 0
    assert {str(e["SUMMARY"]) for e in events} >= {"PM: Lubrication — P-101",
                                                   "PM: Belt check — F-7"}
    assert screen.status.text() == f"Exported {len(events)} PM events to visible.ics"

    # Only Tina's orders, in a calendar named after her.
    screen.assignee_filter.setCurrentIndex(screen.assignee_filter.findText("Tina Tech"))
    events = _export(qtbot, screen, monkeypatch, tmp_path / "tina.ics")
    assert len(events) == len(screen.visible) > 0
    assert all("Tina Tech" in str(e["DESCRIPTION"]) for e in events)
    calendar = Calendar.from_ical((tmp_path / "tina.ics").read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "Keepwell PM forecast · Tina Tech"

    # A month already past has nothing to export; no file is asked for.
    screen.show_date(TODAY - dt.timedelta(days=70))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", _no_dialog)
    qtbot.mouseClick(screen.export.button, Qt.MouseButton.LeftButton)
    assert screen.status.text() == "Nothing to export: the period shown is past"
    assert not screen.export.running


def _no_dialog(*_args):
    raise AssertionError("no file should be asked for")


def test_export_of_the_next_three_months(qtbot, plant, planner, admin, monkeypatch,
                                         tmp_path: Path) -> None:
    screen = _screen(qtbot, planner)
    screen.export.range_box.setCurrentIndex(screen.export.range_box.findText("Next 3 months"))
    first, last = screen.export.range_days()
    assert first == TODAY and 88 <= (last - first).days <= 92
    events = _export(qtbot, screen, monkeypatch, tmp_path / "quarter.ics")
    expected = forecast.forecast_all(admin, first, last)
    assert len(events) == len(expected) > 20  # four weekly schedules for some 13 weeks
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert min(e.decoded("DTSTART") for e in events) >= TODAY


def test_export_to_a_folder_that_does_not_exist_says_so(qtbot, plant, planner, monkeypatch,
                                                        tmp_path: Path, answer_modal) -> None:
    from PySide6.QtWidgets import QMessageBox

    screen = _screen(qtbot, planner)
    shown: list[str] = []

    def close(box: QMessageBox) -> None:
        shown.append(box.text())
        box.accept()

    answer_modal(QMessageBox, close)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_args: (str(tmp_path / "nowhere" / "f.ics"), ""))
    qtbot.mouseClick(screen.export.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    qtbot.waitUntil(lambda: not screen.export.running)
    assert "could not be written" in shown[0]
    assert screen.export.button.isEnabled()


@pytest.fixture
def raised(plant, admin) -> WorkOrder:
    """The lubrication order due on DAY, raised already (the schedule orders three days
    ahead)."""
    schedules.update_schedule(admin, plant["lube"], 1, lead_days=3)
    result = run.generate_due_work_orders(admin)
    assert [c.due for c in result.created if c.schedule_id == plant["lube"]] == [DAY]
    return WorkOrder.get(WorkOrder.pm_schedule == plant["lube"])


def _row_of(screen: PmForecastScreen, name: str) -> int:
    return next(r for r, item in enumerate(screen.day_items) if item.name == name)


def test_orders_raised_already_are_marked_and_open_their_form(qtbot, plant, planner,
                                                              raised) -> None:
    screen = _screen(qtbot, planner)
    screen.show_date(DAY)
    _wait(qtbot, screen)
    lube = next(i for i in screen.loads[DAY].items if i.name == "Lubrication")
    assert lube.how == "order" and lube.number == raised.number
    texts = [line.text for line in screen.calendar.cell_lines(DAY)]
    assert texts == ["F-7 Belt check", "P-101 • Lubrication"]
    tip = screen.calendar.tooltip_for(DAY)
    assert f"P-101 • Lubrication ({raised.number}, Tina Tech, 6 h)" in tip
    assert "• order already raised" in tip
    row = _row_of(screen, "Lubrication")
    assert screen.day_table.item(row, 0).text() == f"P-101 • Lubrication\n{raised.number}"
    assert "double-click to open it" in screen.day_table.item(row, 0).toolTip()

    # Double-clicked in the day's list or in the calendar: the order's form, not the schedule.
    with qtbot.assertNotEmitted(screen.schedule_activated), \
            qtbot.waitSignal(screen.open_work_order) as opened:
        screen.day_table.cellDoubleClicked.emit(row, 0)
    assert opened.args == [raised.id]
    cell = screen.calendar.cell_rect(DAY)
    line = screen.calendar.cell_lines(DAY).index(
        next(c for c in screen.calendar.cell_lines(DAY) if c.item is lube))
    at = QPoint(cell.center().x(), cell.top() + screen.calendar._top_height()
                + screen.calendar._line_height() * line + 2)
    assert screen.calendar.item_at(at) is lube
    with qtbot.waitSignal(screen.open_work_order) as opened:
        qtbot.mouseDClick(screen.calendar, Qt.MouseButton.LeftButton, pos=at)
    assert opened.args == [raised.id]

    # The week view gives its number under the name.
    screen.set_mode(WEEK)
    _wait(qtbot, screen)
    details = [c.text for c in screen.calendar.cell_lines(DAY) if c.detail]
    assert f"6 h · Tina Tech · {raised.number}" in details


def test_a_supervisor_opens_raised_orders_but_no_schedules(qtbot, plant, make_user,
                                                           raised) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    screen = _screen(qtbot, supervisor)
    assert not screen.opens_schedules
    assert "schedule" not in screen.day_table.toolTip()
    screen.show_date(DAY)
    _wait(qtbot, screen)
    belt = _row_of(screen, "Belt check")
    assert "schedule" not in screen.day_table.item(belt, 0).toolTip()
    with qtbot.assertNotEmitted(screen.schedule_activated), \
            qtbot.assertNotEmitted(screen.open_work_order):
        screen.day_table.cellDoubleClicked.emit(belt, 0)
    with qtbot.waitSignal(screen.open_work_order) as opened:
        screen.day_table.cellDoubleClicked.emit(_row_of(screen, "Lubrication"), 0)
    assert opened.args == [raised.id]
