"""Choosing an asset, a location or a person in a form.

The asset picker is a line edit that completes tags and names from the database as the user
types (a plant has tens of thousands of assets: no combo box holds them all), and takes a tag
typed or scanned in full. Locations and people are few enough for a combo box.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QWidget

from app.errors import KeepwellError
from app.permissions import Actor
from app.services.assets import locations, register
from app.services.people import assignees

SUGGESTIONS = 30
NONE_TEXT = "(none)"


def asset_label(tag: str, name: str) -> str:
    return f"{tag} — {name}" if name else tag


class AssetPicker(QLineEdit):
    """`asset_id()` is the chosen asset, None when the field is empty; `problem()` says what
    is wrong with the text typed (an unknown tag), "" when it is fine. `changed` is emitted
    when the chosen asset changes."""

    changed = Signal()

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self._asset_id: int | None = None
        self._chosen_text = ""
        self._by_label: dict[str, int] = {}
        self.setPlaceholderText("Tag or name: type to search, or scan the tag")
        self.setClearButtonEnabled(True)
        self._suggestions = QStringListModel(self)
        completer = QCompleter(self._suggestions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(12)
        completer.activated[str].connect(self._choose_label)
        self.setCompleter(completer)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)  # not a constructor keyword: that leaks a
        self._timer.setInterval(150)  # reference to True in PySide 6.12
        self._timer.timeout.connect(self._suggest)
        self.textEdited.connect(self._typed)
        self.editingFinished.connect(self._resolve)

    def asset_id(self) -> int | None:
        if self.text().strip() and self.text() != self._chosen_text:
            self._resolve()
        return self._asset_id

    def set_asset(self, asset_id: int | None, tag: str = "", name: str = "") -> None:
        self._asset_id = asset_id
        self._chosen_text = asset_label(tag, name) if asset_id is not None else ""
        self.setText(self._chosen_text)

    def problem(self) -> str:
        text = self.text().strip()
        if not text or self.asset_id() is not None:
            return ""
        return f"{text!r} is not the tag of any asset"

    def _typed(self, _text: str) -> None:
        self._timer.start()
        if not self.text().strip():
            self._set(None, "")

    def _suggest(self) -> None:
        text = self.text().strip()
        if not text:
            return
        try:
            rows = register.list_assets(self.actor, search=text, limit=SUGGESTIONS)
        except KeepwellError:
            return  # suggestions are a help; a typed tag is still resolved on Enter
        self._by_label = {asset_label(r.tag, r.name): r.id for r in rows}
        self._suggestions.setStringList(list(self._by_label))
        self.completer().complete()

    def _choose_label(self, label: str) -> None:
        if label in self._by_label:
            self._set(self._by_label[label], label)

    def _resolve(self) -> None:
        """Enter, leaving the field, or asking for the id: take the text as a tag or label."""
        text = self.text().strip()
        if text == self._chosen_text.strip():
            return
        if not text:
            self._set(None, "")
            return
        if text in self._by_label:
            self._set(self._by_label[text], text)
            return
        tag = text.split(" — ", 1)[0]
        try:
            found = register.find_asset_by_tag(self.actor, tag)
        except KeepwellError:
            self._asset_id = None  # problem() names it; the form refuses to save
            return
        self._set(found.id, asset_label(found.tag, found.name))

    def _set(self, asset_id: int | None, label: str) -> None:
        changed = asset_id != self._asset_id
        self._asset_id = asset_id
        self._chosen_text = label
        if self.text() != label:
            self.setText(label)
        if changed:
            self.changed.emit()


class LocationPicker(QComboBox):
    """Every location as "SITE / Building / Area", or none."""

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem(NONE_TEXT, None)
        nodes = locations.location_tree(actor)
        sites = {s.id: s.code for s in locations.list_sites(actor)}
        by_id = {n.id: n for n in nodes}
        for node in nodes:
            self.addItem(_path(node, by_id, sites), node.id)

    def location_id(self) -> int | None:
        value = self.currentData()
        return int(value) if value is not None else None

    def set_location(self, location_id: int | None) -> None:
        index = self.findData(location_id)
        self.setCurrentIndex(max(index, 0))


def _path(node: locations.LocationNode, by_id: dict, sites: dict[int, str]) -> str:
    names: list[str] = []
    current: locations.LocationNode | None = node
    while current is not None and len(names) < 20:
        names.append(current.name)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return " / ".join([sites.get(node.site_id, ""), *reversed(names)])


class PersonPicker(QComboBox):
    """The people who may be given work, or none."""

    def __init__(self, actor: Actor, parent: QWidget | None = None,
                 none_text: str = "(unassigned)") -> None:
        super().__init__(parent)
        self.addItem(none_text, None)
        for person in assignees.list_workers(actor):
            self.addItem(person.label, person.id)

    def user_id(self) -> int | None:
        value = self.currentData()
        return int(value) if value is not None else None

    def set_user(self, user_id: int | None, label: str = "") -> None:
        index = self.findData(user_id)
        if index < 0 and user_id is not None:
            # Someone no longer offered (deactivated): still show who it is.
            self.addItem(label or f"user {user_id}", user_id)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))
