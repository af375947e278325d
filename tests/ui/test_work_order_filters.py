"""The Work Orders screen as a planner's tool: saved views, filters, bulk assign and status."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.models import Asset, WorkOrder
from app.permissions import Role
from app.services.work_orders import edit
from ui.work_orders.filters import NOBODY
from ui.work_orders.saved_views import load_user_views
from ui.work_orders.screen import WorkOrdersScreen, my_work_screen

TODAY = dt.date.today()


@pytest.fixture
def plant(db, admin, make_user):
    tina = make_user(Role.TECHNICIAN, "tina")
    pump = Asset.create(tag="PMP-0001", name="Feed pump")
    fan = Asset.create(tag="FAN-0002", name="Roof fan")
    rows = [
        # title, status, type, priority, asset, assignee, due (days from today)
        ("Seal leaking", "open", "corrective", 1, pump, None, -3),
        ("Belt worn", "assigned", "corrective", 2, fan, tina, -1),
        ("Monthly lube", "in_progress", "preventive", 3, pump, tina, 5),
        ("Fan noise", "open", "inspection", 4, fan, None, 20),
        ("Old job", "closed", "corrective", 3, pump, tina, -40),
    ]
    for i, (title, status, kind, priority, asset, who, days) in enumerate(rows, 1):
        WorkOrder.create(number=f"WO-2026-{i:06d}", title=title, status=status, type=kind,
                         priority=priority, asset=asset.id, assignee=who.user_id if who else None,
                         due_date=TODAY + dt.timedelta(days=days))
    return {"tina": tina, "pump": pump, "fan": fan}


def _screen(qtbot, actor) -> WorkOrdersScreen:
    screen = WorkOrdersScreen(actor)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    return screen


def titles(qtbot, screen: WorkOrdersScreen) -> list[str]:
    """Every row's title, once the list has settled (counted in the background)."""
    qtbot.waitUntil(lambda: not screen.model.loading, timeout=5000)
    model = screen.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    return sorted(model.row_at(r).title for r in range(model.rowCount()))


def choose_view(screen: WorkOrdersScreen, name: str) -> None:
    bar = screen.filter_bar
    bar.view.setCurrentIndex(bar.view.findText(name))
    bar.view.activated.emit(bar.view.currentIndex())


