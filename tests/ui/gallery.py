"""Offscreen pictures of every screen, form and dialog of Keepwell, to compare the look of two
versions pixel for pixel (tests/ui/gallery_compare.py compares two folders of them).

    QT_QPA_PLATFORM=offscreen python -m tests.ui.gallery OUTDIR

writes one PNG per screen (as each role sees it, in the main window), per form (each tab) and
per dialog into OUTDIR (its old PNGs are removed first), under names that do not change from
run to run, and ends by saying which tree's `ui` it pictured. Run it in the tree to picture
(cwd, or PYTHONPATH=that tree: it must win over an editable install of another one).

It drives the program as a user would where it can: start-up through the AppController (the
database problems, the first-run dialog building the demo plant, the sign-in dialog), each
role signing in and out, screens shown from the main window, forms opened from their screens,
dialogs opened by the screens' actions and buttons and answered once pictured. A few dialogs
only a shared database or another desk brings up are made as the program makes them, and
other desks' saves are made through the services. Everything is closed at the end.

Every run is the same, picture for picture:
- the demo plant is built afresh in TMPDIR/keepwell-gallery (wiped first; its path shows in
  the status bar, so it is the same path each run; a lock file keeps two runs apart);
- the clock reads 2026-12-07 10:00 UTC for the whole run (`pin_clock`: the demo data, "today"
  in the screens, the stamps of sign-ins), while Qt's timers and the threads keep real time
  (faketime cannot do this: under libfaketime 0.9.10 Python's sleeps and waits fail or hang);
- the process runs again as itself with PYTHONHASHSEED=0, TZ=UTC, LC_ALL=C.UTF-8, its own
  HOME and XDG folders and a 1920x1200 offscreen screen (96 dpi), and the text cursor does
  not blink;
- before each picture the event loop runs until the background reads are done.
The one thing set by hand is the time shown by "Record a reading", which Qt reads from the
system clock: it is set to the pinned moment before the picture.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QEvent,
    QEventLoop,
    QSettings,
    QTime,
    QTimer,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app import db as dbmod
from app import storage
from app.models import (
    Asset,
    LaborEntry,
    Location,
    Meter,
    PmSchedule,
    Task,
    User,
    WorkOrder,
    WorkOrderLog,
    WorkRequest,
)
from app.permissions import Actor
from app.services import requests
from app.services.assets import register
from app.services.demo.plan import DEMO_ACCOUNTS
from app.services.people import auth
from app.services.pm import run as pm_run
from app.services.pm import schedules as pm_schedules
from app.services.work_orders import (
    activity,
    edit,
    lifecycle,
)
from ui.common.style import apply_style
from ui.common.workers import wait_for_all
from ui.pm.run_result import PmRunResultDialog

# --- The program's GUI: every import of ui/ is here (rewrite these paths after a move) -------
from ui.shell.app import AppController
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow
from ui.shell.pm_worker import PmCheckReport
from ui.shell.storage_alert import StorageAlert
from ui.shell.upgrade import UpgradeDialog
from ui.users.change_password import ChangePasswordDialog
from ui.work_orders.form import WorkOrderForm

# ------------------------------------------------------------------------------------------------

ROOT = Path(tempfile.gettempdir()) / "keepwell-gallery"
LOCK = Path(tempfile.gettempdir()) / "keepwell-gallery.lock"
MOMENT = dt.datetime(2026, 12, 7, 10, 0, 0)  # naive: local time, which is UTC (TZ=UTC)
SCREEN_SIZE = (1920, 1200)
CHILD_MARK = "KEEPWELL_GALLERY_RUN"
ROLES = ("admin", "planner", "supervisor", "technician", "requester")  # demo usernames
PASSWORDS = {username: password for username, _name, _role, password in DEMO_ACCOUNTS}
WAIT_S = 300.0  # the longest any one step may take (building the demo plant)


class GalleryError(Exception):
    """A step could not be made (a dialog that did not open, a record not found)."""


# --- a run of its own ----------------------------------------------------------------------------

def _own_environment() -> dict[str, str]:
    """The environment of the run: the caller's, with everything that changes the look or the
    data pinned, and the user's folders inside ROOT."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KEEPWELL_", "QT_", "XDG_", "LC_"))}
    home = ROOT / "home"
    env.update({
        CHILD_MARK: "1",
        "PYTHONHASHSEED": "0",
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(ROOT / "runtime"),
        "QT_QPA_PLATFORM": f"offscreen:configfile={ROOT / 'screen.json'}",
    })
    return env


