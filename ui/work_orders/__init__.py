"""Work Orders and My Work: the list, its table model and filters, the work-order form.

Others use this subject through the functions below; each imports its module on first call,
so loading the package costs nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.permissions import Actor


def work_orders_screen(actor: Actor) -> QWidget:
    """The Work Orders screen: every order the actor may see."""
    from ui.work_orders.screen import WorkOrdersScreen

    return WorkOrdersScreen(actor)


def my_work_screen(actor: Actor) -> QWidget:
    """A technician's My Work screen: their own open orders."""
    from ui.work_orders.screen import my_work_screen as screen

    return screen(actor)
