"""The main window: screens per role, status bar, idle lock, remembered state."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QApplication

from app.errors import KeepwellError
from app.models import User, WorkOrder
from app.permissions import ROLE_PERMISSIONS, USER_ROLES, Perm, Role
from app.services.assets import register
from app.services.people import auth
from app.services.pm import run
from app.services.pm import schedules as pm_schedules
from tests.conftest import TEST_PASSWORD
from ui.shell.main_window import MainWindow

# Written out by hand from DESIGN.md section 6 and the screens that exist so far.
EXPECTED_SCREENS = {
    Role.ADMIN: ["work_orders", "requests", "assets", "pm_schedules", "pm_forecast", "users",
                 "account"],
    Role.PLANNER: ["work_orders", "requests", "assets", "pm_schedules", "pm_forecast",
                   "account"],
    Role.SUPERVISOR: ["work_orders", "requests", "assets", "pm_forecast", "account"],
    Role.TECHNICIAN: ["my_work", "work_orders", "requests", "assets", "account"],
    Role.REQUESTER: ["requests", "assets", "account"],
}


def _window(qtbot, actor, db, idle_minutes: float = 15) -> MainWindow:
    window = MainWindow(actor, db, idle_minutes=idle_minutes)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.value)
def test_each_role_sees_exactly_its_screens(qtbot, db, actors, role):
    window = _window(qtbot, actors[role], db)
    assert window.screen_keys == EXPECTED_SCREENS[role]
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert ("Users" in titles) == (Perm.USER_MANAGE in ROLE_PERMISSIONS[role])
    assert ("Work Orders" in titles) == (Perm.WO_VIEW in ROLE_PERMISSIONS[role])
    for key in window.screen_keys:  # every shown screen opens without error
        window.show_screen(key)
        assert window.stack.currentWidget() is window.screen(key)


def test_status_bar_shows_user_role_database_and_connection(qtbot, db, admin):
    window = _window(qtbot, admin, db)
    assert window.user_label.text() == "Ada Admin · Admin"
    assert str(db.path) in window.db_label.text()
    assert "SQLite" in window.db_label.text()
    assert "connected" in window.connection_label.text()


def test_connection_check_notices_a_lost_and_a_restored_database(qtbot, db, admin):
    window = _window(qtbot, admin, db)
    window.set_connection_state(False)
    window.check_connection()  # runs in the background; the database answers
    qtbot.waitUntil(lambda: window.connection_state is True, timeout=5000)
    assert "disconnected" not in window.connection_label.text()


def test_idle_lock_hides_the_screens_until_the_password(qtbot, db, admin):
    window = _window(qtbot, admin, db, idle_minutes=15)
    now = [1000.0]
    window.idle.clock = lambda: now[0]
    window.idle.touch()
    now[0] += 14 * 60
    window.idle.check()
    assert not window.is_locked
    now[0] += 61
    window.idle.check()
    assert window.is_locked
    assert not window.menuBar().isEnabled()
    window.lock_panel.password.setText("wrong-password")
    window.lock_panel.try_unlock()
    assert window.is_locked
    assert "not your password" in window.lock_panel.message.text()
    window.lock_panel.password.setText(TEST_PASSWORD)
    window.lock_panel.try_unlock()
    assert not window.is_locked
    assert window.menuBar().isEnabled()


def test_five_wrong_unlock_passwords_warn_then_sign_out_saying_why(qtbot, db, admin):
    window = _window(qtbot, admin, db)
    window.lock()
    for left in (4, 3, 2):
        window.lock_panel.password.setText("wrong-password")
        window.lock_panel.try_unlock()
        assert f"{left} more tries" in window.lock_panel.message.text()
    window.lock_panel.password.setText("wrong-password")
    window.lock_panel.try_unlock()
    assert "One more wrong password signs you out" in window.lock_panel.message.text()
    with qtbot.waitSignal(window.sign_out_requested, timeout=1000) as signal:
        window.lock_panel.password.setText("wrong-password")
        window.lock_panel.try_unlock()
    assert "signed out after 5 wrong passwords" in signal.args[0]


def test_activity_postpones_the_idle_lock(qtbot, db, admin):
    window = _window(qtbot, admin, db, idle_minutes=10)
    now = [0.0]
    window.idle.clock = lambda: now[0]
    window.idle.touch()
    now[0] += 9 * 60
    qtbot.keyClick(window.navigation, "a")  # any key or click counts as activity
    now[0] += 9 * 60
    window.idle.check()
    assert not window.is_locked
    now[0] += 2 * 60
    window.idle.check()
    assert window.is_locked


def test_lock_shortcut_and_sign_out_action(qtbot, db, admin):
    window = _window(qtbot, admin, db)
    window.lock_action.trigger()
    assert window.is_locked
    with qtbot.waitSignal(window.sign_out_requested, timeout=1000):
        window.sign_out_action.trigger()


def test_geometry_and_last_screen_persist(qtbot, db, admin):
    window = _window(qtbot, admin, db)
    # Between the window's least width, which grows with the database's path in the status bar
    # (a temporary folder's: a fixed 760 px became too narrow once pytest's folder numbers
    # grew), and the offscreen screen's width (800 px), which a restored window is kept in.
    screen = QApplication.primaryScreen().availableGeometry()
    width = (window.minimumSizeHint().width() + screen.width()) // 2
    window.resize(width, 540)
    window.show_screen("users")
    window.close()
    again = _window(qtbot, admin, db)
    assert again.current_screen_key() == "users"
    assert (again.size().width(), again.size().height()) == (width, 540)


def test_last_screen_the_new_role_may_not_see_falls_back(qtbot, db, admin, actors):
    window = _window(qtbot, admin, db)
    window.show_screen("users")
    window.close()
    planner_window = _window(qtbot, actors[Role.PLANNER], db)
    assert planner_window.current_screen_key() == "work_orders"


def test_view_menu_shortcuts_switch_screens(qtbot, db, admin):
    from PySide6.QtGui import QAction

    window = _window(qtbot, admin, db)
    actions = {a.data(): a for a in window.findChildren(QAction) if a.data()}
    assert actions["work_orders"].shortcut().toString() == "Ctrl+1"
    assert actions["pm_schedules"].shortcut().toString() == "Ctrl+4"
    assert actions["users"].shortcut().toString() == "Ctrl+6"
    actions["users"].trigger()
    assert window.current_screen_key() == "users"
    actions["work_orders"].trigger()
    assert window.current_screen_key() == "work_orders"


def test_each_person_at_a_shared_desk_comes_back_to_their_own_screen(qtbot, db, actors):
    admin, tech = actors[Role.ADMIN], actors[Role.TECHNICIAN]
    first = _window(qtbot, admin, db)
    first.show_screen("users")
    first.close()
    second = _window(qtbot, tech, db)
    second.show_screen("account")
    second.close()
    assert _window(qtbot, admin, db).current_screen_key() == "users"
    assert _window(qtbot, tech, db).current_screen_key() == "account"


def test_user_actions_say_that_they_worked(qtbot, db, admin, make_user):
    make_user(Role.TECHNICIAN, "tom")
    for _ in range(5):
        try:
            auth.sign_in("tom", "wrong-password")
        except KeepwellError:
            pass
    window = _window(qtbot, admin, db)
    screen = window.show_screen("users")
    row = screen.model.row_of(User.get(User.username == "tom").id)
    screen.table.selectRow(row)
    screen.unlock_action.trigger()
    assert window.statusBar().currentMessage() == "Unlocked tom."


@pytest.fixture
def forecast_plant(admin, actors) -> dict[str, int]:
    """A monthly schedule whose order is raised already, and a weekly one still to come."""
    planner = actors[Role.PLANNER]
    pump = register.add_asset(admin, "P-1", "Feed pump")
    today = dt.date.today()
    monthly = pm_schedules.create_schedule(planner, name="Lubrication", asset_id=pump.id,
                                           time_unit="month", start_date=today)
    weekly = pm_schedules.create_schedule(planner, name="Belt check", asset_id=pump.id,
                                          time_unit="week", start_date=today
                                          + dt.timedelta(days=3))
    run.generate_due_work_orders(admin)
    order = WorkOrder.get(WorkOrder.pm_schedule == monthly.id)
    return {"monthly": monthly.id, "weekly": weekly.id, "order": order.id}


def test_the_forecast_opens_a_schedule_or_an_order_raised_already(qtbot, db, actors,
                                                                  forecast_plant):
    window = _window(qtbot, actors[Role.PLANNER], db)
    forecast = window.show_screen("pm_forecast")
    forecast.schedule_activated.emit(forecast_plant["weekly"])
    assert window.current_screen_key() == "pm_schedules"
    schedules = window.screen("pm_schedules")
    form = schedules.forms[forecast_plant["weekly"]]
    assert form.isVisible() and form.name.text() == "Belt check"
    assert schedules.selected().id == forecast_plant["weekly"]
    form.done(0)

    window.show_screen("pm_forecast")
    forecast.open_work_order.emit(forecast_plant["order"])
    assert window.current_screen_key() == "work_orders"
    order_form = window.screen("work_orders").forms[forecast_plant["order"]]
    assert order_form.isVisible()
    assert order_form.header.preventive.text().startswith("Lubrication, due ")
    order_form.done(0)


def test_a_supervisor_double_clicking_a_forecast_order_opens_no_schedule(qtbot, db, actors,
                                                                         forecast_plant):
    window = _window(qtbot, actors[Role.SUPERVISOR], db)
    forecast = window.show_screen("pm_forecast")
    forecast.schedule_activated.emit(forecast_plant["weekly"])  # (the screen does not)
    assert window.current_screen_key() == "pm_forecast"
    assert "pm_schedules" not in window.screens
