"""Notices what other desks changed and tells the screens which kinds of records changed.

It reads the change sequence off the GUI thread every few seconds. On PostgreSQL a listener
thread also hears each commit announced (app/change_feed.py) and asks for a read at once, so
other desks' changes show within a moment; the timer remains for when the listener cannot
connect."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal

from app.change_feed import ChangeFeed, ChangeFeedLost
from app.errors import KeepwellError
from app.permissions import Actor
from app.services import changes, database
from ui.common.workers import BackgroundTask

log = logging.getLogger(__name__)

POLL_MS = 3000
LISTEN_WAIT_S = 60.0  # a listener wakes this often even when nothing happens (and to check)
RETRY_S = 10.0  # after losing the server, the listener tries again this often (the poll goes on)


class ChangeWatcher(QObject):
    """Emits `changed({entity: {ids}})` after changes committed anywhere (this desk included)."""

    changed = Signal(dict)
    listening_changed = Signal(bool)  # whether announcements are heard (else only the poll)

    def __init__(self, actor: Actor, interval_ms: int = POLL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.last_id = changes.latest_change_id(actor)
        self.listening = False  # a listener is connected and hears announcements
        self._task: BackgroundTask | None = None
        self._polling = False
        self._poll_again = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        if interval_ms > 0:
            self._timer.start()
        self._listener: _Listener | None = None
        feed = database.change_feed()
        if feed is not None:
            self._listener = _Listener(feed)
            self._listener.connected.connect(self._listener_connected)
            self._listener.notified.connect(self.poll)
            self._listener.lost.connect(self._listener_lost)
            # A watcher deleted without stop() (its window garbage-collected) stops it too.
            self.destroyed.connect(self._listener.stop)
            _start(self._listener)

    @property
    def polling(self) -> bool:
        """A read of the change sequence is under way."""
        return self._polling

    def poll(self) -> None:
        """Read what changed since the last look, off the GUI thread. Asked while a read is
        under way, it reads once more afterwards: that read may have started before the commit
        that prompted the ask."""
        if self._stopped:
            return
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        self._poll_again = False
        after = self.last_id
        actor = self.actor
        self._task = BackgroundTask(lambda _progress: changes.changes_since(actor, after))
        self._task.succeeded.connect(self._arrived)
        self._task.failed.connect(self._failed)
        self._task.finished.connect(self._poll_finished)
        self._task.start()

    def _arrived(self, found: list[changes.Change]) -> None:
        if not found:
            return
        self.last_id = max(self.last_id, found[-1].id)
        by_entity: dict[str, set[str]] = {}
        for change in found:
            by_entity.setdefault(change.entity, set()).add(change.entity_id)
        self.changed.emit(by_entity)

    def _failed(self, error: object) -> None:
        # The status bar's connection check tells the user; watching resumes when it answers.
        if not isinstance(error, KeepwellError):
            log.warning("change poll failed: %s", error)

    def _poll_finished(self) -> None:
        if self._task is not None:
            self._task.wait()  # `finished` arrives a moment before the thread has ended
        self._polling = False
        if self._poll_again:
            self.poll()

    def _listener_connected(self) -> None:
        if not self.listening:
            log.info("listening for other desks' changes")
            self._set_listening(True)
        self.poll()  # what was committed while nobody listened was never announced

    def _listener_lost(self, reason: str) -> None:
        if self.listening:
            log.warning("%s; reading changes every %d s until the server answers",
                        reason, self._timer.interval() // 1000)
            self._set_listening(False)

    def _set_listening(self, listening: bool) -> None:
        self.listening = listening
        self.listening_changed.emit(listening)

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self.listening = False  # no signal: the watcher is going away
        if self._task is not None and self._task.running:
            self._task.wait()


# Listeners whose thread runs: no owner going away can destroy a QThread that still runs (which
# aborts), and quitting stops them all.
_RUNNING: set[_Listener] = set()
_stop_on_quit_connected = False


def _start(listener: _Listener) -> None:
    global _stop_on_quit_connected
    _RUNNING.add(listener)
    app = QCoreApplication.instance()
    if app is not None and not _stop_on_quit_connected:
        app.aboutToQuit.connect(_stop_all_listeners)
        _stop_on_quit_connected = True
    listener.start()


def _stop_all_listeners() -> None:
    for listener in list(_RUNNING):
        listener.stop()


class _Listener(QThread):
    """Waits for announcements in its own thread, on the feed's own connection. Its signals
    reach the watcher on the GUI thread (queued); it never touches a widget."""

    connected = Signal()  # (re)connected: changes made meanwhile were not announced
    notified = Signal()
    lost = Signal(str)  # why; it tries again after RETRY_S

    def __init__(self, feed: ChangeFeed) -> None:
        super().__init__()  # no Qt parent: Qt would delete it with the parent while it runs
        self._feed = feed
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    if self._feed.listen():
                        self.connected.emit()
                    if self._feed.wait(LISTEN_WAIT_S):
                        self.notified.emit()
                except ChangeFeedLost as exc:
                    self.lost.emit(str(exc))
                    self._stopping.wait(RETRY_S)
        except Exception:  # a bug: the poll carries on alone
            log.exception("the change listener stopped")
        finally:
            self._feed.close()

    def stop(self) -> None:
        """Stop listening and wait for the thread: at once, or after a connection attempt under
        way (at most the database URL's connect_timeout)."""
        self._stopping.set()
        self._feed.interrupt()
        self.wait()
        _RUNNING.discard(self)
