"""Filing a work request: what is wrong, where, how urgent, and photos or documents with it.

The request is filed in one service call; its files follow, one call each
(requests.add_request_attachment). Everything that can be checked before filing is checked
first (the asset typed, each file's size), so a refusal writes nothing.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError, ValidationError
from app.permissions import Actor
from app.services import requests
from app.services.assets import register
from app.services.work_orders.listing import PRIORITY_LABELS
from app.vocabulary import ATTACHMENT_MAX_BYTES
from ui.common.errors import describe
from ui.common.form_dialog import FormDialog, hint_label
from ui.common.pickers import AssetPicker, LocationPicker
from ui.requests.detail import size_text

FILE_FILTER = ("Photos and documents (*.jpg *.jpeg *.png *.gif *.bmp *.heic *.pdf *.txt "
               "*.doc *.docx *.xls *.xlsx *.csv);;All files (*)")


def priority_combo(current: int = 3) -> QComboBox:
    combo = QComboBox()
    for value, label in PRIORITY_LABELS.items():
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    return combo


def choose_attachment_files(parent: QWidget) -> list[str]:
    names, _filter = QFileDialog.getOpenFileNames(parent, "Attach files", "", FILE_FILTER)
    return names


def media_type_of(path: Path) -> str:
    kind, _encoding = mimetypes.guess_type(path.name)
    return kind or "application/octet-stream"


def file_problem(path: Path) -> str:
    """Why this file cannot go with a request ("" when it can), checked before filing."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})."
    if size == 0:
        return f"{path.name} is empty."
    if size > ATTACHMENT_MAX_BYTES:
        return (f"{path.name} is {size_text(size)}; at most "
                f"{size_text(ATTACHMENT_MAX_BYTES)} can be stored. Leave it out or make it "
                "smaller.")
    return ""


class NewRequestDialog(FormDialog):
    """`created` is the filed request; `attach_failures` names files that could not be added
    after filing (the request stands; they can be added from the detail pane)."""

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("New work request", parent, width=560)
        self.actor = actor
        self.created: requests.RequestDetail | None = None
        self.attach_failures: list[str] = []
        self.paths: list[Path] = []

        self.title = QLineEdit()
        self.title.setObjectName("requestTitle")
        self.title.setPlaceholderText("What is wrong, in a few words: “Pump 3 leaking at the seal”")
        self.description = QPlainTextEdit()
        self.description.setObjectName("requestDescription")
        self.description.setPlaceholderText(
            "Where exactly, since when, what you saw or heard, whether it is safe to run…")
        self.description.setTabChangesFocus(True)
        self.asset = AssetPicker(actor)
        self.asset.changed.connect(self._asset_chosen)
        self.location = LocationPicker(actor)
        self.priority = priority_combo()
        self.files = QListWidget()
        self.files.setObjectName("requestFiles")
        self.files.setMaximumHeight(90)
        add = QPushButton("Add files…")
        add.clicked.connect(self.add_files)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_file)
        self.remove_button.setEnabled(False)
        self.files.currentRowChanged.connect(self._file_selected)
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(add)
        file_buttons.addWidget(self.remove_button)
        file_buttons.addStretch(1)
        file_row = QHBoxLayout()
        file_row.addWidget(self.files, 1)
        file_row.addLayout(file_buttons)

        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Description", self.description)
        form.addRow("Asset", self.asset)
        form.addRow("Location", self.location)
        form.addRow("Priority", self.priority)
        form.addRow("Files", file_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            "Name the asset if you know its tag (it is on the label), otherwise the location. "
            "A planner reviews the request and turns it into a work order."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("File request", self.save))
        self.title.setFocus()

    # -- files ----------------------------------------------------------------------------
    def choose_files(self) -> list[str]:
        """Ask for files (separate so tests can answer it)."""
        return choose_attachment_files(self)

    def add_files(self) -> None:
        self.add_paths(Path(name) for name in self.choose_files())

    def add_paths(self, paths: Iterable[Path]) -> None:
        for path in paths:
            if path not in self.paths:
                self.paths.append(path)
                try:
                    size = f"  ({size_text(path.stat().st_size)})"
                except OSError:
                    size = ""  # said when filing
                self.files.addItem(path.name + size)
        if self.paths:
            self.files.setCurrentRow(len(self.paths) - 1)

    def remove_file(self) -> None:
        row = self.files.currentRow()
        if 0 <= row < len(self.paths):
            del self.paths[row]
            self.files.takeItem(row)

    def _file_selected(self, row: int) -> None:
        self.remove_button.setEnabled(row >= 0)

    def _asset_chosen(self) -> None:
        """Fill in where the chosen asset stands, unless a location is already chosen."""
        asset_id = self.asset.asset_id()
        if asset_id is None or self.location.location_id() is not None:
            return
        try:
            asset = register.get_asset(self.actor, asset_id)
        except KeepwellError:
            return  # only a help; the request may name the asset alone
        self.location.set_location(asset.location_id)

    # -- filing ---------------------------------------------------------------------------
    def save(self) -> None:
        self.message.clear()
        asset_problem = self.asset.problem()
        file_problems = [p for p in map(file_problem, self.paths) if p]
        if asset_problem or file_problems:
            self.message.setText("\n".join([*self._field_problems(asset_problem),
                                            *file_problems]))
            return
        self.created = self.attempt(self._file)
        if self.created is None:
            return
        for path in self.paths:
            try:
                requests.add_request_attachment(self.actor, self.created.id, path.name,
                                                path.read_bytes(), media_type_of(path))
            except (KeepwellError, OSError) as exc:
                why = describe(exc) if isinstance(exc, KeepwellError) else str(exc)
                self.attach_failures.append(f"{path.name}: {why}")
        self.accept()

    def _field_problems(self, asset_problem: str) -> list[str]:
        """Every field's message at once when the typed asset is unknown: the service checks
        the other fields, given an asset id that can never exist (ids start at 1), so it
        refuses and writes nothing; its asset message gives way to the picker's, which names
        what was typed."""
        fields: dict[str, str] = {"asset_id": ""}
        try:
            self._file(asset_id=0)
        except ValidationError as exc:
            fields = exc.fields
        except KeepwellError:
            pass  # the asset problem alone is still worth saying
        ordered: dict[str, str] = {}
        for name, text in fields.items():  # in the form's order
            if name != "asset_id":
                ordered[name] = text
            elif asset_problem:
                ordered["asset"] = asset_problem
        fields = ordered
        return ValidationError(fields).lines if fields else []

    def _file(self, asset_id: int | None = None) -> requests.RequestDetail:
        return requests.file_request(
            self.actor, self.title.text(), self.description.toPlainText(),
            asset_id=self.asset.asset_id() if asset_id is None else asset_id,
            location_id=self.location.location_id(), priority=self.priority.currentData())
