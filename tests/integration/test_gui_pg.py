"""The GUI against a shared PostgreSQL database: the password is asked for, never needed in a
file, the status bar names the server, and another desk's change shows at once."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from app import db as dbmod
from app.change_feed import APPLICATION_NAME
from app.services import setup
from tests.conftest import TEST_PASSWORD
from tests.integration.conftest import needs_password_auth, without_password
from tests.qt_fixtures import answer_modal, isolated_qsettings  # noqa: F401,F811  (fixtures)
from tests.ui.test_change_watcher import *  # noqa: F403  (the same desks, on PostgreSQL)
from tests.ui.test_pm_worker import *  # noqa: F403  (the PM worker, on PostgreSQL)
from ui.shell import change_watcher
from ui.shell.app import AppController
from ui.shell.database_error import DatabaseErrorDialog
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("isolated_qsettings")]


def test_the_server_password_is_asked_for_and_sign_in_follows(
        qtbot, db_url, answer_modal, monkeypatch):  # noqa: F811
    password = needs_password_auth(db_url)
    url = without_password(db_url)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    database, target = dbmod.connect(db_url)
    dbmod.initialise_schema(database, target)
    setup.set_up_organisation("Shared Plant", "admin", "Ada Admin", TEST_PASSWORD)
    dbmod.close()

    seen = {}

    def enter_password(dialog: DatabaseErrorDialog) -> None:
        seen["kind"] = dialog.error.kind
        seen["has_button"] = dialog.password_button is not None
        dialog.password = password
        dialog.accept()

    def sign_in(dialog: LoginDialog) -> None:
        seen["title"] = dialog.title.text()
        dialog.username.setText("admin")
        dialog.password.setText(TEST_PASSWORD)
        dialog.try_sign_in()

    answer_modal(DatabaseErrorDialog, enter_password, timeout_ms=15_000)
    answer_modal(LoginDialog, sign_in, timeout_ms=30_000, when=lambda d: d.ready)
    controller = AppController(cli_url=url)
    try:
        assert controller.start()
        assert seen["kind"] == "auth_failed" and seen["has_button"]
        assert seen["title"] == "Shared Plant"
        window = controller.window
        assert "PostgreSQL" in window.db_label.text()
        assert f":{password}@" not in window.db_label.text()  # user@host/db, never a password
        assert window.screen("work_orders").model.rowCount() == 0
    finally:
        if controller.window is not None:
            controller.window.close()
        dbmod.close()


def _desk_a(qtbot, actor, target) -> MainWindow:
    """A desk with its periodic poll off: only an announcement can bring others' changes."""
    window = MainWindow(actor, target)
    qtbot.addWidget(window)
    window.watcher._timer.stop()
    window.show()
    watcher = window.watcher
    qtbot.waitUntil(lambda: watcher.listening and not watcher.polling, timeout=10_000)
    return window


def _desk_b_creates(db_url: str, title: str) -> None:
    """Another desk, in another process, raises an order through the work-order service."""
    desk_b = subprocess.run(
        [sys.executable, "-m", "ui.main", "--db", db_url, "wo", "create", "--title", title,
         "--user", "admin", "--password-stdin"],
        input=TEST_PASSWORD, capture_output=True, text=True, timeout=60)
    assert desk_b.returncode == 0, desk_b.stderr


def _titles(screen) -> list[str]:
    return [screen.model.row_at(r).title for r in range(screen.model.rowCount())]


def test_another_desks_new_order_shows_at_once_in_the_open_table(qtbot, db, db_url, admin):
    window = _desk_a(qtbot, admin, db)
    assert not window.watcher._timer.isActive()
    screen = window.show_screen("work_orders")
    assert _titles(screen) == []
    _desk_b_creates(db_url, "Conveyor 3 belt slipping")
    qtbot.waitUntil(lambda: _titles(screen) == ["Conveyor 3 belt slipping"], timeout=5000)


def test_the_desk_listens_again_after_losing_its_connection(
        qtbot, db, db_url, admin, monkeypatch):
    monkeypatch.setattr(change_watcher, "RETRY_S", 0.1)
    window = _desk_a(qtbot, admin, db)
    screen = window.show_screen("work_orders")
    states: list[bool] = []
    window.watcher.listening_changed.connect(states.append)
    with psycopg.connect(db_url, autocommit=True) as other:
        killed = other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            (APPLICATION_NAME,)).fetchall()
    assert killed == [(True,)]
    qtbot.waitUntil(lambda: states == [False, True] and not window.watcher.polling,
                    timeout=10_000)
    _desk_b_creates(db_url, "Boiler feed pump noisy")
    qtbot.waitUntil(lambda: _titles(screen) == ["Boiler feed pump noisy"], timeout=5000)
