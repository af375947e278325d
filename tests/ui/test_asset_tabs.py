"""The asset form's tabs: meters and their readings (a lower reading on a cumulative meter is
refused unless it is a meter replacement), the asset's work orders (paged, opening one), and
who sees which."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QLabel, QStyleOptionHeader

from app.models import Meter, MeterReading, WorkOrder
from app.permissions import Role
from app.services.assets import meters, register
from ui.assets.form import AssetForm
from ui.assets.meters import AddMeterDialog, RecordReadingDialog
from ui.assets.screen import AssetsScreen
from ui.assets.table import WO_COL_DUE, AssetWorkOrderModel


@pytest.fixture
def pump(db, admin) -> Any:
    return register.add_asset(admin, "PMP-0001", "Feed pump")


def _form(qtbot, actor, asset_id: int) -> tuple[AssetsScreen, AssetForm]:
    screen = AssetsScreen(actor)
    qtbot.addWidget(screen)
    screen.show()
    form = screen.open_asset_id(asset_id)
    assert form is not None
    qtbot.waitExposed(form)
    return screen, form


def _readings(meter_id: int) -> list[tuple[Decimal, bool]]:
    q = MeterReading.select().where(MeterReading.meter == meter_id).order_by(MeterReading.id)
    return [(Decimal(str(r.value)).quantize(Decimal("0.01")), r.replacement) for r in q]


def test_add_a_meter_then_a_lower_reading_is_refused_unless_it_is_a_replacement(
        qtbot, pump, admin, answer_modal):
    _screen, form = _form(qtbot, admin, pump.id)
    form.tabs.setCurrentWidget(form.meters_tab)
    tab = form.meters_tab
    assert tab.readings_title.text() == "No meters yet."
    assert not tab.record_button.isEnabled()

    def add(dialog: AddMeterDialog) -> None:
        dialog.name.setText("Run hours")
        dialog.unit.setText("h")
        dialog.save()

    answer_modal(AddMeterDialog, add)
    tab.add_button.click()
    meter = Meter.get(Meter.name == "Run hours")
    assert meter.cumulative and tab.meter_table.item(0, 0).text() == "Run hours"
    assert form.tabs.tabText(form.tabs.indexOf(tab)) == "Meters (1)"

    answer_modal(RecordReadingDialog, _type_reading("1250.5"))
    tab.record_button.click()
    assert _readings(meter.id) == [(Decimal("1250.50"), False)]
    # The last reading and the reading it came from read alike: decimals, separators, unit.
    assert tab.meter_table.item(0, 3).text() == "1,250.50 h"
    assert tab.reading_table.item(0, 1).text() == "1,250.50 h"
    read_at = tab.reading_table.item(0, 0).text()
    assert tab.meter_table.item(0, 4).text() == read_at

    refusals = []
    hints = []

    def lower(dialog: RecordReadingDialog) -> None:
        hints.append(dialog.findChild(QLabel, "hintText").text())
        dialog.value.setText("40")
        dialog.save()
        refusals.append(dialog.message.text())  # refused: the dialog stays open, in words
        dialog.replacement.setChecked(True)
        dialog.note.setText("New hour meter fitted")
        dialog.save()

    answer_modal(RecordReadingDialog, lower)
    tab.record_button.click()
    # The time we show ourselves is local time (the refusal's words are the service's).
    assert hints == [f"Last reading: 1,250.50 h on {read_at} (local time)."]
    assert refusals[0].startswith("Reading cannot be below the last reading, 1250.50 h on ")
    assert "mark the reading as a meter replacement" in refusals[0]
    assert _readings(meter.id) == [(Decimal("1250.50"), False), (Decimal("40.00"), True)]
    assert tab.meter_table.item(0, 3).text() == "40.00 h"
    assert [tab.reading_table.item(r, 1).text() for r in range(2)] == ["40.00 h", "1,250.50 h"]
    assert tab.reading_table.item(0, 3).text() == "Meter replaced; New hour meter fitted"
    assert tab.readings_title.text() == "Readings of Run hours (2)"


def _type_reading(value: str):
    def fill(dialog: RecordReadingDialog) -> None:
        dialog.value.setText(value)
        dialog.save()
    return fill


def test_a_reading_taken_earlier_keeps_its_time(qtbot, pump, admin, answer_modal):
    meter = meters.add_meter(admin, pump.id, "Strokes", "cycles")
    _screen, form = _form(qtbot, admin, pump.id)
    tab = form.meters_tab
    earlier = dt.datetime.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)

    def fill(dialog: RecordReadingDialog) -> None:
        dialog.time.setDateTime(earlier)
        dialog.value.setText("77")
        dialog.save()

    answer_modal(RecordReadingDialog, fill)
    tab.record_button.click()
    stored = MeterReading.get(MeterReading.meter == meter.id).at
    assert stored == earlier.astimezone(dt.UTC).replace(tzinfo=None)  # kept in UTC
    assert tab.reading_table.item(0, 0).text() == f"{earlier:%Y-%m-%d %H:%M}"  # shown local


def test_a_technician_records_readings_but_adds_no_meters(qtbot, pump, admin, make_user,
                                                         answer_modal):
    meter = meters.add_meter(admin, pump.id, "Run hours", "h")
    _screen, form = _form(qtbot, make_user(Role.TECHNICIAN), pump.id)
    tab = form.meters_tab
    assert not tab.add_button.isVisibleTo(tab) and tab.record_button.isVisibleTo(tab)
    answer_modal(RecordReadingDialog, _type_reading("12"))
    tab.record_button.click()
    assert _readings(meter.id) == [(Decimal("12.00"), False)]
    assert tab.reading_table.item(0, 2).text() == "Technician Person"


def test_a_requester_sees_meters_but_no_buttons_and_no_work_orders(qtbot, pump, admin,
                                                                   make_user):
    meters.record_reading(admin, meters.add_meter(admin, pump.id, "Run hours", "h").id, 5)
    _screen, form = _form(qtbot, make_user(Role.REQUESTER), pump.id)
    tab = form.meters_tab
    assert not tab.add_button.isVisibleTo(tab) and not tab.record_button.isVisibleTo(tab)
    assert tab.reading_table.rowCount() == 1
    assert form.work_orders_tab is None  # a requester may not list work orders
    assert [form.tabs.tabText(i) for i in range(form.tabs.count())] == \
        ["Details", "Meters (1)", "History"]


@pytest.fixture
def orders(pump, admin) -> list[int]:
    other = register.add_asset(admin, "FAN-0001", "Roof fan")
    rows = [dict(number=f"WO-2026-{i:06d}", title=f"Job {i}",
                 status=("open", "completed", "closed", "cancelled")[i % 4], priority=1 + i % 4,
                 asset=pump.id if i <= 25 else other.id,
                 due_date=dt.date(2026, 1, 1) + dt.timedelta(days=i))
            for i in range(1, 31)]
    WorkOrder.insert_many(rows).execute()
    return [w.id for w in WorkOrder.select().where(WorkOrder.asset == pump.id)]


def test_the_work_orders_tab_lists_the_assets_orders_and_opens_one(qtbot, orders, pump, admin):
    screen, form = _form(qtbot, admin, pump.id)
    tab = form.work_orders_tab
    form.tabs.setCurrentWidget(tab)
    assert form.tabs.tabText(form.tabs.indexOf(tab)) == "Work orders (25)"
    assert tab.count_label.text().startswith("25 work orders, 13 not closed yet.")
    model = tab.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    numbers = [model.row_at(r).number for r in range(model.rowCount())]
    assert numbers == [f"WO-2026-{i:06d}" for i in range(25, 0, -1)]  # newest due date first
    assert model.index(0, 2).data() == "Completed"  # 25 % 4 == 1

    rect = tab.table.visualRect(model.index(1, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(screen.open_work_order) as opened:
        qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [model.row_at(1).id]


def _arrow(header, section: int) -> QStyleOptionHeader.SortIndicator:
    """The arrow the header draws over `section`."""
    option = QStyleOptionHeader()
    header.initStyleOptionForIndex(option, section)
    return option.sortIndicator


def test_the_work_orders_sort_arrow_says_the_order_shown(qtbot, orders, pump, admin):
    _screen, form = _form(qtbot, admin, pump.id)
    tab = form.work_orders_tab
    form.tabs.setCurrentWidget(tab)
    header, model = tab.table.horizontalHeader(), tab.model
    due = [model.row_at(r).due_date for r in range(model.rowCount())]
    assert due == sorted(due, reverse=True)  # latest due date first...
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == \
        (WO_COL_DUE, Qt.SortOrder.DescendingOrder)  # ...and the header says descending
    assert _arrow(header, WO_COL_DUE) == QStyleOptionHeader.SortIndicator.SortDown  # ▼
    assert model.headerData(WO_COL_DUE, Qt.Orientation.Horizontal,
                            Qt.ItemDataRole.ToolTipRole) == \
        "Sorted by Due, latest first. Click to reverse."

    section = QPoint(header.sectionViewportPosition(WO_COL_DUE) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=section)
    due = [model.row_at(r).due_date for r in range(model.rowCount())]
    assert due == sorted(due) and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert _arrow(header, WO_COL_DUE) == QStyleOptionHeader.SortIndicator.SortUp  # ▲
    assert "earliest first" in model.headerData(WO_COL_DUE, Qt.Orientation.Horizontal,
                                                Qt.ItemDataRole.ToolTipRole)
    assert _arrow(header, 0) == QStyleOptionHeader.SortIndicator.None_


def test_the_work_orders_tab_fetches_pages_in_order(qtmodeltester, orders, pump, admin):
    from app.services.work_orders import listing

    def fetch(offset: int, limit: int, sort: str, descending: bool):
        after = model.row_at(offset - 1) if offset else None
        return listing.list_work_orders(
            admin, listing.WorkOrderFilter(asset_id=pump.id), sort=sort,
            descending=descending, limit=limit, after=after)

    model = AssetWorkOrderModel(fetch, page_size=4)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert [model.row_at(r).number for r in range(model.rowCount())] == \
        [f"WO-2026-{i:06d}" for i in range(1, 26)]
