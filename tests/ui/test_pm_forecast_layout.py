"""The PM Forecast screen's texts read whole beside the main window's navigation at its
narrowest (1000 px) and at a wide 1400 px: orders of the same name told apart by their asset
tag, a day's number and hours side by side, the people's names and the day's orders in the side
panel (what has to step aside or wrap has a tooltip with all of it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from app.permissions import Actor, Role
from app.pm.periods import MONTH, WEEK
from app.pm.workload import day_loads
from app.services.assets import register
from app.services.people import users
from app.services.pm import run, schedules
from app.services.pm.forecast import ForecastItem
from tests.conftest import TEST_PASSWORD
from ui.common.column_fit import CELL_PADDING
from ui.pm.forecast_calendar import PILL, PmCalendar
from ui.pm.forecast_grid import PAD
from ui.pm.forecast_panel import BUSIEST, NAME, SWATCH
from ui.pm.forecast_screen import PmForecastScreen
from ui.pm.forecast_words import item_text

TODAY = dt.date.today()
DAY = TODAY + dt.timedelta(days=3)  # the day the walk-rounds start
NAVIGATION = 190  # px the main window's navigation takes


@pytest.fixture
def walk_rounds(admin: Actor) -> list[int]:
    """A weekly walk-round on each of three chillers from DAY on, the first one's order (Hamid
    Karimi's) raised already."""
    hamid = users.add_user(admin, "hamid", "Hamid Karimi", "technician", TEST_PASSWORD,
                           must_change_password=False)
    ids = []
    for n in (1, 2, 3):
        chiller = register.add_asset(admin, f"CHL-000{n}", f"Chiller {n}")
        ids.append(schedules.create_schedule(
            admin, name="Weekly walk-round", asset_id=chiller.id, time_unit="week",
            start_date=DAY, estimated_hours="0.5", assignee_id=hamid.id if n == 1 else None,
            lead_days=3 if n == 1 else 0).id)
    run.generate_due_work_orders(admin)
    return ids


def _screen(qtbot, actor: Actor, window: int, mode: str) -> PmForecastScreen:
    screen = PmForecastScreen(actor)
    qtbot.addWidget(screen)
    screen.resize(window - NAVIGATION, 700)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: not screen.loading, timeout=20_000)
    screen.set_mode(mode)
    screen.show_date(DAY)
    qtbot.waitUntil(lambda: not screen.loading, timeout=20_000)
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the layouts, laid out
    return screen


@pytest.mark.parametrize("window", [1000, 1400])
@pytest.mark.parametrize("mode", [MONTH, WEEK])
def test_orders_of_the_same_name_lead_with_their_asset(qtbot, walk_rounds, make_user, window,
                                                       mode) -> None:
    screen = _screen(qtbot, make_user(Role.PLANNER), window, mode)
    calendar = screen.calendar
    entries = [line for line in calendar.cell_lines(DAY) if line.item and not line.detail]
    assert sorted(line.text for line in entries) == [
        "CHL-0001 • Weekly walk-round", "CHL-0002 Weekly walk-round",
        "CHL-0003 Weekly walk-round"]
    # The cell has room for a tag whole (the name after it is cut short as need be).
    small = QFontMetrics(calendar._fonts()[1])
    text_width = calendar.cell_rect(DAY).width() - 2 * PAD - 6
    assert all(small.horizontalAdvance(line.item.asset_tag) <= text_width for line in entries)


