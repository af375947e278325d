"""Start-up as a new user meets it: first run (both paths), sign-in, and databases that cannot
be opened, which get a dialog and are never overwritten."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from app import db as dbmod
from app.models import User, WorkOrder
from app.services import settings
from app.services.demo import plant
from tests.conftest import TEST_PASSWORD
from ui.shell.app import AppController
from ui.shell.database_error import DatabaseErrorDialog
from ui.shell.first_run import FirstRunDialog
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow


@pytest.fixture
def controller(qtbot):
    made = []

    def make(url: str) -> AppController:
        c = AppController(cli_url=url)
        made.append(c)
        return c

    yield make
    for c in made:
        if c.window is not None:
            c.window.close()
    dbmod.close()


def _sign_in(username: str, password: str):
    def respond(dialog: LoginDialog) -> None:
        dialog.username.setText(username)
        dialog.password.setText(password)
        dialog.try_sign_in()

    return respond


def test_set_up_my_organisation_then_sign_in(qtbot, sqlite_url, controller, answer_modal):
    def set_up(dialog: FirstRunDialog) -> None:
        dialog.setup_button.click()
        dialog.org_name.setText("Northside Water Works")
        dialog.admin_full_name.setText("Grace Admin")
        dialog.admin_password.setText("too-short")
        dialog.admin_confirm.setText("too-short")
        dialog.create_button.click()
        assert "at least 10 characters" in dialog.setup_error.text()
        dialog.admin_password.setText("a-good-long-password")
        dialog.admin_confirm.setText("a-good-long-password")
        dialog.create_button.click()

    answer_modal(FirstRunDialog, set_up)
    answer_modal(LoginDialog, _sign_in("admin", "a-good-long-password"),
                 when=lambda dialog: dialog.ready)
    app_controller = controller(sqlite_url)
    frozen = gc.get_freeze_count()
    assert app_controller.start()
    window = app_controller.window
    assert isinstance(window, MainWindow) and window.isVisible()
    assert window.actor.full_name == "Grace Admin"
    assert settings.get_setting("organisation_name") == "Northside Water Works"
    assert "Northside Water Works" in window.windowTitle()
    # Once the window shows, what start-up made is kept out of the collector's full walks
    # (which stall the window while the PM worker runs).
    qtbot.waitUntil(lambda: gc.get_freeze_count() > frozen, timeout=5000)


def test_explore_the_demo_plant(qtbot, sqlite_url, controller, answer_modal):
    seen = {}

    def explore(dialog: FirstRunDialog) -> None:
        dialog.demo_button.click()
        qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=60_000)
        seen["accounts"] = [
            tuple(dialog.accounts_table.item(r, c).text() for c in range(3))
            for r in range(dialog.accounts_table.rowCount())
        ]
        dialog.accept()

    answer_modal(FirstRunDialog, explore)
    planner = next(a for a in plant.DEMO_ACCOUNTS if a[2] == "planner")
    answer_modal(LoginDialog, _sign_in(planner[0], planner[3]), timeout_ms=70_000,
                 when=lambda dialog: dialog.ready)
    app_controller = controller(sqlite_url)
    assert app_controller.start()
    roles_shown = {row[0].lower() for row in seen["accounts"]}
    assert {"admin", "planner", "supervisor", "technician", "requester"} <= roles_shown
    assert (planner[0], planner[3]) in {(row[1], row[2]) for row in seen["accounts"]}
    window = app_controller.window
    assert window.actor.username == planner[0]
    screen = window.screen("work_orders")
    assert screen.model.rowCount() == 200
    assert WorkOrder.select().count() > 1000


def test_cancelling_the_demo_leaves_the_database_empty(qtbot, db):
    dialog = FirstRunDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.demo_button.click()
    dialog.cancel_demo_button.click()  # before the worker has written anything
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=60_000)
    assert User.select().count() == 0
    assert WorkOrder.select().count() == 0


def test_a_corrupt_file_gets_a_dialog_and_stays_untouched(
        qtbot, tmp_path: Path, controller, answer_modal):
    bad = tmp_path / "keepwell.db"
    garbage = b"this is a spreadsheet, not a database" * 100
    bad.write_bytes(garbage)
    shown = {}

    def look_and_quit(dialog: DatabaseErrorDialog) -> None:
        shown["kind"] = dialog.error.kind
        shown["text"] = dialog.error.message
        shown["hint"] = dialog.error.hint
        dialog.quit_button.click()

    answer_modal(DatabaseErrorDialog, look_and_quit)
    assert controller(f"sqlite:///{bad}").start() is False  # quit from the dialog
    assert shown["kind"] == "not_a_database"
    assert str(bad) in shown["text"]
    assert "left it untouched" in shown["hint"]
    assert bad.read_bytes() == garbage


def test_choosing_another_database_from_the_dialog(
        qtbot, tmp_path: Path, controller, answer_modal):
    good = tmp_path / "other.db"

    def choose(dialog: DatabaseErrorDialog) -> None:
        dialog.url_edit.setText(f"sqlite:///{good}")
        dialog.open_button.click()

    answer_modal(DatabaseErrorDialog, choose)
    app_controller = controller("postgresql://nobody@127.0.0.1:1/nowhere")
    assert app_controller.open_database()
    assert app_controller.target.path == good


def test_a_newer_schema_is_refused_with_advice(qtbot, sqlite_url, controller, answer_modal):
    database, target = dbmod.connect(sqlite_url)
    dbmod.initialise_schema(database, target)
    database.execute_sql("INSERT INTO schema_migration (name, applied) VALUES "
                         "('0999_from_the_future', '2030-01-01')")
    dbmod.close()
    before = target.path.read_bytes()
    shown = {}

    def look(dialog: DatabaseErrorDialog) -> None:
        shown["message"] = dialog.error.message
        shown["hint"] = dialog.error.hint
        shown["retry_visible"] = dialog.retry_button.isVisible()
        dialog.quit_button.click()

    answer_modal(DatabaseErrorDialog, look)
    assert controller(sqlite_url).start() is False
    assert "newer Keepwell" in shown["message"]
    assert "update Keepwell" in shown["hint"]
    assert shown["retry_visible"] is False
    assert target.path.read_bytes() == before


def test_upgrade_dialog_needs_an_admin(qtbot, db, admin, make_user):
    from app import db as dbmod2
    from ui.shell.upgrade import UpgradeDialog

    make_user("planner", "pat")
    state = dbmod2.SchemaState(("0001_initial",), ("0002_next",), (), ())
    dialog = UpgradeDialog(db, state)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("pat")
    dialog.password.setText(TEST_PASSWORD)
    dialog.accept_button.click()
    assert "may not" in dialog.message.text() and dialog.result() == 0
    dialog.username.setText("admin")
    dialog.password.setText("wrong-password")
    dialog.accept_button.click()
    assert dialog.message.text().startswith("Unknown user or wrong password.")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.accept_button.click()


def test_the_database_dialog_opens_what_the_user_typed_on_enter(qtbot, tmp_path):
    from app.errors import DatabaseUnavailable

    error = DatabaseUnavailable(DatabaseUnavailable.UNREACHABLE, "Cannot reach it.", "Retry.")
    dialog = DatabaseErrorDialog(error, "postgresql://nobody@127.0.0.1:1/x")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.retry_button.isDefault()  # unchanged address: Enter retries
    dialog.url_edit.clear()
    qtbot.keyClicks(dialog.url_edit, str(tmp_path / "plant.db"))  # a plain path will do
    assert dialog.open_button.isDefault()
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.keyClick(dialog.url_edit, "\r")
    assert dialog.chosen_url == f"sqlite:///{(tmp_path / 'plant.db').as_posix()}"


def test_after_setting_up_the_sign_in_dialog_offers_the_new_admin(
        qtbot, sqlite_url, controller, answer_modal):
    def set_up(dialog: FirstRunDialog) -> None:
        dialog.setup_button.click()
        dialog.org_name.setText("Lakeside Mill")
        dialog.admin_username.setText("grace")
        dialog.admin_full_name.setText("Grace Hopper")
        dialog.admin_password.setText("a-good-long-password")
        dialog.admin_confirm.setText("a-good-long-password")
        qtbot.keyClick(dialog.admin_confirm, "\r")  # Enter creates

    seen = {}

    def look(dialog: LoginDialog) -> None:
        seen["username"] = dialog.username.text()
        dialog.reject()

    answer_modal(FirstRunDialog, set_up)
    answer_modal(LoginDialog, look, when=lambda dialog: dialog.ready)
    assert controller(sqlite_url).start() is False  # the test closed the sign-in dialog
    assert seen["username"] == "grace"


def test_closing_the_window_anchors_the_audit_trail_outside_the_database(
        qtbot, sqlite_url, controller, answer_modal, tmp_path):
    """Sign-out and quit both close the window: the desk then keeps the trail's head in the
    user's data folder, for `keepwell audit verify` to check the database against."""
    from app.models import AuditEvent
    from app.services import audit_anchors, setup

    dbmod.initialise_schema(*dbmod.connect(sqlite_url))
    setup.set_up_organisation("Plant", "admin", "Ada Admin", "a-good-long-password")
    answer_modal(LoginDialog, _sign_in("admin", "a-good-long-password"),
                 when=lambda dialog: dialog.ready)
    app_controller = controller(sqlite_url)
    assert app_controller.start()
    assert audit_anchors.local_anchors() == []
    app_controller.close_window()
    (anchor,) = audit_anchors.local_anchors()
    assert anchor.events == AuditEvent.select().count() > 0
    assert anchor.taken_by == "admin"
    assert oct(audit_anchors.local_anchor_file(anchor.database).stat().st_mode & 0o777) == "0o600"
