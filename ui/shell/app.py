"""Start-up: the sign-in dialog first (the database opens while the user types), then the
main window; a database problem or a new database gets its dialog first.

Heavy modules (peewee, services, the main window) are imported only when needed so that the
sign-in dialog appears quickly (see tests/benchmarks/test_startup.py).
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import config as configmod
from app import paths
from app.dburl import DatabaseTarget, parse_url
from app.errors import DatabaseUnavailable
from ui.common.settings import gui_settings
from ui.common.style import apply_style
from ui.shell.login import LoginDialog

if TYPE_CHECKING:
    from app.permissions import Actor
    from ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Put what start-up made (modules, widgets, caches) out of the garbage collector's way. A
    full collection otherwise walks all of it, and while it runs every thread waits: the PM
    worker's allocations would set one off and stall the window for tens of milliseconds.
    Never undone: letting the collector at those objects later, once Qt has deleted some of
    what they wrap, crashed the program (seen in the tests)."""
    gc.collect()
    gc.freeze()


class AppController(QObject):
    """Walks the user from a database URL to a signed-in main window, and back on sign-out.
    It owns the main window: sign-out, switching user and quitting close it, which stops and
    waits for everything running for it before Qt deletes it (ui/shell/main_window.py)."""

    def __init__(self, cli_url: str | None = None) -> None:
        super().__init__()
        self.cli_url = cli_url
        self.config: configmod.Config | None = None
        self.target: DatabaseTarget | None = None
        self.window: MainWindow | None = None
        self.ready = False  # the database is open, current and has accounts
        self._password: str | None = None
        self._problem: DatabaseUnavailable | None = None
        self._suggested_username = ""
        self._heap_settled = False

    # -- database -------------------------------------------------------------------------
    def _connect_and_prepare(self, interactive: bool) -> None:
        """Connect, and create or upgrade the schema where this desk may; raise otherwise."""
        from app.services import database

        self.config = configmod.load_config(cli_url=self.cli_url)
        self.target = parse_url(self.config.database_url)
        self.target = database.connect(
            self.config.database_url,
            journal_mode=self.config.sqlite_journal_mode,
            password=self._password,
        )
        state = database.check_schema(self.target)
        if state.is_empty:
            database.initialise_schema(self.target)
        elif state.pending:
            if self.target.is_sqlite:
                # The embedded single-user database upgrades itself, after its backup.
                database.upgrade_schema(self.target, paths.backup_dir())
                return
            needs_upgrade = DatabaseUnavailable(
                DatabaseUnavailable.NEEDS_UPGRADE,
                f"The shared database {self.target.display} needs an upgrade "
                f"({', '.join(state.pending)}).",
                "Ask IT to run `keepwell db upgrade`, or sign in as an admin to upgrade it.",
            )
            if not interactive:
                raise needs_upgrade
            from ui.shell.upgrade import UpgradeDialog

            if UpgradeDialog(self.target, state).exec() != QDialog.DialogCode.Accepted:
                raise needs_upgrade

    def open_quietly(self) -> str | None:
        """Open the database without dialogs (called by the sign-in dialog once it shows).
        Returns the organisation name when sign-in can go ahead, None when the user must be
        asked something first (an error, a new database)."""
        from app.logs import setup_logging
        from app.services import settings, setup

        setup_logging()  # here, after the dialog is painted: logging.handlers is slow to import
        try:
            self._connect_and_prepare(interactive=False)
        except DatabaseUnavailable as exc:
            log.warning("database unavailable (%s): %s", exc.kind, exc.message)
            self._problem = exc
            self._close()
            return None
        if setup.needs_setup():
            return None
        self.ready = True
        organisation = settings.get_setting("organisation_name") or ""
        gui_settings().setValue(self._organisation_key(), organisation)
        return organisation

    def open_database(self) -> bool:
        """Open the database, asking the user what to do about each problem.
        Returns False if the user chose to quit."""
        from ui.shell.database_error import DatabaseErrorDialog

        while True:
            problem, self._problem = self._problem, None
            if problem is None:
                try:
                    self._connect_and_prepare(interactive=True)
                    return True
                except DatabaseUnavailable as exc:
                    log.warning("database unavailable (%s): %s", exc.kind, exc.message)
                    self._close()
                    problem = exc
            url = self.config.database_url if self.config else (self.cli_url or "")
            dialog = DatabaseErrorDialog(problem, url)
            code = _exec(dialog)
            if code != QDialog.DialogCode.Accepted:
                return False
            if dialog.chosen_url:
                self.cli_url = dialog.chosen_url
            if dialog.password is not None:
                self._password = dialog.password

    def first_run_if_needed(self) -> bool:
        from app.services import setup

        if not setup.needs_setup():
            return True
        from ui.shell.first_run import FirstRunDialog  # only on a new database

        dialog = FirstRunDialog(self.target)
        accepted = _exec(dialog) == QDialog.DialogCode.Accepted
        self._suggested_username = dialog.admin_created
        return accepted

    def _close(self) -> None:
        from app.services import database

        database.close()

    # -- people ---------------------------------------------------------------------------
    def _organisation_key(self) -> str:
        url = self.config.database_url if self.config else (self.cli_url or "")
        return f"organisation/{url}"

    def _display(self) -> str:
        try:
            config = self.config or configmod.load_config(cli_url=self.cli_url)
            return parse_url(config.database_url).display
        except DatabaseUnavailable:
            return self.cli_url or ""

    def sign_in(self, username: str = "", message: str = "") -> Actor | None:
        """Show the sign-in dialog until someone signs in (None: the user gave up)."""
        while True:
            organisation = str(gui_settings().value(self._organisation_key(), "") or "")
            prepare = None if self.ready else self.open_quietly
            dialog = LoginDialog(self._display(), organisation, username, prepare)
            dialog.message.setText(message)
            code = _exec(dialog)
            if code == LoginDialog.NEEDS_ATTENTION:
                if not self.open_database() or not self.first_run_if_needed():
                    return None
                username = username or self._suggested_username
                continue  # the next dialog opens the (now ready) database quietly
            if code != QDialog.DialogCode.Accepted or dialog.actor is None:
                return None
            return dialog.actor

    def show_main(self, actor: Actor) -> None:
        assert self.target is not None and self.config is not None
        from ui.shell.main_window import MainWindow  # after sign-in: keeps the sign-in dialog quick

        self.window = MainWindow(actor, self.target, idle_minutes=self.config.idle_lock_minutes)
        self.window.sign_out_requested.connect(self._on_sign_out)
        self.window.show()
        if not self._heap_settled:  # what start-up made, once: not each sign-in's windows
            self._heap_settled = True
            QTimer.singleShot(0, settle_heap)  # once the window is painted

    def _on_sign_out(self, reason: str = "") -> None:
        window = self.window
        username = window.actor.username if window is not None and reason else ""
        self.close_window()
        actor = self.sign_in(username, message=reason)
        if actor is None:
            QApplication.quit()
            return
        self.show_main(actor)

    def close_window(self) -> None:
        """Close the main window, if one is open (sign-out, switching user, quitting): its
        background work is stopped and waited for; then Qt deletes it, once control is back in
        the event loop it was called from (not inside the window's own signal, say)."""
        window, self.window = self.window, None
        if window is not None:
            from app.services import audit_anchors

            # The audit trail's head as this desk last saw it, kept outside the database
            # (issue 11): `keepwell audit verify` then notices events deleted or rewritten.
            # Not when the database stopped answering: the read would hold the GUI thread.
            if window.connection_state:
                audit_anchors.anchor_locally(window.actor.username)
            window.close()
            window.deleteLater()

    def start(self) -> bool:
        actor = self.sign_in()
        if actor is None:
            return False
        self.show_main(actor)
        return True


