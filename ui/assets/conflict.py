"""Someone else saved the asset first: who, when and what they changed, and the choice of
taking their version or keeping one's own edits on top of it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import ConflictError, KeepwellError
from app.permissions import Actor
from app.services import history
from ui.assets.activity import history_summary
from ui.common.time_text import local_time


def ask_about_conflict(parent: QWidget, actor: Actor, asset_id: int,
                       exc: ConflictError) -> tuple[bool, str]:
    """Ask; returns (Reload chosen, who saved first in words)."""
    who = exc.message
    try:
        latest = history.asset_history(actor, asset_id, limit=1)
    except KeepwellError:
        latest = []
    if latest:
        row = latest[0]
        who = (f"{row.actor} saved this asset at {local_time(row.at)} while you were "
               f"editing it.\n\nTheir change: {history_summary(row) or row.action_label}")
    box = QMessageBox(QMessageBox.Icon.Warning, "Changed by someone else", who,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(
        "Reload shows their version and drops your edits. Keep my edits loads their "
        "version with your changes on top; check it, then save again.")
    reload_button = box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole)
    keep_button = box.addButton("Keep my edits", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(keep_button)
    box.exec()
    by = latest[0].actor if latest else "the other desk"
    return box.clickedButton() is reload_button, by
