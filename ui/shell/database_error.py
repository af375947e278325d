"""The database cannot be opened: say why and what to do; never a traceback, never a rewrite."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.dburl import parse_url
from app.errors import DatabaseUnavailable


def as_database_url(text: str) -> str:
    """What the user typed, as a URL: a plain file path means a SQLite file."""
    text = text.strip()
    if "://" in text or not text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve().as_posix()}"

TITLES = {
    DatabaseUnavailable.BAD_URL: "The database address is not valid",
    DatabaseUnavailable.UNREACHABLE: "The database cannot be reached",
    DatabaseUnavailable.AUTH_FAILED: "The database server refused the sign-in",
    DatabaseUnavailable.NOT_A_DATABASE: "This is not a Keepwell database",
    DatabaseUnavailable.NEWER_SCHEMA: "This database needs a newer Keepwell",
    DatabaseUnavailable.NEEDS_UPGRADE: "This database needs an upgrade",
    DatabaseUnavailable.NOT_INITIALISED: "This database is not set up",
}


class DatabaseErrorDialog(QDialog):
    """Offers Retry, Enter password (PostgreSQL), Choose another database, and Quit.

    After exec() returns Accepted, `chosen_url` and/or `password` say what to try next."""

    def __init__(self, error: DatabaseUnavailable, url: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.error = error
        self.url = url
        self.chosen_url: str | None = None
        self.password: str | None = None
        self.setWindowTitle("Database problem")
        self.setMinimumWidth(560)

        title = QLabel(TITLES.get(error.kind, "The database cannot be opened"))
        title.setObjectName("dialogTitle")
        message = QLabel(error.message)
        message.setWordWrap(True)
        message.setObjectName("errorMessage")
        hint = QLabel(error.hint)
        hint.setWordWrap(True)
        hint.setObjectName("hintText")

        self.url_edit = QLineEdit(url)
        self.url_edit.setPlaceholderText("sqlite:///path/to/keepwell.db or "
                                         "postgresql://user@host:5432/database")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        url_row = QHBoxLayout()
        url_row.addWidget(QLabel("Database:"))
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(browse)

        buttons = QDialogButtonBox()
        self.retry_button = buttons.addButton("Retry", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = buttons.addButton("Open this database",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.password_button = None
        if error.kind == DatabaseUnavailable.AUTH_FAILED:
            self.password_button = buttons.addButton("Enter password…",
                                                     QDialogButtonBox.ButtonRole.ActionRole)
            self.password_button.clicked.connect(self._ask_password)
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.retry_button.clicked.connect(self._retry)
        self.open_button.clicked.connect(self._open_other)
        self.quit_button.clicked.connect(self.reject)
        if error.kind in (DatabaseUnavailable.NEWER_SCHEMA, DatabaseUnavailable.NOT_A_DATABASE,
                          DatabaseUnavailable.BAD_URL):
            self.retry_button.hide()  # retrying cannot help; another database or IT can
        # Enter means "the database in the field": Retry once it has been edited.
        self.url_edit.textEdited.connect(self._address_edited)
        self.url_edit.returnPressed.connect(self._open_other)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(message)
        layout.addWidget(hint)
        layout.addSpacing(8)
        layout.addLayout(url_row)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        edited = self.url_edit.text().strip() != self.url
        retry = self.retry_button.isVisible() and not edited
        (self.retry_button if retry else self.open_button).setDefault(True)

    def _address_edited(self, _text: str) -> None:
        self.open_button.setDefault(True)

    def _retry(self) -> None:
        self.chosen_url = None
        self.accept()

    def _open_other(self) -> None:
        self.chosen_url = as_database_url(self.url_edit.text())
        self.accept()

    def _browse(self) -> None:
        start = paths.user_data_dir()
        current = self.url_edit.text().strip()
        if current.startswith("sqlite:"):
            try:
                folder = parse_url(current).path
                start = folder.parent if folder and folder.parent.is_dir() else start
            except DatabaseUnavailable:
                pass
        dialog = QFileDialog(self, "Choose or create a Keepwell database", str(start),
                             "Keepwell database (*.db);;All files (*)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Choose")
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return
        path = dialog.selectedFiles()[0]
        if path:
            self.url_edit.setText(as_database_url(path))
            self.open_button.setDefault(True)

    def _ask_password(self) -> None:
        password, ok = QInputDialog.getText(
            self, "Database password", "Password for the database server:",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self.password = password
            self.chosen_url = None
            self.accept()