def _exec(dialog: QDialog) -> int:
    """Run a modal dialog, then let Qt delete it in its own time: deleting it from Python while
    Qt may still deliver its events corrupts memory (seen as a crash later on)."""
    code = dialog.exec()
    dialog.deleteLater()
    return code


def _wait_for_background_work() -> None:
    """At quit: stop and wait for background work no window has stopped (a safety net)."""
    pm_worker = sys.modules.get("ui.shell.pm_worker")  # loaded only once there was a main window
    if pm_worker is not None:
        pm_worker.stop_all()
    workers = sys.modules.get("ui.common.workers")  # loaded only once there was background work
    if workers is not None:
        workers.wait_for_all()


def _set_window_icon() -> None:
    from PySide6.QtGui import QIcon

    icon = paths.resource_file("icons", "keepwell.svg")
    if icon.exists():
        QApplication.setWindowIcon(QIcon(str(icon)))


def run_gui(args: argparse.Namespace) -> int:
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setApplicationName("Keepwell")
    qt_app.setOrganizationName("Keepwell")
    apply_style(qt_app)
    QTimer.singleShot(0, _set_window_icon)  # the SVG engine loads after the first paint
    return run_controller(qt_app, AppController(cli_url=getattr(args, "db", None)))


def run_controller(qt_app: QApplication, controller: AppController) -> int:
    """Sign in, run the event loop until quit, and end cleanly: the window closed (its worker
    stopped), background work waited for, and what was closed deleted while Qt is still up."""
    # Quitting closes the window (which stops its worker) before anything else goes away.
    qt_app.aboutToQuit.connect(controller.close_window)
    qt_app.aboutToQuit.connect(_wait_for_background_work)
    try:
        if not controller.start():
            return 0
        return qt_app.exec()
    except Exception:  # the last line of defence: log it and say so, in words
        from app.logs import setup_logging

        setup_logging()
        log.exception("unexpected error")
        QMessageBox.critical(
            None,
            "Keepwell stopped",
            "Keepwell met an unexpected problem and has to stop. Nothing was written "
            f"half-way. Details are in the log in {paths.user_log_dir()}.",
        )
        return 1
    finally:
        controller.close_window()  # quitting from a dialog: nothing else has closed it
        _wait_for_background_work()
        # Delete here what was closed while quitting (the window among them): not later, from
        # Python's tear-down, when Qt may be gone.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if "app.db" in sys.modules:
            controller._close()
