"""The location tree of the Assets screen: "All locations", then each site, then its buildings,
areas and rooms, built from the flat nodes of `location_tree` (no queries in `data()`).

Counts include the locations below a node, since choosing a node lists those assets too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.assets.locations import LocationNode, SiteRow

Index = QModelIndex | QPersistentModelIndex

ALL, SITE, LOCATION = "all", "site", "location"
COL_NAME, COL_COUNT = range(2)
HEADERS = ("Location", "Assets")


@dataclass
class _Item:
    kind: str  # ALL, SITE or LOCATION
    record_id: int | None  # the site's or location's id; None for ALL
    name: str
    code: str = ""
    location_kind: str = ""  # building, area, ...
    site_id: int | None = None
    node: LocationNode | None = None
    direct: int = 0  # assets placed here
    total: int = 0  # here and below
    parent: int = -1  # position of the parent item in the model's list, -1 for the root
    row: int = 0  # position among its parent's children
    children: list[int] = field(default_factory=list)


def _location_item(node: LocationNode) -> _Item:
    return _Item(LOCATION, node.id, node.name, node.code, node.kind, node.site_id, node,
                 direct=node.asset_count)


class LocationTreeModel(QAbstractItemModel):
    """Items are kept in one list; an index's internal id is the item's position in it."""

    def __init__(self) -> None:
        super().__init__()
        self._items: list[_Item] = []
        self._by_location: dict[int, int] = {}

    def set_tree(self, sites: Sequence[SiteRow], nodes: Sequence[LocationNode],
                 total_assets: int) -> None:
        """Rebuild from the sites and flat location nodes; `total_assets` counts every asset
        (placed or not) for the "All locations" row."""
        self.beginResetModel()
        items = [_Item(ALL, None, "All locations", total=total_assets)]
        by_site: dict[int, int] = {}
        for site in sites:
            by_site[site.id] = self._add(items, 0, _Item(SITE, site.id, site.name, site.code,
                                                         site_id=site.id))
        by_location: dict[int, int] = {}
        pending = list(nodes)
        # Parents come first in a well-formed tree, but order by code does not promise it:
        # place what can be placed until nothing more moves (a damaged tree cannot loop).
        while pending:
            left = []
            for node in pending:
                if node.parent_id is None or node.parent_id in by_location:
                    parent = (by_site.get(node.site_id, 0) if node.parent_id is None
                              else by_location[node.parent_id])
                    by_location[node.id] = self._add(items, parent, _location_item(node))
                else:
                    left.append(node)
            if len(left) == len(pending):  # orphans of a missing parent: show them at the top
                for node in left:
                    by_location[node.id] = self._add(items, by_site.get(node.site_id, 0),
                                                     _location_item(node))
                left = []
            pending = left
        for position in reversed(range(1, len(items))):  # children sit after their parents
            item = items[position]
            item.total += item.direct
            items[item.parent].total += item.total if item.parent != 0 else 0
        self._items = items
        self._by_location = by_location
        self.endResetModel()

    @staticmethod
    def _add(items: list[_Item], parent: int, item: _Item) -> int:
        item.parent = parent
        item.row = len(items[parent].children)
        items.append(item)
        position = len(items) - 1
        items[parent].children.append(position)
        return position

    # -- Qt model API ---------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if self._items and row == 0 \
                else QModelIndex()
        children = self._items[parent.internalId()].children
        return self.createIndex(row, column, children[row])

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid():
            return QModelIndex()
        item = self._items[child.internalId()]
        if item.parent < 0:
            return QModelIndex()
        return self.createIndex(self._items[item.parent].row, 0, item.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return 1 if self._items else 0
        if parent.column() != 0:
            return 0
        return len(self._items[parent.internalId()].children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(HEADERS)):
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._items[index.internalId()].kind == SITE:
            # The asset list filters by location; a site is a heading over its locations.
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        item = self._items[index.internalId()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return item.name
            return f"{item.total:,}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return item.record_id
        return None

    @staticmethod
    def _tooltip(item: _Item) -> str:
        if item.kind == ALL:
            return f"Every asset: {item.total:,}"
        if item.kind == SITE:
            return f"Site {item.code}: {item.total:,} assets placed in its locations"
        what = f"{item.code} {item.name}" + (f" ({item.location_kind})" if item.location_kind
                                             else "")
        if item.total == item.direct:
            return f"{what}: {item.direct:,} assets"
        return f"{what}: {item.direct:,} assets here, {item.total:,} with the locations below"

    # -- ours -----------------------------------------------------------------------------
    def all_index(self) -> QModelIndex:
        return self.index(0, 0)

    def location_id(self, index: Index) -> int | None:
        """The location of a row, None for "All locations" (and a site heading)."""
        if not index.isValid():
            return None
        item = self._items[index.internalId()]
        return item.record_id if item.kind == LOCATION else None

    def site_id(self, index: Index) -> int | None:
        """The site a row belongs to (None for "All locations")."""
        if not index.isValid():
            return None
        return self._items[index.internalId()].site_id

    def is_location(self, index: Index) -> bool:
        return index.isValid() and self._items[index.internalId()].kind == LOCATION

    def key(self, index: Index) -> tuple[str, int | None]:
        """What a row stands for, to find it again after a rebuild."""
        item = self._items[index.internalId()]
        return item.kind, item.record_id

    def index_of_key(self, key: tuple[str, int | None]) -> QModelIndex:
        kind, record_id = key
        for position, item in enumerate(self._items):
            if item.kind == kind and item.record_id == record_id:
                return self.createIndex(item.row, 0, position)
        return QModelIndex()

    def index_of_location(self, location_id: int | None) -> QModelIndex:
        """The row of a location; "All locations" for None or a location no longer there."""
        position = self._by_location.get(location_id) if location_id is not None else None
        if position is None:
            return self.all_index()
        return self.createIndex(self._items[position].row, 0, position)

    def label(self, location_id: int | None) -> str:
        """The name of a location, "" if unknown."""
        position = self._by_location.get(location_id) if location_id is not None else None
        return self._items[position].name if position is not None else ""

    def node(self, location_id: int | None) -> LocationNode | None:
        """The node a location row was built from (for renaming it at its version)."""
        position = self._by_location.get(location_id) if location_id is not None else None
        return self._items[position].node if position is not None else None
