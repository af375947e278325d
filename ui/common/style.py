"""The application look: Fusion plus a small style sheet from resources/styles."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app import paths


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    sheet = paths.resource_file("styles", "keepwell.qss")
    if sheet.exists():
        app.setStyleSheet(sheet.read_text(encoding="utf-8"))
