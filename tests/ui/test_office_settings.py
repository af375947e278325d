"""Tools ▸ Settings…: an administrator renames the organisation, picks the PM compliance rule
and how often the desks run the PM check; the window and this desk's worker follow at once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer

from app.permissions import Role
from app.services import settings
from ui.shell.main_window import MainWindow
from ui.shell.office_settings import OfficeSettingsDialog


def _window(qtbot: Any, actor: Any, db: Any) -> MainWindow:
    window = MainWindow(actor, db)
    qtbot.addWidget(window)
    window.show()
    return window


def _tools(window: MainWindow) -> list[str]:
    return [a.text() for a in window.tools_menu.actions() if not a.isSeparator()]


def test_only_administrators_find_settings_in_the_tools_menu(qtbot: Any, db: Any,
                                                             actors: Any) -> None:
    assert "&Settings…" in _tools(_window(qtbot, actors[Role.ADMIN], db))
    planner = _window(qtbot, actors[Role.PLANNER], db)
    assert "&Settings…" not in _tools(planner) and "&Run PM check now" in _tools(planner)
    requester = _window(qtbot, actors[Role.REQUESTER], db)
    assert not requester.tools_menu.menuAction().isVisible()


def test_saving_settings_renames_the_window_and_changes_this_desks_check(
        qtbot: Any, db: Any, admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, admin, db)
    assert window.pm_worker is not None and window.pm_worker.pm_seconds == 5 * 60

    def fill_in() -> None:
        dialog = window.findChild(OfficeSettingsDialog)
        assert dialog is not None
        dialog.organisation.setText("Northfield Water Works")
        dialog.grace.setCurrentIndex(dialog.grace.findData("due_date"))
        dialog.minutes.setValue(0)
        dialog.save()

    QTimer.singleShot(0, fill_in)
    assert window.settings_action is not None
    window.settings_action.action.trigger()
    assert "Northfield Water Works" in window.windowTitle()
    assert settings.office_settings(admin).pm_compliance_grace == "due_date"
    assert window.pm_worker.pm_seconds == 0
    qtbot.waitUntil(lambda: "off on this desk" in window.pm_label.text(), timeout=5000)
    assert "off on this desk" in window.pm_label.toolTip()


def test_a_refused_save_says_why_and_keeps_the_dialog_open(qtbot: Any, db: Any,
                                                          admin: Any) -> None:
    dialog = OfficeSettingsDialog(admin)
    qtbot.addWidget(dialog)
    dialog.organisation.setText("")
    dialog.minutes.setValue(30)
    dialog.save()
    assert dialog.message.text() == "Organisation name is required."
    assert dialog.saved is None and settings.pm_check_minutes() == 5
    dialog.organisation.setText("North Plant")
    dialog.save()
    assert dialog.saved is not None and settings.pm_check_minutes() == 30
