"""Assets: the location tree on the left filters the lazy asset list on the right; the asset
form opens from the list (read-only for roles that may not change assets)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QMenu,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeepwellError
from app.permissions import Actor, Perm
from app.services.assets import register
from app.services.assets.fields import STATUS_LABELS
from app.services.assets.register import PAGE_SIZE, AssetRow
from ui.assets.form import AssetForm
from ui.assets.location_tree import TREE_MIN_WIDTH, LocationTree
from ui.assets.locations import AddLocationDialog, AddSiteDialog, RenameLocationDialog
from ui.assets.table import (
    COL_CATEGORY,
    COL_CRITICALITY,
    COL_LOCATION,
    COL_MANUFACTURER,
    COL_NAME,
    COL_PARENT,
    COL_STATUS,
    COL_TAG,
    AssetFilter,
    AssetTableModel,
)
from ui.common.errors import show_error
from ui.common.list_screen import ListScreen, TableSpec
from ui.common.notify import notify
from ui.common.open_forms import OpenForms
from ui.common.settings import gui_settings

ANY_STATUS = "All statuses"
ROW_HEIGHT = 24
TREE_WIDTH = 270  # until the user drags the splitter (then theirs, kept in QSettings)
TREE_WIDTH_KEY = "assets/tree_width"
# The columns beside Name: (narrowest, preferred) width. Name stretches over what is left; when
# that would leave it under NAME_MIN, the others give up room down to their narrowest first
# (a cut-short category or location has a tooltip; a cut-short name is what users complain of).
# When even that leaves Name too little, these columns step aside, in this order, until there is
# room again (what they say is on the asset's form).
COLUMN_WIDTHS = {COL_TAG: (84, 100), COL_CATEGORY: (72, 120), COL_CRITICALITY: (42, 44),
                 COL_STATUS: (74, 84), COL_LOCATION: (84, 160), COL_PARENT: (66, 90),
                 COL_MANUFACTURER: (66, 110)}
HIDDEN_FIRST = (COL_PARENT, COL_MANUFACTURER, COL_CATEGORY)
NAME_MIN = 220


class AssetsScreen(ListScreen):
    title = "Assets"
    table_spec = TableSpec("assetTable", stretch=COL_NAME, fitted=COLUMN_WIDTHS,
                           hidden_first=HIDDEN_FIRST, stretch_min=NAME_MIN, min_section=36,
                           sort=(COL_TAG, Qt.SortOrder.AscendingOrder), row_height=ROW_HEIGHT)
    watched = frozenset({"asset", "location", "site"})
    count_place = "own"  # in the filter bar, beside the list it counts
    open_work_order = Signal(int)  # an order opened from an asset form's Work orders tab

    def __init__(self, actor: Actor, parent: QWidget | None = None,
                 page_size: int = PAGE_SIZE) -> None:
        super().__init__(actor, parent)
        self.can_edit = actor.can(Perm.ASSET_MANAGE)
        self.forms: OpenForms[int | None, AssetForm] = OpenForms(self)
        self._build_actions()

        # Left: where things are.
        self.tree = LocationTree(actor, ROW_HEIGHT)
        self.tree_model = self.tree.places
        self.tree.location_chosen.connect(self._location_chosen)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)

        # Right: the filter bar and the list.
        self.model = AssetTableModel(self._fetch_page, page_size)
        self.search_box("assetSearch",
                        "Search tag, name, category, maker, model or serial  (Ctrl+F)")
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("assetStatusFilter")
        self.status_filter.addItem(ANY_STATUS, None)
        for value, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, value)
        self.status_filter.currentIndexChanged.connect(self._status_chosen)
        self.build()

    def body(self, table: QTableView) -> QWidget:
        """The location tree beside the filter bar and the list."""
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.count_label)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        stored = gui_settings().value(TREE_WIDTH_KEY, TREE_WIDTH)
        tree_width = int(stored) if str(stored).isdigit() else TREE_WIDTH
        self.splitter.setSizes([max(tree_width, TREE_MIN_WIDTH), 1000])
        self.splitter.splitterMoved.connect(self._remember_tree_width)
        return self.splitter

    def first_load(self) -> None:
        self._load_tree()
        self.tree.expandToDepth(1)  # all, sites and their buildings
        super().first_load()

    # -- layout ---------------------------------------------------------------------------
    def _remember_tree_width(self, _pos: int, _index: int) -> None:
        gui_settings().setValue(TREE_WIDTH_KEY, self.splitter.sizes()[0])

    def _build_actions(self) -> None:
        self.new_action = self.make_action("New asset…", self.new_asset,
                                           shortcut=QKeySequence.StandardKey.New)
        self.open_action = self.make_action("Edit…" if self.can_edit else "Open…",
                                            self.open_selected)
        self.add_location_action = self.make_action("Add location…", self.add_location)
        self.rename_location_action = self.make_action("Rename location…",
                                                       self.rename_location)
        self.add_site_action = self.make_action("Add site…", self.add_site)
        for action in (self.new_action, self.add_location_action, self.rename_location_action,
                       self.add_site_action):
            action.setVisible(self.can_edit)
            action.setEnabled(self.can_edit)
        self.row_actions = (self.open_action,)

    def toolbar_actions(self) -> list[QAction | None]:
        return [self.new_action, self.open_action, *([None] if self.can_edit else []),
                self.add_location_action, self.rename_location_action, self.add_site_action]

    def menu_actions(self) -> list[QAction | None]:
        return [self.open_action, *([self.new_action] if self.can_edit else [])]

    # -- reading --------------------------------------------------------------------------
    def _fetch_page(self, filters: AssetFilter, offset: int, limit: int, sort: str,
                    descending: bool) -> Sequence[AssetRow]:
        try:
            return register.list_assets(self.actor, filters.search, filters.location_id, True,
                                      filters.status, sort, descending, offset, limit)
        except KeepwellError as exc:
            self.count_label.setText(str(exc.message))
            return []

    def _load_tree(self) -> None:
        """Read the tree again, keeping the chosen location and what was open."""
        chosen = self.model.filter.location_id
        try:
            shown = self.tree.load(chosen)
        except KeepwellError as exc:  # the status bar's connection check says more
            self.count_label.setText(exc.message)
            return
        if shown != chosen:  # it is gone: show everything
            self.model.set_filter(location_id=None)

    def _location_chosen(self, location_id: int | None) -> None:
        self.model.set_filter(location_id=location_id)
        self.update_actions()

    def _status_chosen(self, _index: int) -> None:
        self.model.set_filter(status=self.status_filter.currentData())

    def apply_search(self) -> None:
        self.search_timer.stop()
        self.model.set_filter(search=self.search.text())

    def choose_location(self, location_id: int | None) -> None:
        """Select a location in the tree (None: all), which filters the list."""
        self.tree.choose_location(location_id)

    def update_count(self) -> None:
        filters = self.model.filter
        try:
            total = register.count_assets(self.actor, filters.search, filters.location_id, True,
                                        filters.status)
        except KeepwellError as exc:
            self.count_label.setText(exc.message)
            return
        noun = "asset" if total == 1 else "assets"
        place = self.tree_model.label(filters.location_id)
        if filters.search or filters.status:
            text = f"{total:,} {noun} match" if total else "No assets match"
        elif place:
            text = f"{total:,} {noun} in {place}" if total else f"No assets in {place}"
        else:
            text = f"{total:,} {noun}" if total else "No assets yet"
        self.count_label.setText(text)
        self.count_label.setToolTip(text)

    def chosen_location_id(self) -> int | None:
        return self.model.filter.location_id

    def update_actions(self) -> None:
        super().update_actions()
        row = self.selected()
        self.open_action.setToolTip(
            f"Open {row.tag} (Enter or double-click)" if row else "Choose an asset first")
        self.rename_location_action.setEnabled(
            self.can_edit and self.chosen_location_id() is not None)

    # -- refreshing -----------------------------------------------------------------------
    def reload_rows(self) -> None:
        """The tree and the list."""
        self._load_tree()
        super().reload_rows()  # counts again as it resets

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something shown here: the list and the open
        forms."""
        super().refresh_for(changed)
        for form in self.forms.values():
            form.refresh_for(changed)

    # -- menus ----------------------------------------------------------------------------
    def _tree_menu(self, pos: QPoint) -> None:
        if not self.can_edit:
            return
        menu = QMenu(self)
        menu.addAction(self.add_location_action)
        menu.addAction(self.rename_location_action)
        menu.addSeparator()
        menu.addAction(self.add_site_action)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    # -- the asset form -------------------------------------------------------------------
    def open_row(self, row: AssetRow) -> None:
        self.open_asset_id(row.id)

    def open_asset_id(self, asset_id: int) -> AssetForm | None:
        """Show the form of an asset (raising it if it is open already); the main window's
        global search and a form's sub-asset list call it. None when it cannot be read."""
        asset_id = int(asset_id)
        if (row := self.model.row_of(asset_id)) >= 0:
            self.table.selectRow(row)
        return self.forms.open(asset_id, self._asset_form)

    def new_asset(self) -> AssetForm | None:
        if not self.can_edit:
            return None
        return self.forms.open(None, self._asset_form)

    def _asset_form(self, asset_id: int | None) -> AssetForm | None:
        """A new form for the asset (None: a new asset, in the location chosen in the tree);
        None when the asset cannot be read, which is said in words."""
        if asset_id is None:
            form = AssetForm(self.actor, None, self, location_id=self.chosen_location_id())
        else:
            try:
                detail = register.get_asset(self.actor, asset_id)
            except KeepwellError as exc:
                show_error(self, exc)
                return None
            form = AssetForm(self.actor, detail, self)
        form.saved.connect(self._asset_saved)
        form.open_work_order.connect(self.open_work_order)
        form.open_asset.connect(self.open_asset_id)
        return form

    def _asset_saved(self, asset_id: int) -> None:
        self.refresh()
        if (row := self.model.row_of(asset_id)) >= 0:
            self.table.selectRow(row)
        notify(self, "Asset saved.")

    # -- locations ------------------------------------------------------------------------
    def add_site(self) -> None:
        dialog = AddSiteDialog(self.actor, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created is not None:
            notify(self, f"Added site {dialog.created.code}.")
            self._load_tree()

    def add_location(self) -> None:
        current = self.tree.currentIndex()
        dialog = AddLocationDialog(self.actor, self.tree.sites, self.tree.nodes,
                                   site_id=self.tree_model.site_id(current),
                                   parent_id=self.tree_model.location_id(current), parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created is not None:
            notify(self, f"Added location {dialog.created.code}.")
            self._load_tree()
            self.choose_location(dialog.created.id)

    def rename_location(self) -> None:
        node = self.tree_model.node(self.chosen_location_id())
        if node is None:
            return
        dialog = RenameLocationDialog(self.actor, node, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.renamed is not None:
            notify(self, f"Renamed location {dialog.renamed.code}.")
            self.refresh()
