"""The GUI against a shared PostgreSQL database: the password is asked for, never needed in a
file, and the status bar names the server."""

from __future__ import annotations

import pytest

from app import db as dbmod
from app.services import setup
from tests.conftest import TEST_PASSWORD
from tests.integration.conftest import needs_password_auth, without_password
from tests.qt_fixtures import answer_modal, isolated_qsettings  # noqa: F401,F811  (fixtures)
from tests.ui.test_change_watcher import *  # noqa: F403  (the same desks, on PostgreSQL)
from ui.app import AppController
from ui.dialogs.database_error import DatabaseErrorDialog
from ui.login import LoginDialog

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