def test_built_in_views(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    assert titles(qtbot, screen) == ["Belt worn", "Fan noise", "Monthly lube", "Seal leaking"]
    choose_view(screen, "Overdue")
    assert titles(qtbot, screen) == ["Belt worn", "Seal leaking"]
    assert screen.count_label.text() == "2 work orders match"
    choose_view(screen, "Unassigned")
    assert titles(qtbot, screen) == ["Fan noise", "Seal leaking"]
    choose_view(screen, "Everything")
    assert len(titles(qtbot, screen)) == 5
    choose_view(screen, "My work")
    assert titles(qtbot, screen) == []  # the admin has no work of their own


def test_my_work_is_the_technicians_open_orders_oldest_due_first(qtbot, plant):
    screen = my_work_screen(plant["tina"])
    qtbot.addWidget(screen)
    screen.show()
    rows = [screen.model.row_at(r).title for r in range(screen.model.rowCount())]
    assert rows == ["Belt worn", "Monthly lube"]
    assert screen.title == "My Work"
    assert not screen.new_action.isEnabled() or screen.new_action not in screen.toolbar.actions()


def test_each_filter_narrows_the_table(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    bar = screen.filter_bar
    bar.type.actions_by_value["preventive"].setChecked(True)
    assert titles(qtbot, screen) == ["Monthly lube"]
    assert bar.type.text() == "Type: Preventive"
    bar.type.set_values(())
    bar.priority.actions_by_value[1].setChecked(True)
    bar.priority.actions_by_value[4].setChecked(True)
    assert titles(qtbot, screen) == ["Fan noise", "Seal leaking"]
    bar.priority.actions_by_value[1].setChecked(False)
    bar.priority.actions_by_value[4].setChecked(False)
    bar.assignee.setCurrentIndex(bar.assignee.findData(NOBODY))
    assert titles(qtbot, screen) == ["Fan noise", "Seal leaking"]
    bar.assignee.setCurrentIndex(bar.assignee.findData(plant["tina"].user_id))
    assert titles(qtbot, screen) == ["Belt worn", "Monthly lube"]
    bar.assignee.setCurrentIndex(0)
    bar.asset.set_asset(plant["fan"].id, "FAN-0002", "Roof fan")
    bar.asset.changed.emit()
    assert titles(qtbot, screen) == ["Belt worn", "Fan noise"]
    bar.asset.set_asset(None)
    bar.asset.changed.emit()
    bar.status.actions_by_value["open"].setChecked(True)
    assert titles(qtbot, screen) == ["Fan noise", "Seal leaking"]
    bar.overdue.setChecked(True)
    assert titles(qtbot, screen) == ["Seal leaking"]
    bar.clear()
    assert len(titles(qtbot, screen)) == 4 and bar.status.text() == "Status: any"


def test_a_due_range_and_the_search_combine(qtbot, plant, admin):
    from PySide6.QtCore import QDate

    screen = _screen(qtbot, admin)
    bar = screen.filter_bar
    bar.due_from.setDate(QDate(TODAY.year, TODAY.month, TODAY.day).addDays(-2))
    bar.due_to.setDate(QDate(TODAY.year, TODAY.month, TODAY.day).addDays(10))
    assert titles(qtbot, screen) == ["Belt worn", "Monthly lube"]
    bar.search.setText("lube")
    screen.apply_search()
    assert titles(qtbot, screen) == ["Monthly lube"]
    bar.due_to.setDate(QDate(TODAY.year, TODAY.month, TODAY.day).addDays(-5))  # before "from"
    assert "after the end of the range" in screen.count_label.text()
    assert titles(qtbot, screen) == ["Monthly lube"]  # the last good list stays


def test_a_saved_view_is_kept_per_user(qtbot, plant, admin, make_user):
    screen = _screen(qtbot, admin)
    bar = screen.filter_bar
    bar.type.actions_by_value["inspection"].setChecked(True)
    assert bar.save_view("  Inspections   to plan ") == ""
    assert bar.save_view("Overdue") == "“Overdue” is a built-in view; choose another name."
    assert bar.save_view("") == "A view needs a name."
    assert [v.name for v in load_user_views(admin.username)] == ["Inspections to plan"]
    assert load_user_views("pat") == []

    again = _screen(qtbot, admin)  # a new session on this desk
    choose_view(again, "Inspections to plan")
    assert titles(qtbot, again) == ["Fan noise"]
    assert again.filter_bar.delete_button.isEnabled()
    again.filter_bar.delete_view()
    assert load_user_views(admin.username) == []
    assert again.filter_bar.view.currentText() == "Current work"


def _select_titles(screen: WorkOrdersScreen, wanted: set[str]) -> None:
    from PySide6.QtCore import QItemSelectionModel

    selection = screen.table.selectionModel()
    selection.clear()
    for r in range(screen.model.rowCount()):
        if screen.model.row_at(r).title in wanted:
            selection.select(screen.model.index(r, 0),
                             QItemSelectionModel.SelectionFlag.Select
                             | QItemSelectionModel.SelectionFlag.Rows)


def test_bulk_assign_from_the_selection(qtbot, plant, admin, monkeypatch):
    screen = _screen(qtbot, admin)
    assert not screen.assign_action.isEnabled()
    _select_titles(screen, {"Seal leaking", "Fan noise"})
    assert screen.assign_action.isEnabled()
    from app.services.people import assignees

    tina = next(p for p in assignees.list_workers(admin) if p.id == plant["tina"].user_id)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (tina.label, True))
    screen.bulk_assign()
    orders = {w.title: w for w in WorkOrder.select()}
    assert orders["Seal leaking"].status == "assigned"
    assert orders["Fan noise"].assignee_id == plant["tina"].user_id
    assert {screen.model.row_at(i.row()).title
            for i in screen.table.selectionModel().selectedRows()} == {"Seal leaking",
                                                                        "Fan noise"}


def test_bulk_status_lists_the_refusals(qtbot, plant, admin, monkeypatch):
    screen = _screen(qtbot, admin)
    _select_titles(screen, {"Seal leaking", "Monthly lube"})
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Waiting for parts", True))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append(text))
    screen.bulk_status("on_hold")
    orders = {w.title: w for w in WorkOrder.select()}
    assert orders["Monthly lube"].status == "on_hold"
    assert orders["Monthly lube"].hold_reason == "Waiting for parts"
    assert orders["Seal leaking"].status == "open"
    assert "1 order changed, 1 refused" in shown[0]
    assert "WO-2026-000001" in shown[0] and "cannot go to on hold" in shown[0]


def test_a_bulk_change_on_a_stale_row_is_refused(qtbot, plant, admin, monkeypatch):
    screen = _screen(qtbot, admin)
    _select_titles(screen, {"Seal leaking"})
    seal = WorkOrder.get(WorkOrder.title == "Seal leaking")
    edit.update_work_order(admin, seal.id, seal.version, priority=2)  # other desk
    shown = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Duplicate", True))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append(text))
    screen.bulk_status("cancelled")
    assert WorkOrder.get_by_id(seal.id).status == "open"
    assert "changed by" in shown[0]


def test_requester_style_roles_get_no_bulk_actions(qtbot, plant, actors):
    screen = _screen(qtbot, actors[Role.TECHNICIAN])
    assert screen.new_action not in screen.toolbar.actions()
    assert screen.assign_action not in screen.toolbar.actions()
    assert screen.status_action.isVisible()


def test_the_view_box_says_when_the_filters_were_changed(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    bar = screen.filter_bar
    assert bar.view.currentText() == "Current work"
    bar.overdue.setChecked(True)
    assert bar.view.currentText() == "Current work (changed)"
    bar.overdue.setChecked(False)
    assert bar.view.currentText() == "Current work"
    choose_view(screen, "Waiting for sign-off")
    assert bar.view.currentText() == "Waiting for sign-off"
    assert titles(qtbot, screen) == []  # nothing completed in this plant yet


def test_technicians_are_offered_only_their_own_moves_in_bulk(qtbot, plant):
    screen = _screen(qtbot, plant["tina"])
    offered = [a.data() for a in screen.status_menu.actions()]
    assert offered == ["in_progress", "on_hold", "completed"]


def test_a_bulk_move_of_several_orders_is_confirmed_first(qtbot, plant, admin, monkeypatch):
    screen = _screen(qtbot, admin)
    _select_titles(screen, {"Belt worn", "Monthly lube"})
    asked = []
    monkeypatch.setattr(screen, "confirm", lambda title, text: asked.append(text) or False)
    screen.bulk_status("completed")
    assert asked == ["Move 2 orders to Completed? Each order is checked on its own; those "
                     "that cannot move are listed afterwards."]
    assert {w.status for w in WorkOrder.select().where(
        WorkOrder.title.in_(["Belt worn", "Monthly lube"]))} == {"assigned", "in_progress"}


def test_bulk_assign_offers_technicians_first(qtbot, plant, admin, monkeypatch):
    screen = _screen(qtbot, admin)
    _select_titles(screen, {"Seal leaking"})
    offered = []

    def choose(_parent, _title, _label, items, *args, **kwargs):
        offered.extend(items)
        return "", False

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    screen.bulk_assign()
    assert offered[0].endswith("(technician)") and offered[-1].endswith("(admin)")


def _switch_agrees(bar) -> bool:
    """The finished switch says what the chosen statuses say (any status: it decides)."""
    chosen = set(bar.status.values())
    return not chosen or bar.finished.isChecked() == bool(chosen & {"closed", "cancelled"})


def test_my_work_does_not_claim_to_show_closed_orders(qtbot, plant):
    screen = my_work_screen(plant["tina"])
    qtbot.addWidget(screen)
    bar = screen.filter_bar
    assert bar.status.text() == "Status: 4 chosen"
    assert bar.status.toolTip() == "Open, Assigned, In progress, On hold"
    assert not bar.finished.isChecked()
    for name in [v.name for v in bar.views]:
        choose_view(screen, name)
        assert _switch_agrees(bar), name
        assert bar.view.currentText() == name  # agreeing is not a change of the view


def test_the_switch_adds_and_takes_away_closed_and_cancelled(qtbot, plant):
    screen = my_work_screen(plant["tina"])
    qtbot.addWidget(screen)
    bar = screen.filter_bar
    assert titles(qtbot, screen) == ["Belt worn", "Monthly lube"]
    bar.finished.setChecked(True)
    assert set(bar.status.values()) == {"open", "assigned", "in_progress", "on_hold",
                                        "closed", "cancelled"}
    assert titles(qtbot, screen) == ["Belt worn", "Monthly lube", "Old job"]
    assert bar.view.currentText() == "My work (changed)"
    bar.finished.setChecked(False)
    assert set(bar.status.values()) == {"open", "assigned", "in_progress", "on_hold"}
    assert titles(qtbot, screen) == ["Belt worn", "Monthly lube"]
    assert bar.view.currentText() == "My work"


def test_choosing_a_finished_status_ticks_the_switch_and_shows_those_orders(qtbot, plant,
                                                                              admin):
    screen = _screen(qtbot, admin)
    bar = screen.filter_bar
    assert not bar.finished.isChecked()  # Current work
    bar.status.actions_by_value["closed"].setChecked(True)
    assert bar.finished.isChecked()
    assert titles(qtbot, screen) == ["Old job"]  # was nothing: closed within current work
    bar.status.actions_by_value["open"].setChecked(True)
    assert bar.finished.isChecked() and _switch_agrees(bar)
    assert titles(qtbot, screen) == ["Fan noise", "Old job", "Seal leaking"]
    bar.status.actions_by_value["closed"].setChecked(False)
    assert not bar.finished.isChecked()
    assert titles(qtbot, screen) == ["Fan noise", "Seal leaking"]
    bar.status.actions_by_value["open"].setChecked(False)  # any status: the switch decides
    assert not bar.finished.isChecked()
    assert len(titles(qtbot, screen)) == 4
    bar.status.actions_by_value["closed"].setChecked(True)
    bar.finished.setChecked(False)  # the only status chosen goes: current work again
    assert bar.status.values() == () and bar.status.text() == "Status: any"
    assert len(titles(qtbot, screen)) == 4


def test_a_view_saved_before_the_two_agreed_is_read_agreeing(qtbot, plant, admin):
    import json

    from ui.common.settings import gui_settings

    gui_settings().setValue(f"work_order_views/{admin.username}", json.dumps([
        {"name": "Old closed", "filters": {"statuses": ["closed"], "include_finished": False}},
        {"name": "Old open", "filters": {"statuses": ["open"], "include_finished": True}},
    ]))
    screen = _screen(qtbot, admin)
    bar = screen.filter_bar
    choose_view(screen, "Old closed")
    assert bar.finished.isChecked() and titles(qtbot, screen) == ["Old job"]
    assert bar.view.currentText() == "Old closed"
    choose_view(screen, "Old open")
    assert not bar.finished.isChecked()
    assert titles(qtbot, screen) == ["Fan noise", "Seal leaking"]
