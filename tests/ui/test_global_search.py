"""The global search box: a scanned number and Enter open the order; words drop down hits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.models import Asset
from app.services.work_orders import edit
from ui.shell.global_search import GlobalSearch


@pytest.fixture
def box(qtbot, db, admin) -> GlobalSearch:
    widget = GlobalSearch(admin)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_scanned_number_and_enter_open_the_order(qtbot, box, admin):
    order = edit.create_work_order(admin, "Replace conveyor belt")
    box.setFocus()
    qtbot.keyClicks(box, order.number.lower())
    with qtbot.waitSignal(box.open_work_order) as opened:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert opened.args == [order.id]
    assert box.text() == "" and not box.popup.isVisible()


def test_words_drop_down_hits_and_enter_opens_the_first(qtbot, box, admin):
    pump = Asset.create(tag="PMP-0001", name="Feed pump")
    order = edit.create_work_order(admin, "Seal leaking", asset_id=pump.id)
    qtbot.keyClicks(box, "leak")
    qtbot.waitUntil(box.popup.isVisible, timeout=3000)
    assert box.results.rowCount() == 1
    assert order.number in box.results.item(0).text()
    with qtbot.waitSignal(box.open_work_order) as opened:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert opened.args == [order.id]

    qtbot.keyClicks(box, "pmp-0001 ")
    box.find()
    assert box.hits[0].kind == "asset"
    with qtbot.waitSignal(box.open_asset) as chosen:
        box.completer_.activated[QModelIndex].emit(box.results.index(0, 0))
    assert chosen.args == [pump.id]


def test_nothing_found_says_so(qtbot, box):
    qtbot.keyClicks(box, "zeppelin")
    box.find()
    assert box.popup.isVisible()
    assert box.results.item(0).text() == "Nothing found for “zeppelin”"
    assert not box.results.item(0).flags() & Qt.ItemFlag.ItemIsSelectable
