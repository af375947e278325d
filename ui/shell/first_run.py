"""First run on an empty database: explore the demo plant, or set up the organisation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.dburl import DatabaseTarget
from app.errors import KeepwellError
from app.services import setup
from app.services.demo import plant
from app.services.people import auth
from ui.common.errors import describe
from ui.common.workers import BackgroundTask


class FirstRunDialog(QDialog):
    """Pages: choose -> (demo progress -> demo accounts) | organisation form."""

    def __init__(self, target: DatabaseTarget | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Welcome to Keepwell")
        self.setMinimumSize(620, 440)
        self.task: BackgroundTask | None = None
        self.summary: plant.DemoSummary | None = None
        self.admin_created = ""  # the username to sign in with next
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choice_page(target))
        self.pages.addWidget(self._demo_page())
        self.pages.addWidget(self._accounts_page())
        self.pages.addWidget(self._setup_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # -- pages ----------------------------------------------------------------------------
    def _choice_page(self, target: DatabaseTarget | None) -> QWidget:
        page = QWidget()
        title = QLabel("Welcome to Keepwell")
        title.setObjectName("dialogTitle")
        where = target.display if target else ""
        intro = QLabel(
            "This database is new and empty"
            + (f" (<tt>{where}</tt>)" if where else "")
            + ". How would you like to start?"
        )
        intro.setWordWrap(True)
        self.demo_button = QCommandLinkButton(
            "Explore the demo plant",
            "A bottling plant with buildings and areas, a few hundred assets, a year of work "
            "orders and one account per role, to try Keepwell as each role sees it.",
        )
        self.setup_button = QCommandLinkButton(
            "Set up my organisation",
            "Name your organisation and create the first administrator account; the "
            "database starts empty.",
        )
        self.demo_button.clicked.connect(self._start_demo)
        self.setup_button.clicked.connect(self._show_setup)
        quit_button = QPushButton("Quit")
        quit_button.clicked.connect(self.reject)
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(12)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.setup_button)
        layout.addStretch(1)
        layout.addWidget(quit_button, alignment=Qt.AlignmentFlag.AlignRight)
        return page

    def _demo_page(self) -> QWidget:
        page = QWidget()
        self.progress_label = QLabel("Building the demo plant…")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)
        self.cancel_demo_button = QPushButton("Cancel")
        self.cancel_demo_button.clicked.connect(self._cancel_demo)
        self.demo_error = QLabel()
        self.demo_error.setObjectName("errorText")
        self.demo_error.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.demo_error)
        layout.addWidget(self.cancel_demo_button, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        return page

    def _accounts_page(self) -> QWidget:
        page = QWidget()
        title = QLabel("The demo plant is ready")
        title.setObjectName("dialogTitle")
        self.accounts_intro = QLabel()
        self.accounts_intro.setWordWrap(True)
        self.accounts_table = QTableWidget(0, 3)
        self.accounts_table.setHorizontalHeaderLabels(["Role", "Username", "Password"])
        self.accounts_table.verticalHeader().hide()
        self.accounts_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.accounts_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch
        )
        note = QLabel("These accounts are for exploring; the passwords are also in the README.")
        note.setObjectName("hintText")
        buttons = QDialogButtonBox()
        buttons.addButton("Continue to sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(self.accounts_intro)
        layout.addWidget(self.accounts_table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        return page

    def _setup_page(self) -> QWidget:
        page = QWidget()
        title = QLabel("Set up your organisation")
        title.setObjectName("dialogTitle")
        self.org_name = QLineEdit()
        self.admin_username = QLineEdit("admin")
        self.admin_full_name = QLineEdit()
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_confirm = QLineEdit()
        self.admin_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Organisation name", self.org_name)
        form.addRow("Administrator username", self.admin_username)
        form.addRow("Administrator full name", self.admin_full_name)
        form.addRow("Password", self.admin_password)
        form.addRow("Confirm password", self.admin_confirm)
        rules = QLabel(
            f"The password needs at least {auth.MIN_PASSWORD_LENGTH} characters and must not "
            "be the username. Keep it safe: this account manages all other accounts."
        )
        rules.setWordWrap(True)
        rules.setObjectName("hintText")
        self.setup_error = QLabel()
        self.setup_error.setObjectName("errorText")
        self.setup_error.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton("Create organisation",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        back = buttons.addButton("Back", QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.clicked.connect(self._set_up)
        back.clicked.connect(self._show_choice)
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(rules)
        layout.addWidget(self.setup_error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        return page

    # -- actions --------------------------------------------------------------------------
    def _show_choice(self) -> None:
        self.pages.setCurrentIndex(0)

    def _show_setup(self) -> None:
        self.pages.setCurrentIndex(3)
        self.create_button.setDefault(True)  # Enter in any field creates (set once in the dialog)
        self.org_name.setFocus()

    def _start_demo(self) -> None:
        self.pages.setCurrentIndex(1)
        self.demo_error.clear()
        self.cancel_demo_button.setText("Cancel")
        self.task = BackgroundTask(lambda progress: plant.create_demo_plant(progress))
        self.task.progress.connect(self._on_progress)
        self.task.succeeded.connect(self._on_demo_ready)
        self.task.failed.connect(self._on_demo_failed)
        self.task.start()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.progress_label.setText(message)

    def _cancel_demo(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.progress_label.setText("Cancelling…")
        else:
            self.pages.setCurrentIndex(0)

    def _on_demo_ready(self, summary: plant.DemoSummary) -> None:
        self.summary = summary
        self.accounts_intro.setText(
            f"Created {summary.assets} assets in {summary.locations} locations and "
            f"{summary.work_orders:,} work orders. Sign in with any of these accounts to see "
            "Keepwell as that role sees it:"
        )
        self.accounts_table.setRowCount(len(summary.accounts))
        for row, (username, _full_name, role, password) in enumerate(summary.accounts):
            for col, text in enumerate((str(role).capitalize(), username, password)):
                self.accounts_table.setItem(row, col, QTableWidgetItem(text))
        self.pages.setCurrentIndex(2)

    def _on_demo_failed(self, exc: Exception) -> None:
        text = describe(exc) if isinstance(exc, KeepwellError) else (
            f"The demo plant could not be created: {exc}")
        self.demo_error.setText(text + "\nNothing was written.")
        self.cancel_demo_button.setText("Back")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)

    def _set_up(self) -> None:
        if self.admin_password.text() != self.admin_confirm.text():
            self.setup_error.setText("The two passwords differ.")
            return
        try:
            admin = setup.set_up_organisation(
                self.org_name.text(),
                self.admin_username.text(),
                self.admin_full_name.text(),
                self.admin_password.text(),
            )
        except KeepwellError as exc:
            self.setup_error.setText(describe(exc))
            return
        self.admin_created = admin.username
        self.accept()

    def reject(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait()
        super().reject()

    def done(self, result: int) -> None:
        if self.task is not None and self.task.running:
            self.task.wait()
        super().done(result)
