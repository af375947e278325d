"""The GUI when the database cannot keep what is written: a modal message in words with Retry,
Quit, or closing it to copy one's work first; saving stays stopped until Retry succeeds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMainWindow, QPushButton

from app import db as dbmod
from app import storage
from app.errors import StorageFailure
from app.models import WorkRequest
from app.permissions import Actor
from app.services import health, requests
from ui.shell.storage_alert import StorageAlert, StorageNotifier


@pytest.fixture
def window(qtbot) -> QMainWindow:
    window = QMainWindow()
    unsaved = QLineEdit("Pump 4 leaks at the gland, about a litre an hour")
    unsaved.setObjectName("unsaved")
    window.setCentralWidget(unsaved)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def notifier(window: QMainWindow):
    quits: list[bool] = []
    made = StorageNotifier(health.check_storage, lambda: window, lambda: quits.append(True))
    made.quits = quits
    yield made
    made.close()
    storage.resume()


def _delete_wal_from_another_program(target: dbmod.DatabaseTarget) -> None:
    wal = f"{target.path}-wal"
    assert os.path.exists(wal)
    subprocess.run([sys.executable, "-c", f"import os; os.remove({wal!r})"], check=True)


def _banner(window: QMainWindow) -> QPushButton | None:
    return window.statusBar().findChild(QPushButton, "storageBanner")


def test_a_lost_wal_shows_the_message_and_the_work_stays_to_copy(
        qtbot, answer_modal, window, notifier, db: dbmod.DatabaseTarget, admin: Actor) -> None:
    requests.file_request(admin, "Before", "")
    _delete_wal_from_another_program(db)
    seen: dict[str, object] = {}

    def read_and_keep_open(alert: StorageAlert) -> None:
        seen["message"] = alert.message.text()
        seen["hint"] = alert.hint.text()
        seen["selectable"] = bool(alert.message.textInteractionFlags()
                                  & Qt.TextInteractionFlag.TextSelectableByMouse)
        seen["buttons"] = [b.text() for b in (alert.retry_button, alert.keep_button,
                                              alert.quit_button)]
        alert.keep_button.click()

    answer_modal(StorageAlert, read_and_keep_open)
    with pytest.raises(StorageFailure):
        requests.file_request(admin, "Pump 4 leaks", "")
    qtbot.waitUntil(lambda: _banner(window) is not None and _banner(window).isVisible())
    assert "deleted or replaced by another program" in str(seen["message"])
    assert "What you were typing is still on screen" in str(seen["hint"])
    assert seen["selectable"] is True
    assert seen["buttons"] == ["&Retry", "&Copy my work first", "&Quit Keepwell"]
    # The unsaved text is still on screen, and saving stays refused in the same words.
    assert window.findChild(QLineEdit, "unsaved").text().startswith("Pump 4 leaks")
    with pytest.raises(StorageFailure, match="deleted or replaced"):
        requests.file_request(admin, "Pump 4 leaks", "")

    # Retry from the status bar: a fresh connection, a fresh WAL; saving works again.
    answer_modal(StorageAlert, lambda alert: alert.retry_button.click())
    with qtbot.waitSignal(notifier.resumed, timeout=10_000):
        _banner(window).click()
    qtbot.waitUntil(lambda: _banner(window) is None)
    requests.file_request(admin, "Pump 4 leaks", "")
    titles = [r.title for r in WorkRequest.select().order_by(WorkRequest.id)]
    assert titles == ["Before", "Pump 4 leaks"]


def test_retry_says_when_the_problem_is_still_there_and_quit_quits(
        qtbot, answer_modal, window, notifier, db: dbmod.DatabaseTarget, admin: Actor) -> None:
    dbmod.database.execute_sql("PRAGMA query_only = 1")  # as a read-only file answers
    notes: list[str] = []

    def retry_then_quit(alert: StorageAlert) -> None:
        alert.retry_button.click()
        notes.append(alert.retry_note.text() if alert.retry_note.isVisible() else "")
        notes.append(alert.message.text())
        alert.quit_button.click()

    answer_modal(StorageAlert, retry_then_quit)
    with pytest.raises(StorageFailure) as raised:
        requests.file_request(admin, "During", "")
    assert raised.value.kind == StorageFailure.READ_ONLY
    qtbot.waitUntil(lambda: notifier.quits == [True])
    assert notes[0] == "Tried again: the problem is still there."
    assert "changes cannot be saved" in notes[1]
    assert WorkRequest.select().count() == 0


def test_a_work_order_form_keeps_what_was_typed_when_saving_stops(
        qtbot, answer_modal, window, notifier, db: dbmod.DatabaseTarget, admin: Actor) -> None:
    """The real form: a save that meets a deleted WAL leaves the form open with the typed
    title, says why under it and over the window; after Retry, the same save goes through."""
    from app.models import WorkOrder
    from app.services.work_orders import edit
    from ui.work_orders.form import WorkOrderForm

    order = edit.create_work_order(admin, "Seal leaking")
    form = WorkOrderForm(admin, order.id)
    qtbot.addWidget(form)
    form.show()
    form.header.title.selectAll()
    qtbot.keyClicks(form.header.title, "Seal leaking badly at the gland")
    _delete_wal_from_another_program(db)

    answer_modal(StorageAlert, lambda alert: alert.keep_button.click())
    assert form.save() is False
    qtbot.waitUntil(lambda: _banner(window) is not None)
    assert form.isVisible()
    assert form.header.title.text() == "Seal leaking badly at the gland"
    assert "deleted or replaced by another program" in form.message.text()
    assert WorkOrder.get_by_id(order.id).title == "Seal leaking"

    answer_modal(StorageAlert, lambda alert: alert.retry_button.click())
    with qtbot.waitSignal(notifier.resumed, timeout=10_000):
        _banner(window).click()
    assert form.save() is True
    assert WorkOrder.get_by_id(order.id).title == "Seal leaking badly at the gland"
    form.done(0)


def test_a_damaged_file_is_noticed_by_the_desks_start_up_check(
        qtbot, answer_modal, db: dbmod.DatabaseTarget, admin: Actor) -> None:
    """The worker's first job checks the embedded file (off the GUI thread); a damaged one
    stops writing and the window says so."""
    from ui.shell import pm_worker
    from ui.shell.main_window import MainWindow

    for n in range(300):
        requests.file_request(admin, f"Request {n}", "x" * 500)
    dbmod.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dbmod.close()
    assert db.path is not None
    pages = db.path.stat().st_size // 4096
    with open(db.path, "r+b") as fh:  # no connection is open: this is the damage
        for page in range(pages - 12, pages - 4):
            fh.seek(page * 4096)
            fh.write(b"\xa5" * 4096)
    dbmod.connect(f"sqlite:///{db.path}")
    pm_worker._checked_whole = False  # as in a program just started
    seen: list[str] = []

    def read_and_keep_open(alert: StorageAlert) -> None:
        seen.append(alert.message.text())
        alert.keep_button.click()

    answer_modal(StorageAlert, read_and_keep_open, timeout_ms=20_000)
    window = MainWindow(admin, db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    assert "The database file is damaged" in seen[0]
    assert storage.stopped() is not None
    with pytest.raises(StorageFailure, match="damaged"):
        requests.file_request(admin, "Written into a broken file", "")
    window.close()


def test_signing_in_after_the_window_closed_is_the_retry(
        qtbot, db: dbmod.DatabaseTarget, admin: Actor) -> None:
    """Writing stopped and the user signed out: signing in looks again (a fresh connection, a
    fresh WAL) instead of refusing for ever; a window opened while still stopped says so."""
    from tests.conftest import TEST_PASSWORD
    from ui.shell.login import LoginDialog

    requests.file_request(admin, "Before", "")
    _delete_wal_from_another_program(db)
    with pytest.raises(StorageFailure):
        requests.file_request(admin, "Lost", "")
    dialog = LoginDialog(str(db.path))
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText(TEST_PASSWORD)
    dialog.try_sign_in()
    assert dialog.actor is not None, dialog.message.text()
    assert storage.stopped() is None
    requests.file_request(admin, "After", "")


def test_a_window_opened_while_writing_is_stopped_says_so(
        qtbot, answer_modal, window, db: dbmod.DatabaseTarget, admin: Actor) -> None:
    dbmod.database.execute_sql("PRAGMA query_only = 1")  # as a read-only file answers
    with pytest.raises(StorageFailure):
        requests.file_request(admin, "During", "")  # no window listens yet
    seen: list[str] = []

    def read_and_keep_open(alert: StorageAlert) -> None:
        seen.append(alert.message.text())
        alert.keep_button.click()

    answer_modal(StorageAlert, read_and_keep_open)
    later = StorageNotifier(health.check_storage, lambda: window, lambda: None)
    try:
        qtbot.waitUntil(lambda: bool(seen))
    finally:
        later.close()
    assert "can only be read" in seen[0]
