"""Moving an order through its lifecycle from the form: the buttons' words and the small
dialogs that ask what a move needs (a reason, the assignee, the signer's password for the
sign-off). The questions when someone else saved first or edits are unsaved: conflicts.py."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, KeepwellError
from app.permissions import Actor
from app.services.work_orders import lifecycle
from app.services.work_orders.detail import WorkOrderDetail
from ui.common.errors import describe
from ui.common.form_dialog import FormDialog, hint_label, password_edit
from ui.common.pickers import PersonPicker

# Moves that ask for something first; the others are made at once.
REASON_MOVES = {"on_hold", "cancelled"}


def move_label(from_status: str, to_status: str) -> str:
    """The button's words for a move (an ellipsis when it asks for more)."""
    if to_status == "in_progress":
        if from_status in ("completed", "closed"):
            return "Reopen…"
        return "Resume" if from_status == "on_hold" else "Start work"
    return {
        "assigned": "Assign…",
        "open": "Unassign",
        "on_hold": "Put on hold…",
        "completed": "Complete",
        "closed": "Sign off…",
        "cancelled": "Cancel order…",
    }.get(to_status, to_status.replace("_", " ").capitalize())


def missing_codes(detail: WorkOrderDetail, to_status: str) -> dict[str, str]:
    """The failure codes a sign-off of this order still needs (as the service words them)."""
    if to_status != "closed" or detail.type not in lifecycle.FAILURE_CODED_TYPES:
        return {}
    return {f"failure_{kind}": f"is required to sign off a {detail.type} order"
            for kind in ("problem", "cause", "remedy") if not getattr(detail, f"failure_{kind}")}


def needs_dialog(from_status: str, to_status: str) -> bool:
    return (to_status in REASON_MOVES or to_status in ("assigned", "closed")
            or (to_status == "in_progress" and from_status in ("completed", "closed")))


class MoveDialog(FormDialog):
    """Asks what one move needs, then makes it; a refusal is shown here and the dialog stays.
    A conflict (someone saved the order first) closes it: the form offers to reload."""

    def __init__(self, actor: Actor, detail: WorkOrderDetail, to_status: str, title: str,
                 accept_text: str, parent: QWidget | None = None) -> None:
        super().__init__(f"{title}: {detail.number}", parent, width=460)
        self.actor = actor
        self.detail = detail
        self.to_status = to_status
        self.accept_text = accept_text
        self.moved: WorkOrderDetail | None = None
        self.conflict: ConflictError | None = None

    def make_move(self, **needs: Any) -> None:
        call = functools.partial(lifecycle.transition, self.actor, self.detail.id,
                                 self.to_status, self.detail.version, **needs)
        self.moved = self.attempt(call)
        if self.moved is not None:
            self.accept()

    def attempt(self, change: Callable[[], Any]) -> Any:
        self.message.clear()
        try:
            return change()
        except ConflictError as exc:
            self.conflict = exc
            self.reject()
        except KeepwellError as exc:
            self.message.setText(describe(exc))
        return None


class ReasonDialog(MoveDialog):
    """Hold, reopen or cancel: the reason goes into the status log and the audit trail."""

    PROMPTS = {
        "on_hold": ("Put on hold", "Put on hold", "What is it waiting for? (parts, access, "
                    "a shutdown, …)"),
        "cancelled": ("Cancel the order", "Cancel order", "Why is the work not needed?"),
        "in_progress": ("Reopen", "Reopen", "Why does the work need reopening?"),
    }

    def __init__(self, actor: Actor, detail: WorkOrderDetail, to_status: str,
                 parent: QWidget | None = None) -> None:
        title, accept, prompt = self.PROMPTS[to_status]
        super().__init__(actor, detail, to_status, title, accept, parent)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(self.reason.fontMetrics().lineSpacing() * 4 + 14)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        layout.addWidget(self.reason)
        if to_status == "cancelled":
            layout.addWidget(hint_label("A cancelled order stays on record and cannot be "
                                        "changed again."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons(accept, self.save))
        self.reason.setFocus()

    def save(self) -> None:
        self.make_move(reason=self.reason.toPlainText())


class AssignDialog(MoveDialog):
    def __init__(self, actor: Actor, detail: WorkOrderDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(actor, detail, "assigned", "Assign", "Assign", parent)
        self.person = PersonPicker(actor, none_text="(choose a person)")
        if detail.assignee_id is not None:
            self.person.set_user(detail.assignee_id, detail.assignee_name)
        form = QFormLayout()
        form.addRow("Assign to", self.person)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Assign", self.save))
        self.person.setFocus()

    def save(self) -> None:
        self.make_move(assignee_id=self.person.user_id())


class SignOffDialog(MoveDialog):
    """The supervisor's electronic signature: printed name, meaning, and their password."""

    def __init__(self, actor: Actor, detail: WorkOrderDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(actor, detail, "closed", "Sign off", "Sign off", parent)
        intro = QLabel(f"Signing closes {detail.number} ({detail.title}). The record keeps "
                       "your name, the time and the meaning of the signature; it prints on the "
                       "work order.")
        intro.setWordWrap(True)
        self.signer = QLabel(f"<b>{_escape(actor.full_name)}</b>")
        self.meaning = QLabel(lifecycle.SIGNATURE_MEANING)
        self.password = password_edit()
        self.password.setPlaceholderText("your password, again")
        form = QFormLayout()
        form.addRow("Signed by", self.signer)
        form.addRow("Meaning", self.meaning)
        form.addRow("Password", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Sign off", self.save))
        self.password.setFocus()

    def save(self) -> None:
        self.make_move(password=self.password.text())
        self.password.clear()  # a refused password is typed again, never kept


def move_dialog(actor: Actor, detail: WorkOrderDetail, to_status: str,
                parent: QWidget | None = None) -> MoveDialog:
    if to_status == "assigned":
        return AssignDialog(actor, detail, parent)
    if to_status == "closed":
        return SignOffDialog(actor, detail, parent)
    return ReasonDialog(actor, detail, to_status, parent)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MoveButton(QPushButton):
    """A status button; `chosen(to_status)` when pressed."""

    chosen = Signal(str)

    def __init__(self, text: str, to_status: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.to_status = to_status
        self.setAutoDefault(False)
        self.clicked.connect(self._clicked)

    def _clicked(self) -> None:
        self.chosen.emit(self.to_status)


class MoveBar(QWidget):
    """The status buttons this user has for the order now; `chosen(to_status)`."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: list[MoveButton] = []
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(6)

    def show_moves(self, status: str, allowed: list[str]) -> None:
        for old in self.buttons:
            self.row.removeWidget(old)
            old.hide()  # gone now, not when the event loop deletes it
            old.deleteLater()
        self.buttons = []
        for to_status in allowed:
            move = MoveButton(move_label(status, to_status), to_status)
            move.chosen.connect(self.chosen)
            self.row.addWidget(move)
            self.buttons.append(move)