@pytest.mark.parametrize("width, wide", [(7 * 70, False), (7 * 117, True)])
def test_a_days_number_and_hours_do_not_overlap(qtbot, width, wide) -> None:
    # The cells of a 1000 px and a 1400 px window; the first of a month, with its hours.
    calendar = PmCalendar()
    qtbot.addWidget(calendar)
    calendar.resize(width + 30, 600)
    first = dt.date(2031, 12, 1)
    calendar.show_period(first, MONTH, first - dt.timedelta(days=1))
    items = [ForecastItem(first, "time", 1, "Weekly walk-round", "CHL-0001", "Chiller 1",
                          "Hamid Karimi", Decimal("12.5"))]
    loads = day_loads(items, Decimal(8))
    calendar.set_loads(loads, Decimal(8), {})
    label, hours, font = calendar.top_line(first)
    assert hours == "12.5 h" and label == ("1 Dec" if wide else "1")
    base = QFontMetrics(calendar._fonts()[0])
    needed = base.horizontalAdvance(label) + PAD + QFontMetrics(font).horizontalAdvance(hours)
    assert needed <= calendar.cell_rect(first).width() - 2 * PAD
    # Today's pill takes a little more: the label, then the hours' font, give way when needed.
    calendar.show_period(first, MONTH, first)
    calendar.set_loads(loads, Decimal(8), {})
    label, hours, font = calendar.top_line(first)
    assert hours == "12.5 h" and font.bold()  # over 8 h: still said in bold
    needed = base.horizontalAdvance(label) + PILL + PAD \
        + QFontMetrics(font).horizontalAdvance(hours)
    assert needed <= calendar.cell_rect(first).width() - 2 * PAD


@pytest.mark.parametrize("window", [1000, 1400])
def test_the_side_panel_shows_names_and_orders_whole(qtbot, walk_rounds, make_user,
                                                     window) -> None:
    screen = _screen(qtbot, make_user(Role.PLANNER), window, MONTH)
    people = screen.people
    metrics = people.fontMetrics()
    names = [people.item(r, NAME).text() for r in range(people.rowCount())]
    assert sorted(names) == ["Hamid Karimi", "Unassigned"]
    assert people.columnWidth(NAME) >= max(metrics.horizontalAdvance(n) for n in names) + SWATCH
    assert people.columnWidth(NAME) >= people.sizeHintForColumn(NAME)
    header = people.horizontalHeader()
    for col in range(people.columnCount()):
        if not people.isColumnHidden(col):
            assert people.columnWidth(col) >= people.sizeHintForColumn(col), col
            assert people.columnWidth(col) >= header.sectionSizeHint(col), col
    # Beside the narrowest calendar the busiest day steps aside; its tooltip says it.
    assert people.isColumnHidden(BUSIEST) == (window == 1000)
    assert "busiest on" in people.item(0, NAME).toolTip()

    day = screen.day_table
    assert day.rowCount() == 3
    for row, item in enumerate(screen.day_items):
        text = day.item(row, 0).text()
        assert text.startswith(item.asset_tag)
        assert (item.number in text.splitlines()) == bool(item.number)
        assert day.item(row, 0).toolTip().startswith(item_text(item))
        for col in range(day.columnCount()):
            words = day.item(row, col).text().split()
            if not day.isColumnHidden(col):  # a wrapped text breaks between its words
                assert all(day.columnWidth(col) >= metrics.horizontalAdvance(w) + CELL_PADDING
                           for w in words), (col, words)
        assert day.rowHeight(row) >= day.sizeHintForRow(row)


def test_an_overdue_order_shown_today_says_since_when(qtbot, admin: Actor) -> None:
    """An order raised and still open past its due date is today's work; the day list says how
    late it is."""
    pump = register.add_asset(admin, "PMP-0001", "Feed pump")
    schedules.create_schedule(admin, name="Monthly lubrication", asset_id=pump.id,
                                 time_unit="month",
                                 start_date=TODAY - dt.timedelta(days=12), estimated_hours="1")
    [created] = run.generate_due_work_orders(admin).created
    screen = PmForecastScreen(admin)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: not screen.loading, timeout=20_000)
    screen.show_date(TODAY)
    qtbot.waitUntil(lambda: not screen.loading, timeout=20_000)
    [item] = screen.day_items
    assert (item.day, item.number) == (TODAY, created.number)
    due = TODAY - dt.timedelta(days=12)
    assert screen.day_table.item(0, 0).text().splitlines()[-1] == (
        f"{created.number}, overdue since {due:%d %b}")
