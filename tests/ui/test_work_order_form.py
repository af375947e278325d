"""The work-order form's header: editing and saving only what changed, refusals under their
fields with nothing written, another desk's save never overwritten, unsaved edits asked about,
and raising a new order."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.models import Asset, AuditEvent, Location, Site, WorkOrder
from app.permissions import Actor, Role
from app.services.assets import meters
from app.services.pm import run, schedules
from app.services.work_orders import edit, lifecycle
from app.services.work_orders.fields import TaskSpec
from ui.common.form_widgets import READ_ONLY_BACKGROUND
from ui.work_orders.conflicts import ConflictBox, UnsavedBox
from ui.work_orders.form import WorkOrderForm

SQLISH = "Robert'); DROP TABLE work_order;-- \"quoted\" 100% _x_"


@pytest.fixture
def plant(db: Any) -> dict[str, Any]:
    site = Site.create(code="RBP", name="Riverside")
    hall = Location.create(site=site, code="HALL", name="Filling hall")
    boiler_house = Location.create(site=site, code="BH", name="Boiler house")
    pump = Asset.create(tag="PMP-0001", name="Feed pump", location=hall)
    boiler = Asset.create(tag="BLR-0001", name="Steam boiler", location=boiler_house)
    return {"hall": hall, "boiler_house": boiler_house, "pump": pump, "boiler": boiler}


@pytest.fixture
def people(admin: Actor, make_user: Callable[..., Actor]) -> dict[str, Actor]:
    return {
        "admin": admin,
        "planner": make_user(Role.PLANNER, "pia"),
        "supervisor": make_user(Role.SUPERVISOR, "sue"),
        "tess": make_user(Role.TECHNICIAN, "tess", hourly_rate="40.00"),
        "tom": make_user(Role.TECHNICIAN, "tom"),
    }


def new_order(actor: Actor, title: str = "Seal leaking", **fields: Any):
    return edit.create_work_order(actor, title, **fields)


def assigned_order(actor: Actor, assignee: Actor, **fields: Any):
    """Raised with who does it, which assigns it."""
    return edit.create_work_order(actor, fields.pop("title", "Seal leaking"),
                                  assignee_id=assignee.user_id, **fields)


@pytest.fixture
def open_form(qtbot) -> Iterator[Callable[[Actor, int | None], WorkOrderForm]]:
    """Opens forms, and at the end closes them without the unsaved-edits question."""
    forms: list[WorkOrderForm] = []

    def open_(actor: Actor, wo_id: int | None) -> WorkOrderForm:
        form = WorkOrderForm(actor, wo_id)
        with qtbot.waitActive(form):  # shortcuts (Ctrl+S) go to the active window
            form.show()
            form.activateWindow()
        forms.append(form)
        return form

    yield open_
    for form in forms:
        form.done(0)
        form.deleteLater()


def row(wo_id: int) -> WorkOrder:
    return WorkOrder.get_by_id(wo_id)


def audit_count() -> int:
    return AuditEvent.select().count()


def error_under(form: WorkOrderForm, field: str) -> str:
    box = form.header.boxes[field]
    return box.error.text() if box.error.isVisible() else ""


def looks_read_only(field: QWidget) -> bool:
    """Painted with the read-only background, not the white of a field to fill in."""
    inside = QPoint(field.width() - 4, field.height() // 2)  # clear of the text
    return field.grab().toImage().pixelColor(inside).name() == READ_ONLY_BACKGROUND


def text_fields(form: WorkOrderForm) -> list[QWidget]:
    header = form.header
    return [header.title, header.asset, header.estimated_hours, header.due_date.edit,
            header.planned_start.edit, header.description, header.completion_notes]


# --- editing ----------------------------------------------------------------------------------


def test_save_writes_exactly_the_changed_fields(qtbot, plant, people, open_form):
    planner = people["planner"]
    wo = new_order(planner, description="Drips at the gland.", asset_id=plant["pump"].id,
                   due_date="2026-05-04")
    form = open_form(planner, wo.id)
    assert form.number.text() == wo.number and form.badge.text() == "Open"
    assert form.header.title.text() == "Seal leaking"
    assert form.header.asset.text() == "PMP-0001 — Feed pump"
    assert not form.save_button.isEnabled()  # nothing changed yet

    form.header.title.setFocus()
    form.header.title.selectAll()
    qtbot.keyClicks(form.header.title, "Seal leaking badly")
    form.header.priority.setCurrentIndex(form.header.priority.findData(1))
    assert form.save_button.isEnabled() and form.notice.text() == "Unsaved changes"
    with qtbot.waitSignal(form.changed) as changed:
        qtbot.keyClick(form.header.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert changed.args == [wo.id]
    stored = row(wo.id)
    assert (stored.title, stored.priority, stored.version) == ("Seal leaking badly", 1,
                                                              wo.version + 1)
    assert (stored.description, stored.asset_id) == ("Drips at the gland.", plant["pump"].id)
    assert stored.due_date == dt.date(2026, 5, 4)
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.action == "updated"
    assert set(json.loads(event.changes)) == {"title", "priority"}
    assert form.notice.text() == "Saved" and not form.is_dirty()
    assert form.windowTitle() == f"{wo.number}: Seal leaking badly"


def test_a_new_asset_brings_its_location(qtbot, plant, people, open_form):
    wo = new_order(people["planner"], asset_id=plant["pump"].id)
    form = open_form(people["planner"], wo.id)
    assert form.header.location.location_id() == plant["hall"].id
    form.header.asset.setFocus()
    form.header.asset.selectAll()
    qtbot.keyClicks(form.header.asset, "blr-0001")
    qtbot.keyClick(form.header.asset, Qt.Key.Key_Return)  # Enter chooses; the form stays
    assert form.isVisible()
    assert form.header.location.location_id() == plant["boiler_house"].id
    assert form.save()
    assert (row(wo.id).asset_id, row(wo.id).location_id) == (plant["boiler"].id,
                                                             plant["boiler_house"].id)


@pytest.mark.parametrize(("field", "enter", "expected"), [
    ("title", {"title": "   "}, "Title is required."),
    ("title", {"title": "x" * 201}, "Title is 201 characters long; at most 200 are allowed."),
    ("planned_start", {"planned_start": "2026-06-10", "due_date": "2026-06-01"},
     "Planned start (2026-06-10) is after the due date (2026-06-01)."),
    ("due_date", {"due_date": "next week"}, "Due date must be a date written YYYY-MM-DD"),
    ("estimated_hours", {"estimated_hours": "-3"}, "Estimated hours must be from 0"),
    ("asset_id", {"asset": "NOPE-1"}, "Asset 'NOPE-1' is not the tag of any asset."),
])
def test_bad_input_is_named_under_its_field_and_nothing_is_written(
        qtbot, plant, people, open_form, field, enter, expected):
    wo = new_order(people["planner"], asset_id=plant["pump"].id)
    before, events = row(wo.id).__data__, audit_count()
    form = open_form(people["planner"], wo.id)
    header = form.header
    header.priority.setCurrentIndex(header.priority.findData(2))  # a good change alongside
    for name, text in enter.items():
        widget = getattr(header, name)
        target = widget.edit if hasattr(widget, "edit") else widget
        target.setFocus()
        target.clear()
        qtbot.keyClicks(target, text)

    with qtbot.assertNotEmitted(form.changed):
        assert form.save_button.isEnabled()
        form.save_button.click()

    assert error_under(form, field).startswith(expected)
    assert form.message.text().startswith("Not saved. Please check:")
    others = [n for n in header.boxes if n != field and error_under(form, n)]
    assert others == []
    assert row(wo.id).__data__ == before and audit_count() == events
    assert form.isVisible() and form.is_dirty()  # the edits stay, to be corrected
    assert header.priority.currentData() == 2


def test_quotes_and_sql_are_stored_as_typed(qtbot, plant, people, open_form):
    wo = new_order(people["planner"])
    form = open_form(people["planner"], wo.id)
    form.header.title.setText(SQLISH)
    form.header.title.textEdited.emit(SQLISH)
    form.header.description.setPlainText(f"{SQLISH}\nsecond line <b>not bold</b>")
    assert form.save()
    stored = row(wo.id)
    assert stored.title == SQLISH
    assert stored.description == f"{SQLISH}\nsecond line <b>not bold</b>"
    assert WorkOrder.select().count() == 1
    assert form.header.title.text() == SQLISH


def test_another_desks_save_is_never_overwritten(qtbot, plant, people, open_form,
                                                 answer_modal):
    planner, other = people["planner"], people["supervisor"]
    wo = new_order(planner, title="Seal leaking")
    form = open_form(planner, wo.id)
    edit.update_work_order(other, wo.id, wo.version, title="Seal leaking (theirs)", priority=1)

    form.header.title.setText("Seal leaking (mine)")
    form.header.title.textEdited.emit("Seal leaking (mine)")
    seen: dict[str, str] = {}

    def keep(box: ConflictBox) -> None:
        seen["text"], seen["more"] = box.text(), box.informativeText()
        box.keep_button.click()

    answer_modal(ConflictBox, keep)
    assert not form.save()
    assert "changed by sue" in seen["text"] and "not saved" in seen["text"]
    assert "Title → 'Seal leaking (theirs)'" in seen["more"] and "Priority" in seen["more"]
    assert row(wo.id).title == "Seal leaking (theirs)"
    assert form.header.title.text() == "Seal leaking (mine)"  # kept, to copy from
    assert "changed by sue" in form.message.text()

    answer_modal(ConflictBox, ConflictBox.accept)  # still refused until reloaded
    assert not form.save()
    assert row(wo.id).title == "Seal leaking (theirs)"

    answer_modal(ConflictBox, lambda box: box.reload_button.click())
    assert not form.save()
    assert form.header.title.text() == "Seal leaking (theirs)"
    assert form.header.priority.currentData() == 1 and not form.is_dirty()
    form.header.title.setText("Seal leaking (agreed)")
    form.header.title.textEdited.emit("Seal leaking (agreed)")
    assert form.save()
    assert (row(wo.id).title, row(wo.id).priority) == ("Seal leaking (agreed)", 1)


# --- leaving with unsaved edits -----------------------------------------------------------------


@pytest.mark.parametrize(("answer", "closed", "title"), [
    (QMessageBox.StandardButton.Save, True, "Mine"),
    (QMessageBox.StandardButton.Discard, True, "Seal leaking"),
    (QMessageBox.StandardButton.Cancel, False, "Seal leaking"),
])
def test_closing_with_unsaved_edits_asks(qtbot, plant, people, open_form, answer_modal,
                                         answer, closed, title):
    wo = new_order(people["planner"])
    form = open_form(people["planner"], wo.id)
    form.header.title.setFocus()
    form.header.title.selectAll()
    qtbot.keyClicks(form.header.title, "Mine")
    asked: list[str] = []

    def respond(box: UnsavedBox) -> None:
        asked.append(box.text())
        box.button(answer).click()

    answer_modal(UnsavedBox, respond)
    qtbot.keyClick(form.header.title, Qt.Key.Key_Escape)
    assert asked == [f"Save your changes to {wo.number} before closing?"]
    assert form.isVisible() is not closed
    assert row(wo.id).title == title


def test_closing_without_edits_asks_nothing(qtbot, plant, people, open_form):
    wo = new_order(people["planner"])
    form = open_form(people["planner"], wo.id)
    form.header.title.setFocus()
    qtbot.keyClick(form.header.title, Qt.Key.Key_Return)  # Enter does not close
    assert form.isVisible()
    qtbot.keyClick(form.header.title, Qt.Key.Key_Escape)
    assert not form.isVisible()


# --- who may edit ------------------------------------------------------------------------------


def test_technicians_read_the_header_and_finished_orders_are_read_only(
        qtbot, plant, people, open_form):
    wo = assigned_order(people["planner"], people["tess"])
    form = open_form(people["tess"], wo.id)
    assert form.header.title.isReadOnly() and form.header.description.isReadOnly()
    assert all(looks_read_only(f) for f in text_fields(form)[:-1])
    assert form.header.boxes["type"].mirror.isVisible()
    assert form.header.boxes["type"].mirror.text() == "Corrective"
    assert not form.header.type.isVisible()
    other = open_form(people["tom"], wo.id)  # not his order: not even the notes
    assert all(f.isReadOnly() and looks_read_only(f) for f in text_fields(other))

    closed = new_order(people["planner"], title="Old job")
    lifecycle.transition(people["planner"], closed.id, "cancelled", closed.version,
                         reason="Duplicate of another order")
    form = open_form(people["planner"], closed.id)
    assert form.badge.text() == "Cancelled" and form.header.title.isReadOnly()
    assert not form.save_button.isVisible() and form.move_buttons == []
    assert "Cancelled: the order is a record" in form.state.text()


def test_a_technician_writes_the_completion_notes_of_their_own_order(
        qtbot, plant, people, open_form, answer_modal):
    wo = assigned_order(people["planner"], people["tess"])
    form = open_form(people["tess"], wo.id)
    notes = form.header.completion_notes
    assert not notes.isReadOnly() and not looks_read_only(notes)
    assert form.header.title.isReadOnly() and not form.save_button.isEnabled()
    notes.setFocus()
    qtbot.keyClicks(notes, "Gland packing worn; replaced it.")
    assert form.is_dirty() and form.notice.text() == "Unsaved changes"
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(notes, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    stored = row(wo.id)
    assert stored.completion_notes == "Gland packing worn; replaced it."
    assert stored.version == wo.version + 1
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.action == "completion_notes_set"
    assert form.notice.text() == "Saved" and not form.is_dirty()

    # The planner saved meanwhile: the technician's notes never overwrite it unseen.
    edit.update_work_order(people["planner"], wo.id, stored.version, priority=1)
    notes.appendPlainText("Test run fine.")
    answer_modal(ConflictBox, lambda box: box.keep_button.click())
    assert not form.save()
    assert "changed by pia" in form.message.text()
    assert row(wo.id).completion_notes == "Gland packing worn; replaced it."
    assert notes.toPlainText().endswith("Test run fine.")  # kept, to copy from
    answer_modal(ConflictBox, lambda box: box.reload_button.click())
    assert not form.save()
    assert form.header.priority.currentData() == 1 and not form.is_dirty()
    notes.appendPlainText("Test run fine.")
    assert form.save()
    assert row(wo.id).completion_notes.endswith("replaced it.\nTest run fine.")
    assert row(wo.id).priority == 1


# --- raising a new order -------------------------------------------------------------------------


def test_create_mode_raises_the_order_and_shows_it(qtbot, plant, people, open_form):
    planner = people["planner"]
    form = open_form(planner, None)
    assert form.number.text() == "New work order" and form.save_button.text() == "Create"
    assert not form.tabs.isVisible()
    assert "Choosing an assignee assigns the order" in form.state.text()

    with qtbot.assertNotEmitted(form.changed):
        form.save_button.click()
    assert error_under(form, "title") == "Title is required."
    assert form.message.text().startswith("Not saved. Please check: Title.")
    assert WorkOrder.select().count() == 0

    qtbot.keyClicks(form.header.title, "Replace worn belt")
    form.header.type.setCurrentIndex(form.header.type.findData("preventive"))
    form.header.asset.set_asset(plant["pump"].id, "PMP-0001", "Feed pump")
    form.header.assignee.set_user(people["tess"].user_id)
    form.header.due_date.set_date(dt.date(2026, 7, 1))
    with qtbot.waitSignal(form.changed) as changed:
        form.save_button.click()

    wo = WorkOrder.get()
    assert changed.args == [wo.id]
    assert (wo.title, wo.type, wo.status, wo.asset_id) == ("Replace worn belt", "preventive",
                                                           "assigned", plant["pump"].id)
    assert wo.location_id == plant["hall"].id  # where the asset stands
    assert (wo.assignee_id, wo.due_date) == (people["tess"].user_id, dt.date(2026, 7, 1))
    assert wo.requester_id == planner.user_id
    assert form.number.text() == wo.number and form.badge.text() == "Assigned"
    assert form.tabs.isVisible() and form.save_button.text() == "Save"
    assert [b.text() for b in form.move_buttons] == ["Unassign", "Start work", "Cancel order…"]
    assert "Open → Assigned" in form.comments.log.toPlainText()


def test_a_refused_create_clears_its_messages_once_fixed(qtbot, plant, people, open_form):
    form = open_form(people["planner"], None)
    header = form.header
    qtbot.keyClicks(header.estimated_hours, "-3")
    form.save_button.click()
    assert error_under(form, "title") == "Title is required."
    assert error_under(form, "estimated_hours").startswith("Estimated hours must be from 0")

    qtbot.keyClicks(header.title, "Replace worn belt")  # fixed: its message goes at once
    assert error_under(form, "title") == ""
    assert error_under(form, "estimated_hours") != ""
    assert form.message.text().startswith("Not saved. Please check:")  # one still to fix

    header.estimated_hours.selectAll()
    qtbot.keyClicks(header.estimated_hours, "2")
    assert error_under(form, "estimated_hours") == "" and form.message.text() == ""

    header.estimated_hours.selectAll()
    qtbot.keyClicks(header.estimated_hours, "many")
    header.title.selectAll()
    qtbot.keyClick(header.title, Qt.Key.Key_Delete)
    form.save_button.click()  # the next attempt names only what is wrong now
    assert error_under(form, "title") == "Title is required."
    assert error_under(form, "estimated_hours").startswith("Estimated hours must be")
    qtbot.keyClicks(header.title, "Replace worn belt")
    header.estimated_hours.clear()
    header.estimated_hours.textEdited.emit("")
    assert [n for n in header.boxes if error_under(form, n)] == []
    assert form.message.text() == ""
    with qtbot.waitSignal(form.changed):
        form.save_button.click()
    assert WorkOrder.get().title == "Replace worn belt" and form.message.text() == ""


def test_a_new_order_with_a_checklist_shows_it(qtbot, plant, people, open_form):
    wo = new_order(people["planner"], tasks=[TaskSpec("Isolate", required=True),
                                             TaskSpec("Pressure", kind="reading", unit="bar")])
    form = open_form(people["planner"], wo.id)
    assert form.tabs.tabText(0) == "Checklist (0/2)"
    assert [line.task.text for line in form.checklist.lines] == ["Isolate", "Pressure"]


def test_a_date_picked_from_the_calendar_is_saved(qtbot, plant, people, open_form):
    wo = new_order(people["planner"])
    form = open_form(people["planner"], wo.id)
    due = form.header.due_date
    due.calendar.clicked.emit(QDate(2026, 7, 1))
    assert due.text() == "2026-07-01" and form.is_dirty()
    assert form.save()
    assert row(wo.id).due_date == dt.date(2026, 7, 1)


def test_reload_with_unsaved_edits_asks_first(qtbot, plant, people, open_form, answer_modal):
    wo = new_order(people["planner"])
    form = open_form(people["planner"], wo.id)
    form.header.description.setPlainText("Half-written note")
    answer_modal(UnsavedBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    form.reload_button.click()
    assert form.header.description.toPlainText() == "Half-written note"
    answer_modal(UnsavedBox, lambda box: box.button(QMessageBox.StandardButton.Discard).click())
    form.reload_button.click()
    assert form.header.description.toPlainText() == "" and not form.is_dirty()
    assert row(wo.id).description == ""


def test_an_order_raised_by_a_pm_schedule_says_which_and_for_when(qtbot, plant, people,
                                                                  open_form):
    admin, tess = people["admin"], people["tess"]
    pump = plant["pump"]
    hours = meters.add_meter(admin, pump.id, "Run hours", "h")
    meters.record_reading(admin, hours.id, 4990)
    today = dt.date.today()
    monthly = schedules.create_schedule(admin, name="Monthly lubrication", asset_id=pump.id,
                                           time_unit="month", start_date=today)
    # Due at 5,000 h; raised 20 h early, so now.
    service = schedules.create_schedule(admin, name="500 h service", asset_id=pump.id,
                                           meter_id=hours.id, meter_every="500",
                                           meter_start="4500", meter_tolerance="20")
    run.generate_due_work_orders(admin)
    by_time = WorkOrder.get(WorkOrder.pm_schedule == monthly.id)
    by_meter = WorkOrder.get(WorkOrder.pm_schedule == service.id)

    form = open_form(tess, by_time.id)
    header = form.header
    assert header.preventive.isVisible() and header.labels["Preventive"].isVisible()
    assert header.preventive.text() == \
        f"Monthly lubrication, due {today:%a} {today.day} {today:%b %Y}"
    assert "Monthly lubrication" in header.preventive.toolTip()
    assert not header.preventive.textInteractionFlags() & Qt.TextInteractionFlag.TextEditable

    form = open_form(people["planner"], by_meter.id)
    assert form.header.preventive.text().startswith("500 h service, due ")
    assert form.header.preventive.text().endswith(" at 5,000 h")

    plain = new_order(admin)
    form = open_form(admin, plain.id)
    assert not form.header.preventive.isVisible()
    assert not form.header.labels["Preventive"].isVisible()