def _prepare_root() -> None:
    """Empty ROOT and write the offscreen screen's description."""
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for folder in ("home/Documents", "runtime", "qsettings", "files"):
        (ROOT / folder).mkdir(parents=True)
    (ROOT / "runtime").chmod(0o700)
    width, height = SCREEN_SIZE
    (ROOT / "screen.json").write_text(json.dumps({"screens": [{
        "name": "gallery", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))


def pin_clock(moment: dt.datetime) -> None:
    """From now on `datetime.date.today()`, `datetime.datetime.now()` (and utcnow, today) say
    `moment` (naive local time; the process runs in UTC). The classes in the datetime module
    are replaced by subclasses whose constructors make the real ones, so every date and
    datetime is still of the real class and isinstance() answers as before."""
    real_date, real_datetime = dt.date, dt.datetime

    class _Pinned(type):
        def __instancecheck__(cls, instance: object) -> bool:
            return isinstance(instance, cls.__mro__[1])

        def __subclasscheck__(cls, subclass: type) -> bool:
            return issubclass(subclass, cls.__mro__[1])

    class PinnedDate(real_date, metaclass=_Pinned):
        __slots__ = ()  # the size of a date: extensions that check it on import agree

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real_date(*args, **kwargs)

        @classmethod
        def today(cls) -> Any:
            return moment.date()

    class PinnedDatetime(real_datetime, metaclass=_Pinned):
        __slots__ = ()

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real_datetime(*args, **kwargs)

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Any:
            if tz is None:
                return moment
            return moment.replace(tzinfo=dt.UTC).astimezone(tz)

        @classmethod
        def utcnow(cls) -> Any:
            return moment

        @classmethod
        def today(cls) -> Any:
            return moment

    dt.date = PinnedDate  # type: ignore[misc]
    dt.datetime = PinnedDatetime  # type: ignore[misc]


# --- waiting and picturing -----------------------------------------------------------------------

def spin(ms: int) -> None:
    """Run the event loop for `ms` milliseconds (timers fire, queued signals arrive)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(rounds: int = 10, ms: int = 40) -> None:
    """Let the screens finish what they started: debounce timers (300 ms at most), reads in
    the background (waited for), and the signals those send back."""
    for _ in range(rounds):
        spin(ms)
        wait_for_all()
    QApplication.processEvents()


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise GalleryError(f"waited {timeout_s:g} s for {what}")
        spin(20)
        wait_for_all()


def top_levels(kind: type[QWidget]) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def slug(text: str) -> str:
    """Words of a tab or a view, for a file name: "Comments && log (3)" -> comments_log."""
    text = re.sub(r"\(\d+(/\d+)?\)", "", text.replace("&&", " ").replace("&", ""))
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass
class Step:
    """A modal dialog to answer: the first one of `kind` (for which `when` holds) that opens."""

    kind: type[QWidget]
    respond: Callable[[Any], None]
    when: Callable[[Any], bool] = lambda _dialog: True


def with_modals(trigger: Callable[[], object], *steps: Step) -> None:
    """Call `trigger()`, which opens modal dialogs (exec) one after another, and answer each
    with its step, in order. Every step must have been answered once `trigger` returns."""
    pending = list(steps)
    state: dict[str, Any] = {"error": None, "on": True}
    started = time.monotonic()

    def poll() -> None:
        if not state["on"] or not pending:
            return
        dialog = QApplication.activeModalWidget()
        step = pending[0]
        if isinstance(dialog, step.kind) and step.when(dialog):
            pending.pop(0)
            try:
                step.respond(dialog)
            except BaseException as exc:  # said after trigger() returns; the dialog goes
                state["error"] = exc
                state["on"] = False
                for open_one in (dialog, QApplication.activeModalWidget()):
                    if isinstance(open_one, QDialog) and open_one.isVisible():
                        open_one.done(0)
                return
        elif time.monotonic() - started > WAIT_S:
            state["error"] = GalleryError(f"no {step.kind.__name__} opened")
            state["on"] = False
            if isinstance(dialog, QDialog):
                dialog.done(0)
            return
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    try:
        trigger()
    finally:
        state["on"] = False
    if state["error"] is not None:
        raise state["error"]
    if pending:
        raise GalleryError(f"no {pending[0].kind.__name__} opened")


def close_dialog(dialog: QWidget) -> None:
    if isinstance(dialog, QDialog):
        dialog.done(0)
    else:
        dialog.close()


class Gallery:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.names: list[str] = []

    def picture(self, widget: QWidget, name: str, settle_first: bool = True) -> None:
        """Save what `widget` shows as OUTDIR/name.png."""
        if settle_first:
            settle()
        if name in self.names:
            raise GalleryError(f"two pictures named {name}")
        if not widget.isVisible():
            raise GalleryError(f"{name}: {type(widget).__name__} is not shown")
        image = widget.grab().toImage()
        if image.isNull() or image.width() < 50 or image.height() < 30:
            raise GalleryError(f"{name}: the picture is empty ({image.width()}x{image.height()})")
        if not image.save(str(self.out / f"{name}.png"), "PNG"):
            raise GalleryError(f"{name}: could not write the picture")
        self.names.append(name)
        print(f"{name}.png  {image.width()}x{image.height()}", flush=True)

    def answer(self, name: str, prepare: Callable[[Any], None] | None = None,
               close: Callable[[Any], None] = close_dialog) -> Callable[[Any], None]:
        """A step's response: prepare the dialog, picture it, close it."""
        def respond(dialog: Any) -> None:
            if prepare is not None:
                prepare(dialog)
            self.picture(dialog, name)
            close(dialog)
        return respond

    def modal(self, name: str, trigger: Callable[[], object], kind: type[QWidget] = QDialog,
              prepare: Callable[[Any], None] | None = None,
              close: Callable[[Any], None] = close_dialog) -> None:
        """Picture the modal dialog `trigger()` opens, then close it."""
        with_modals(trigger, Step(kind, self.answer(name, prepare, close)))

    def shown(self, widget: QWidget, name: str) -> None:
        """Picture a dialog made here (as the program makes it), then close it."""
        widget.show()
        self.picture(widget, name)
        close_dialog(widget)
        widget.deleteLater()


# --- the plant -----------------------------------------------------------------------------------

def actor(username: str) -> Actor:
    return auth.actor_for(User.get(User.username == username))


def first(query: Any, what: str) -> Any:
    row = query.first()
    if row is None:
        raise GalleryError(f"the demo plant has no {what}")
    return row


@dataclass
class Records:
    """The records the pictures show, chosen by fixed rules from the demo plant."""

    by_status: dict[str, WorkOrder]
    rich: WorkOrder  # an order in progress with the most hours and log entries
    varied: WorkOrder  # another, with the most kinds of checklist step
    preventive: WorkOrder  # a PM order to do
    own: WorkOrder  # the technician's own order in progress
    to_sign: WorkOrder  # a completed order a supervisor may sign off
    asset: Asset  # an asset with meters
    location: Location  # where it stands
    schedules: dict[str, PmSchedule]


def choose_records() -> Records:
    in_progress = list(WorkOrder.select().where(WorkOrder.status == "in_progress")
                       .order_by(WorkOrder.number))

    def richness(order: WorkOrder) -> int:
        return (LaborEntry.select().where(LaborEntry.work_order == order.id).count()
                + WorkOrderLog.select().where(WorkOrderLog.work_order == order.id).count())

    rich = max(in_progress, key=richness)  # the first of the richest: numbers are in order
    by_status = {}
    for status in ("open", "assigned", "in_progress", "on_hold", "completed", "closed",
                   "cancelled"):
        by_status[status] = first(WorkOrder.select().where(
            (WorkOrder.status == status) & WorkOrder.asset.is_null(False)
            & (WorkOrder.id != rich.id)).order_by(WorkOrder.number), f"{status} order")

    def kinds(order: WorkOrder) -> int:
        return len({t.kind for t in Task.select(Task.kind).where(Task.work_order == order.id)})

    tom = User.get(User.username == "technician")
    own = max((o for o in in_progress if o.assignee_id == tom.id and o.id != rich.id), key=kinds,
              default=None)
    if own is None:
        raise GalleryError("the demo plant has no order in progress of the technician")
    shown = (rich.id, own.id, by_status["in_progress"].id)
    varied = max((o for o in in_progress if o.id not in shown),
                 key=kinds)  # the checklist with the most kinds of step
    preventive = first(WorkOrder.select().where(
        WorkOrder.status.in_(("open", "assigned")) & WorkOrder.pm_schedule.is_null(False))
        .order_by(WorkOrder.number), "PM order")
    completed = WorkOrder.select().where(WorkOrder.status == "completed").order_by(
        WorkOrder.number)
    to_sign = next((o for o in completed if o.type not in lifecycle.FAILURE_CODED_TYPES
                    or (o.failure_problem and o.failure_cause and o.failure_remedy)), None)
    if to_sign is None:
        raise GalleryError("the demo plant has no completed order to sign off")
    asset = first(Asset.select().where(Asset.id.in_(Meter.select(Meter.asset))
                                       & Asset.location.is_null(False))
                  .order_by(Asset.tag), "asset with a meter")
    location = Location.get_by_id(asset.location_id)
    plain = PmSchedule.meter.is_null() & PmSchedule.season_from.is_null() & (
        PmSchedule.rrule == "")
    schedules = {
        "calendar": first(PmSchedule.select().where(plain & (PmSchedule.anchor == "fixed"))
                          .order_by(PmSchedule.id), "calendar schedule"),
        "floating": first(PmSchedule.select().where(plain & (PmSchedule.anchor == "floating"))
                          .order_by(PmSchedule.id), "floating schedule"),
        "rrule": first(PmSchedule.select().where(PmSchedule.rrule != "")
                       .order_by(PmSchedule.id), "schedule with a rule"),
        "seasonal": first(PmSchedule.select().where(PmSchedule.season_from.is_null(False))
                          .order_by(PmSchedule.id), "seasonal schedule"),
        "meter": first(PmSchedule.select().where(PmSchedule.meter.is_null(False))
                       .order_by(PmSchedule.id), "meter schedule"),
    }
    return Records(by_status, rich, varied, preventive, own, to_sign, asset, location,
                   schedules)


def add_to_the_plant(records: Records) -> None:
    """What the demo plant lacks for the pictures: files on an order and on a request, and
    plant holidays on a schedule (as a planner and a requester would add them)."""
    planner, requester = actor("planner"), actor("requester")
    activity.add_attachment(
        planner, records.rich.id, "gland-leak-notes.txt",
        b"Gland packing weeps about a litre an hour at full speed.\n", "text/plain")
    own_request = first(WorkRequest.select().where(
        (WorkRequest.status == "new") & (WorkRequest.requester == requester.user_id))
        .order_by(WorkRequest.id.desc()), "new request of the requester")
    requests.add_request_attachment(requester, own_request.id, "leak-under-filler.txt",
                                    b"Puddle under filler 2, left side.\n", "text/plain")
    schedule = records.schedules["calendar"]
    pm_schedules.update_schedule(planner, schedule.id, schedule.version,
                                 skip_dates=["2026-12-24", "2026-12-25", "2026-12-31"])
    records.schedules["calendar"] = PmSchedule.get_by_id(schedule.id)


# --- start-up ------------------------------------------------------------------------------------

def start_up_problems(g: Gallery) -> None:
    """The database dialog for each problem start-up meets, through the AppController."""
    damaged = ROOT / "files" / "spreadsheet.db"
    damaged.write_bytes(b"this is a spreadsheet, not a database" * 100)
    newer = ROOT / "files" / "newer.db"
    database, target = dbmod.connect(f"sqlite:///{newer}")
    dbmod.initialise_schema(database, target)
    database.execute_sql("INSERT INTO schema_migration (name, applied) VALUES "
                         "('0999_from_the_future', '2030-01-01')")
    dbmod.close()
    for name, url in (("not_a_database", f"sqlite:///{damaged}"),
                      ("newer_schema", f"sqlite:///{newer}"),
                      ("unreachable", "postgresql://keepwell@127.0.0.1:1/keepwell"),
                      ("bad_url", "mysql://keepwell@localhost/keepwell")):
        controller = AppController(cli_url=url)
        g.modal(f"dialog-database_error-{name}", controller.open_database,
                close=lambda dialog: dialog.quit_button.click())
        dbmod.close()


def first_run_and_sign_in(g: Gallery, controller: AppController) -> None:
    """A new database: the first-run dialog (its pages; the demo plant built from it), then
    the sign-in dialog, refused once and closed."""
    def first_run(dialog: Any) -> None:
        g.picture(dialog, "dialog-first_run")
        dialog.setup_button.click()
        g.picture(dialog, "dialog-first_run-setup")
        dialog.create_button.click()  # nothing typed: refused, nothing written
        g.picture(dialog, "dialog-first_run-setup-refused")
        dialog.pages.setCurrentIndex(0)  # Back
        dialog.demo_button.click()
        wait_for(lambda: dialog.pages.currentIndex() == 2, "the demo plant")
        g.picture(dialog, "dialog-first_run-demo_ready")
        dialog.accept()

    def sign_in_refused(dialog: Any) -> None:
        g.picture(dialog, "dialog-login")
        dialog.username.setText("nobody")
        dialog.password.setText("not-the-password")
        dialog.try_sign_in()
        g.picture(dialog, "dialog-login-refused")
        dialog.reject()

    with_modals(controller.start, Step(QDialog, first_run, lambda d: hasattr(d, "demo_button")),
                Step(LoginDialog, sign_in_refused, lambda d: d.ready))


def dialogs_made_directly(g: Gallery, target: dbmod.DatabaseTarget) -> None:
    """Dialogs only a shared database or an admin's reset brings up: made as the program
    makes them."""
    opening = LoginDialog(target.display, "", "", prepare=lambda: "")
    opening.show()
    g.picture(opening, "dialog-login-opening", settle_first=False)  # before it opens
    opening.done(0)
    opening.deleteLater()
    settle()
    state = dbmod.SchemaState(("0001_initial",), ("0002_next",), (), ())
    g.shown(UpgradeDialog(target, state), "dialog-upgrade")
    g.shown(ChangePasswordDialog(actor("requester"), forced=True,
                                 current_password="temporary-password"),
            "dialog-change_password-forced")


# --- signing in and out --------------------------------------------------------------------------

def sign_in_as(username: str) -> Step:
    def respond(dialog: Any) -> None:
        dialog.username.setText(username)
        dialog.password.setText(PASSWORDS[username])
        dialog.try_sign_in()
        if dialog.isVisible():
            raise GalleryError(f"{username} could not sign in: {dialog.message.text()}")
    return Step(LoginDialog, respond, lambda d: d.ready)


def window_ready(controller: AppController) -> MainWindow:
    window = controller.window
    if window is None:
        raise GalleryError("no main window after signing in")
    # The background check's first report: the overdue orders in the status bar.
    wait_for(lambda: window.pm_worker is None or bool(window.overdue_label.text()),
             "the overdue count")
    settle()
    return window


def screens(g: Gallery, window: MainWindow, role: str) -> None:
    for key in window.screen_keys:
        window.show_screen(key)
        g.picture(window, f"screen-{key}-{role}")
    window.show_screen(window.screen_keys[0])
    window.lock()
    g.picture(window, f"screen-lock-{role}")
    window.unlock()


# --- per screen ----------------------------------------------------------------------------------

def work_orders_screen(g: Gallery, window: MainWindow, role: str) -> Any:
    screen = window.show_screen("work_orders")
    screen.table.selectRow(0)
    g.picture(window, f"screen-work_orders-{role}-selected")
    return screen


def work_orders_views(g: Gallery, window: MainWindow, role: str) -> None:
    screen = window.show_screen("work_orders")
    bar = screen.filter_bar
    for index in range(1, bar.view.count()):
        bar.view.setCurrentIndex(index)
        bar.view.activated.emit(index)
        g.picture(window, f"screen-work_orders-{role}-view-{slug(bar.view.itemText(index))}")
    bar.view.setCurrentIndex(0)
    bar.view.activated.emit(0)
    screen.search.setText("conveyor")
    g.picture(window, f"screen-work_orders-{role}-search")
    screen.search.clear()
    settle()


def global_search(g: Gallery, window: MainWindow) -> None:
    box = window.global_search
    QTest.keyClicks(box, "pump")
    wait_for(lambda: box.popup.isVisible(), "the search hits")
    g.picture(box.popup, "popup-global_search")
    box.popup.hide()
    box.clear()
    settle()


def work_orders_bulk(g: Gallery, window: MainWindow) -> None:
    screen = window.show_screen("work_orders")
    screen.table.selectRow(0)
    g.modal("dialog-work_orders-save_view", screen.save_view, QInputDialog)
    for row in (1, 2):
        screen.table.selectionModel().select(
            screen.model.index(row, 0), screen.table.selectionModel().SelectionFlag.Select
            | screen.table.selectionModel().SelectionFlag.Rows)
    g.picture(window, "screen-work_orders-planner-three_selected")
    g.modal("dialog-work_orders-bulk_assign", screen.bulk_assign, QInputDialog)
    g.modal("dialog-work_orders-bulk_on_hold", lambda: screen.bulk_status("on_hold"),
            QInputDialog)
    g.modal("dialog-work_orders-bulk_confirm", lambda: screen.bulk_status("in_progress"),
            QMessageBox)
    screen.table.clearSelection()


def order_form(window: MainWindow, order: WorkOrder) -> WorkOrderForm:
    screen = window.show_screen("work_orders")
    screen.open_order_id(order.id)
    form = screen.forms.get(order.id)
    if form is None:
        raise GalleryError(f"{order.number}: no form opened")
    return form


def discard(box: QMessageBox) -> None:
    box.button(QMessageBox.StandardButton.Discard).click()


def close_form(form: Any) -> None:
    """Close a form as its close button would; edits left in it are discarded when asked."""
    if form.is_dirty():
        with_modals(form.close, Step(QMessageBox, discard))
    else:
        form.close()
    settle()


def tabs(g: Gallery, form: Any, name: str) -> None:
    """The form on each of its tabs (the first as it opens)."""
    for index in range(form.tabs.count()):
        if not form.tabs.isTabVisible(index):
            continue
        form.tabs.setCurrentIndex(index)
        label = "" if index == 0 else f"-tab-{slug(form.tabs.tabText(index))}"
        g.picture(form, f"{name}{label}")
    form.tabs.setCurrentIndex(0)


def move(g: Gallery, form: WorkOrderForm, to_status: str, name: str) -> None:
    """Picture the dialog of a status button that asks first (it is cancelled)."""
    button = next((b for b in form.move_buttons if b.to_status == to_status), None)
    if button is None:
        raise GalleryError(f"{form.windowTitle()}: no button to move it to {to_status}")
    g.modal(name, button.click)


def work_order_forms(g: Gallery, window: MainWindow, records: Records) -> None:
    screen = window.show_screen("work_orders")
    before = set(top_levels(WorkOrderForm))
    screen.new_action.trigger()
    new = next(w for w in top_levels(WorkOrderForm) if w not in before)
    g.picture(new, "form-work_order-new")
    new.save_button.click()  # nothing typed: refused, nothing written
    g.picture(new, "form-work_order-new-refused")
    close_form(new)

    for status, order in records.by_status.items():
        form = order_form(window, order)
        g.picture(form, f"form-work_order-{order.number}-{status}")
        if status == "open":
            move(g, form, "assigned", "dialog-work_order-assign")
        elif status == "assigned":
            move(g, form, "cancelled", "dialog-work_order-cancel")
        elif status == "in_progress":
            move(g, form, "on_hold", "dialog-work_order-put_on_hold")
        close_form(form)

    for order, what in ((records.varied, "checklist"), (records.preventive, "preventive")):
        form = order_form(window, order)
        g.picture(form, f"form-work_order-{order.number}-{what}")
        close_form(form)

    rich = order_form(window, records.rich)
    name = f"form-work_order-{records.rich.number}"
    tabs(g, rich, name)
    rich.tabs.setCurrentWidget(rich.labor)
    g.modal("dialog-work_order-book_hours", rich.labor.book_button.click)
    rich.tabs.setCurrentIndex(0)
    # Unsaved edits, then someone else's save: the notice, the conflict box, the question.
    rich.header.title.end(False)
    QTest.keyClicks(rich.header.title, " (checked)")
    g.picture(rich, f"{name}-edited")
    detail = rich.detail
    edit.update_work_order(actor("supervisor"), detail.id,
                                      expected_version=detail.version, priority=1)
    window.watcher.poll()  # as the next poll would, now
    g.picture(rich, f"{name}-changed_elsewhere")
    g.modal("dialog-work_order-conflict", rich.save_button.click, QMessageBox,
            close=lambda box: box.keep_button.click())
    g.picture(rich, f"{name}-conflict_kept")
    g.modal("dialog-work_order-unsaved", rich.close, QMessageBox, close=discard)
    settle()


def requests_screen(g: Gallery, window: MainWindow, role: str) -> None:
    screen = window.show_screen("requests")
    box = screen.status_box
    for index in range(box.count()):
        box.setCurrentIndex(index)
        settle()
        screen.table.selectRow(0)
        g.picture(window, f"screen-requests-{role}-{slug(box.itemText(index))}")
    box.setCurrentIndex(0)
    settle()
    screen.table.selectRow(0)
    settle()
    g.modal(f"dialog-new_request-{role}", screen.new_action.trigger)
    if screen.approve_action.isVisible():
        g.modal("dialog-approve_request", screen.approve_action.trigger)
        g.modal("dialog-reject_request", screen.reject_action.trigger)


def assets_screen(g: Gallery, window: MainWindow, role: str, records: Records) -> None:
    screen = window.show_screen("assets")
    screen.table.selectRow(0)
    g.picture(window, f"screen-assets-{role}-selected")
    screen.choose_location(records.location.id)
    g.picture(window, f"screen-assets-{role}-location")
    form = screen.open_asset_id(records.asset.id)
    if form is None:
        raise GalleryError(f"{records.asset.tag}: no form opened")
    name = f"form-asset-{records.asset.tag}" + ("" if screen.can_edit else f"-{role}")
    tabs(g, form, name)
    if screen.can_edit:
        form.tabs.setCurrentWidget(form.meters_tab)
        g.modal("dialog-add_meter", form.meters_tab.add_button.click)
        g.modal("dialog-record_reading", form.meters_tab.record_button.click,
                prepare=lambda dialog: dialog.time.setDateTime(QDateTime(2026, 12, 7, 10, 0, 0)))
        form.tabs.setCurrentIndex(0)
    close_form(form)
    if not screen.can_edit:
        return
    # Someone else saves the asset while it is edited here.
    form = screen.open_asset_id(records.asset.id)
    form.name.end(False)
    QTest.keyClicks(form.name, " (checked)")
    g.picture(form, f"form-asset-{records.asset.tag}-edited")
    stored = Asset.get_by_id(records.asset.id)
    register.update_asset(actor("admin"), stored.id, stored.version,
                        manufacturer=f"{stored.manufacturer} Ltd".strip())
    window.watcher.poll()  # as the next poll would, now
    g.picture(form, f"form-asset-{records.asset.tag}-changed_elsewhere")
    g.modal("dialog-asset-conflict", form.save_button.click, QMessageBox,
            close=lambda box: next(b for b in box.buttons() if b.text() == "Keep my edits")
            .click())
    g.picture(form, f"form-asset-{records.asset.tag}-conflict_kept")
    g.modal("dialog-asset-unsaved", form.close, QMessageBox, close=discard)
    settle()
    new = screen.new_asset()
    g.picture(new, "form-asset-new")
    new.save_button.click()  # nothing typed: refused, nothing written
    g.picture(new, "form-asset-new-refused")
    close_form(new)
    g.modal("dialog-add_site", screen.add_site_action.trigger)
    g.modal("dialog-add_location", screen.add_location_action.trigger)
    g.modal("dialog-rename_location", screen.rename_location_action.trigger)
    screen.choose_location(None)
    settle()


def pm_schedules_screen(g: Gallery, window: MainWindow, records: Records) -> None:
    screen = window.show_screen("pm_schedules")
    screen.table.selectRow(0)
    g.picture(window, "screen-pm_schedules-planner-selected")
    new = screen.new_schedule()
    tabs(g, new, "form-pm_schedule-new")
    new.save_button.click()  # nothing typed: refused, nothing written
    g.picture(new, "form-pm_schedule-new-refused")
    close_form(new)
    for kind, schedule in records.schedules.items():
        form = screen.open_schedule_id(schedule.id)
        if form is None:
            raise GalleryError(f"schedule {schedule.id}: no form opened")
        tabs(g, form, f"form-pm_schedule-{schedule.id}-{kind}")
        close_form(form)
    # Someone else saves the schedule while it is edited here.
    schedule = records.schedules["floating"]
    form = screen.open_schedule_id(schedule.id)
    form.name.end(False)
    QTest.keyClicks(form.name, " (checked)")
    g.picture(form, f"form-pm_schedule-{schedule.id}-edited")
    stored = PmSchedule.get_by_id(schedule.id)
    pm_schedules.update_schedule(actor("admin"), stored.id, stored.version, lead_days=5)
    window.watcher.poll()
    g.picture(form, f"form-pm_schedule-{schedule.id}-changed_elsewhere")
    g.modal("dialog-pm_schedule-conflict", form.save_button.click, QMessageBox,
            close=lambda box: next(b for b in box.buttons() if b.text() == "Keep my edits")
            .click())
    g.picture(form, f"form-pm_schedule-{schedule.id}-conflict_kept")
    g.modal("dialog-pm_schedule-unsaved", form.close, QMessageBox, close=discard)
    settle()


def pm_forecast_screen(g: Gallery, window: MainWindow, role: str) -> None:
    screen = window.show_screen("pm_forecast")
    screen.show_date(dt.date.today())
    g.picture(window, f"screen-pm_forecast-{role}-today")
    screen.next_button.click()
    g.picture(window, f"screen-pm_forecast-{role}-next_month")
    screen.week_button.click()
    screen.go_today()
    g.picture(window, f"screen-pm_forecast-{role}-week")
    screen.next_button.click()
    g.picture(window, f"screen-pm_forecast-{role}-next_week")
    screen.month_button.click()
    screen.go_today()
    if role != "planner":
        return

    def save_to(dialog: Any) -> None:
        dialog.selectFile(str(ROOT / "files" / "forecast.ics"))
        dialog.accept()

    with_modals(screen.export.button.click, Step(QFileDialog, save_to))
    wait_for(lambda: not screen.export.running, "the forecast export")
    g.picture(window, "screen-pm_forecast-planner-exported")
    window.statusBar().clearMessage()  # its message would stay 8 s on the next pictures


def users_screen(g: Gallery, window: MainWindow) -> None:
    screen = window.show_screen("users")
    requester = User.get(User.username == "requester")
    screen.table.selectRow(screen.model.row_of(requester.id))
    g.picture(window, "screen-users-admin-selected")
    g.modal("dialog-add_user", screen.add_action.trigger)
    g.modal("dialog-reset_password", screen.reset_action.trigger)
    g.modal("dialog-change_role", screen.role_action.trigger, QInputDialog)
    g.modal("dialog-deactivate_user", screen.deactivate_action.trigger, QMessageBox)


def account_screen(g: Gallery, window: MainWindow, role: str) -> None:
    screen = window.show_screen("account")
    g.modal(f"dialog-change_password-{role}", screen.change_password)


def tools(g: Gallery, window: MainWindow) -> None:
    """The admin's Tools and Help menus, and the PM check's results."""
    g.modal("dialog-office_settings", window.settings_action.action.trigger)
    g.modal("dialog-about", window.about, QMessageBox)
    actions = window.pm_actions
    actions.preview_action.trigger()
    wait_for(lambda: isinstance(QApplication.activeModalWidget(), PmRunResultDialog),
             "the PM preview")
    dialog = QApplication.activeModalWidget()
    g.picture(dialog, "dialog-pm_run_result-preview_today")
    dialog.done(0)
    settle()
    # Four weeks on, a preview has orders to list (nothing is written).
    result = pm_run.generate_due_work_orders(window.actor, as_of=dt.date.today()
                                             + dt.timedelta(days=28), dry_run=True)
    report = PmCheckReport(result, True, dt.datetime.now())
    g.shown(PmRunResultDialog(report, may_run=True, parent=window),
            "dialog-pm_run_result-preview_4_weeks")


def storage_alerts(g: Gallery, window: MainWindow) -> None:
    full = storage.classify(sqlite3.OperationalError("database or disk is full"))
    lost = storage.lost_wal(str(window.target.path))
    g.shown(StorageAlert(full, lambda: full, window), "dialog-storage_alert-full")
    alert = StorageAlert(lost, lambda: lost, window)
    alert.show()
    g.picture(alert, "dialog-storage_alert-lost_wal")
    alert.retry_button.click()  # still there: said so
    g.picture(alert, "dialog-storage_alert-lost_wal-retried")
    alert.done(0)
    alert.deleteLater()
    # As the program meets it: a failed save stops writing; the window says so, and after
    # "Copy my work first" a button in the status bar offers Retry.
    with_modals(lambda: (storage.stop_writing(full), spin(200)),
                Step(StorageAlert, g.answer("dialog-storage_alert-from_window",
                                            close=lambda a: a.keep_button.click())))
    g.picture(window, "screen-work_orders-admin-storage_stopped")
    storage.resume()
    banner = window.statusBar().findChild(QPushButton, "storageBanner")
    if banner is None:
        raise GalleryError("no Retry button in the status bar after writing stopped")
    banner.click()  # writing works again: the button goes
    settle()


def technician_forms(g: Gallery, window: MainWindow, records: Records) -> None:
    form = order_form(window, records.own)
    tabs(g, form, f"form-work_order-{records.own.number}-technician")
    form.tabs.setCurrentWidget(form.labor)
    g.modal("dialog-work_order-book_hours-technician", form.labor.book_button.click)
    close_form(form)
    form = order_form(window, records.rich)  # another's order: looked at, not worked on
    g.picture(form, f"form-work_order-{records.rich.number}-technician")
    close_form(form)


def supervisor_forms(g: Gallery, window: MainWindow, records: Records) -> None:
    form = order_form(window, records.to_sign)
    g.picture(form, f"form-work_order-{records.to_sign.number}-supervisor")
    move(g, form, "closed", "dialog-work_order-sign_off")
    move(g, form, "in_progress", "dialog-work_order-reopen")
    close_form(form)


def pm_run_for_real(g: Gallery) -> None:
    """Last, as it writes: the PM check run four weeks on, and its report."""
    result = pm_run.generate_due_work_orders(actor("planner"), as_of=dt.date.today()
                                             + dt.timedelta(days=28))
    report = PmCheckReport(result, True, dt.datetime.now())
    g.shown(PmRunResultDialog(report, may_run=True), "dialog-pm_run_result-run_4_weeks")


# --- the run -------------------------------------------------------------------------------------

def run(out: Path) -> list[str]:
    g = Gallery(out)
    start_up_problems(g)
    url = f"sqlite:///{ROOT / 'keepwell.db'}"
    controller = AppController(cli_url=url)
    try:
        first_run_and_sign_in(g, controller)
        records = choose_records()
        add_to_the_plant(records)
        target = controller.target
        assert target is not None
        dialogs_made_directly(g, target)

        with_modals(controller.start, sign_in_as("admin"))
        for role, then in zip(ROLES, (*ROLES[1:], None), strict=True):
            window = window_ready(controller)
            screens(g, window, role)
            if role == "admin":
                users_screen(g, window)
                tools(g, window)
                storage_alerts(g, window)
            elif role == "planner":
                work_orders_screen(g, window, role)
                work_orders_views(g, window, role)
                work_orders_bulk(g, window)
                global_search(g, window)
                work_order_forms(g, window, records)
                requests_screen(g, window, role)
                assets_screen(g, window, role, records)
                pm_schedules_screen(g, window, records)
                pm_forecast_screen(g, window, role)
                account_screen(g, window, role)
            elif role == "supervisor":
                work_orders_screen(g, window, role)
                supervisor_forms(g, window, records)
                pm_forecast_screen(g, window, role)
            elif role == "technician":
                work_orders_screen(g, window, role)
                technician_forms(g, window, records)
                requests_screen(g, window, role)
                assets_screen(g, window, role, records)
            elif role == "requester":
                requests_screen(g, window, role)
                assets_screen(g, window, role, records)
            if then is not None:
                with_modals(window.sign_out, sign_in_as(then))
        controller.close_window()
        settle()
        pm_run_for_real(g)
    finally:
        controller.close_window()
        left = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        for widget in left:  # none, unless a step failed half-way
            print(f"closing a window left open: {type(widget).__name__} "
                  f"{widget.windowTitle()!r}", file=sys.stderr)
            close_dialog(widget)
        wait_for_all()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        dbmod.close()
    return g.names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ui.gallery", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("outdir", type=Path, help="folder for the pictures (made if missing)")
    args = parser.parse_args(argv)
    out = args.outdir.resolve()
    if os.environ.get(CHILD_MARK) != "1":  # run again, pinned (see the docstring)
        os.execve(sys.executable, [sys.executable, "-m", "tests.ui.gallery", str(out)],
                  _own_environment())
    lock = LOCK.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another gallery run holds {LOCK}; wait for it", file=sys.stderr)
        return 2
    _prepare_root()
    out.mkdir(parents=True, exist_ok=True)
    stale = sorted(out.glob("*.png"))
    for old in stale:
        old.unlink()
    # PySide6 and psycopg's C part look the date classes up once, on first use: let them see
    # the real ones, before they are pinned.
    import psycopg  # noqa: F401

    QDateTime(dt.datetime(2000, 1, 1)), QDate(dt.date(2000, 1, 1)), QTime(dt.time(0, 0))
    pin_clock(MOMENT)
    auth.BCRYPT_ROUNDS = 4  # as the tests do: the demo accounts' hashes are never shown

    qt_app = QApplication([sys.argv[0]])
    qt_app.setApplicationName("Keepwell")
    qt_app.setOrganizationName("Keepwell")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, str(ROOT / "qsettings"))
    apply_style(qt_app)
    QGuiApplication.styleHints().setCursorFlashTime(0)  # the text cursor does not blink
    names = run(out)
    program = Path(sys.modules["ui"].__file__ or "ui").parent.parent
    print(f"{len(names)} pictures of the program in {program} written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
