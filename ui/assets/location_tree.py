"""The location tree beside the asset list: all locations, each site, then its buildings, areas
and rooms with how many assets each holds. Choosing a place says so (`location_chosen`); read
again, the tree keeps the chosen place, what was expanded and where it was scrolled."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, QPersistentModelIndex, QSize, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from app.permissions import Actor
from app.services.assets import locations, register
from ui.assets.locations_model import COL_COUNT, COL_NAME, LocationTreeModel

TREE_MIN_WIDTH = 160


class RoomyRows(QStyledItemDelegate):
    """Tree rows as tall as the list's, so both read alike and are easy to hit."""

    def __init__(self, row_height: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.row_height = row_height

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), self.row_height))


class LocationTree(QTreeView):
    location_chosen = Signal(object)  # the location's id; None: all locations

    def __init__(self, actor: Actor, row_height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.sites: list[locations.SiteRow] = []
        self.nodes: list[locations.LocationNode] = []
        self._building = False
        self._source: tuple[object, ...] = ()
        self.places = LocationTreeModel()
        self.setObjectName("locationTree")
        self.setModel(self.places)
        self.setUniformRowHeights(True)
        self.setItemDelegate(RoomyRows(row_height, self))
        self.setIndentation(14)  # five levels deep still leaves room for the names
        self.setMinimumWidth(TREE_MIN_WIDTH)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.header()
        header.hide()  # "Location | Assets" says nothing the rows do not; names need room
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        # Fixed to the counts' width, set as the tree is filled (ResizeToContents would also
        # make room for the hidden header's "Assets").
        header.setSectionResizeMode(COL_COUNT, QHeaderView.ResizeMode.Fixed)
        self.selectionModel().selectionChanged.connect(self._chosen)

    def load(self, chosen: int | None) -> int | None:
        """Read the tree from the database, keeping `chosen` and what was open; the location
        chosen afterwards (None when `chosen` is gone: all locations). Raises KeepwellError
        when the tree cannot be read."""
        expanded = self._expanded_keys()
        sites = locations.list_sites(self.actor)
        nodes = locations.location_tree(self.actor)
        total = register.count_assets(self.actor)
        if (sites, nodes, total) == self._source:
            return chosen  # nothing to show anew: leave the tree as the user left it
        self._source = (sites, nodes, total)
        self.sites, self.nodes = sites, nodes
        self._building = True
        scroll = self.verticalScrollBar().value()
        try:
            self.places.set_tree(sites, nodes, total)
            self.header().resizeSection(COL_COUNT, self.sizeHintForColumn(COL_COUNT))
            for key in expanded:
                self.setExpanded(self.places.index_of_key(key), True)
            index = self.places.index_of_location(chosen)
            self.setCurrentIndex(index)
            self.verticalScrollBar().setValue(scroll)
        finally:
            self._building = False
        return self.places.location_id(index)

    def _expanded_keys(self) -> list[tuple[str, int | None]]:
        keys = []
        stack = [self.places.all_index()] if self.places.rowCount() else []
        while stack:
            index = stack.pop()
            if self.isExpanded(index):
                keys.append(self.places.key(index))
                stack.extend(self.places.index(r, 0, index)
                             for r in range(self.places.rowCount(index)))
        return keys

    def choose_location(self, location_id: int | None) -> None:
        """Select a location (None: all), opening the branches above it."""
        index = self.places.index_of_location(location_id)
        parent = index.parent()
        while parent.isValid():
            self.expand(parent)
            parent = parent.parent()
        self.setCurrentIndex(index)

    def _chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._building:
            return
        indexes = selected.indexes()
        if indexes:
            self.location_chosen.emit(self.places.location_id(indexes[0]))
