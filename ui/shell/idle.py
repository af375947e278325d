"""Notices when the user has not touched keyboard or mouse for a while (idle session lock)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
})


class IdleWatcher(QObject):
    """Install on the QApplication; emits `idle` once after `timeout_s` without input."""

    idle = Signal()

    def __init__(self, timeout_s: float, check_every_ms: int = 5000,
                 parent: QObject | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.timeout_s = timeout_s
        self.clock = clock
        self._last = clock()
        self._fired = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_every_ms)
        self._timer.timeout.connect(self.check)
        if timeout_s > 0:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            self.touch()
        return False

    def touch(self) -> None:
        self._last = self.clock()
        self._fired = False

    def check(self) -> None:
        if self.timeout_s > 0 and not self._fired and (
                self.clock() - self._last >= self.timeout_s):
            self._fired = True
            self.idle.emit()

    def stop(self) -> None:
        self._timer.stop()
