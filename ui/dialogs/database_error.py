"""The database cannot be opened: say why and what to do; never a traceback, never a rewrite."""

from __future__ import annotations

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

from app.errors import DatabaseUnavailable

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
        self.setWindowTitle("Keepwell: database problem")
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

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(message)
        layout.addWidget(hint)
        layout.addSpacing(8)
        layout.addLayout(url_row)
        layout.addWidget(buttons)

    def _retry(self) -> None:
        self.chosen_url = None
        self.accept()

    def _open_other(self) -> None:
        self.chosen_url = self.url_edit.text().strip()
        self.accept()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Choose or create a Keepwell database", "", "Keepwell database (*.db)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.url_edit.setText(f"sqlite:///{path}")

    def _ask_password(self) -> None:
        password, ok = QInputDialog.getText(
            self, "Database password", "Password for the database server:",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self.password = password
            self.chosen_url = None
            self.accept()
