"""Work requests: the list, filing, deciding.

What the rest of the program uses (each import waits for the first call):
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.permissions import Actor


def requests_screen(actor: Actor) -> QWidget:
    from ui.requests.screen import RequestsScreen

    return RequestsScreen(actor)
