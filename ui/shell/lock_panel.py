"""Shown in place of the screens while the session is locked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.permissions import Actor
from app.services.people import auth

MAX_UNLOCK_TRIES = 5


class LockPanel(QWidget):
    unlocked = Signal()
    sign_out = Signal(str)  # why, for the sign-in dialog ("" when the user chose to)

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self._tries = 0
        title = QLabel("Keepwell is locked")
        title.setObjectName("dialogTitle")
        who = QLabel(f"Signed in as {actor.full_name} ({actor.username}). "
                     "Enter your password to continue.")
        who.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        unlock = QPushButton("Unlock")
        unlock.setDefault(True)
        unlock.clicked.connect(self.try_unlock)
        switch = QPushButton("Sign out / switch user")
        switch.clicked.connect(self._switch_user)
        buttons = QHBoxLayout()
        buttons.addWidget(switch)
        buttons.addStretch(1)
        buttons.addWidget(unlock)
        box = QWidget()
        box.setFixedWidth(460)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addWidget(who)
        inner.addWidget(self.password)
        inner.addWidget(self.message)
        inner.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(box, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)

    def _switch_user(self) -> None:
        self.sign_out.emit("")

    def reset(self) -> None:
        self._tries = 0
        self.password.clear()
        self.message.clear()
        self.password.setFocus()

    def try_unlock(self) -> None:
        if auth.verify_password(self.actor, self.password.text()):
            self.password.clear()
            self.unlocked.emit()
            return
        self._tries += 1
        self.password.clear()
        if self._tries >= MAX_UNLOCK_TRIES:
            self.sign_out.emit(
                f"{self.actor.full_name} was signed out after {MAX_UNLOCK_TRIES} wrong passwords "
                "at the lock screen.")
            return
        until = auth.locked_until(self.actor)
        if until is not None:  # wrong tries elsewhere too: even the right password cannot help
            self.sign_out.emit(
                f"{self.actor.full_name} was signed out: the account is locked until "
                f"{until:%H:%M} after too many wrong passwords.")
            return
        left = MAX_UNLOCK_TRIES - self._tries
        self.message.setText(
            "That is not your password. "
            + (f"{left} more tries before you are signed out." if left > 1 else
               "One more wrong password signs you out."))
