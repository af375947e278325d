"""Start-up stays quick by importing heavy modules only when needed. These guard the import
graph (no timing): a regression here shows up as a slower sign-in dialog."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    return set(out.stdout.split())


def test_the_sign_in_dialog_loads_no_database_layer():
    loaded = _modules_after("import ui.main, ui.shell.app, ui.shell.login")
    assert not {"peewee", "psycopg", "app.db", "app.services.people.auth",
                "ui.shell.main_window"} & loaded


def test_opening_sqlite_does_not_load_the_postgresql_driver():
    loaded = _modules_after("import app.db, app.models, app.services.people.users, app.cli.main")
    assert "peewee" in loaded
    assert "psycopg" not in loaded


def test_the_main_window_does_not_load_the_postgresql_driver():
    """Whatever module a desk happens to import first, peewee is loaded by app.db, which hides
    psycopg meanwhile (the main window reaches the database layer through app.storage)."""
    loaded = _modules_after("import ui.shell.main_window")
    assert "peewee" in loaded
    assert "psycopg" not in loaded


def test_the_postgresql_driver_still_loads_when_needed():
    loaded = _modules_after("import app.db, app.db_backends\napp.db_backends._psycopg3_adapter()")
    assert "psycopg" in loaded
