"""Other desks' changes appear within seconds, without losing the user's place."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from app import db as dbmod
from app.models import WorkOrder
from app.permissions import Role
from app.services import audit, changes, database
from app.services.people import users
from tests.conftest import TEST_PASSWORD
from ui.shell.change_watcher import ChangeWatcher
from ui.shell.main_window import MainWindow


def _window(qtbot, actor, db) -> MainWindow:
    window = MainWindow(actor, db)
    qtbot.addWidget(window)
    window.watcher._timer.stop()  # the test polls by hand
    window.show()
    return window


def test_a_user_added_by_another_process_appears_on_the_users_screen(
        qtbot, db, db_url, admin, make_user):
    make_user(Role.TECHNICIAN, "tom")
    window = _window(qtbot, admin, db)
    screen = window.show_screen("users")
    screen.table.selectRow(screen.model.row_of(users.find_user_id("tom")))
    env = dict(os.environ, KEEPWELL_PASSWORD=TEST_PASSWORD)  # the admin's, who adds zoe
    other_desk = subprocess.run(
        [sys.executable, "-m", "ui.main", "--db", db_url, "user", "add", "zoe",
         "--full-name", "Zoe Zed", "--role", "planner", "--user", "admin", "--password-stdin"],
        input="another-pass-1\n", capture_output=True, text=True, env=env, timeout=60)
    assert other_desk.returncode == 0, other_desk.stderr
    with qtbot.waitSignal(window.watcher.changed, timeout=5000) as signal:
        window.watcher.poll()
    assert "user" in signal.args[0]
    usernames = [screen.model.row_at(r).username for r in range(screen.model.rowCount())]
    assert "zoe" in usernames
    assert screen.selected().username == "tom"  # the selection stayed


def test_work_orders_refresh_in_place(qtbot, db, admin):
    rows = [dict(number=f"WO-2026-{i:06d}", title=f"Order {i}", status="open",
                 due_date=dt.date(2026, 1, 1) + dt.timedelta(days=i)) for i in range(1, 401)]
    WorkOrder.insert_many(rows).execute()
    window = _window(qtbot, admin, db)
    screen = window.show_screen("work_orders")
    screen.table.scrollToBottom()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 400, timeout=5000)
    screen.table.selectRow(300)
    picked = screen.model.row_at(300).id
    scroll = screen.table.verticalScrollBar().value()
    assert scroll > 0
    with dbmod.write_transaction():  # what a work-order service on another desk does
        WorkOrder.update(title="Order 301, pump replaced").where(WorkOrder.id == picked).execute()
        audit.record(admin, "work_order", picked, "updated", {"title": ["Order 301", "..."]})
    with qtbot.waitSignal(window.watcher.changed, timeout=5000):
        window.watcher.poll()
    assert screen.model.rowCount() == 400
    assert screen.model.row_at(300).title == "Order 301, pump replaced"
    assert screen.table.verticalScrollBar().value() == scroll
    assert [i.row() for i in screen.table.selectionModel().selectedRows()] == [300]


def test_nothing_new_means_no_signal(qtbot, db, admin):
    watcher = ChangeWatcher(admin, interval_ms=0)
    with qtbot.assertNotEmitted(watcher.changed, wait=300):
        watcher.poll()
        qtbot.waitUntil(lambda: not watcher._task.running, timeout=5000)
    watcher.stop()


def test_a_poll_asked_for_during_a_poll_runs_once_after_it(qtbot, db, admin, monkeypatch):
    """An announcement may arrive while a read runs that began before its commit."""
    reads: list[int] = []
    real = changes.changes_since

    def counting(actor, after_id):
        reads.append(after_id)
        return real(actor, after_id)

    monkeypatch.setattr(changes, "changes_since", counting)
    monkeypatch.setattr(database, "feed_for", _no_feed)  # the poll alone, on any backend
    watcher = ChangeWatcher(admin, interval_ms=0)
    try:
        watcher.poll()
        watcher.poll()
        watcher.poll()
        qtbot.waitUntil(lambda: len(reads) == 2 and not watcher.polling, timeout=5000)
    finally:
        watcher.stop()
    assert len(reads) == 2


def _no_feed(_database):
    return None


def test_only_a_postgresql_desk_listens_for_announcements(qtbot, db, admin):
    watcher = ChangeWatcher(admin, interval_ms=0)
    try:
        if db.is_sqlite:
            assert watcher._listener is None
        else:
            qtbot.waitUntil(lambda: watcher.listening, timeout=10_000)
    finally:
        watcher.stop()
    assert not watcher.listening
