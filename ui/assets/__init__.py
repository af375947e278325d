"""Assets: the list and location tree, the asset form and its tabs.

What the rest of the program uses (each import waits for the first call):
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.permissions import Actor


def assets_screen(actor: Actor) -> QWidget:
    from ui.assets.screen import AssetsScreen

    return AssetsScreen(actor)
