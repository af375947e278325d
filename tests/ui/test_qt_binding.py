"""The Qt binding itself, where Keepwell depends on it behaving: a desktop session emits
signals for hours, so an emit must not leak references (PySide6 6.12.0 dropped one reference
to True per emit, and the interpreter aborted once True's count ran out)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    value = Signal(object)
    plain = Signal()


def test_emitting_signals_leaks_no_references(qapp):
    emitter = Emitter()
    received: list[object] = []
    emitter.value.connect(received.append)
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for i in range(500):
        emitter.value.emit(i)
        emitter.plain.emit()
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    assert len(received) == 500
    assert after == before
