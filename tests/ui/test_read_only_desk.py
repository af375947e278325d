"""The desk on a database it can only read (issue 11): it says so once, in the status bar."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from app import db as dbmod
from app import storage
from app.services.people import auth
from tests.conftest import TEST_PASSWORD
from tests.unit import test_read_only_database as read_only
from ui.shell.main_window import MainWindow


def test_the_desk_says_once_that_the_database_is_read_only(
        qtbot, tmp_path: Path) -> None:
    """The main window on a read-only database: a status-bar note says so (its tooltip why),
    and no storage alarm is raised."""
    # A read-only mount where this account may mount one, else a 0444 file read as `nobody`
    # in a folder outside pytest's own (which are this account's alone).
    shelf = Path(tempfile.mkdtemp(prefix="keepwell-read-only-desk-"))
    shelf.chmod(0o755)
    with read_only.read_only_database("disk", tmp_path, shelf / "shelf") as (path, why):
        _database, target = dbmod.connect(f"sqlite:///{path.as_posix()}")
        actor = auth.sign_in("admin", TEST_PASSWORD).actor
        window = MainWindow(actor, target)
        qtbot.addWidget(window)
        try:
            assert window.read_only_label.text() == "<b>Read-only:</b> you can look but not change"
            assert window.read_only_label.toolTip() == why
            assert storage.stopped() is None
            if shot := os.environ.get("KEEPWELL_SHOT"):  # to look at it: a picture of it
                window.resize(1200, 700)
                window.grab().save(shot)
        finally:
            window.shut_down()
    shutil.rmtree(shelf)
