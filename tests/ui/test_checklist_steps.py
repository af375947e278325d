"""Planning an order's checklist on its form, by keyboard: a new corrective order gets its steps
typed in one after another, steps move with Alt+Up and Alt+Down and go with Delete on their
menu, refusals are said in words, and only those who plan an order still to be done see it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.models import AuditEvent, Task
from app.services.work_orders import activity, edit, lifecycle
from app.services.work_orders.fields import TaskSpec
from tests.ui import test_work_order_form as form_tests
from tests.ui.test_work_order_form import assigned_order, new_order, row
from ui.work_orders.conflicts import ConflictBox

plant, people, open_form = form_tests.plant, form_tests.people, form_tests.open_form


def stored_steps(wo_id: int) -> list[tuple[str, str, bool, str]]:
    return [(t.text, t.kind, t.required, t.unit) for t in
            Task.select().where(Task.work_order == wo_id).order_by(Task.position)]


def shown_steps(form) -> list[str]:
    return [line.task.text for line in form.checklist.lines]


def type_step(qtbot, form, text: str) -> None:
    bar = form.checklist.add_bar
    bar.text.setFocus()
    qtbot.keyClicks(bar.text, text)
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(bar.text, Qt.Key.Key_Return)


def test_a_new_corrective_order_gets_its_steps_by_keyboard(qtbot, plant, people, open_form):
    planner = people["planner"]
    wo = new_order(planner, title="Gearbox noisy")
    form = open_form(planner, wo.id)
    checklist, bar = form.checklist, form.checklist.add_bar
    assert checklist.summary.text() == "This order has no checklist yet: add its steps below."
    assert bar.isVisible() and form.tabs.currentWidget() is checklist

    form.header.title.setFocus()
    qtbot.keyClick(form.header.title, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is bar.text  # Alt+A: "Add a step"
    type_step(qtbot, form, "Isolate and lock out the drive")
    assert QApplication.focusWidget() is bar.text and bar.text.text() == ""  # ready for more
    bar.kind.setCurrentIndex(bar.kind.findData("reading"))
    assert bar.unit.isEnabled()
    bar.text.setFocus()
    qtbot.keyClicks(bar.text, "Oil temperature")
    qtbot.keyClick(bar.text, Qt.Key.Key_Tab)  # to the kind, then the unit
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is bar.unit
    qtbot.keyClicks(bar.unit, "°C")
    bar.required.setChecked(True)
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(bar.unit, Qt.Key.Key_Return)
    assert stored_steps(wo.id) == [("Isolate and lock out the drive", "check", False, ""),
                                   ("Oil temperature", "reading", True, "°C")]
    assert shown_steps(form) == ["Isolate and lock out the drive", "Oil temperature"]
    assert form.tabs.tabText(0) == "Checklist (0/2)"
    assert checklist.summary.text() == "0 of 2 answered; 1 required still open"
    assert form.version == row(wo.id).version == wo.version + 2
    assert not form.is_dirty() and form.isVisible()  # Enter never closes the form
    assert AuditEvent.select().where(AuditEvent.action == "checklist_step_added").count() == 2


def test_steps_move_and_go_by_keyboard(qtbot, plant, people, open_form):
    planner, tess = people["planner"], people["tess"]
    wo = assigned_order(planner, tess, tasks=[TaskSpec("A"), TaskSpec("B"), TaskSpec("C")])
    form = open_form(planner, wo.id)
    checklist = form.checklist
    first = checklist.lines[0].editor  # the answer field: a move works from there too
    first.setFocus()
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(first, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert shown_steps(form) == ["B", "A", "C"] and [s[0] for s in stored_steps(wo.id)] == [
        "B", "A", "C"]
    assert QApplication.focusWidget() is checklist.menus[1]  # still on "A", to move it on
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(checklist.menus[1], Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert shown_steps(form) == ["B", "C", "A"]
    qtbot.keyClick(checklist.menus[2], Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert shown_steps(form) == ["B", "C", "A"]  # already last: nothing happens
    assert QApplication.focusWidget() is checklist.menus[2]  # and the focus stays
    assert not checklist.menus[2].down.isEnabled() and not checklist.menus[0].up.isEnabled()

    back = Qt.KeyboardModifier.ShiftModifier  # Shift+Tab: Tab goes answer, menu, answer, ..
    qtbot.keyClick(checklist.menus[2], Qt.Key.Key_Tab, back)
    assert QApplication.focusWidget() is checklist.lines[2].editor
    qtbot.keyClick(checklist.lines[2].editor, Qt.Key.Key_Tab, back)
    assert QApplication.focusWidget() is checklist.menus[1]  # "C"'s
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(checklist.menus[1], Qt.Key.Key_Delete)  # "C" goes
    assert shown_steps(form) == ["B", "A"]
    assert [line.task.position for line in checklist.lines] == [1, 2]
    assert QApplication.focusWidget() is checklist.menus[1]  # the step that took its place
    assert form.version == row(wo.id).version


def test_an_answered_step_stays_and_a_bad_one_is_named(qtbot, plant, people, open_form):
    planner, tess = people["planner"], people["tess"]
    wo = assigned_order(planner, tess, tasks=[TaskSpec("Isolate the pump")])
    started = lifecycle.transition(tess, wo.id, "in_progress", wo.version)
    activity.answer_task(tess, wo.id, started.tasks[0].id, True)
    form = open_form(planner, wo.id)
    checklist = form.checklist
    checklist.menus[0].remove.trigger()
    assert checklist.message.text() == ("Step 1 has been answered by Technician Person: clear "
                                        "its answer first to remove it.")
    assert shown_steps(form) == ["Isolate the pump"]

    bar = checklist.add_bar
    bar.text.setFocus()
    qtbot.keyClick(bar.text, Qt.Key.Key_Return)  # nothing typed
    assert bar.message.isVisible() and bar.message.text() == "Step text is required."
    assert stored_steps(wo.id) == [("Isolate the pump", "check", False, "")]
    type_step(qtbot, form, "Test run")
    assert not bar.message.isVisible()


def test_header_edits_in_progress_are_kept_and_saved_after_a_new_step(qtbot, plant, people,
                                                                        open_form):
    planner = people["planner"]
    wo = new_order(planner, title="Seal leaking")
    form = open_form(planner, wo.id)
    form.header.title.setText("Seal leaking badly")
    form.header.title.textEdited.emit("Seal leaking badly")
    type_step(qtbot, form, "Replace the seal")
    assert form.header.title.text() == "Seal leaking badly" and form.is_dirty()
    assert form.save()  # on top of the step's version: no conflict with its own change
    assert row(wo.id).title == "Seal leaking badly"
    assert stored_steps(wo.id) == [("Replace the seal", "check", False, "")]


def test_a_step_added_after_another_desks_save_is_refused_as_a_save_is(
        qtbot, plant, people, open_form, answer_modal):
    planner, other = people["planner"], people["supervisor"]
    wo = new_order(planner, title="Seal leaking")
    form = open_form(planner, wo.id)
    edit.update_work_order(other, wo.id, wo.version, priority=1)
    seen: dict[str, Any] = {}

    def reload(box: ConflictBox) -> None:
        seen["text"] = box.text()
        box.reload_button.click()

    answer_modal(ConflictBox, reload)
    bar = form.checklist.add_bar
    bar.text.setFocus()
    qtbot.keyClicks(bar.text, "Replace the seal")
    qtbot.keyClick(bar.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.header.priority.currentData() == 1, timeout=5000)
    assert "changed by sue" in seen["text"]
    assert stored_steps(wo.id) == []
    assert bar.text.text() == "Replace the seal"  # kept, to add again
    type_step(qtbot, form, "")  # Enter again, now at their version
    assert stored_steps(wo.id) == [("Replace the seal", "check", False, "")]


@pytest.mark.parametrize(("who", "status"), [("tess", "in_progress"), ("planner", "completed"),
                                             ("supervisor", "closed")])
def test_only_planners_of_an_order_still_to_be_done_see_the_steps_tools(
        qtbot, plant, people, open_form, who, status):
    from app.models import WorkOrder

    wo = assigned_order(people["planner"], people["tess"], tasks=[TaskSpec("A")])
    WorkOrder.update(status=status).where(WorkOrder.id == wo.id).execute()
    form = open_form(people[who], wo.id)
    assert not form.checklist.add_bar.isVisible()
    assert not any(menu.isVisible() for menu in form.checklist.menus)
