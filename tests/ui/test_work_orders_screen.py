"""The Work Orders screen: lazy pages, SQL sort, text filter; the model passes qtmodeltester."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.models import Asset, WorkOrder
from app.permissions import Role
from ui.work_orders.screen import WorkOrdersScreen
from ui.work_orders.table import COL_DUE, COL_NUMBER, COL_PRIORITY, WorkOrderTableModel

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def orders(db, admin, make_user):
    tech = make_user("technician", "tina", craft="Electrician")
    pump = Asset.create(tag="PMP-0001", name="Feed pump")
    fan = Asset.create(tag="FAN-0002", name="Roof fan")
    rows = []
    for i in range(1, 451):
        rows.append(dict(
            number=f"WO-2026-{i:06d}",
            title=f"{'Leaking seal' if i % 3 == 0 else 'Noisy bearing'} #{i}",
            status=("open", "assigned", "closed")[i % 3],
            priority=1 + i % 4,
            asset=pump.id if i % 2 else fan.id,
            assignee=tech.user_id if i % 5 == 0 else None,
            due_date=TODAY + dt.timedelta(days=(i * 7) % 90 - 30),
        ))
    WorkOrder.insert_many(rows).execute()
    return rows


def settled(qtbot, screen: WorkOrdersScreen) -> WorkOrdersScreen:
    """Wait until the count and every background page read are in."""
    qtbot.waitUntil(lambda: not screen.model.loading, timeout=5000)
    return screen


def _screen(qtbot, actor, everything: bool = True) -> WorkOrdersScreen:
    screen = WorkOrdersScreen(actor)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    screen.finished_box.setChecked(everything)
    return settled(qtbot, screen)


def test_current_work_first_and_the_history_one_click_away(qtbot, orders, admin):
    screen = _screen(qtbot, admin, everything=False)
    model = screen.model
    assert screen.count_label.text() == "300 current work orders"
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 300
    assert not any(model.row_at(r).status in ("closed", "cancelled") for r in range(300))
    screen.finished_box.setChecked(True)
    settled(qtbot, screen)
    assert screen.count_label.text() == "450 work orders"


def test_statuses_sort_in_lifecycle_order(qtbot, orders, admin):
    screen = _screen(qtbot, admin)
    screen.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    model = screen.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    seen = [model.row_at(r).status for r in range(model.rowCount())]
    assert list(dict.fromkeys(seen)) == ["open", "assigned", "closed"]


def test_a_new_sort_starts_at_the_top(qtbot, orders, admin):
    screen = _screen(qtbot, admin)
    screen.table.scrollToBottom()
    qtbot.waitUntil(lambda: screen.table.verticalScrollBar().value() > 0, timeout=3000)
    screen.table.sortByColumn(COL_NUMBER, Qt.SortOrder.AscendingOrder)
    assert screen.table.verticalScrollBar().value() == 0


def test_first_page_sorted_by_due_date_and_more_fetched_on_scroll(qtbot, orders, admin):
    screen = _screen(qtbot, admin)
    model = screen.model
    assert model.rowCount() == 450  # every row can be scrolled to...
    assert model.held_rows() == 200  # ...but only the page on screen was read
    dues = [model.row_at(r).due_date for r in range(200)]
    assert dues == sorted(dues)
    assert screen.count_label.text() == "450 work orders"
    screen.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.held_rows() > 200, timeout=3000)  # the last page, by keyset
    assert model.row_at(449).id == model.row_at(449).id
    assert not model.loading
    assert len({model.row_at(r).id for r in range(450)}) == 450  # no overlaps between pages


def test_clicking_a_header_sorts_in_sql(qtbot, orders, admin):
    screen = _screen(qtbot, admin)
    screen.table.sortByColumn(COL_NUMBER, Qt.SortOrder.DescendingOrder)
    assert screen.model.row_at(0).number == "WO-2026-000450"
    screen.table.sortByColumn(COL_PRIORITY, Qt.SortOrder.AscendingOrder)
    assert screen.model.row_at(0).priority == 1
    assert screen.model.held_rows() == 200


def test_text_filter_matches_title_asset_and_assignee(qtbot, orders, admin):
    screen = _screen(qtbot, admin)
    qtbot.keyClicks(screen.search, "leaking")
    qtbot.waitUntil(lambda: screen.model.search == "leaking", timeout=3000)
    settled(qtbot, screen)
    assert screen.count_label.text() == "150 work orders match"
    assert all("Leaking" in screen.model.row_at(r).title for r in range(screen.model.rowCount()))

    def search_for(text: str) -> int:
        screen.search.setText(text)
        screen.apply_search()
        settled(qtbot, screen)
        return screen.model.rowCount()

    assert search_for("FAN-0002") == 225 and screen.count_label.text() == "225 work orders match"
    assert search_for("tina") == 0  # the assignee is "Technician Person", not the username
    assert search_for("technician person") == 90
    assert screen.count_label.text() == "90 work orders match"
    assert search_for("100%") == 0  # % is a literal, not a wildcard


def test_overdue_open_orders_are_marked(orders, admin):
    from app.services.work_orders import listing

    model = WorkOrderTableModel(partial(listing.list_work_orders, admin), today=lambda: TODAY)
    model.reload()
    first = model.index(0, COL_DUE)
    row = model.row_at(0)
    assert row.due_date < TODAY
    expected = row.status in ("open", "assigned")
    assert (model.data(first, Qt.ItemDataRole.ForegroundRole) is not None) == expected


def test_model_passes_qtmodeltester(qtbot, qtmodeltester, orders, admin):
    from app.services.work_orders import listing

    model = WorkOrderTableModel(partial(listing.list_work_orders, admin), page_size=50,
                                count=partial(listing.count_work_orders, admin))
    model.reload()
    qtmodeltester.check(model)  # growing, before the count is in
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rowCount() == 450
    qtmodeltester.check(model)  # as a window onto every row
    model.refresh()  # a long list: pages dropped, read again in the background
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    everything = listing.list_work_orders(admin, limit=450)
    assert [model.row_at(r).id for r in range(450)] == [r.id for r in everything]


def test_technician_sees_the_orders_read_only(qtbot, orders, actors):
    screen = _screen(qtbot, actors[Role.TECHNICIAN])
    assert screen.model.held_rows() == 200
    assert screen.table.editTriggers() == screen.table.EditTrigger.NoEditTriggers


def test_double_click_opens_the_order_form_once(qtbot, db, admin, make_user):
    from app.services.work_orders import edit
    from ui.work_orders.form import WorkOrderForm

    tech = make_user("technician", "tina")
    made = edit.create_work_order(
        admin, "Replace \"drive\" belt; O'Neil's line", type="corrective", priority=2,
        assignee_id=tech.user_id, due_date="2026-06-01",
        tasks=[{"text": "Lock out the conveyor", "required": True},
               {"text": "Belt tension", "kind": "reading", "unit": "mm"}])
    assert made.status == "assigned"  # choosing the assignee assigned it
    screen = _screen(qtbot, admin)
    index = screen.model.index(screen.model.row_of(made.id), 1)
    screen.table.activated.emit(index)
    form = screen.forms[made.id]
    assert isinstance(form, WorkOrderForm) and form.isVisible()
    assert made.number in form.windowTitle()
    assert [t.text for t in form.detail.tasks] == ["Lock out the conveyor", "Belt tension"]
    screen.table.activated.emit(index)  # again: the open form comes forward, no second one
    assert len(screen.findChildren(WorkOrderForm)) == 1
    form.header.title.setText("Replace drive belt")
    form.save()
    qtbot.waitUntil(lambda: screen.model.row_at(screen.model.row_of(made.id)).title
                    == "Replace drive belt", timeout=3000)


def test_an_open_form_follows_changes_from_another_desk(qtbot, db, admin):
    from app.services.work_orders import edit

    made = edit.create_work_order(admin, "Belt slipping")
    screen = _screen(qtbot, admin)
    screen.open_order_id(made.id)
    form = screen.forms[made.id]
    changed = edit.update_work_order(admin, made.id, made.version, priority=1)
    screen.refresh_for({"work_order": {str(made.id)}})
    assert form.version == changed.version and form.detail.priority == 1  # reloaded

    form.header.title.setText("Belt slipping badly")  # unsaved edits are never dropped
    edit.update_work_order(admin, made.id, changed.version, priority=2)
    screen.refresh_for({"work_order": {str(made.id)}})
    assert form.header.title.text() == "Belt slipping badly"
    assert "Changed at another desk" in form.notice.text()
