"""The Assets screen: the location tree filters the list (sub-locations included), the text
search and status filter narrow it in SQL, headers sort in SQL, rows arrive in pages; the
models pass qtmodeltester; what each role may do shows in the toolbar."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QMessageBox, QStyleOptionHeader

from app.models import Asset
from app.permissions import Role
from app.services.assets import locations, register
from ui.assets.locations_model import LocationTreeModel
from ui.assets.screen import COLUMN_WIDTHS, HIDDEN_FIRST, NAME_MIN, TREE_WIDTH, AssetsScreen
from ui.assets.table import (
    COL_CATEGORY,
    COL_LOCATION,
    COL_MANUFACTURER,
    COL_NAME,
    COL_PARENT,
    COL_STATUS,
    COL_TAG,
    AssetFilter,
    AssetTableModel,
)
from ui.common.column_fit import fitted_widths as fit


@pytest.fixture
def plant(db, admin) -> dict[str, Any]:
    """RBP: HALL (building) > L1 (area) > L1-R (room); UTIL (building). 12 assets in L1, 5 in
    the room below it, 3 in the hall itself, 8 in UTIL, 2 not placed: 30 in all."""
    site = locations.add_site(admin, "rbp", "Riverside")
    hall = locations.add_location(admin, site.id, None, "HALL", "Filling hall", "building")
    line = locations.add_location(admin, site.id, hall.id, "L1", "Line 1", "area")
    room = locations.add_location(admin, site.id, line.id, "L1-R", "Pump room", "room")
    util = locations.add_location(admin, site.id, None, "UTIL", "Utilities", "building")
    rows = []
    for i, (where, status) in enumerate(
            [(line, "in_service")] * 12 + [(room, "down")] * 5 + [(hall, "in_service")] * 3
            + [(util, "retired")] * 8 + [(None, "in_service")] * 2, start=1):
        rows.append(dict(tag=f"A-{i:03d}", name=f"{'Feed pump' if i % 2 else 'Conveyor'} {i:02d}",
                         category="Pumps" if i % 2 else "Conveyors", criticality="ABC"[i % 3],
                         status=status, location=where.id if where else None,
                         manufacturer="Grundfos" if i % 4 == 0 else "KSB"))
    Asset.insert_many(rows).execute()
    return {"site": site, "hall": hall, "line": line, "room": room, "util": util}


def _screen(qtbot, actor, page_size: int = 200) -> AssetsScreen:
    screen = AssetsScreen(actor, page_size=page_size)
    qtbot.addWidget(screen)
    screen.resize(1200, 750)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def _fetch_all(model) -> None:
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())


def _tags(screen: AssetsScreen) -> list[str]:
    _fetch_all(screen.model)
    return [screen.model.row_at(r).tag for r in range(screen.model.rowCount())]


def _click_location(qtbot, screen: AssetsScreen, location_id: int | None) -> None:
    index = screen.tree_model.index_of_location(location_id)
    parent = index.parent()
    while parent.isValid():
        screen.tree.expand(parent)
        parent = parent.parent()
    screen.tree.scrollTo(index)
    qtbot.mouseClick(screen.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=screen.tree.visualRect(index).center())


def test_the_tree_shows_sites_and_locations_with_asset_counts(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    tree = screen.tree_model
    everything = tree.all_index()
    assert everything.data() == "All locations"
    assert tree.index(0, 1, everything.parent()).data() == "30"
    site = tree.index(0, 0, everything)
    assert site.data() == "Riverside" and tree.index(0, 1, everything).data() == "28"
    hall = tree.index_of_location(plant["hall"].id)
    assert hall.parent() == site
    assert hall.siblingAtColumn(1).data() == "20"  # 3 here, 12 in Line 1, 5 in its room
    assert "3 assets here, 20 with the locations below" in hall.data(Qt.ItemDataRole.ToolTipRole)
    assert tree.index_of_location(plant["room"].id).parent() == \
        tree.index_of_location(plant["line"].id)
    assert screen.tree.selectionModel().isSelected(everything)
    assert screen.count_label.text() == "30 assets"


def test_choosing_a_location_lists_it_and_everything_below(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    _click_location(qtbot, screen, plant["hall"].id)
    assert screen.count_label.text() == "20 assets in Filling hall"
    assert len(_tags(screen)) == 20
    assert {screen.model.row_at(r).location_code for r in range(20)} == {"HALL", "L1", "L1-R"}

    _click_location(qtbot, screen, plant["room"].id)
    assert screen.count_label.text() == "5 assets in Pump room"
    assert _tags(screen) == ["A-013", "A-014", "A-015", "A-016", "A-017"]

    _click_location(qtbot, screen, None)
    assert screen.count_label.text() == "30 assets" and len(_tags(screen)) == 30


def test_a_site_heading_is_not_a_filter(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    _click_location(qtbot, screen, plant["util"].id)
    site = screen.tree_model.index(0, 0, screen.tree_model.all_index())
    qtbot.mouseClick(screen.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=screen.tree.visualRect(site).center())
    assert screen.count_label.text() == "8 assets in Utilities"  # still the chosen location


def test_search_and_status_filter_in_sql(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    qtbot.keyClicks(screen.search, "feed PUMP")
    qtbot.waitUntil(lambda: screen.model.filter.search == "feed PUMP", timeout=3000)
    assert screen.count_label.text() == "15 assets match"
    assert all(screen.model.row_at(r).name.startswith("Feed pump") for r in range(15))

    screen.status_filter.setCurrentIndex(screen.status_filter.findData("down"))
    assert screen.count_label.text() == "3 assets match"  # odd-numbered of A-013..A-017
    assert _tags(screen) == ["A-013", "A-015", "A-017"]

    screen.search.setText("Robert'); DROP TABLE asset;--")
    screen.apply_search()
    assert screen.count_label.text() == "No assets match"
    screen.search.clear()
    screen.apply_search()
    screen.status_filter.setCurrentIndex(0)
    assert screen.count_label.text() == "30 assets"


def test_clicking_a_header_sorts_in_sql(qtbot, plant, admin):
    screen = _screen(qtbot, admin, page_size=10)
    header = screen.table.horizontalHeader()
    name = QPoint(header.sectionViewportPosition(COL_NAME) + header.sectionSize(COL_NAME) // 2,
                  header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=name)  # ascending
    assert screen.model.row_at(0).name == "Conveyor 02"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=name)  # descending
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == \
        (COL_NAME, Qt.SortOrder.DescendingOrder)
    # Only the first page is here, and it is the top of the whole register by name, descending:
    # the database sorted it, not the view.
    assert screen.model.rowCount() == 10
    names = [screen.model.row_at(r).name for r in range(10)]
    everything = sorted((a.name for a in Asset.select()), reverse=True)
    assert names == everything[:10]
    assert names[0] == "Feed pump 29"

    screen.table.sortByColumn(COL_TAG, Qt.SortOrder.DescendingOrder)
    assert screen.model.row_at(0).tag == "A-030"


def test_rows_arrive_in_pages_as_the_view_scrolls(qtbot, plant, admin):
    screen = _screen(qtbot, admin, page_size=10)
    model = screen.model
    assert model.rowCount() == 10 and screen.count_label.text() == "30 assets"
    screen.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 10, timeout=3000)
    screen.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 20, timeout=3000)
    screen.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.all_fetched, timeout=3000)
    assert model.rowCount() == 30
    assert [model.row_at(r).tag for r in range(30)] == [f"A-{i:03d}" for i in range(1, 31)]


def test_a_refresh_keeps_the_selection_and_shows_new_assets(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    _click_location(qtbot, screen, plant["line"].id)
    screen.table.selectRow(3)
    chosen = screen.selected().tag
    new = register.add_asset(admin, "A-000", "New pump", location_id=plant["line"].id)
    screen.refresh_for({"asset": {str(new.id)}})
    assert screen.count_label.text() == "18 assets in Line 1"
    assert screen.selected().tag == chosen
    assert screen.tree_model.index_of_location(plant["line"].id).siblingAtColumn(1).data() == \
        "18"


def _asset_model(admin) -> AssetTableModel:
    return AssetTableModel(
        lambda f, offset, limit, sort, desc: register.list_assets(
            admin, f.search, f.location_id, True, f.status, sort, desc, offset, limit),
        page_size=7)


def test_models_pass_qtmodeltester(qtmodeltester, plant, admin):
    model = _asset_model(admin)
    model.reload()
    qtmodeltester.check(model)
    _fetch_all(model)
    assert model.rowCount() == 30

    narrowed = _asset_model(admin)
    narrowed.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert narrowed.set_filter(location_id=plant["line"].id, status="in_service")
    assert not narrowed.set_filter(search="  ")  # nothing changed: nothing fetched again
    assert narrowed.filter == AssetFilter(location_id=plant["line"].id, status="in_service")
    qtmodeltester.check(narrowed)
    _fetch_all(narrowed)
    assert narrowed.rowCount() == 12  # the room below Line 1 holds the 5 that are down

    tree = LocationTreeModel()
    tree.set_tree(locations.list_sites(admin), locations.location_tree(admin), 30)
    qtmodeltester.check(tree)
    tree.set_tree([], [], 0)
    qtmodeltester.check(tree)


@pytest.mark.parametrize("role", [Role.REQUESTER, Role.TECHNICIAN, Role.SUPERVISOR])
def test_who_may_not_manage_assets_sees_no_new_or_location_actions(qtbot, plant, make_user,
                                                                   role):
    screen = _screen(qtbot, make_user(role))
    assert not screen.new_action.isVisible() and not screen.new_action.isEnabled()
    assert not screen.add_location_action.isVisible()
    assert screen.open_action.text() == "Open…"
    assert not screen.open_action.isEnabled()  # nothing chosen yet
    screen.table.selectRow(0)
    assert screen.open_action.isEnabled()
    assert screen.count_label.text() == "30 assets"  # everyone signed in may look


def test_a_planner_may_manage_assets(qtbot, plant, make_user):
    screen = _screen(qtbot, make_user(Role.PLANNER))
    assert screen.new_action.isVisible() and screen.new_action.isEnabled()
    assert screen.open_action.text() == "Edit…"
    assert screen.add_location_action.isEnabled()
    assert not screen.rename_location_action.isEnabled()  # "All locations" is chosen
    _click_location(qtbot, screen, plant["util"].id)
    assert screen.rename_location_action.isEnabled()


def test_double_click_and_enter_open_the_asset(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    rect = screen.table.visualRect(screen.model.index(2, COL_TAG))
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    form = screen.forms[screen.model.row_at(2).id]
    assert form.isVisible() and form.tag.text() == "A-003"
    form.close()
    assert not screen.forms
    screen.table.setFocus()
    screen.table.selectRow(4)
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert screen.forms[screen.model.row_at(4).id].tag.text() == "A-005"


def test_adding_a_location_under_the_chosen_one(qtbot, plant, admin, answer_modal):
    from ui.assets.locations import AddLocationDialog

    screen = _screen(qtbot, admin)
    _click_location(qtbot, screen, plant["hall"].id)

    def fill(dialog: AddLocationDialog) -> None:
        assert dialog.within.currentData() == plant["hall"].id
        dialog.code.setText("l2")
        dialog.name.setText("Line 2")
        dialog.save()

    answer_modal(AddLocationDialog, fill)
    screen.add_location_action.trigger()
    node = next(n for n in locations.location_tree(admin) if n.code == "L2")
    assert node.parent_id == plant["hall"].id and node.kind == "area"
    assert screen.count_label.text() == "No assets in Line 2"
    assert screen.tree.currentIndex() == screen.tree_model.index_of_location(node.id)


def test_renaming_a_location_and_adding_a_site(qtbot, plant, admin, answer_modal):
    from ui.assets.locations import AddSiteDialog, RenameLocationDialog

    screen = _screen(qtbot, admin)
    _click_location(qtbot, screen, plant["util"].id)

    def rename(dialog: RenameLocationDialog) -> None:
        dialog.name.setText("Utilities & boiler house")
        dialog.save()

    answer_modal(RenameLocationDialog, rename)
    screen.rename_location_action.trigger()
    assert screen.count_label.text() == "8 assets in Utilities & boiler house"
    assert screen.tree.currentIndex().data() == "Utilities & boiler house"

    refused = []

    def add_site(dialog: AddSiteDialog) -> None:
        dialog.code.setText("rbp")
        dialog.name.setText("Twice")
        dialog.save()
        refused.append(dialog.message.text())
        dialog.code.setText("north")
        dialog.name.setText("North works")
        dialog.save()

    answer_modal(AddSiteDialog, add_site)
    screen.add_site_action.trigger()
    assert refused == ["Code 'RBP' is already used by another site."]
    sites = [screen.tree_model.index(r, 0, screen.tree_model.all_index()).data()
             for r in range(screen.tree_model.rowCount(screen.tree_model.all_index()))]
    assert sites == ["North works", "Riverside"]  # by code
    assert screen.count_label.text() == "8 assets in Utilities & boiler house"  # kept


# -- layout -------------------------------------------------------------------------------------

def _resized(qtbot, screen: AssetsScreen, width: int) -> None:
    viewport = screen.table.viewport()
    before = viewport.width()
    if screen.width() == width:
        return
    screen.resize(width, 700)
    # The columns are fitted as the list's viewport takes its new width.
    qtbot.waitUntil(lambda: viewport.width() != before, timeout=3000)


@pytest.mark.parametrize("width", [1280, 1076, 1024, 820])  # alone, and beside the navigation
def test_names_stay_readable_and_nothing_scrolls_sideways(qtbot, plant, admin, width):
    screen = _screen(qtbot, admin)
    _resized(qtbot, screen, width)
    header = screen.table.horizontalHeader()
    assert header.sectionSize(COL_NAME) >= NAME_MIN
    assert screen.table.horizontalScrollBar().maximum() == 0
    for col in (COL_TAG, COL_STATUS, COL_LOCATION):  # never hidden
        assert not screen.table.isColumnHidden(col)
        assert header.sectionSize(col) >= COLUMN_WIDTHS[col][0]
    if width >= 1024:
        assert not any(screen.table.isColumnHidden(c) for c in range(header.count()))
    if width == 1280:  # room for everything: the others at their preferred widths
        assert all(header.sectionSize(col) == wanted
                   for col, (_least, wanted) in COLUMN_WIDTHS.items())
    _resized(qtbot, screen, 1400)  # and wider: hidden columns return
    assert not any(screen.table.isColumnHidden(c) for c in range(header.count()))


def test_fitting_gives_name_its_room_before_the_others_their_wishes():
    def fitted_widths(available, wanted, narrowest):
        return fit(available, wanted, narrowest, HIDDEN_FIRST, NAME_MIN)

    narrowest = {col: least for col, (least, _wanted) in COLUMN_WIDTHS.items()}
    wanted = {col: wish for col, (_least, wish) in COLUMN_WIDTHS.items()}
    roomy = sum(wanted.values()) + NAME_MIN + 100
    assert fitted_widths(roomy, wanted, narrowest) == wanted
    tight = fitted_widths(sum(wanted.values()) + NAME_MIN - 100, wanted, narrowest)
    assert sum(tight.values()) <= sum(wanted.values()) - 100
    assert all(narrowest[c] <= tight[c] <= wanted[c] for c in wanted)
    cramped = fitted_widths(sum(narrowest.values()) + NAME_MIN - 100, wanted, narrowest)
    assert cramped[COL_PARENT] == 0 and cramped[COL_MANUFACTURER] == 0  # stepped aside
    assert cramped[COL_CATEGORY] > 0 and cramped[COL_TAG] >= narrowest[COL_TAG]


def test_a_column_the_user_widens_keeps_its_width(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    _resized(qtbot, screen, 1280)
    header = screen.table.horizontalHeader()
    header.resizeSection(COL_LOCATION, 210)  # as a drag does
    _resized(qtbot, screen, 1320)
    assert header.sectionSize(COL_LOCATION) == 210


def test_the_tree_is_roomy_and_remembers_its_width(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    assert screen.splitter.sizes()[0] == TREE_WIDTH
    assert screen.tree.header().isHidden()
    screen.tree.expandAll()
    room = screen.tree_model.index_of_location(plant["room"].id)
    assert screen.tree.visualRect(room).height() >= screen.table.rowHeight(0) == 24
    # "Pump room" four levels down is shown whole, its count beside it.
    name_rect = screen.tree.visualRect(room)
    assert name_rect.width() >= screen.tree.fontMetrics().horizontalAdvance("Pump room") + 8
    screen.splitter.moveSplitter(330, 1)  # the user drags the splitter
    assert screen.splitter.sizes()[0] == 330
    screen.close()

    again = _screen(qtbot, admin)
    assert again.splitter.sizes()[0] == 330


def test_statuses_are_words_in_the_list_and_the_filter(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    _fetch_all(screen.model)
    shown = {screen.model.index(r, COL_STATUS).data() for r in range(screen.model.rowCount())}
    assert shown == {"In service", "Down", "Retired"}
    assert [screen.status_filter.itemText(i) for i in range(screen.status_filter.count())] == \
        ["All statuses", "In service", "Down", "Retired"]


def test_the_sort_arrow_points_up_for_a_to_z(qtbot, plant, admin):
    screen = _screen(qtbot, admin)
    header = screen.table.horizontalHeader()
    option = QStyleOptionHeader()
    header.initStyleOptionForIndex(option, COL_TAG)
    assert option.sortIndicator == QStyleOptionHeader.SortIndicator.SortUp
    assert screen.model.headerData(COL_TAG, Qt.Orientation.Horizontal,
                                   Qt.ItemDataRole.ToolTipRole) == \
        "Sorted by Tag, A to Z. Click to reverse."
    assert screen.model.headerData(COL_NAME, Qt.Orientation.Horizontal,
                                   Qt.ItemDataRole.ToolTipRole) == "Click to sort by Name"


# -- opening an asset from elsewhere ------------------------------------------------------------

def test_open_asset_id_from_outside_opens_raises_and_refuses_in_words(qtbot, plant, admin,
                                                                      answer_modal):
    """The main window's global search calls open_asset_id on a screen it may not have shown."""
    screen = AssetsScreen(admin)
    qtbot.addWidget(screen)
    wanted = Asset.get(Asset.tag == "A-014")
    form = screen.open_asset_id(wanted.id)
    assert form is not None
    qtbot.waitExposed(form)
    assert form.tag.text() == "A-014" and screen.forms == {wanted.id: form}
    assert screen.selected().tag == "A-014"  # the list shows which one is open
    assert screen.open_asset_id(wanted.id) is form  # asked again: the same form, raised

    seen = []

    def answer(box: QMessageBox) -> None:
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()

    answer_modal(QMessageBox, answer)
    assert screen.open_asset_id(999_999) is None  # gone meanwhile: said in words
    assert seen and "999999" in seen[0] and list(screen.forms) == [wanted.id]
    form.close()
    assert not screen.forms
