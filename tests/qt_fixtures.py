"""GUI fixtures: isolated QSettings, answering modal dialogs, and main windows closed after each
test. Imported by tests/ui/conftest.py and by GUI tests elsewhere (tests/integration)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui.common.style import apply_style


@pytest.fixture
def isolated_qsettings(tmp_path: Path, qapp: QApplication) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    # Both formats: QSettings("Keepwell", "Keepwell") is the native one, whose folder Qt reads
    # once from XDG_CONFIG_HOME. Setting only the INI one left every test of a run sharing one
    # file (unnoticed while a test's windows were dropped without closing, so never saved).
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    apply_style(qapp)


def close_main_windows() -> int:
    """Close every main window still open (each stops and waits for its worker), and have Qt
    delete every window not deleted yet. Returns how many were left open."""
    main_window = sys.modules.get("ui.shell.main_window")
    if main_window is None:
        return 0
    left_open = 0
    for window in main_window.live_windows():
        if not window.closed:
            left_open += 1
            window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return left_open


@pytest.fixture
def main_windows_closed(qapp: QApplication) -> Iterator[None]:
    """After the test, no main window is left open or undeleted: each is closed, which stops its
    PM worker and waits for it, and Qt deletes it. A window is never left to Python's garbage
    collector, which used to delete one while its worker ran (issue 10). (pytest-qt closes the
    windows given to qtbot.addWidget before this runs; this closes any other.)"""
    yield
    close_main_windows()


@pytest.fixture
def answer_modal(qtbot) -> Callable[[type, Callable[[QWidget], None]], None]:
    """Arrange for `respond(dialog)` to run when a modal dialog of `kind` is open and `when`
    holds for it (dialogs opened with exec() block the test until answered)."""

    def arrange(kind: type, respond: Callable[[QWidget], None], timeout_ms: int = 5000,
                when: Callable[[QWidget], bool] = lambda _widget: True) -> None:
        waited = {"ms": 0}

        def poll() -> None:
            widget = QApplication.activeModalWidget()
            if isinstance(widget, kind) and when(widget):
                respond(widget)
                return
            waited["ms"] += 20
            if waited["ms"] < timeout_ms:
                QTimer.singleShot(20, poll)

        QTimer.singleShot(20, poll)

    return arrange
