"""The Work Requests screen: filing (with files), what each role sees, approving into a work
order, rejecting with a reason the requester reads, and two desks deciding at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QDialog, QMainWindow

from app.models import Asset, Attachment, AuditEvent, Location, Site, WorkOrder, WorkRequest
from app.permissions import Actor, Role
from app.services import requests
from app.services.work_orders import edit
from ui.requests.decisions import ApproveRequestDialog, RejectRequestDialog
from ui.requests.dialogs import NewRequestDialog
from ui.requests.screen import RequestsScreen
from ui.requests.table import COL_OUTCOME, COL_STATUS, RequestTableModel

SQL_TEXT = "Leak at O'Brien's \"pump\"; DROP TABLE work_request;-- 100%"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the drip"


@pytest.fixture
def plant(db: Any) -> dict[str, Any]:
    site = Site.create(code="RBP", name="Riverside")
    hall = Location.create(site=site, code="HALL", name="Filling hall")
    pump = Asset.create(tag="PMP-0001", name="Feed pump", location=hall)
    return {"hall": hall, "pump": pump}


@pytest.fixture
def rita(make_user) -> Actor:
    return make_user(Role.REQUESTER, "rita")


@pytest.fixture
def planner(make_user) -> Actor:
    return make_user(Role.PLANNER, "pat")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "drip.jpg"
    path.write_bytes(PHOTO)
    return path


@pytest.fixture
def open_screen(qtbot) -> Callable[[Actor], RequestsScreen]:
    """The screen in a main window of its own, so its status-bar messages can be read."""
    windows: list[QMainWindow] = []  # alive until the test ends

    def open_for(actor: Actor) -> RequestsScreen:
        window = QMainWindow()
        screen = RequestsScreen(actor)
        window.setCentralWidget(screen)
        qtbot.addWidget(window)
        windows.append(window)
        window.resize(1200, 750)
        window.show()
        return screen

    return open_for


def _status_bar(screen: RequestsScreen) -> str:
    window = screen.window()
    assert isinstance(window, QMainWindow)
    return window.statusBar().currentMessage()


def _select(screen: RequestsScreen, request_id: int) -> None:
    row = screen.model.row_of(request_id)
    assert row >= 0, "the request is not listed"
    screen.table.selectRow(row)
    assert screen.panel.detail is not None and screen.panel.detail.id == request_id


def _counts() -> tuple[int, ...]:
    return tuple(m.select().count() for m in (WorkRequest, Attachment, AuditEvent, WorkOrder))


def _file_with_photo(actor: Actor, plant: dict[str, Any], title: str = "Pump dripping"):
    filed = requests.file_request(actor, title, "Under the feed pump, since Monday",
                                  asset_id=plant["pump"].id, priority=2)
    requests.add_request_attachment(actor, filed.id, "drip.jpg", PHOTO, "image/jpeg")
    return requests.get_request(actor, filed.id)


# -- filing ---------------------------------------------------------------------------------


def test_a_requester_files_a_request_and_sees_only_their_own(
        open_screen, plant, rita, make_user, photo, answer_modal):
    other = requests.file_request(make_user(Role.REQUESTER, "otto"), "Otto's fan")
    screen = open_screen(rita)
    assert screen.model.rowCount() == 0 and screen.model.status is None  # All, not New
    assert screen.count_label.text() == "You have not filed any requests yet"
    assert not screen.mine_box.isVisible()

    def fill(dialog: NewRequestDialog) -> None:
        dialog.title.setText(SQL_TEXT)
        dialog.description.setPlainText("Drips onto the floor.\nSlippery!")
        dialog.asset.setText("pmp-0001")  # typed or scanned; any case
        dialog.priority.setCurrentIndex(dialog.priority.findData(2))
        dialog.add_paths([photo])
        dialog.save()

    answer_modal(NewRequestDialog, fill)
    screen.new_action.trigger()

    request = WorkRequest.get(WorkRequest.requester == rita.user_id)
    assert request.title == SQL_TEXT  # quotes and SQL stored as typed
    assert request.description == "Drips onto the floor.\nSlippery!"
    assert (request.asset_id, request.priority, request.status) == (plant["pump"].id, 2, "new")
    stored = Attachment.get(Attachment.work_request == request.id)
    assert (stored.filename, stored.media_type, bytes(stored.data)) == (
        "drip.jpg", "image/jpeg", PHOTO)
    assert [screen.model.row_at(r).id for r in range(screen.model.rowCount())] == [request.id]
    assert other.id not in {screen.model.row_at(r).id for r in range(screen.model.rowCount())}
    assert screen.selected() is not None and screen.selected().id == request.id
    assert screen.panel.heading.text() == f"{request.number}  {SQL_TEXT}"
    assert screen.panel.attachments.count() == 1
    assert screen.count_label.text() == "1 request of yours"
    assert _status_bar(screen) == f"Filed {request.number}. A planner will review it."


@pytest.mark.parametrize("title, asset, expected", [
    ("", "", ["Title is required."]),
    ("t" * 201, "", ["Title is 201 characters long; at most 200 are allowed."]),
    ("Leak", "NOPE-1", ["Asset 'NOPE-1' is not the tag of any asset."]),
    ("", "NOPE-1", ["Title is required.", "Asset 'NOPE-1' is not the tag of any asset."]),
])
def test_bad_input_is_named_per_field_and_nothing_is_written(
        qtbot, plant, rita, title, asset, expected):
    before = _counts()
    dialog = NewRequestDialog(rita)
    qtbot.addWidget(dialog)
    dialog.title.setText(title)
    dialog.asset.setText(asset)
    dialog.save()
    assert dialog.message.text().splitlines() == expected
    assert dialog.created is None and dialog.result() != QDialog.DialogCode.Accepted
    assert _counts() == before


def test_an_empty_file_is_refused_before_anything_is_filed(qtbot, plant, rita, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.touch()
    before = _counts()
    dialog = NewRequestDialog(rita)
    qtbot.addWidget(dialog)
    dialog.title.setText("Leak")
    dialog.add_paths([empty])
    dialog.save()
    assert dialog.message.text() == "empty.jpg is empty."
    assert dialog.created is None and _counts() == before
    dialog.remove_file()
    dialog.save()
    assert dialog.created is not None and dialog.result() == QDialog.DialogCode.Accepted


def test_choosing_an_asset_fills_in_where_it_stands(qtbot, plant, rita):
    dialog = NewRequestDialog(rita)
    qtbot.addWidget(dialog)
    dialog.asset.set_asset(None)
    dialog.asset.setText("PMP-0001")
    dialog.asset.asset_id()  # resolves the typed tag, as leaving the field does
    assert dialog.location.location_id() == plant["hall"].id


# -- what each role may do ------------------------------------------------------------------


def test_actions_follow_the_role_and_the_selection(open_screen, plant, rita, planner):
    waiting = requests.file_request(rita, "Leak")
    turned_down = requests.file_request(rita, "Noise")
    requests.reject_request(planner, turned_down.id, turned_down.version, "Normal for a pump")

    mine = open_screen(rita)
    assert mine.new_action.isEnabled()
    _select(mine, waiting.id)
    assert not mine.approve_action.isEnabled() and not mine.approve_action.isVisible()
    assert not mine.reject_action.isEnabled() and not mine.reject_action.isVisible()
    assert mine.panel.add_button.isEnabled()  # files may still be added to a new request
    mine.approve()  # even called directly, a requester's screen decides nothing
    assert WorkRequest.get_by_id(waiting.id).status == "new"

    desk = open_screen(planner)
    assert desk.model.status == "new" and desk.mine_box.isVisible()
    assert desk.table.isColumnHidden(COL_STATUS) and desk.table.isColumnHidden(COL_OUTCOME)
    assert not desk.approve_action.isEnabled()  # nothing selected
    _select(desk, waiting.id)
    assert desk.approve_action.isEnabled() and desk.reject_action.isEnabled()
    desk.status_box.setCurrentIndex(desk.status_box.findData(None))  # All
    assert desk.count_label.text() == "2 requests"
    assert not desk.table.isColumnHidden(COL_STATUS)
    _select(desk, turned_down.id)
    assert not desk.approve_action.isEnabled() and not desk.reject_action.isEnabled()
    assert not desk.panel.add_button.isEnabled()
    desk.mine_box.setChecked(True)
    assert desk.model.rowCount() == 0 and desk.count_label.text() == "No requests of yours"


# -- approving ------------------------------------------------------------------------------


def test_a_planner_approves_with_an_assignee_and_a_due_date(
        qtbot, open_screen, plant, rita, planner, make_user, answer_modal):
    tech = make_user(Role.TECHNICIAN, "tess")
    filed = _file_with_photo(rita, plant, SQL_TEXT)
    screen = open_screen(planner)
    _select(screen, filed.id)

    def fill(dialog: ApproveRequestDialog) -> None:
        assert dialog.title.text() == SQL_TEXT
        dialog.type.setCurrentIndex(dialog.type.findData("inspection"))
        dialog.assignee.set_user(tech.user_id)
        dialog.due_date.set_date(dt.date(2026, 7, 1))
        dialog.estimated_hours.setText("2,5")
        dialog.approve_and_open()

    answer_modal(ApproveRequestDialog, fill)
    with qtbot.waitSignal(screen.open_work_order, timeout=5000) as opened:
        screen.approve_action.trigger()

    order = WorkOrder.get(WorkOrder.requester == rita.user_id)
    assert opened.args == [order.id]
    assert (order.title, order.description) == (SQL_TEXT, "Under the feed pump, since Monday")
    assert (order.type, order.priority, order.assignee_id, order.due_date) == (
        "inspection", 2, tech.user_id, dt.date(2026, 7, 1))
    assert (order.asset_id, order.location_id) == (plant["pump"].id, plant["hall"].id)
    assert order.estimated_hours == Decimal("2.5")
    copied = Attachment.get(Attachment.work_order == order.id)
    assert (copied.filename, bytes(copied.data)) == ("drip.jpg", PHOTO)
    request = WorkRequest.get_by_id(filed.id)
    assert (request.status, request.work_order_id, request.decided_by_id) == (
        "approved", order.id, planner.user_id)
    assert _status_bar(screen) == f"Approved {filed.number}: work order {order.number} raised."
    assert screen.model.row_of(filed.id) == -1  # no longer waiting
    assert screen.panel.detail is None

    screen.status_box.setCurrentIndex(screen.status_box.findData("approved"))
    row = screen.model.row_of(filed.id)
    assert screen.model.index(row, COL_OUTCOME).data() == order.number


def test_approve_without_opening_emits_nothing(qtbot, open_screen, plant, rita, planner,
                                               answer_modal):
    filed = requests.file_request(rita, "Leak")
    screen = open_screen(planner)
    _select(screen, filed.id)
    answer_modal(ApproveRequestDialog, ApproveRequestDialog.approve)
    with qtbot.assertNotEmitted(screen.open_work_order):
        screen.approve_action.trigger()
    assert WorkRequest.get_by_id(filed.id).status == "approved"


def test_a_refused_approval_stays_open_and_writes_nothing(qtbot, plant, rita, planner):
    filed = requests.file_request(rita, "Leak")
    before = _counts()
    dialog = ApproveRequestDialog(planner, requests.get_request(planner, filed.id))
    qtbot.addWidget(dialog)
    dialog.title.clear()
    dialog.estimated_hours.setText("lots")
    dialog.approve()
    assert dialog.message.text().splitlines() == [
        "Title is required.", "Estimated hours must be a number of hours."]
    assert dialog.refusal is None and dialog.created is None
    assert _counts() == before


# -- rejecting ------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_and_the_requester_reads_it(
        open_screen, plant, rita, planner, answer_modal):
    filed = requests.file_request(rita, "Noisy fan", asset_id=plant["pump"].id)
    desk = open_screen(planner)
    _select(desk, filed.id)
    reason = "Covered by next week's PM; \"noise\" is normal -- see WR-1"

    def fill(dialog: RejectRequestDialog) -> None:
        dialog.save()  # no reason yet
        assert dialog.message.text() == "Reason is required."
        assert WorkRequest.get_by_id(filed.id).status == "new"
        dialog.reason.setPlainText(reason)
        dialog.save()

    answer_modal(RejectRequestDialog, fill)
    desk.reject_action.trigger()
    request = WorkRequest.get_by_id(filed.id)
    assert (request.status, request.reject_reason) == ("rejected", reason)
    assert _status_bar(desk) == f"Rejected {filed.number}; {rita.full_name} sees your reason."

    mine = open_screen(rita)
    row = mine.model.row_of(filed.id)
    assert mine.model.index(row, COL_OUTCOME).data() == reason
    _select(mine, filed.id)
    assert mine.panel.decision.text().endswith(f"Reason: {reason}")
    assert mine.panel.decision.text().startswith(f"Rejected by {planner.full_name} on ")


def test_cancelling_a_decision_changes_nothing(open_screen, plant, rita, planner, answer_modal):
    filed = requests.file_request(rita, "Leak")
    screen = open_screen(planner)
    _select(screen, filed.id)
    before = _counts()
    answer_modal(RejectRequestDialog, RejectRequestDialog.reject)
    screen.reject_action.trigger()
    answer_modal(ApproveRequestDialog, ApproveRequestDialog.reject)
    screen.approve_action.trigger()
    assert _counts() == before and screen.selected().id == filed.id


# -- two desks ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_another_desk_decided_first(qtbot, open_screen, plant, rita, planner, make_user,
                                    answer_modal, monkeypatch, action):
    supervisor = make_user(Role.SUPERVISOR, "sam")
    filed = requests.file_request(rita, "Leak")
    screen = open_screen(planner)
    _select(screen, filed.id)  # this desk reads the request ...
    first = edit.approve_request(supervisor, filed.id, filed.version)  # ... then
    before = _counts()
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(screen, "warn", lambda title, text: shown.append((title, text)))

    if action == "approve":
        answer_modal(ApproveRequestDialog, ApproveRequestDialog.approve)
        with qtbot.assertNotEmitted(screen.open_work_order):
            screen.approve_action.trigger()
    else:
        def give_reason(dialog: RejectRequestDialog) -> None:
            dialog.reason.setPlainText("Duplicate")
            dialog.save()

        answer_modal(RejectRequestDialog, give_reason)
        screen.reject_action.trigger()

    assert _counts() == before  # nothing duplicated, nothing overwritten
    request = WorkRequest.get_by_id(filed.id)
    assert (request.status, request.work_order_id) == ("approved", first.id)
    assert len(shown) == 1 and shown[0][0] == "Already decided"
    assert shown[0][1].startswith(f"Nothing was changed: {filed.number} was decided at another "
                                  "desk while you had it open.")
    assert f"Approved by {supervisor.full_name}" in shown[0][1] and first.number in shown[0][1]
    assert screen.model.row_of(filed.id) == -1  # the list shows what is true now


def test_changes_from_other_desks_refresh_the_list(open_screen, plant, rita, planner):
    first = requests.file_request(rita, "Leak")
    screen = open_screen(planner)
    _select(screen, first.id)
    second = requests.file_request(rita, "Noise")
    screen.refresh_for({"work_order": {"1"}})  # not shown here
    assert screen.model.row_of(second.id) == -1
    screen.refresh_for({"work_request": {str(second.id)}})
    assert screen.model.row_of(second.id) == 0
    assert screen.selected().id == first.id and screen.panel.detail.id == first.id
    assert screen.count_label.text() == "2 new requests"


# -- files ----------------------------------------------------------------------------------


def test_files_open_with_the_desktop_viewer(open_screen, plant, rita, planner, monkeypatch):
    filed = _file_with_photo(rita, plant)
    opened: list[Path] = []
    monkeypatch.setattr("ui.requests.detail.QDesktopServices.openUrl",
                        lambda url: opened.append(Path(url.toLocalFile())) or True)
    screen = open_screen(planner)
    _select(screen, filed.id)
    assert screen.panel.open_button.isEnabled()
    screen.panel.open_button.click()
    assert [p.name for p in opened] == ["drip.jpg"] and opened[0].read_bytes() == PHOTO

    opened.clear()
    mine = open_screen(rita)  # the requester opens the photo of their own request
    _select(mine, filed.id)
    assert mine.panel.attachments.count() == 1
    mine.panel.attachments.setCurrentRow(0)
    assert mine.panel.open_button.isEnabled()
    mine.panel.open_button.click()
    assert opened and opened[0].read_bytes() == PHOTO


def test_files_can_be_added_to_a_new_request(open_screen, plant, rita, photo, tmp_path,
                                             monkeypatch):
    filed = requests.file_request(rita, "Leak")
    big = tmp_path / "video.mp4"
    with big.open("wb") as out:
        out.truncate(11 * 1024 * 1024)
    screen = open_screen(rita)
    _select(screen, filed.id)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(screen, "warn", lambda title, text: shown.append((title, text)))
    monkeypatch.setattr(screen, "choose_files", lambda: [str(photo), str(big)])
    screen.panel.add_button.click()
    assert [a.filename for a in requests.get_request(rita, filed.id).attachments] == ["drip.jpg"]
    assert screen.panel.attachments.count() == 1
    assert shown == [("Some files were not added",
                      "video.mp4 is 11.0 MB; at most 10.0 MB can be stored. Leave it out or "
                      "make it smaller.")]


# -- the table model ------------------------------------------------------------------------


def test_request_model_pages_and_passes_qtmodeltester(qtmodeltester, plant, rita, planner):
    filed = [requests.file_request(rita, f"Leak {n}", asset_id=plant["pump"].id)
             for n in range(5)]
    requests.reject_request(planner, filed[1].id, filed[1].version, "Duplicate")

    def fetch(status: str | None, mine: bool, offset: int, limit: int):
        return requests.list_requests(planner, status, mine, offset, limit)

    model = RequestTableModel(fetch, page_size=2)
    model.reload()
    assert model.rowCount() == 2 and model.canFetchMore(QModelIndex())
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert [model.row_at(r).id for r in range(5)] == [f.id for f in reversed(filed)]
    qtmodeltester.check(model)

    rejected = RequestTableModel(fetch, page_size=2)
    rejected.set_filter("rejected", False)
    assert rejected.rowCount() == 1 and rejected.index(0, COL_OUTCOME).data() == "Duplicate"
    qtmodeltester.check(rejected)


def test_an_approved_request_opens_its_work_order(qtbot, open_screen, plant, rita, planner):

    filed = requests.file_request(rita, "Guard cracked")
    order = edit.approve_request(planner, filed.id, filed.version)
    screen = open_screen(planner)
    screen.status_box.setCurrentIndex(screen.status_box.findData("approved"))
    _select(screen, filed.id)
    with qtbot.waitSignal(screen.open_work_order) as opened:
        screen.table.activated.emit(screen.table.currentIndex())
    assert opened.args == [order.id]
