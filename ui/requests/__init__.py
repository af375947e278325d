"""Work requests: the list, filing, deciding.

Others use this subject through the functions below; each imports its module on first call,
so loading the package costs nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.permissions import Actor


def requests_screen(actor: Actor) -> QWidget:
    from ui.requests.screen import RequestsScreen

    return RequestsScreen(actor)
