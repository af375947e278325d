"""The frame every list screen is built on (STYLE.md, "Shape of a screen"): the heading and the
count in words, a toolbar, a filter bar, a `QTableView` over a lazy table model, actions enabled
by permission and selection in the toolbar and the context menu, open on Enter or double-click,
and a refresh that keeps the selection and the scroll position when something changes.

A list screen is a `ListScreen` subclass. It provides:

- `title`, the heading; `table_spec`, a `TableSpec` (the table's object name, the column that
  stretches, the other columns' widths, and the sort it starts with when its model sorts in SQL);
  `watched`, the kinds of record (the change watcher's names) whose change reads the list again;
- an `__init__` that calls `super().__init__(actor, parent)`, then makes `self.model` (a
  `PagedTableModel`, or any model with `row_at`, `row_of` and `reload_at_least`), its actions
  (`make_action`, with `row_actions` listing those that need a row chosen) and its filter
  widgets (`search_box` gives the usual search field), and ends with `self.build(filter_bar)`,
  which lays the screen out and reads the first page;
- `toolbar_actions()` (and `menu_actions()` when the context menu differs), None for a
  separator; the toolbar's actions are also the screen's, so their keys work anywhere on it;
- `open_row(row)`: what Enter or a double-click does to a row (`open_selected()` opens the
  chosen one: connect an "Open" action to it);
- `update_actions()` when more than `row_actions` depends on what is chosen or on permissions
  (call `super().update_actions()` first), and `update_count()` to say how many rows match,
  which the frame calls each time the list is read again.

Optional hooks: `body(table)` puts something beside the table (a detail panel, a tree) and is
the place to wire more to the table before the first page is read; `reload_rows()` reads more
than the list on a refresh; `selection_changed()` shows more than the actions; `first_load()`
does what must come before the first page. `count_place` says where the count stands, and
`starts_at_top` whether a new sort or filter scrolls back to the top.

The model: `ui.common.table_model.PagedTableModel(fetch_page)` for a list that can grow large
(`fetch_page(offset, limit, sort_key, descending)` calls the subject's listing service and
returns light rows; the sort is done in SQL), or a `RowTableModel` with `set_rows()` for a list
that is always short (users). Either way the model's `columns` name the headers and `data()`
only formats a row: it never touches the database. The names in `watched` are the kinds of
record the audit trail writes (`audit.record(actor, "asset", ...)`), which the change watcher
(ui/shell/change_watcher.py) hands to `refresh_for()`.

The smallest list screen, for a subject `parts` (a table model `PartTableModel` over a
service `parts.list_parts`) looks like this; ui/users/screen.py is a real one:

    class PartsScreen(ListScreen):
        title = "Parts"
        table_spec = TableSpec("partTable", stretch=COL_NAME, widths={COL_NUMBER: 140},
                               sort=(COL_NUMBER, Qt.SortOrder.AscendingOrder))
        watched = frozenset({"part"})

        def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
            super().__init__(actor, parent)
            self.model = PartTableModel(lambda *page: parts.list_parts(self.actor, *page))
            self.new_action = self.make_action("New part…", self.new_part,
                                               shortcut=QKeySequence.StandardKey.New)
            self.open_action = self.make_action("Open", self.open_selected)
            self.row_actions = (self.open_action,)
            self.build(self.search_box("partSearch", "Search parts"))

        def toolbar_actions(self):
            return [self.new_action, None, self.open_action]

        def open_row(self, row):
            open_part_form(self.actor, row.id, parent=self)

        def apply_search(self):
            self.search_timer.stop()
            self.model.set_search(self.search.text())  # the model reads its first page again

The screen joins the navigation with a `ScreenSpec` in ui/shell/screens.py, through a factory
its subject's `__init__.py` exports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.permissions import Actor
from ui.common.column_fit import ColumnFitter
from ui.common.sort_header import SortArrowHeader

SEARCH_DELAY_MS = 250  # typing pauses this long before the list is read again
ROW_HEIGHT = 24


@dataclass(frozen=True)
class TableSpec:
    """How a list screen's table looks. `widths` are fixed starting widths (the user may drag
    them); `fitted` gives columns (narrowest, preferred) widths that a `ColumnFitter` keeps
    fitted as the table resizes, hiding `hidden_first` in that order when the stretching column
    would get less than `stretch_min`; `to_contents` columns are as wide as their longest text.
    `sort` is (column, order) for a model that sorts in SQL: the header then sorts on a click
    and shows the arrow; None for a model with one order (the headers do not sort)."""

    name: str
    stretch: int
    widths: Mapping[int, int] = field(default_factory=dict)
    fitted: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    hidden_first: Sequence[int] = ()
    stretch_min: int = 0
    to_contents: Sequence[int] = ()
    min_section: int | None = None
    sort: tuple[int, Qt.SortOrder] | None = None
    many: bool = False  # choose many rows at once (Ctrl/Shift-click)
    row_height: int = ROW_HEIGHT


class ListScreen(QWidget):
    """A list of records with its heading, count, toolbar, filter bar and table (see the
    module's docstring for what a subclass provides)."""

    title = ""
    table_spec: TableSpec
    watched: frozenset[str] = frozenset()
    # Where the count in words stands: "heading" (right of the title), "own" (the subclass puts
    # `count_label` in its filter bar) or "" (no count).
    count_place = "heading"
    starts_at_top = True  # False: reading the list again keeps the scroll position
    model: Any
    table: QTableView
    count_label: QLabel
    columns: ColumnFitter | None = None  # when `table_spec.fitted` is given
    search: QLineEdit
    search_timer: QTimer

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.row_actions: tuple[QAction, ...] = ()  # enabled while a row is chosen
        self._refreshing = False
        if self.count_place:
            self.count_label = QLabel()
            self.count_label.setObjectName("hintText")
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

    # -- building -------------------------------------------------------------------------
    def make_action(self, text: str, slot: Callable[[], object], *,
                    shortcut: QKeySequence.StandardKey | None = None,
                    tip: str = "") -> QAction:
        """An action of this screen that runs `slot`; put it in `toolbar_actions()`."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def search_box(self, name: str, placeholder: str) -> QLineEdit:
        """The search field (`self.search`): what is typed is applied by `apply_search()` after
        a pause, or at once on Enter; Ctrl+F goes to it. `apply_search` stops `search_timer`."""
        self.search = QLineEdit()
        self.search.setObjectName(name)
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self.search_timer.start)
        self.search.returnPressed.connect(self.apply_search)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        return self.search

    def build(self, filter_bar: QWidget | QLayout | None = None) -> None:
        """Lay the screen out (heading and count, toolbar, filter bar, the table taking the rest)
        and read the first page."""
        heading = QLabel(self.title)
        heading.setObjectName("screenTitle")
        for action in self.toolbar_actions():
            if action is None:
                self.toolbar.addSeparator()
                continue
            self.toolbar.addAction(action)
            self.addAction(action)  # the screen's own: a shortcut on it works anywhere on it
        self.table = self._make_table()
        body = self.body(self.table)

        layout = QVBoxLayout(self)
        if self.count_place == "heading":
            top = QHBoxLayout()
            top.addWidget(heading)
            top.addStretch(1)
            top.addWidget(self.count_label)
            layout.addLayout(top)
        else:
            layout.addWidget(heading)
        layout.addWidget(self.toolbar)
        if isinstance(filter_bar, QLayout):
            layout.addLayout(filter_bar)
        elif filter_bar is not None:
            layout.addWidget(filter_bar)
        layout.addWidget(body, 1)
        self.first_load()
        self.update_actions()

    def _make_table(self) -> QTableView:
        spec = self.table_spec
        table = QTableView()
        table.setObjectName(spec.name)
        if spec.sort is not None:
            table.setHorizontalHeader(SortArrowHeader(table))
        table.setModel(self.model)
        if spec.sort is not None:
            table.setSortingEnabled(True)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if spec.many
                               else QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(spec.row_height)
        header = table.horizontalHeader()
        if spec.min_section is not None:
            header.setMinimumSectionSize(spec.min_section)
        header.setSectionResizeMode(spec.stretch, QHeaderView.ResizeMode.Stretch)
        for col, width in spec.widths.items():
            table.setColumnWidth(col, width)
        for col in spec.to_contents:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        if spec.fitted:
            self.columns = ColumnFitter(table, dict(spec.fitted), spec.hidden_first,
                                        spec.stretch_min)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.activated.connect(self.row_activated)  # double-click or Enter
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self.update_count)
        if self.starts_at_top:
            self.model.modelReset.connect(table.scrollToTop)  # a new sort starts at its top
        self.model.modelReset.connect(self._selection_changed)  # a reset drops the selection
        return table

    # -- hooks ----------------------------------------------------------------------------
    def toolbar_actions(self) -> Sequence[QAction | None]:
        """The toolbar's actions in order; None: a separator."""
        return ()

    def menu_actions(self) -> Sequence[QAction | None]:
        """The table's context menu; None: a separator."""
        return self.toolbar_actions()

    def body(self, table: QTableView) -> QWidget:
        """What fills the screen under the filter bar: the table, or the table with what goes
        beside it."""
        return table

    def first_load(self) -> None:
        if self.table_spec.sort is not None:
            column, order = self.table_spec.sort
            self.table.horizontalHeader().setSortIndicator(column, order)  # reads the first page
        else:
            self.reload_rows()

    def reload_rows(self) -> None:
        """Read the list again, at least as far as it was scrolled."""
        self.model.reload_at_least(self.model.rowCount())

    def update_count(self) -> None:
        """Say in `count_label` how many rows there are (after the list was read again)."""

    def update_actions(self) -> None:
        chosen = bool(self.table.selectionModel().selectedRows())
        for action in self.row_actions:
            action.setEnabled(chosen)

    def selection_changed(self) -> None:
        self.update_actions()

    def open_row(self, row: Any) -> None:
        """Enter or a double-click on `row`."""

    def apply_search(self) -> None:
        """Show what `search` asks for (a screen with a `search_box` says how)."""

    # -- what the frame does --------------------------------------------------------------
    def row_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_row(self.model.row_at(index.row()))

    def open_selected(self) -> None:
        index = self.table.currentIndex()
        if self.selected() is not None and index.isValid():
            self.row_activated(index)

    def selected(self) -> Any:
        """The row chosen (the first of them), or None."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def selected_rows(self) -> list[Any]:
        """The rows chosen, top to bottom, leaving out those still being read."""
        found = []
        for r in sorted(i.row() for i in self.table.selectionModel().selectedRows()):
            try:
                found.append(self.model.row_at(r))
            except IndexError:
                continue  # still loading
        return found

    def refresh(self, select_id: int | None = None) -> None:
        """Read again what is on screen, keeping the selection (or choosing `select_id`) and
        the scroll position."""
        current = self.selected()
        keep = select_id if select_id is not None else (current.id if current else None)
        scroll = self.table.verticalScrollBar().value()
        self._refreshing = True
        try:
            self.reload_rows()
            if keep is not None and (row := self.model.row_of(keep)) >= 0:
                self.table.selectRow(row)
        finally:
            self._refreshing = False
        if select_id is None:
            self.table.verticalScrollBar().setValue(scroll)  # after selecting, which scrolls
        self.selection_changed()

    def refresh_for(self, changed: dict[str, set[str]]) -> None:
        """Another desk (or this one) changed something shown here."""
        if changed.keys() & self.watched:
            self.refresh()

    def _selection_changed(self, *_args: object) -> None:
        if not self._refreshing:  # refresh() shows what is chosen once it is done
            self.selection_changed()

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for action in self.menu_actions():
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))
