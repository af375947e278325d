"""Tools ▸ Settings… (administrators): the organisation's name, when a PM order counts as done on
time, and how often the desks run the PM check."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from app.permissions import Actor
from app.services import settings
from app.services.settings import GRACE_RULES, MAX_CHECK_MINUTES, OfficeSettings
from ui.common.form_dialog import FormDialog, hint_label


class OfficeSettingsDialog(FormDialog):
    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent, width=640)
        self.actor = actor
        self.saved: OfficeSettings | None = None
        now = settings.office_settings(actor)
        self.organisation = QLineEdit(now.organisation_name)
        self.organisation.setPlaceholderText("Printed on work orders and shown in the title bar")
        self.grace = QComboBox()
        for key, words in GRACE_RULES.items():
            self.grace.addItem(words[:1].upper() + words[1:], key)
        self.grace.setCurrentIndex(max(0, self.grace.findData(now.pm_compliance_grace)))
        self.grace.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.minutes = QSpinBox()
        self.minutes.setRange(0, MAX_CHECK_MINUTES)
        self.minutes.setSuffix(" minutes")
        self.minutes.setSpecialValueText("Off: a headless scheduler runs it")
        self.minutes.setValue(now.pm_check_minutes)
        form = QFormLayout()
        form.addRow("Organisation name", self.organisation)
        form.addRow("PM order on time if completed", self.grace)
        form.addRow("Each desk runs the PM check every", self.minutes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            "PM compliance counts the orders completed on time against those due, missed "
            "occurrences included. The PM check creates the orders that are due; with several "
            "desks open only one runs it at a time. Other desks take a new interval at their "
            "next sign-in, this one at once."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Save", self.save))
        self.organisation.setFocus()

    def save(self) -> None:
        saved = self.attempt(lambda: settings.change_office_settings(
            self.actor, organisation_name=self.organisation.text(),
            pm_compliance_grace=self.grace.currentData(),
            pm_check_minutes=self.minutes.value()))
        if saved is not None:
            self.saved = saved
            self.accept()


class OfficeSettingsAction(QObject):
    """The menu action, for the main window's Tools menu; `changed` carries what was saved."""

    changed = Signal(object)  # OfficeSettings

    def __init__(self, actor: Actor, parent: QWidget) -> None:
        super().__init__(parent)
        self.actor = actor
        self.window = parent
        self.action = QAction("&Settings…", parent)
        self.action.triggered.connect(self.open)

    def open(self) -> None:
        dialog = OfficeSettingsDialog(self.actor, self.window)
        if dialog.exec() and dialog.saved is not None:
            self.changed.emit(dialog.saved)
