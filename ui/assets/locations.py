"""Small dialogs of the Assets screen's location tree: add a site, add or rename a location."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app.permissions import Actor
from app.services.assets import locations
from app.services.assets.locations import LocationNode, SiteRow
from ui.common.form_dialog import FormDialog, hint_label

KINDS = ("building", "area", "line", "room", "floor", "yard")
TOP = "(top of the site)"


class AddSiteDialog(FormDialog):
    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("Add a site", parent)
        self.actor = actor
        self.created: SiteRow | None = None
        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. RBP")
        self.name = QLineEdit()
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("Name", self.name)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("A site is a plant or works with its own buildings and "
                                    "areas."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Add site", self.save))

    def save(self) -> None:
        self.created = self.attempt(self._add)
        if self.created is not None:
            self.accept()

    def _add(self) -> SiteRow:
        return locations.add_site(self.actor, self.code.text(), self.name.text())


class AddLocationDialog(FormDialog):
    """A new location in a site, at its top or under another location (the one chosen in the
    tree, to start with)."""

    def __init__(self, actor: Actor, sites: Sequence[SiteRow], nodes: Sequence[LocationNode],
                 site_id: int | None = None, parent_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Add a location", parent, width=480)
        self.actor = actor
        self.nodes = list(nodes)
        self.created: LocationNode | None = None
        self.site = QComboBox()
        for site in sites:
            self.site.addItem(f"{site.code} {site.name}", site.id)
        self.site.setEnabled(len(sites) > 1)
        self.within = QComboBox()
        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. PROD-L3")
        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.setEditable(True)
        self.kind.addItems(KINDS)
        form = QFormLayout()
        form.addRow("Site", self.site)
        form.addRow("Within", self.within)
        form.addRow("Code", self.code)
        form.addRow("Name", self.name)
        form.addRow("Type", self.kind)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Add location", self.save))
        if site_id is not None and self.site.findData(site_id) >= 0:
            self.site.setCurrentIndex(self.site.findData(site_id))
        self._fill_within()
        self.site.currentIndexChanged.connect(self._fill_within)
        if parent_id is not None and self.within.findData(parent_id) >= 0:
            self.within.setCurrentIndex(self.within.findData(parent_id))
            below = next((n for n in self.nodes if n.id == parent_id), None)
            if below is not None and below.kind == "building":
                self.kind.setCurrentText("area")
        if not sites:
            self.message.setText("Add a site first: every location belongs to one.")
            self.accept_button.setEnabled(False)

    def _fill_within(self) -> None:
        site_id = self.site.currentData()
        self.within.clear()
        self.within.addItem(TOP, None)
        children: dict[int | None, list[LocationNode]] = {}
        for node in self.nodes:
            if node.site_id == site_id:
                children.setdefault(node.parent_id, []).append(node)
        # Depth first, indented, so the list reads like the tree.
        stack = [(node, 0) for node in reversed(children.get(None, []))]
        while stack:
            node, depth = stack.pop()
            self.within.addItem(f"{'    ' * depth}{node.code}  {node.name}", node.id)
            if depth < 20:
                stack.extend((child, depth + 1) for child in reversed(children.get(node.id, [])))

    def save(self) -> None:
        self.created = self.attempt(self._add)
        if self.created is not None:
            self.accept()

    def _add(self) -> LocationNode:
        return locations.add_location(self.actor, self.site.currentData(),
                                      self.within.currentData(), self.code.text(),
                                      self.name.text(), self.kind.currentText())


class RenameLocationDialog(FormDialog):
    def __init__(self, actor: Actor, node: LocationNode, parent: QWidget | None = None) -> None:
        super().__init__(f"Rename location {node.code}", parent)
        self.actor = actor
        self.node = node
        self.renamed: LocationNode | None = None
        self.code = QLineEdit(node.code)
        self.name = QLineEdit(node.name)
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("Name", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons("Rename", self.save))

    def save(self) -> None:
        self.renamed = self.attempt(self._rename)
        if self.renamed is not None:
            self.accept()

    def _rename(self) -> LocationNode:
        return locations.rename_location(self.actor, self.node.id, self.node.version,
                                         self.name.text(), self.code.text())
