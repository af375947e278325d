"""Notices what other desks changed: polls the change sequence every few seconds off the GUI
thread and tells the screens which kinds of records changed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from app.errors import KeepwellError
from app.permissions import Actor
from app.services import changes
from ui.workers import BackgroundTask

log = logging.getLogger(__name__)

POLL_MS = 3000


class ChangeWatcher(QObject):
    """Emits `changed({entity: {ids}})` after changes committed anywhere (this desk included)."""

    changed = Signal(dict)

    def __init__(self, actor: Actor, interval_ms: int = POLL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.last_id = changes.latest_change_id(actor)
        self._task: BackgroundTask | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        if interval_ms > 0:
            self._timer.start()

    def poll(self) -> None:
        if self._task is not None and self._task.running:
            return
        after = self.last_id
        actor = self.actor
        self._task = BackgroundTask(lambda _progress: changes.changes_since(actor, after))
        self._task.succeeded.connect(self._arrived)
        self._task.failed.connect(self._failed)
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

    def stop(self) -> None:
        self._timer.stop()
        if self._task is not None and self._task.running:
            self._task.wait()
