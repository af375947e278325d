"""GUI fixtures: isolated QSettings and answering modal dialogs. Imported by tests/ui/conftest.py
and by GUI tests elsewhere (tests/integration)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui.style import apply_style


@pytest.fixture
def isolated_qsettings(tmp_path: Path, qapp: QApplication) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "qsettings"))
    apply_style(qapp)


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
