"""The work-order form at work: the status buttons each role gets, moves that ask for a reason,
an assignee or a signature, the checklist answered in place, hours, comments and files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl

from app.models import Attachment, AuditEvent, LaborEntry, Task, WorkOrder, WorkOrderLog
from app.services.work_orders import activity, edit, lifecycle
from app.services.work_orders.fields import TaskSpec
from tests.conftest import TEST_PASSWORD
from tests.ui import test_work_order_form as form_tests
from tests.ui.test_work_order_form import (
    assigned_order,
    looks_read_only,
    new_order,
    row,
    text_fields,
)
from ui.work_orders import tabs
from ui.work_orders.lifecycle import AssignDialog, ReasonDialog, SignOffDialog
from ui.work_orders.tabs import BookLaborDialog

# The fixtures of the header tests, shared (a plant, one account per role, forms that close).
plant, people, open_form = form_tests.plant, form_tests.people, form_tests.open_form

CHECKLIST = [TaskSpec("Isolate the pump", required=True),
             TaskSpec("Test run", kind="pass_fail", required=True),
             TaskSpec("Discharge pressure", kind="reading", unit="bar"),
             TaskSpec("Seal make and size", kind="text")]


def labels(form) -> list[str]:
    return [b.text() for b in form.move_buttons]


def press(form, text: str) -> None:
    next(b for b in form.move_buttons if b.text() == text).click()


def started_order(people, **fields):
    wo = assigned_order(people["planner"], people["tess"], **fields)
    return lifecycle.transition(people["tess"], wo.id, "in_progress", wo.version)


# --- status buttons -----------------------------------------------------------------------------


def test_status_buttons_follow_the_role_and_the_order(qtbot, plant, people, open_form):
    planner, tess, tom, sue = (people[k] for k in ("planner", "tess", "tom", "supervisor"))
    fresh = new_order(planner)
    assert labels(open_form(planner, fresh.id)) == ["Assign…", "Start work", "Cancel order…"]
    assert labels(open_form(tess, fresh.id)) == []

    mine = assigned_order(planner, tess)
    assert labels(open_form(planner, mine.id)) == ["Unassign", "Start work", "Cancel order…"]
    own = open_form(tess, mine.id)
    assert labels(own) == ["Start work"]
    assert not own.labor.book_button.isHidden() and not own.comments.entry.isHidden()

    other = open_form(tom, mine.id)  # someone else's order: all read-only
    assert labels(other) == []
    assert other.labor.book_button.isHidden()
    assert other.comments.entry.isHidden()
    assert other.attachments.add_button.isHidden()
    assert not other.save_button.isVisible()
    assert "assigned to Technician Person" in other.state.text()

    started = lifecycle.transition(tess, mine.id, "in_progress", mine.version)
    assert labels(open_form(tess, mine.id)) == ["Put on hold…", "Complete"]
    done = lifecycle.transition(tess, mine.id, "completed", started.version)
    assert labels(open_form(tess, done.id)) == []
    assert labels(open_form(planner, done.id)) == []
    completed = open_form(sue, done.id)
    assert labels(completed) == ["Reopen…", "Sign off…"]
    assert "waiting for sign-off" in completed.state.text()


def test_start_hold_with_a_reason_and_resume(qtbot, plant, people, open_form, answer_modal):
    wo = assigned_order(people["planner"], people["tess"])
    form = open_form(people["tess"], wo.id)
    with qtbot.waitSignal(form.changed):
        press(form, "Start work")
    assert row(wo.id).status == "in_progress" and form.badge.text() == "In progress"

    def hold(dialog: ReasonDialog) -> None:
        dialog.save()
        assert "Reason is required to move the order to on hold." in dialog.message.text()
        dialog.reason.setPlainText("Waiting for the seal kit")
        dialog.save()

    answer_modal(ReasonDialog, hold)
    press(form, "Put on hold…")
    assert (row(wo.id).status, row(wo.id).hold_reason) == ("on_hold", "Waiting for the seal kit")
    assert form.badge.text() == "On hold"
    assert "On hold: Waiting for the seal kit" in form.state.text()
    assert labels(form) == ["Resume"]
    assert "Waiting for the seal kit" in form.comments.log.toPlainText()
    press(form, "Resume")
    assert row(wo.id).status == "in_progress" and labels(form) == ["Put on hold…", "Complete"]


def test_assign_asks_for_the_person_and_choosing_one_in_the_header_assigns(
        qtbot, plant, people, open_form, answer_modal):
    wo = new_order(people["planner"])
    form = open_form(people["planner"], wo.id)
    seen = {}

    def assign(dialog: AssignDialog) -> None:
        seen["planned"] = dialog.person.user_id()
        dialog.person.set_user(people["tess"].user_id)
        dialog.save()

    answer_modal(AssignDialog, assign)
    press(form, "Assign…")
    assert seen["planned"] is None  # an open order has nobody planned
    assert (row(wo.id).status, row(wo.id).assignee_id) == ("assigned", people["tess"].user_id)
    assert form.header.assignee.user_id() == people["tess"].user_id

    press(form, "Unassign")
    assert (row(wo.id).status, row(wo.id).assignee_id) == ("open", None)
    form.header.assignee.set_user(people["tom"].user_id)  # choosing who does it assigns it
    assert form.save()
    assert (row(wo.id).status, row(wo.id).assignee_id) == ("assigned", people["tom"].user_id)
    assert form.badge.text() == "Assigned"
    assert labels(form) == ["Unassign", "Start work", "Cancel order…"]


def test_assign_is_prefilled_with_the_planned_person(qtbot, plant, people, open_form,
                                                     answer_modal):
    # An open order with somebody planned: raised before choosing the assignee assigned it.
    wo = new_order(people["planner"])
    WorkOrder.update(assignee=people["tom"].user_id).where(WorkOrder.id == wo.id).execute()
    form = open_form(people["planner"], wo.id)
    seen = {}

    def assign(dialog: AssignDialog) -> None:
        seen["planned"] = dialog.person.user_id()
        dialog.save()

    answer_modal(AssignDialog, assign)
    press(form, "Assign…")
    assert seen["planned"] == people["tom"].user_id
    assert (row(wo.id).status, row(wo.id).assignee_id) == ("assigned", people["tom"].user_id)


def test_cancelling_with_hours_booked_is_refused_in_words(qtbot, plant, people, open_form,
                                                         answer_modal):
    wo = assigned_order(people["planner"], people["tess"])
    activity.book_labor(people["tess"], wo.id, people["tess"].user_id, dt.date.today(), "1")
    form = open_form(people["planner"], wo.id)
    seen = {}

    def cancel(dialog: ReasonDialog) -> None:
        dialog.reason.setPlainText("Not needed")
        dialog.save()
        seen["message"] = dialog.message.text()
        dialog.reject()

    answer_modal(ReasonDialog, cancel)
    press(form, "Cancel order…")
    assert seen["message"].startswith("Labor of 1.00 hours is booked on")
    assert row(wo.id).status == "assigned"


# --- the checklist and completing ----------------------------------------------------------------


def test_complete_is_refused_until_the_required_tasks_are_answered(qtbot, plant, people,
                                                                    open_form):
    wo = started_order(people, tasks=CHECKLIST)
    form = open_form(people["tess"], wo.id)
    form.tabs.setCurrentWidget(form.labor)
    press(form, "Complete")
    assert row(wo.id).status == "in_progress"
    assert form.move_message.text().startswith(f"Cannot complete {wo.number}: Checklist has 2 "
                                               "required items not answered yet")
    assert form.tabs.currentWidget() is form.checklist  # where the unanswered items are

    isolate, test_run, pressure, seal = form.checklist.lines
    with qtbot.waitSignal(form.changed):
        isolate.editor.click()  # the checkbox
    assert isolate.done.text().startswith("Technician Person, ")
    test_run.editor.setCurrentIndex(test_run.editor.findData("pass"))
    test_run.editor.activated.emit(test_run.editor.currentIndex())
    pressure.editor.setFocus()
    qtbot.keyClicks(pressure.editor, "abc")
    qtbot.keyClick(pressure.editor, Qt.Key.Key_Return)
    assert pressure.error.text() == "Answer must be a number, not 'abc'."
    pressure.editor.clear()
    qtbot.keyClicks(pressure.editor, "4,5")
    qtbot.keyClick(pressure.editor, Qt.Key.Key_Return)
    seal.editor.setText("John Crane 2100, 35 mm")
    seal.editor.editingFinished.emit()
    assert form.isVisible()  # Enter in the checklist never closes the form

    stored = {t.text: (t.result, t.done_by_id) for t in Task.select()}
    tess = people["tess"].user_id
    assert stored == {"Isolate the pump": ("done", tess), "Test run": ("pass", tess),
                      "Discharge pressure": ("4.5", tess),
                      "Seal make and size": ("John Crane 2100, 35 mm", tess)}
    assert form.tabs.tabText(0) == "Checklist (4/4)"
    assert not form.is_dirty()

    with qtbot.waitSignal(form.changed):
        press(form, "Complete")
    assert row(wo.id).status == "completed" and form.badge.text() == "Completed"
    assert form.move_message.text() == ""
    assert not isolate.editor.isEnabled()  # answers are kept as completed
    assert "reopen the order" in form.checklist.summary.text()


def test_sign_off_needs_the_right_password(qtbot, plant, people, open_form, answer_modal):
    wo = started_order(people, type="inspection")
    done = lifecycle.transition(people["tess"], wo.id, "completed", wo.version)
    sue = people["supervisor"]
    form = open_form(sue, done.id)
    seen = {}

    def wrong(dialog: SignOffDialog) -> None:
        seen["signer"], seen["meaning"] = dialog.signer.text(), dialog.meaning.text()
        dialog.password.setText("not-my-password")
        dialog.save()
        seen["message"] = dialog.message.text()
        seen["row"] = row(wo.id).status
        dialog.reject()

    answer_modal(SignOffDialog, wrong)
    press(form, "Sign off…")
    assert seen == {"signer": "<b>Supervisor Person</b>", "meaning": "Reviewed and approved",
                    "message": "Password is wrong (4 tries left before your account locks for "
                               "15 minutes): the order was not signed off.",
                    "row": "completed"}
    assert row(wo.id).status == "completed" and row(wo.id).signature_name == ""
    assert all(not f.isReadOnly() for f in text_fields(form))

    def right(dialog: SignOffDialog) -> None:
        dialog.password.setText(TEST_PASSWORD)
        dialog.save()

    answer_modal(SignOffDialog, right)
    with qtbot.waitSignal(form.changed):
        press(form, "Sign off…")
    stored = row(wo.id)
    assert (stored.status, stored.closed_by_id) == ("closed", sue.user_id)
    assert (stored.signature_name, stored.signature_meaning) == ("Supervisor Person",
                                                                 "Reviewed and approved")
    assert form.badge.text() == "Closed"
    assert form.state.text().startswith("Signed off by Supervisor Person on ")
    assert form.state.text().endswith(": Reviewed and approved")
    assert labels(form) == []
    assert all(f.isReadOnly() and looks_read_only(f) for f in text_fields(form))
    assert form.header.boxes["priority"].mirror.isVisible()
    assert not form.save_button.isVisible()
    assert form.labor.book_button.isHidden()
    assert form.codes.combos["problem"].isHidden()  # shown as read-only text


def test_failure_codes_and_downtime(qtbot, plant, people, open_form):
    wo = started_order(people)
    form = open_form(people["tess"], wo.id)
    assert form.codes.hint.text() == "All three codes are needed to sign off a corrective order."
    for kind, code in (("problem", "LEAK"), ("cause", "WEAR"), ("remedy", "REPLACE")):
        combo = form.codes.combos[kind]
        combo.setCurrentIndex(combo.findData(code))
    form.codes.downtime.setText("many")
    form.codes.downtime.textEdited.emit("many")
    assert form.codes.save_button.isEnabled()
    form.codes.save_button.click()
    stored = row(wo.id)
    assert (stored.failure_problem, stored.failure_cause, stored.failure_remedy) == (
        "LEAK", "WEAR", "REPLACE")
    assert stored.downtime_hours is None
    assert form.codes.boxes["downtime_hours"].error.text() == (
        "Downtime must be a number of hours.")
    form.codes.downtime.setText("1,5")
    form.codes.downtime.textEdited.emit("1,5")
    assert form.save()
    assert row(wo.id).downtime_hours == Decimal("1.50") and not form.is_dirty()


def test_sign_off_shows_the_lockout_in_the_services_words(qtbot, plant, people, open_form,
                                                          answer_modal):
    wo = started_order(people, type="inspection")
    done = lifecycle.transition(people["tess"], wo.id, "completed", wo.version)
    form = open_form(people["supervisor"], done.id)
    seen: list[str] = []

    def wrong_again(dialog: SignOffDialog) -> None:
        for _try in range(5):
            dialog.password.setText("not-my-password")
            dialog.save()
            seen.append(dialog.message.text())
        dialog.password.setText(TEST_PASSWORD)  # too late: locked
        dialog.save()
        seen.append(dialog.message.text())
        dialog.reject()

    answer_modal(SignOffDialog, wrong_again)
    press(form, "Sign off…")
    assert seen[3].startswith("Password is wrong (1 try left before your account locks")
    assert seen[4].startswith("Password is wrong, and that was the last try: your account is "
                              "locked until ")
    assert seen[5].startswith("Password cannot be checked: your account is locked until ")
    assert all(m.endswith(": the order was not signed off.") for m in seen)
    assert row(wo.id).status == "completed"


# --- labor, comments, attachments ---------------------------------------------------------------


def test_booking_hours(qtbot, plant, people, open_form, answer_modal):
    wo = started_order(people)
    form = open_form(people["tess"], wo.id)
    assert form.labor.totals.text() == "No hours booked yet."

    def book(dialog: BookLaborDialog) -> None:
        assert dialog.person.user_id() == people["tess"].user_id
        assert not dialog.person.isEnabled()  # a technician books only their own
        assert dialog.work_date.date().toPython() == dt.date.today()
        dialog.save()
        assert dialog.message.text() == "Hours is required."
        dialog.hours.setValue(2.5)
        dialog.note.setText("Replaced the seal")
        dialog.save()

    answer_modal(BookLaborDialog, book)
    with qtbot.waitSignal(form.changed):
        form.labor.book_button.click()
    entry = LaborEntry.get()
    assert (entry.user_id, entry.hours, entry.rate, entry.note) == (
        people["tess"].user_id, Decimal("2.50"), Decimal("40.00"), "Replaced the seal")
    table = form.labor.table
    assert table.rowCount() == 1
    # A technician sees hours, not rates and costs.
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == [
        "Date", "Who", "Hours", "Note"]
    assert [table.item(0, c).text() for c in (2, 3)] == ["2.50", "Replaced the seal"]
    assert form.labor.totals.text() == "Total: 2.50 hours by 1 person"
    assert form.tabs.tabText(1) == "Labor (1)"
    assert form.header.labor.text() == "2.50 h  (1 entry)"

    planner = open_form(people["planner"], wo.id).labor
    assert [planner.table.item(0, c).text() for c in (3, 4)] == ["40.00", "100.00"]
    assert planner.totals.text() == "Total: 2.50 hours by 1 person, cost 100.00"


def test_a_planner_books_hours_for_someone_else(qtbot, plant, people, open_form,
                                                answer_modal):
    wo = started_order(people)
    form = open_form(people["planner"], wo.id)

    def book(dialog: BookLaborDialog) -> None:
        dialog.person.set_user(people["tess"].user_id)
        dialog.hours.setValue(1)
        dialog.save()

    answer_modal(BookLaborDialog, book)
    form.labor.book_button.click()
    assert LaborEntry.get().user_id == people["tess"].user_id


def test_comments_post_with_ctrl_enter(qtbot, plant, people, open_form):
    wo = started_order(people)
    form = open_form(people["tess"], wo.id)
    form.tabs.setCurrentWidget(form.comments)
    form.comments.comment.setFocus()
    qtbot.keyClicks(form.comments.comment, "Seal kit <ordered> & on its way")
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(form.comments.comment, Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)
    comment = WorkOrderLog.get(WorkOrderLog.kind == "comment")
    assert (comment.text, comment.author_id) == ("Seal kit <ordered> & on its way",
                                                 people["tess"].user_id)
    assert "Seal kit <ordered> & on its way" in form.comments.log.toPlainText()
    assert form.comments.comment.toPlainText() == ""
    form.comments.post_button.click()  # nothing typed: refused in words
    assert form.comments.message.text() == "Comment is required."
    assert WorkOrderLog.select().where(WorkOrderLog.kind == "comment").count() == 1


def test_attach_a_file_then_open_it(qtbot, plant, people, open_form, tmp_path, monkeypatch):
    wo = started_order(people)
    photo = tmp_path / "seal photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a tiny jpeg" * 100)
    opened: list[QUrl] = []

    class FakeFileDialog:
        @staticmethod
        def getOpenFileName(*_args, **_kwargs):  # noqa: N802 (Qt's name)
            return str(photo), ""

    class FakeDesktop:
        @staticmethod
        def openUrl(url: QUrl) -> bool:  # noqa: N802
            opened.append(url)
            return True

    monkeypatch.setattr(tabs, "QFileDialog", FakeFileDialog)
    monkeypatch.setattr(tabs, "QDesktopServices", FakeDesktop)
    form = open_form(people["tess"], wo.id)
    with qtbot.waitSignal(form.changed):
        form.attachments.add_button.click()
    stored = Attachment.get()
    assert (stored.filename, stored.media_type, stored.size) == (
        "seal photo.jpg", "image/jpeg", 1600)
    assert form.attachments.table.item(0, 0).text() == "seal photo.jpg"
    assert form.attachments.table.item(0, 1).text() == "2 KB"
    assert form.tabs.tabText(3) == "Attachments (1)"

    form.attachments.table.selectRow(0)
    form.attachments.open_button.click()
    assert len(opened) == 1
    path = Path(opened[0].toLocalFile())
    assert path.name == "seal photo.jpg"
    assert path.read_bytes() == photo.read_bytes()


def test_work_recorded_keeps_header_edits_in_progress(qtbot, plant, people, open_form):
    wo = started_order(people, tasks=CHECKLIST)
    form = open_form(people["planner"], wo.id)
    form.header.title.setText("Seal leaking, pump 1")
    form.header.title.textEdited.emit("Seal leaking, pump 1")
    form.checklist.lines[0].editor.click()
    assert form.header.title.text() == "Seal leaking, pump 1" and form.is_dirty()
    assert form.save()
    assert row(wo.id).title == "Seal leaking, pump 1"
    assert Task.get(Task.position == 1).result == "done"


def test_history_lists_every_change_newest_first(qtbot, plant, people, open_form):
    wo = new_order(people["planner"])
    edit.update_work_order(people["planner"], wo.id, wo.version, priority=1)
    form = open_form(people["planner"], wo.id)
    table = form.history.table
    assert table.rowCount() == AuditEvent.select().where(
        AuditEvent.entity == "work_order").count() == 2
    assert [table.item(r, 2).text() for r in range(2)] == ["Edited", "Created"]
    assert table.item(0, 1).text() == "Planner Person"
    assert table.item(0, 3).text() == "Priority: 3 Normal → 1 Urgent"


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_finished_orders_show_everything_read_only(qtbot, plant, people, open_form, status):
    wo = new_order(people["planner"], tasks=CHECKLIST[:1])
    WorkOrder.update(status=status).where(WorkOrder.id == wo.id).execute()
    form = open_form(people["admin"], wo.id)
    assert not form.checklist.lines[0].editor.isEnabled()
    assert form.comments.entry.isHidden()
    assert form.attachments.add_button.isHidden()
    assert form.codes.save_button.isHidden()
    assert labels(form) == (["Reopen…"] if status == "closed" else [])


def test_a_supervisor_reopens_a_completed_order_with_a_reason(qtbot, plant, people, open_form,
                                                             answer_modal):
    wo = started_order(people)
    done = lifecycle.transition(people["tess"], wo.id, "completed", wo.version)
    form = open_form(people["supervisor"], done.id)

    def reopen(dialog: ReasonDialog) -> None:
        dialog.reason.setPlainText("Still leaking after the test run")
        dialog.save()

    answer_modal(ReasonDialog, reopen)
    with qtbot.waitSignal(form.changed):
        press(form, "Reopen…")
    assert row(wo.id).status == "in_progress" and form.badge.text() == "In progress"
    log = WorkOrderLog.select().order_by(WorkOrderLog.id.desc()).first()
    assert (log.from_status, log.to_status, log.text) == (
        "completed", "in_progress", "Still leaking after the test run")


def test_sign_off_without_failure_codes_shows_where_they_go(qtbot, plant, people, open_form):
    wo = started_order(people, type="corrective")
    done = lifecycle.transition(people["tess"], wo.id, "completed", wo.version)
    form = open_form(people["supervisor"], done.id)
    press(form, "Sign off…")  # no password asked: the codes come first
    assert form.tabs.currentWidget() is form.codes
    assert "Problem code is required to sign off a corrective order" in form.move_message.text()
    assert row(wo.id).status == "completed"


def test_the_answers_stay_put_as_the_checklist_is_answered(qtbot, plant, people, open_form):
    """Ticking the first item once moved every answer box left (the who-and-when column grew
    with its text), so the next click missed. The columns' widths follow the room only."""
    from PySide6.QtCore import QPoint

    wo = started_order(people, tasks=CHECKLIST)
    form = open_form(people["tess"], wo.id)
    isolate, test_run, pressure, _seal = lines = form.checklist.lines

    def where() -> list[QPoint]:
        return [line.editor.mapTo(form, QPoint(0, 0)) for line in lines]

    before = where()
    next_box = test_run.editor.mapTo(form, test_run.editor.rect().center())  # aimed at now
    with qtbot.waitSignal(form.changed):
        qtbot.mouseClick(isolate.editor, Qt.MouseButton.LeftButton,
                         pos=isolate.editor.rect().center())
    assert isolate.done.text().startswith("Technician Person, ")
    assert where() == before
    assert form.childAt(next_box) is test_run.editor  # the next click lands where aimed
    pressure.editor.setText("abc")
    pressure.editor.editingFinished.emit()
    assert pressure.error.isVisible()  # a message under a step moves nothing sideways
    assert [p.x() for p in where()] == [p.x() for p in before]


def test_a_long_name_is_cut_short_in_its_column(qtbot, plant, people, open_form):
    from app.models import User

    wo = started_order(people, tasks=CHECKLIST)
    User.update(full_name="Maximiliana Wilhelmina Featherstonehaugh-Cholmondeley").where(
        User.id == people["tess"].user_id).execute()
    form = open_form(people["tess"], wo.id)
    form.resize(800, form.height())
    isolate = form.checklist.lines[0]
    with qtbot.waitSignal(form.changed):
        isolate.editor.click()
    shown = isolate.done.text()
    assert "…" in shown and shown.startswith("Maximiliana") and shown[-5:].count(":") == 1
    assert isolate.done.fontMetrics().horizontalAdvance(shown) <= isolate.done.width()
    assert isolate.done.toolTip().startswith("Maximiliana Wilhelmina Featherstonehaugh-")
