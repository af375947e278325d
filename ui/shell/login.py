"""The sign-in dialog: one message for an unknown user, a wrong password and a locked account
(it says how the lockout works, never whether this name is locked), and a forced password
change after an admin reset.

It can appear before the database is open (`prepare`): the user starts typing while the
database opens, and Sign in is enabled once it is ready. Nothing here imports the database
layer at start-up, so the dialog shows as soon as Qt can paint it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

    from app.permissions import Actor

# exec() result when the database needs the user's attention first (error, first run).
NEEDS_ATTENTION = 2

Prepare = Callable[[], str | None]  # opens the database; the organisation name, or None


class LoginDialog(QDialog):
    NEEDS_ATTENTION = NEEDS_ATTENTION

    def __init__(self, database_display: str, organisation: str = "", username: str = "",
                 prepare: Prepare | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor: Actor | None = None
        self._prepare = prepare
        self._prepare_scheduled = False
        self.setMinimumWidth(420)
        self.title = QLabel()
        self.title.setObjectName("dialogTitle")
        self.set_organisation(organisation)
        where = QLabel(f"Database: {database_display}")
        where.setObjectName("hintText")
        where.setWordWrap(True)
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Username", self.username)
        form.addRow("&Password", self.password)
        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        self.status = QLabel()
        self.status.setObjectName("hintText")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(where)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        if prepare is not None:
            self.sign_in_button.setEnabled(False)
            self.status.setText("Opening the database…")
        (self.password if username else self.username).setFocus()

    def set_organisation(self, name: str) -> None:
        name = name or "Keepwell"
        self.title.setText(name)
        self.setWindowTitle(f"Sign in to Keepwell: {name}")

    @property
    def ready(self) -> bool:
        return self._prepare is None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: F821
        super().paintEvent(event)
        if self._prepare is not None and not self._prepare_scheduled:
            # Open the database once the dialog is on screen, not before.
            self._prepare_scheduled = True
            QTimer.singleShot(0, self._run_prepare)

    def _run_prepare(self) -> None:
        prepare, self._prepare = self._prepare, None
        if prepare is None:
            return
        organisation = prepare()
        if organisation is None:
            self.done(NEEDS_ATTENTION)
            return
        self.set_organisation(organisation)
        self.status.clear()
        self.sign_in_button.setEnabled(True)

    def _sign_in(self, auth: Any) -> Any:
        """Sign in (it writes: the last sign-in, failed attempts). If writing had stopped in this
        program (app/storage.py: a full disk, say), look again first: signing in is the Retry
        of a desk whose window was closed meanwhile."""
        from app.services import health

        if health.writing_stopped() is not None:
            still = health.check_storage()
            if still is not None:
                raise still
        return auth.sign_in(self.username.text(), self.password.text())

    def try_sign_in(self) -> None:
        """Check the credentials; on success (and after a forced change) accept the dialog."""
        if not self.ready:
            return
        from PySide6.QtCore import Qt  # here: the Qt namespace takes ~20 ms to load
        from PySide6.QtGui import QGuiApplication

        from app.services.people import auth
        from ui.common.errors import describe
        from ui.users import change_password_dialog

        self.message.clear()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = self._sign_in(auth)
        except KeepwellError as exc:
            self.message.setText(describe(exc))
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        if result.must_change_password:
            change = change_password_dialog(result.actor, forced=True, parent=self,
                                            current_password=self.password.text())
            if change.exec() != QDialog.DialogCode.Accepted:
                self.message.setText("You must choose a new password before you can continue.")
                self.password.clear()
                return
        self.actor = result.actor
        self.accept()
