"""Per-desk GUI state kept in QSettings: window geometry, last screen."""

from __future__ import annotations

from PySide6.QtCore import QSettings


def gui_settings() -> QSettings:
    return QSettings("Keepwell", "Keepwell")
