"""The desk's background PM worker: timed checks reach the GUI, failures are said and retried,
quitting mid-check is clean, and "Run PM check now" shows what it did."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot
from PySide6.QtWidgets import QMessageBox

from app import db as dbmod
from app.errors import ConflictError
from app.models import AuditEvent, RunLease, WorkOrder
from app.permissions import Actor, Role
from app.services import health
from app.services.assets import register
from app.services.pm import run as pm_run
from app.services.pm import schedules
from app.services.work_orders import edit, listing
from ui.pm.run_result import PmRunResultDialog
from ui.shell.main_window import MainWindow
from ui.shell.pm_check_actions import PmCheckActions
from ui.shell.pm_worker import PmCheckReport, PmWorker

# The shortest waits schedule knows (whole seconds), looked at every 10 ms.
FAST = dict(first_check_seconds=1, retry_seconds=1, tick_ms=10)


def _schedules(admin: Actor, count: int = 1, start: dt.date | None = None) -> list[str]:
    """`count` monthly schedules, each on its own asset, first due on `start` (today)."""
    names = []
    for i in range(1, count + 1):
        asset = register.add_asset(admin, f"PUMP-{i:02}", f"Pump {i}")
        name = f"Pump {i} PM"
        schedules.create_schedule(admin, name=name, asset_id=asset.id, time_unit="month",
                                     start_date=start or dt.date.today())
        names.append(name)
    return names


class Gui(QObject):
    """Stands for the GUI: a QObject on the GUI thread, so the worker's signals reach it queued,
    as they reach the main window. (pytest-qt's waitSignal would run its callback in the
    worker's thread.)"""

    def __init__(self, worker: PmWorker) -> None:
        super().__init__()
        self.statuses: list[str] = []
        self.reports: list[PmCheckReport] = []
        self.failures: list[tuple[str, bool]] = []
        self.progress: list[tuple[int, int]] = []
        self.overdue: list[int] = []
        self.off_gui_thread = 0
        worker.status.connect(self.on_status)
        worker.check_finished.connect(self.on_finished)
        worker.check_failed.connect(self.on_failed)
        worker.progress.connect(self.on_progress)
        worker.overdue.connect(self.on_overdue)

    def _count_thread(self) -> None:
        app = QCoreApplication.instance()
        assert app is not None
        self.off_gui_thread += QThread.currentThread() is not app.thread()

    @Slot(str)
    def on_status(self, text: str) -> None:
        self._count_thread()
        self.statuses.append(text)

    @Slot(object)
    def on_finished(self, report: PmCheckReport) -> None:
        self._count_thread()
        self.reports.append(report)

    @Slot(str, bool)
    def on_failed(self, message: str, requested: bool) -> None:
        self._count_thread()
        self.failures.append((message, requested))

    @Slot(int, int)
    def on_progress(self, done: int, total: int) -> None:
        self._count_thread()
        self.progress.append((done, total))

    @Slot(int)
    def on_overdue(self, count: int) -> None:
        self._count_thread()
        self.overdue.append(count)


def _created_by(order: WorkOrder) -> str:
    return AuditEvent.get((AuditEvent.entity == "work_order")
                          & (AuditEvent.entity_id == str(order.id))
                          & (AuditEvent.action == "created")).actor


@pytest.fixture
def workers() -> Iterator[Callable[..., PmWorker]]:
    """Makes workers; afterwards stops each (waiting for its thread) and deletes it."""
    made: list[PmWorker] = []

    def make(**options: Any) -> PmWorker:
        worker = PmWorker(**options)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        doing = worker.doing
        assert worker.stop(), f"a PM worker did not stop: it was {doing}"
        shiboken6.delete(worker)  # its thread is gone: nothing else can touch it


def _hold_second_chunk(monkeypatch: pytest.MonkeyPatch, worker: Callable[[], Any]) -> list[int]:
    """One schedule per chunk; the second chunk waits until the worker is asked to stop, so a
    test can stop it mid-check for certain. Returns the chunks started."""
    monkeypatch.setattr(pm_run, "CHUNK", 1)
    real = pm_run._run_chunk
    started: list[int] = []

    def chunk(*args: Any, **kwargs: Any) -> None:
        started.append(1)
        if len(started) == 2:
            deadline = time.monotonic() + 20
            while not worker().stop_requested and time.monotonic() < deadline:
                time.sleep(0.01)
        real(*args, **kwargs)

    monkeypatch.setattr(pm_run, "_run_chunk", chunk)
    return started


def test_timed_checks_turned_on_and_off_while_the_worker_runs(qtbot, db, admin, workers):
    """Settings change the interval of a running worker: from off to every second (a check
    runs), and off again (no further check)."""
    _schedules(admin)
    worker = workers(**dict(FAST, pm_minutes=0))
    gui = Gui(worker)
    worker.start()
    worker.set_pm_minutes(1 / 60)
    qtbot.waitUntil(lambda: bool(gui.reports), timeout=10_000)
    assert not gui.reports[0].requested and len(gui.reports[0].result.created) == 1
    worker.set_pm_minutes(0)
    qtbot.waitUntil(lambda: gui.statuses[-1:] == ["Timed PM checks are off on this desk"],
                    timeout=5000)
    checks = len(gui.reports)
    qtbot.wait(1500)  # longer than the old interval
    assert len(gui.reports) == checks


def test_a_timed_check_creates_the_due_order_and_the_gui_hears_of_it(
        qtbot, db, admin, workers):
    _schedules(admin)
    worker = workers(**FAST)
    gui = Gui(worker)
    worker.start()
    qtbot.waitUntil(lambda: bool(gui.reports), timeout=10_000)
    [report] = gui.reports
    assert not report.requested
    [created] = report.result.created
    assert (created.schedule, created.asset_tag, created.due) == (
        "Pump 1 PM", "PUMP-01", dt.date.today())
    order = WorkOrder.get(WorkOrder.number == created.number)
    assert order.pm_schedule_id is not None and order.due_date == dt.date.today()
    assert _created_by(order) == "system"  # a timed check acts as SYSTEM
    assert "Checking PM schedules…" in gui.statuses
    assert gui.statuses[-1].endswith(": created 1 order")
    assert gui.off_gui_thread == 0
    worker.stop()
    assert not worker.running


def test_the_overdue_count_arrives_when_the_worker_starts(qtbot, db, admin, workers):
    # Started 40 days ago, monthly: the order for the latest occurrence is already overdue.
    _schedules(admin, start=dt.date.today() - dt.timedelta(days=40))
    pm_run.generate_due_work_orders(admin)
    assert listing.count_work_orders(admin, listing.WorkOrderFilter(overdue=True)) == 1
    worker = workers(pm_minutes=0, tick_ms=10)
    gui = Gui(worker)
    worker.start()
    qtbot.waitUntil(lambda: bool(gui.overdue), timeout=10_000)
    assert gui.overdue == [1]


def test_a_check_that_raises_late_orders_counts_the_overdue_again(qtbot, db, admin, workers):
    """Orders raised for dates already passed are overdue at once: the status bar's count
    follows the check, not the next timed count. With timed checks off, the status bar
    says so from the start."""
    _schedules(admin, start=dt.date.today() - dt.timedelta(days=40))
    worker = workers(pm_minutes=0, tick_ms=10)
    gui = Gui(worker)
    worker.start()
    qtbot.waitUntil(lambda: gui.overdue == [0], timeout=10_000)
    assert gui.statuses[0] == "Timed PM checks are off on this desk"
    worker.run_now(admin)
    qtbot.waitUntil(lambda: gui.overdue == [0, 1], timeout=10_000)
    assert len(gui.reports) == 1


def test_a_failed_check_is_said_in_words_and_tried_again(
        qtbot, db, admin, workers, tmp_path, monkeypatch):
    _schedules(admin)
    working = dbmod.database.obj
    unreachable = dbmod.KeepwellSqliteDatabase(str(tmp_path / "gone" / "keepwell.db"))
    monkeypatch.setattr(dbmod.database, "obj", unreachable)
    worker = workers(**FAST)
    gui = Gui(worker)
    worker.start()
    qtbot.waitUntil(lambda: bool(gui.failures), timeout=10_000)
    message, requested = gui.failures[0]
    # A file that cannot be opened stops writing in this process (app/storage.py) until the
    # storage alert's Retry finds the database well again.
    assert message.startswith("The database file cannot be opened")
    assert "changes cannot be saved" in message
    assert requested is False
    assert any(" failed; trying again " in s for s in gui.statuses)
    assert gui.reports == []

    dbmod.database.obj = working  # the database answers again
    assert health.check_storage() is None  # the storage alert's Retry: writing resumes
    qtbot.waitUntil(lambda: bool(gui.reports), timeout=10_000)  # and a retry creates the order
    assert [c.schedule for c in gui.reports[0].result.created] == ["Pump 1 PM"]
    assert WorkOrder.select().count() == 1


def test_stopping_mid_check_ends_between_chunks_and_releases_the_lease(
        qtbot, db, admin, workers, monkeypatch):
    _schedules(admin, count=4)
    worker = workers(pm_minutes=0, overdue_minutes=0)
    started = _hold_second_chunk(monkeypatch, lambda: worker)
    gui = Gui(worker)
    worker.start()
    worker.run_now(admin)
    qtbot.waitUntil(lambda: bool(gui.progress), timeout=10_000)
    assert gui.progress == [(1, 4)]
    worker.stop()  # waits for the chunk under way, which commits; no further chunk starts
    assert not worker.running
    assert len(started) == 2
    assert WorkOrder.select().count() == 2
    assert RunLease.get_by_id(pm_run.LEASE).holder == ""  # the next check may start at once
    qtbot.wait(50)  # let anything queued to the GUI arrive: no report, no failure
    assert gui.reports == [] and gui.failures == []


QUIT_MID_CHECK = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QObject, Slot
    from PySide6.QtWidgets import QApplication
    from app import db
    from app.permissions import SYSTEM
    from app.services.pm import run as pm_run
    from ui.shell.pm_worker import PmWorker

    app = QApplication(sys.argv[:1])
    db.connect(sys.argv[1])
    pm_run.CHUNK = 1
    real = pm_run._run_chunk
    started = []

    def chunk(*args, **kwargs):
        started.append(1)
        if len(started) == 2:  # quit arrives while this chunk is under way
            deadline = time.monotonic() + 20
            while not worker.stop_requested and time.monotonic() < deadline:
                time.sleep(0.01)
        real(*args, **kwargs)

    class Desk(QObject):  # on the GUI thread: quits when the check is part-way
        @Slot(int, int)
        def quit_now(self, done, total):
            app.quit()

    pm_run._run_chunk = chunk
    worker = PmWorker(pm_minutes=0, overdue_minutes=0)
    desk = Desk()
    worker.progress.connect(desk.quit_now)
    worker.start()
    worker.run_now(SYSTEM)
    app.exec()
    print("running after quit:", worker.running, "chunks:", len(started))
""")


def test_quitting_while_the_worker_is_busy_is_clean(db, db_url, admin):
    _schedules(admin, count=4)
    dbmod.close()
    run = subprocess.run([sys.executable, "-c", QUIT_MID_CHECK, db_url],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "running after quit: False chunks: 2" in run.stdout
    assert "QThread" not in run.stderr and "Destroyed" not in run.stderr
    assert WorkOrder.select().count() == 2


# -- the main window ---------------------------------------------------------------------------

def _window(qtbot, actor: Actor, db) -> MainWindow:
    window = MainWindow(actor, db)
    qtbot.addWidget(window)
    window.show()
    return window


def _actions(window: MainWindow) -> PmCheckActions:
    assert window.pm_actions is not None
    return window.pm_actions


def _result_dialog(qtbot, actions: PmCheckActions,
                   not_this: PmRunResultDialog | None = None) -> PmRunResultDialog:
    def shown() -> bool:
        dialog = actions.result_dialog
        return dialog is not None and dialog is not not_this and dialog.isVisible()

    qtbot.waitUntil(shown, timeout=10_000)
    assert actions.result_dialog is not None
    return actions.result_dialog


def _rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_run_pm_check_now_shows_what_it_created(qtbot, db, admin):
    _schedules(admin)
    window = _window(qtbot, admin, db)
    actions = _actions(window)
    assert actions.run_action.shortcut().toString() == "Ctrl+Shift+R"
    assert actions.run_action in window.tools_menu.actions()
    actions.run_action.trigger()
    assert not actions.run_action.isEnabled()  # until the result is in
    dialog = _result_dialog(qtbot, actions)
    order = WorkOrder.get()
    assert _created_by(order) == "admin"  # asked for: the signed-in user acts
    assert _rows(dialog.created_table) == [
        [order.number, "Pump 1 PM", "PUMP-01", f"{dt.date.today():%d %b %Y}",
         dialog.report.result.created[0].why]]
    assert dialog.windowTitle() == "PM check" and dialog.report.requested
    assert actions.run_action.isEnabled()
    assert "created 1 order" in window.pm_label.text()
    dialog.reject()
    assert not dialog.isVisible()


def test_a_preview_writes_nothing_until_the_planner_says_create(qtbot, db, admin, actors):
    _schedules(admin)
    window = _window(qtbot, actors[Role.PLANNER], db)
    actions = _actions(window)
    actions.preview_action.trigger()
    preview = _result_dialog(qtbot, actions)
    assert preview.windowTitle() == "PM check preview"
    assert _rows(preview.created_table)[0][:2] == ["Pump 1 PM", "PUMP-01"]
    assert WorkOrder.select().count() == 0
    assert preview.create_button is not None
    preview.create_button.click()
    done = _result_dialog(qtbot, actions, not_this=preview)
    assert done.windowTitle() == "PM check"
    assert _rows(done.created_table)[0][0] == WorkOrder.get().number
    done.reject()


def test_a_check_asked_for_that_fails_says_why_in_a_message_box(
        qtbot, db, admin, tmp_path, monkeypatch, answer_modal):
    from ui.shell.storage_alert import StorageAlert

    window = _window(qtbot, admin, db)
    actions = _actions(window)
    monkeypatch.setattr(dbmod.database, "obj",
                        dbmod.KeepwellSqliteDatabase(str(tmp_path / "gone" / "keepwell.db")))
    alerts: list[str] = []

    def read_and_keep_open(alert: StorageAlert) -> None:
        alerts.append(alert.message.text())
        alert.keep_button.click()

    # A database that cannot be opened stops writing: the window says so first.
    answer_modal(StorageAlert, read_and_keep_open, timeout_ms=10_000)
    actions.run_action.trigger()
    qtbot.waitUntil(lambda: bool(alerts), timeout=10_000)
    assert "The database file cannot be opened" in alerts[0]
    qtbot.waitUntil(actions.run_action.isEnabled, timeout=10_000)
    assert actions.error_box is None  # the alert said it: no second box
    assert actions.result_dialog is None
    assert "failed" in window.pm_label.text()


def test_a_check_asked_for_that_fails_otherwise_says_why_in_a_message_box(
        qtbot, db, admin, monkeypatch):
    window = _window(qtbot, admin, db)
    actions = _actions(window)

    def refuse(*_args, **_kwargs):
        raise ConflictError("Another desk changed the schedules while this check read them.")

    monkeypatch.setattr(pm_run, "generate_due_work_orders", refuse)
    actions.run_action.trigger()
    qtbot.waitUntil(lambda: actions.error_box is not None and actions.error_box.isVisible(),
                    timeout=10_000)
    box: QMessageBox = actions.error_box
    assert box.windowTitle() == "PM check failed"
    assert "Another desk changed the schedules" in box.text()
    assert actions.run_action.isEnabled()
    assert actions.result_dialog is None
    box.accept()


def test_closing_the_window_mid_check_stops_the_worker(qtbot, db, admin, monkeypatch):
    _schedules(admin, count=4)
    window = _window(qtbot, admin, db)
    worker = window.pm_worker
    assert worker is not None
    _hold_second_chunk(monkeypatch, lambda: worker)
    gui = Gui(worker)
    _actions(window).run_action.trigger()
    qtbot.waitUntil(lambda: bool(gui.progress), timeout=10_000)
    window.close()
    assert not worker.running
    qtbot.wait(50)  # the check was abandoned: no dialog pops up over a closed window
    assert _actions(window).result_dialog is None
    assert WorkOrder.select().count() == 2


@pytest.mark.parametrize("role", [Role.PLANNER, Role.SUPERVISOR, Role.TECHNICIAN,
                                  Role.REQUESTER], ids=lambda r: r.value)
def test_who_gets_the_worker_and_who_may_run_the_check(qtbot, db, actors, role):
    window = _window(qtbot, actors[role], db)
    assert (window.pm_worker is not None) == (role is not Role.REQUESTER)
    assert (window.pm_actions is not None) == (role is Role.PLANNER)
    assert window.tools_menu.menuAction().isVisible() == (role is Role.PLANNER)
    assert window.pm_label.isVisibleTo(window) == (role is not Role.REQUESTER)
    if window.pm_worker is not None:
        assert window.pm_worker.running
        window.close()
        assert not window.pm_worker.running


def test_a_technicians_desk_counts_their_own_overdue_orders(qtbot, db, admin, actors,
                                                             make_user):
    """The status bar of a technician's desk counts the overdue orders assigned to them; those
    who plan the work see the whole plant's."""
    tech, other = actors[Role.TECHNICIAN], make_user(Role.TECHNICIAN, "olga")
    today = dt.date.today()
    for title, assignee, due in (("Leak 1", tech, today - dt.timedelta(days=3)),
                                 ("Leak 2", tech, today - dt.timedelta(days=1)),
                                 ("Belt", tech, today + dt.timedelta(days=2)),  # not yet due
                                 ("Noise", other, today - dt.timedelta(days=5)),
                                 ("Drip", None, today - dt.timedelta(days=9))):
        edit.create_work_order(
            admin, title, due_date=due, assignee_id=assignee.user_id if assignee else None)

    def overdue_text(window: MainWindow) -> str:
        qtbot.waitUntil(window.overdue_label.isVisible, timeout=10_000)
        return window.overdue_label.text()

    techs = _window(qtbot, tech, db)
    assert ">2 of your orders overdue<" in overdue_text(techs)
    assert techs.overdue_label.toolTip() == (
        "Open work orders assigned to you whose due date has passed.")
    supervisors = _window(qtbot, actors[Role.SUPERVISOR], db)
    assert ">4 overdue orders<" in overdue_text(supervisors)
