"""The main window: navigation on the left, one screen per area, status bar, idle lock, and
the desk's background checks (PM and overdue orders; the status bar and the checks that feed it
are its `DeskStatus` part, ui/shell/desk_status.py).

Lifetime (issue 10). Python's garbage collector used to delete a dropped window at any moment
(inside one of the window's own event filters, say) while its worker ran, and crashed. Now a
window is kept (in _KEPT) from the moment it is made until Qt has deleted it, so Python never
deletes one. Its owner (the AppController; a test's fixture) ends it in two steps: close()
(sign-out, switching user and quitting all close it), where `closeEvent` stops and waits for
everything that runs for it (the PM worker, the connection check, the change watcher,
background reads); then deleteLater(), so Qt deletes it once control is back in the event
loop. A window dropped without being closed stays open: a leak to see, never a crash.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QByteArray, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

import app
from app.dburl import DatabaseTarget
from app.permissions import Actor, Perm
from app.services import health, settings
from app.services.settings import OfficeSettings
from ui.common.notify import notify
from ui.common.settings import gui_settings
from ui.common.workers import BackgroundTask, wait_for_all
from ui.shell.change_watcher import ChangeWatcher
from ui.shell.desk_status import DeskStatus
from ui.shell.global_search import GlobalSearch
from ui.shell.idle import IdleWatcher
from ui.shell.lock_panel import LockPanel
from ui.shell.office_settings import OfficeSettingsAction
from ui.shell.screens import ScreenSpec, screens_for
from ui.shell.storage_alert import StorageNotifier
from ui.users import change_password_dialog

log = logging.getLogger(__name__)

CONNECTION_CHECK_MS = 15_000

# Every main window, from construction until Qt has deleted it (see the module's docstring).
_KEPT: set[MainWindow] = set()


def _forget_deleted() -> None:
    """Let go of the windows Qt has deleted (their Python objects are empty shells)."""
    _KEPT.difference_update([w for w in _KEPT if not shiboken6.isValid(w)])


def live_windows() -> list[MainWindow]:
    """The main windows Qt has not deleted yet, open or closed."""
    _forget_deleted()
    return list(_KEPT)


class MainWindow(QMainWindow, DeskStatus):
    sign_out_requested = Signal(str)  # why ("" when the user chose to), for the sign-in dialog

    def __init__(self, actor: Actor, target: DatabaseTarget, idle_minutes: float = 15,
                 pm_check_minutes: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _forget_deleted()
        _KEPT.add(self)
        self.closed = False  # closed, its background work stopped: only deleting it is left
        self.actor = actor
        self.target = target
        self.organisation = settings.get_setting("organisation_name") or "Keepwell"
        self.specs: list[ScreenSpec] = screens_for(actor)
        self.screens: dict[str, QWidget] = {}
        self._ping: BackgroundTask | None = None

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(190)
        for spec in self.specs:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.navigation.addItem(item)
        self.stack = QStackedWidget()
        for _spec in self.specs:
            self.stack.addWidget(QWidget())  # replaced by the real screen when first shown
        self.navigation.currentRowChanged.connect(self.show_screen_at)

        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.navigation)
        row.addWidget(self.stack, 1)
        self.lock_panel = LockPanel(actor)
        self.lock_panel.unlocked.connect(self.unlock)
        self.lock_panel.sign_out.connect(self.sign_out)
        self.root = QStackedWidget()
        self.root.addWidget(body)
        self.root.addWidget(self.lock_panel)
        self.setCentralWidget(self.root)

        self._build_menus()
        self._build_search()
        self._build_status_bar()
        # Before the worker starts: its start-up check of the file reports here.
        self.storage_notifier = StorageNotifier(health.check_storage, self._open_window,
                                                QApplication.quit, parent=self)
        self._start_pm_worker(settings.pm_check_minutes() if pm_check_minutes is None
                              else pm_check_minutes)
        self._add_settings()

        self.idle = IdleWatcher(idle_minutes * 60, parent=self)
        self.idle.idle.connect(self.lock)
        app_instance = QApplication.instance()
        if app_instance is not None:
            app_instance.installEventFilter(self.idle)
        self._ping_timer = QTimer(self)
        self._ping_timer.setInterval(CONNECTION_CHECK_MS)
        self._ping_timer.timeout.connect(self.check_connection)
        self._ping_timer.start()
        self.watcher = ChangeWatcher(actor, parent=self)
        self.watcher.changed.connect(self.apply_changes)

        self._restore_state()

    # -- screens --------------------------------------------------------------------------
    @property
    def screen_keys(self) -> list[str]:
        return [s.key for s in self.specs]

    def show_screen(self, key: str) -> QWidget:
        index = self.screen_keys.index(key)
        self.navigation.setCurrentRow(index)
        return self.screen(key)

    def show_screen_at(self, index: int) -> None:
        if not 0 <= index < len(self.specs):
            return
        screen = self.screen(self.specs[index].key)
        self.stack.setCurrentWidget(screen)
        self.setWindowTitle(f"{self.specs[index].title} – {self.organisation} – Keepwell")

    def screen(self, key: str) -> QWidget:
        """The screen widget for `key`, created the first time it is needed."""
        if key not in self.screens:
            index = self.screen_keys.index(key)
            widget = self.specs[index].factory(self.actor)
            opens_orders = getattr(widget, "open_work_order", None)
            if opens_orders is not None:  # an asset's or a request's order, opened from there
                opens_orders.connect(self.open_work_order)
            opens_schedules = getattr(widget, "schedule_activated", None)
            if opens_schedules is not None:  # a forecast order's schedule
                opens_schedules.connect(self.open_pm_schedule)
            old = self.stack.widget(index)
            self.stack.insertWidget(index, widget)
            self.stack.removeWidget(old)
            old.deleteLater()
            self.screens[key] = widget
        return self.screens[key]

    def apply_changes(self, changed: dict[str, set[str]]) -> None:
        """Let each open screen refresh what changed (they keep selection and scroll)."""
        for screen in self.screens.values():
            refresh_for = getattr(screen, "refresh_for", None)
            if callable(refresh_for):
                refresh_for(changed)

    def current_screen_key(self) -> str | None:
        row = self.navigation.currentRow()
        return self.specs[row].key if 0 <= row < len(self.specs) else None

    def refresh_current(self) -> None:
        key = self.current_screen_key()
        refresh = getattr(self.screens.get(key or ""), "refresh", None)
        if callable(refresh):
            refresh()

    # -- chrome ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.lock_action = QAction("&Lock", self, shortcut=QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.sign_out_action = QAction("Sign &out / switch user…", self,
                                       shortcut=QKeySequence("Ctrl+Shift+L"))
        self.sign_out_action.triggered.connect(self._sign_out_chosen)
        self.password_action = QAction("Change my &password…", self)
        self.password_action.triggered.connect(self.change_password)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (self.lock_action, self.sign_out_action, self.password_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        refresh = QAction("&Refresh", self, shortcut=QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh_current)
        view_menu.addAction(refresh)
        view_menu.addSeparator()
        for number, spec in enumerate(self.specs, start=1):
            action = QAction(spec.title, self, shortcut=QKeySequence(f"Ctrl+{number}"))
            action.setData(spec.key)
            action.triggered.connect(self._screen_action)
            view_menu.addAction(action)

        self.tools_menu = self.menuBar().addMenu("&Tools")
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Keepwell", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def _build_search(self) -> None:
        """The global search box, for those who may see work orders."""
        self.global_search: GlobalSearch | None = None
        if not self.actor.can(Perm.WO_VIEW):
            return
        self.global_search = GlobalSearch(self.actor)
        self.global_search.open_work_order.connect(self.open_work_order)
        self.global_search.open_asset.connect(self.open_asset)
        bar = QToolBar("Search")
        bar.setObjectName("searchBar")
        bar.setMovable(False)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(self.global_search)
        self.addToolBar(bar)
        find = QAction("&Find…", self, shortcut=QKeySequence("Ctrl+K"))
        find.triggered.connect(self.focus_search)
        self.addAction(find)

    def focus_search(self) -> None:
        if self.global_search is not None:
            self.global_search.setFocus()
            self.global_search.selectAll()

    def open_work_order(self, wo_id: int) -> None:
        """Open an order's form over the Work Orders screen (from search or another screen)."""
        screen = self.show_screen("work_orders")
        open_order = getattr(screen, "open_order_id", None)
        if callable(open_order):
            open_order(wo_id)

    def open_pm_schedule(self, schedule_id: int) -> None:
        """Open a schedule's form over the PM Schedules screen (from the forecast); nothing
        for those who may not manage schedules."""
        if "pm_schedules" not in self.screen_keys:
            return
        screen = self.show_screen("pm_schedules")
        open_schedule = getattr(screen, "open_schedule_id", None)
        if callable(open_schedule):
            open_schedule(schedule_id)

    def open_asset(self, asset_id: int) -> None:
        if "assets" not in self.screen_keys:
            return
        screen = self.show_screen("assets")
        open_asset = getattr(screen, "open_asset_id", None)
        if callable(open_asset):
            open_asset(asset_id)

    def _screen_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.show_screen(str(action.data()))

    # -- office settings ------------------------------------------------------------------
    def _add_settings(self) -> None:
        """Tools ▸ Settings… for administrators; the Tools menu only when it holds something."""
        self.settings_action: OfficeSettingsAction | None = None
        if self.actor.can(Perm.SETTINGS_MANAGE):
            self.settings_action = OfficeSettingsAction(self.actor, self)
            self.settings_action.changed.connect(self._settings_changed)
            if not self.tools_menu.isEmpty():
                self.tools_menu.addSeparator()
            self.tools_menu.addAction(self.settings_action.action)
        self.tools_menu.menuAction().setVisible(not self.tools_menu.isEmpty())

    @Slot(object)
    def _settings_changed(self, saved: OfficeSettings) -> None:
        self.organisation = saved.organisation_name or "Keepwell"
        self.show_screen_at(self.navigation.currentRow())  # the title names it
        if self.pm_worker is not None:
            self.pm_worker.set_pm_minutes(saved.pm_check_minutes)
            self._pm_checked(None)

    # -- session --------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self.root.currentWidget() is self.lock_panel

    def lock(self) -> None:
        if self.is_locked:
            return
        self.root.setCurrentWidget(self.lock_panel)
        self.menuBar().setEnabled(False)
        self.lock_panel.reset()

    def unlock(self) -> None:
        self.root.setCurrentIndex(0)
        self.menuBar().setEnabled(True)
        self.idle.touch()

    def _sign_out_chosen(self) -> None:
        self.sign_out("")

    def sign_out(self, reason: str = "") -> None:
        self.sign_out_requested.emit(reason)

    def change_password(self) -> None:
        if change_password_dialog(self.actor, parent=self).exec() == QDialog.DialogCode.Accepted:
            notify(self, "Your password was changed.")

    def about(self) -> None:
        QMessageBox.about(
            self, "About Keepwell",
            f"<b>Keepwell {app.__version__}</b><br>Maintenance management for "
            f"{self.organisation}.<br><br>Database: {self.target.display}",
        )

    # -- persistence ----------------------------------------------------------------------
    def _restore_state(self) -> None:
        store = gui_settings()
        geometry = store.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        last = store.value(self._last_screen_key())
        keys = self.screen_keys
        self.navigation.setCurrentRow(keys.index(last) if last in keys else 0)

    def _last_screen_key(self) -> str:
        """Per user: people sharing a desk each come back to their own screen."""
        return f"main_window/last_screen/{self.actor.username}"

    def save_state(self) -> None:
        store = gui_settings()
        store.setValue("main_window/geometry", self.saveGeometry())
        if (key := self.current_screen_key()) is not None:
            store.setValue(self._last_screen_key(), key)
        store.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.closed:
            self.save_state()
            self.shut_down()
        super().closeEvent(event)

    def _open_window(self) -> MainWindow | None:
        """This window, for the storage alert to sit over, while it is open."""
        return None if self.closed else self

    def shut_down(self) -> None:
        """Stop everything that runs for this window and wait for it (bounded, logged if it
        runs out), so that nothing of another thread touches the window once Qt deletes it.
        Closing calls it; calling it again is harmless."""
        if self.closed:
            return
        self.closed = True
        if self.pm_actions is not None:
            self.pm_actions.closed = True  # a result still on its way shows nothing
        if self.pm_worker is not None:
            self.pm_worker.stop()
        self.storage_notifier.close()
        self.idle.stop()
        self._ping_timer.stop()
        self.watcher.stop()
        app_instance = QApplication.instance()
        if app_instance is not None:
            app_instance.removeEventFilter(self.idle)
        if self._ping is not None:
            self._ping.wait()
        # The screens' reads in the background (a desk has one main window: they are its).
        if not wait_for_all():
            log.warning("closing the main window with background work still running")
