"""The PM schedule form: the live preview of the next due dates (and of what is wrong, in words),
floating forced when time and meter are both chosen, refused input named under its field with
the form left open and nothing written, the RRULE builder, the checklist and plant holidays,
saving edits, and a save that lost a race with another desk."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.models import AuditEvent, PmSchedule
from app.permissions import Actor, Role
from app.pm.engine import Plan, trigger_words  # noqa: E402
from app.pm.recurrence import Recurrence  # noqa: E402
from app.services.assets import locations, meters, register
from app.services.pm import schedules
from ui.pm.rrule_builder import (
    ADVANCED,
    DAY_NAMES,
    MONTH_DAY,
    WEEK_DAYS,
    RRuleBuilder,
    RuleParts,
    monthly_weekday_rule,
    parse_rule,
    weekly_rule,
)
from ui.pm.schedule_form import WHEN, WORK_ORDER, PmScheduleForm
from ui.pm.schedule_preview import METER_WORDS

D = dt.date.fromisoformat
TODAY = D("2027-12-01")  # the office's date in these tests: the dates below are ahead of it


@pytest.fixture
def planner(make_user) -> Actor:
    return make_user(Role.PLANNER, "pat")


@pytest.fixture
def plant(db, admin) -> dict[str, Any]:
    site = locations.add_site(admin, "rbp", "Riverside")
    hall = locations.add_location(admin, site.id, None, "HALL", "Filling hall", "building")
    pump = register.add_asset(admin, "PMP-0001", "Feed pump", location_id=hall.id)
    compressor = register.add_asset(admin, "CMP-0001", "Air compressor", location_id=hall.id)
    hours = meters.add_meter(admin, compressor.id, "Run hours", "h")
    meters.record_reading(admin, hours.id, 4820)
    return {"pump": pump, "compressor": compressor, "hours": hours}


@pytest.fixture
def open_form(qtbot) -> Iterator[Callable[..., PmScheduleForm]]:
    """Opens forms (active: Ctrl+S goes to them) and closes them at the end without asking."""
    forms: list[PmScheduleForm] = []

    def open_(actor: Actor, schedule_id: int | None = None,
              today: Callable[[], dt.date] = lambda: TODAY) -> PmScheduleForm:
        detail = schedules.get_schedule(actor, schedule_id) if schedule_id else None
        form = PmScheduleForm(actor, detail, today=today)
        with qtbot.waitActive(form):
            form.show()
            form.activateWindow()
        forms.append(form)
        return form

    yield open_
    for form in forms:  # not closed by qtbot: that would ask about unsaved edits
        form.done(0)
        form.deleteLater()


def _written() -> tuple[int, int]:
    return PmSchedule.select().count(), AuditEvent.select().count()


def _choose_asset(form: PmScheduleForm, tag: str) -> None:
    form.asset.setText(tag)
    form.asset.editingFinished.emit()  # Enter, or leaving the field


def _monthly(form: PmScheduleForm, start: str, tag: str = "PMP-0001") -> None:
    form.name.setText("Monthly lubrication")
    _choose_asset(form, tag)
    form.triggers.by_time.setChecked(True)
    form.triggers.time_unit.setCurrentIndex(form.triggers.time_unit.findData("month"))
    form.triggers.start_date.edit.setText(start)


def _save(qtbot, form: PmScheduleForm) -> None:
    qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier)


def _click(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text() == text).click()


# --- the preview ------------------------------------------------------------------------------


def test_the_preview_shows_monthly_from_31_january_without_drift(qtbot, plant, planner,
                                                                 open_form):
    form = open_form(planner)
    _choose_asset(form, "PMP-0001")
    form.triggers.by_time.setChecked(True)
    qtbot.keyClicks(form.triggers.start_date.edit, "2028-01-31")
    assert form._preview_timer.isActive()  # recomputed once typing stops, not per key
    expected = ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31",
                "2028-06-30", "2028-07-31", "2028-08-31", "2028-09-30", "2028-10-31",
                "2028-11-30", "2028-12-31"]
    qtbot.waitUntil(lambda: form.preview.dates() == expected, timeout=3000)
    table = form.preview.table
    assert table.item(1, 1).text() == "Tuesday"  # 29 February 2028
    assert table.isColumnHidden(2)  # by time only: "how" says nothing
    assert "Not due yet: next due Mon 31 Jan 2028" in form.preview.explanation.text()
    assert form.preview.problems.isHidden()


def test_the_preview_says_what_is_wrong_in_words(qtbot, plant, planner, open_form):
    form = open_form(planner)
    assert form.preview.problems.text() == (
        "No dates yet:\n• Asset is required: the machine the work is done on.\n"
        "• The schedule needs a time trigger, a meter trigger or both.")
    assert form.preview.table.isHidden()
    _monthly(form, "2028-01-31")
    form.triggers.end_date.edit.setText("2027-06-30")
    form.update_preview()
    assert form.preview.problems.text() == (
        "No dates yet:\n• End date (2027-06-30) is before the start date (2028-01-31).")
    form.triggers.end_date.edit.setText("2028-03-31")
    form.update_preview()
    assert form.preview.dates() == ["2028-01-31", "2028-02-29", "2028-03-31"]


def test_a_tag_being_typed_is_looked_up_once_chosen(qtbot, plant, planner, open_form):
    form = open_form(planner)
    form.triggers.by_time.setChecked(True)
    form.asset.setFocus()
    qtbot.keyClicks(form.asset, "PMP-0001")
    form.update_preview()  # what the pause after typing does
    assert form.asset.text() == "PMP-0001"  # not replaced under the user's fingers
    assert form.preview.problems.text() == \
        "No dates yet:\n• Asset: press Enter or choose it from the list."
    form.asset.editingFinished.emit()  # Enter
    assert form.asset.text() == "PMP-0001 — Feed pump"
    qtbot.waitUntil(lambda: len(form.preview.dates()) == 12, timeout=3000)


def test_skip_dates_and_a_season_move_and_remove_dates(qtbot, plant, planner, open_form):
    form = open_form(planner)
    _monthly(form, "2028-01-31")
    skip = form.triggers.skip_dates
    skip.date.edit.setText("2028-02-29")
    skip.add_button.click()
    skip.date.edit.setText("2028-03-01")
    skip.add_button.click()
    skip.date.edit.setText("1 March")
    skip.add_button.click()
    assert skip.problem.text() == "'1 March' is not a date written YYYY-MM-DD."
    assert skip.days() == ["2028-02-29", "2028-03-01"]
    form.triggers.in_season.setChecked(True)
    form.triggers.season_from.setCurrentIndex(1)  # February
    form.triggers.season_to.setCurrentIndex(4)  # to May
    form.update_preview()
    # 31 Jan is out of season; 29 Feb and 1 Mar are holidays: the order moves to 2 March.
    assert form.preview.dates()[:4] == ["2028-03-02", "2028-03-31", "2028-04-30",
                                        "2028-05-31"]
    assert form.preview.dates()[4] == "2029-02-28"
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    stored = PmSchedule.get(PmSchedule.name == "Monthly lubrication")
    assert (stored.skip_dates, stored.season_from, stored.season_to) == \
        ("2028-02-29,2028-03-01", 2, 5)


# --- triggers ---------------------------------------------------------------------------------


def test_choosing_both_triggers_forces_floating_and_says_why(qtbot, plant, planner, open_form):
    form = open_form(planner)
    triggers = form.triggers
    assert not triggers.by_meter.isEnabled()  # no asset yet: no meters to choose
    _monthly(form, "2028-01-31", tag="CMP-0001")
    assert triggers.meter.currentText() == "Run hours, now 4,820 h"
    assert triggers.fixed.isChecked() and triggers.fixed.isEnabled()
    triggers.by_meter.setChecked(True)
    assert triggers.floating.isChecked() and not triggers.fixed.isEnabled()
    assert "Floating is required with both triggers" in triggers.anchor_hint.text()
    qtbot.keyClicks(triggers.meter_every, "500")
    assert triggers.units[0].text() == "h"
    form.update_preview()
    assert form.preview.dates()[0] == "2028-01-31"
    assert not form.preview.table.isColumnHidden(2)
    assert form.preview.table.item(0, 2).text() == "by time"

    triggers.by_time.setChecked(False)  # by meter alone: fixed may be chosen again
    assert triggers.fixed.isEnabled() and triggers.floating.isChecked()
    triggers.by_time.setChecked(True)
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    stored = PmSchedule.get(PmSchedule.name == "Monthly lubrication")
    assert (stored.anchor, stored.time_unit, stored.meter_id) == \
        ("floating", "month", plant["hours"].id)
    assert stored.meter_every == 500 and stored.meter_start == 4820  # counts from now


def test_a_meter_trigger_estimates_dates_from_the_meters_use(qtbot, plant, planner, admin,
                                                              open_form):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    hours = plant["hours"]
    meters.record_reading(admin, hours.id, 5020, at=now + dt.timedelta(seconds=1))
    meters.record_reading(admin, hours.id, 4420, at=now - dt.timedelta(days=20),
                          replacement=True)  # 600 h in 20 days: 30 h a day
    form = open_form(planner, today=dt.date.today)  # the meter's use is of the last 90 days
    form.name.setText("500 h service")
    _choose_asset(form, "CMP-0001")
    form.triggers.by_meter.setChecked(True)
    form.triggers.meter_every.setText("500")
    form.update_preview()
    cells = [form.preview.table.item(0, c).text() for c in range(3)]
    assert cells[2] == METER_WORDS
    assert len(form.preview.dates()) == 12


def test_a_meter_trigger_needs_a_meter_on_the_asset(qtbot, plant, planner, open_form):
    form = open_form(planner)
    _monthly(form, "2028-01-31", tag="CMP-0001")
    form.triggers.by_meter.setChecked(True)
    _choose_asset(form, "PMP-0001")  # a pump without meters
    assert form.triggers.meter.currentText() == "This asset has no meters"
    before = _written()
    _save(qtbot, form)
    assert form.isVisible() and _written() == before
    assert form.shown_errors() == {"meter": "The meter is needed for a meter trigger: this "
                                            "asset has none yet (add it on the asset's form)."}


# --- refusals ---------------------------------------------------------------------------------


def test_no_trigger_is_refused_with_the_form_left_open(qtbot, plant, planner, open_form):
    form = open_form(planner)
    qtbot.keyClicks(form.name, "Monthly lubrication")
    _choose_asset(form, "PMP-0001")
    form.tabs.setCurrentIndex(WORK_ORDER)
    qtbot.keyClicks(form.template.description, "Grease both bearings.")
    before = _written()
    _save(qtbot, form)
    assert form.isVisible() and _written() == before
    assert form.shown_errors() == {
        "trigger": "The schedule needs a time trigger, a meter trigger or both."}
    assert form.message.text() == "Nothing was saved: one field needs attention."
    assert form.tabs.currentIndex() == WHEN  # where the refused field is
    assert form.template.description.toPlainText() == "Grease both bearings."  # nothing lost

    form.triggers.by_time.setChecked(True)
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    assert not form.isVisible()
    stored = PmSchedule.get(PmSchedule.name == "Monthly lubrication")
    assert stored.description == "Grease both bearings."


def test_each_refused_field_is_named_under_it(qtbot, plant, planner, open_form):
    form = open_form(planner)
    _monthly(form, "2028-01-31", tag="CMP-0001")
    form.triggers.by_meter.setChecked(True)
    form.triggers.meter_every.setText("500")
    form.triggers.meter_tolerance.setText("600")
    form.triggers.end_date.edit.setText("2027-01-01")
    form.template.estimated_hours.setText("lots")
    form.template.checklist.add_step()  # left without its text
    before = _written()
    _save(qtbot, form)
    assert _written() == before and form.isVisible()
    shown = form.shown_errors()
    assert shown["meter_tolerance"] == "The tolerance must be less than the interval (500 h)."
    assert shown["end_date"] == "End date (2027-01-01) is before the start date (2028-01-31)."
    assert shown["estimated_hours"].startswith("Estimated hours must be")
    assert shown["tasks"] == "Checklist step 1: text is required."
    assert form.message.text() == "Nothing was saved: 4 fields need attention."


def test_a_refused_fields_message_goes_once_it_is_fixed(qtbot, plant, planner, open_form):
    form = open_form(planner)
    qtbot.keyClicks(form.name, "Monthly lubrication")
    _choose_asset(form, "PMP-0001")
    _save(qtbot, form)
    assert set(form.shown_errors()) == {"trigger"}
    assert form.message.text() == "Nothing was saved: one field needs attention."
    qtbot.keyClicks(form.name, " and greasing")  # another field: the message stays
    assert set(form.shown_errors()) == {"trigger"}
    form.triggers.by_time.setChecked(True)  # the trigger chosen: its message goes at once
    assert form.shown_errors() == {}
    assert not form.triggers.boxes["trigger"].error.isVisible()
    assert form.message.text() == ""
    form.update_preview()
    assert len(form.preview.dates()) == 12


def test_a_clean_preview_clears_what_a_refused_save_said(qtbot, plant, planner, open_form):
    form = open_form(planner)
    _monthly(form, "2028-01-31")
    form.triggers.end_date.edit.setText("2028-01-01")
    _save(qtbot, form)
    assert set(form.shown_errors()) == {"end_date"}
    # The start date moved before the end date: the end date is right now, untouched.
    form.triggers.start_date.edit.setText("2027-12-15")
    form.triggers.start_date.edit.textEdited.emit("2027-12-15")
    assert set(form.shown_errors()) == {"end_date"}  # until the preview says so
    form.update_preview()
    assert form.preview.dates() == ["2027-12-15"]
    assert form.shown_errors() == {} and form.message.text() == ""


def test_a_clean_preview_keeps_the_message_of_a_missing_name(qtbot, plant, planner, open_form):
    form = open_form(planner)
    _monthly(form, "2028-01-31")
    form.name.setText("")
    _save(qtbot, form)
    assert set(form.shown_errors()) == {"name"}
    form.update_preview()  # dates, with a stand-in name
    assert len(form.preview.dates()) == 12
    assert set(form.shown_errors()) == {"name"}
    assert form.message.text() == "Nothing was saved: one field needs attention."
    qtbot.keyClicks(form.name, "Greasing")
    assert form.shown_errors() == {} and form.message.text() == ""


# --- the RRULE builder ------------------------------------------------------------------------


def test_the_rrule_builder_produces_and_parses_rules(qtbot):
    assert monthly_weekday_rule(1, 0, 3) == "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO"
    assert monthly_weekday_rule(-1, 4) == "FREQ=MONTHLY;BYDAY=-1FR"
    assert weekly_rule([3, 0], 2) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    assert parse_rule("RRULE:freq=monthly;interval=3;byday=1mo") == \
        RuleParts(MONTH_DAY, 3, 1, (0,))
    assert parse_rule("FREQ=WEEKLY;BYDAY=TH,MO") == RuleParts(WEEK_DAYS, 1, 1, (0, 3))
    for advanced in ("FREQ=YEARLY;BYMONTH=3", "FREQ=MONTHLY;BYDAY=MO,TU",
                     "FREQ=MONTHLY;BYDAY=5MO", "FREQ=WEEKLY;COUNT=3", "nonsense"):
        assert parse_rule(advanced) is None, advanced
    assert trigger_words(Plan("fixed", D("2026-01-01"),
                              Recurrence("rrule", rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO"))) \
        == "the first Monday of every 3 months (fixed)"

    builder = RRuleBuilder()
    qtbot.addWidget(builder)
    builder.ordinal.setCurrentIndex(builder.ordinal.findData(2))
    builder.weekday.setCurrentIndex(2)  # Wednesday
    with qtbot.waitSignal(builder.changed):
        builder.months.setValue(6)
    assert builder.rule() == "FREQ=MONTHLY;INTERVAL=6;BYDAY=2WE"
    assert builder.words.text() == "Due the second Wednesday of every 6 months, from the " \
                                   "start date on."
    builder.mode.setCurrentIndex(WEEK_DAYS)
    builder.weeks.setValue(2)
    builder.day_boxes[0].setChecked(True)
    builder.day_boxes[3].setChecked(True)
    assert builder.rule() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    assert builder.weeks.suffix() == " weeks"

    assert builder.set_rule("FREQ=MONTHLY;BYDAY=-1SU")  # shown in the controls
    assert builder.mode.currentIndex() == MONTH_DAY
    assert (builder.ordinal.currentText(), builder.weekday.currentText(),
            builder.months.value()) == ("last", "Sunday", 1)
    assert not builder.set_rule("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15")  # typed only
    assert builder.mode.currentIndex() == ADVANCED and not builder.text.isReadOnly()
    assert builder.rule() == "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15"


def test_the_weekday_boxes_keep_their_names_at_the_forms_usual_widths(qtbot, plant, planner,
                                                                      open_form):
    form = open_form(planner)
    triggers = form.triggers
    triggers.by_time.setChecked(True)
    triggers.time_unit.setCurrentIndex(triggers.time_unit.findData("rrule"))
    triggers.rrule.mode.setCurrentIndex(WEEK_DAYS)
    boxes = triggers.rrule.day_boxes
    assert [b.text() for b in boxes] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [b.toolTip() for b in boxes] == list(DAY_NAMES)
    for width in (1000, 1200, 1400):
        form.resize(width, 700)
        form.layout().activate()
        assert all(b.isVisible() for b in boxes)
        squeezed = [b.text() for b in boxes if b.width() < b.sizeHint().width()]
        assert squeezed == [], width


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;INTERVAL=12;BYDAY=-1WE",
                                  "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"])
def test_the_rrule_builder_fits_the_form_at_its_narrowest(qtbot, plant, planner, open_form,
                                                         rule):
    form = open_form(planner)
    triggers = form.triggers
    builder = triggers.rrule
    triggers.by_time.setChecked(True)
    triggers.time_unit.setCurrentIndex(triggers.time_unit.findData("rrule"))
    assert builder.set_rule(rule)  # in the controls
    form.resize(form.minimumWidth(), 700)
    assert form.width() == 1000
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the layouts, laid out
    # Nothing in the form is squeezed below what it needs.
    assert form.layout().minimumSize().width() <= form.width()
    assert builder.width() >= builder.minimumSizeHint().width()
    controls = [builder.mode, builder.ordinal, builder.weekday, builder.months, builder.weeks,
                *builder.day_boxes]
    squeezed = [c for c in controls if c.isVisible() and c.width() < c.sizeHint().width()]
    assert squeezed == []
    # The rule is read whole (10 px: the field's frame and margins)...
    assert builder.text.width() >= builder.text.fontMetrics().horizontalAdvance(rule) + 10
    assert builder.text.toolTip().startswith(f"{rule}\n")
    # ... while the controls stay in line with the fields above them.
    assert builder.mode.mapTo(form, QPoint()).x() == \
        triggers.time_unit.mapTo(form, QPoint()).x()


def test_a_custom_rule_in_the_form(qtbot, plant, planner, open_form):
    form = open_form(planner)
    form.name.setText("Quarterly vibration check")
    _choose_asset(form, "PMP-0001")
    triggers = form.triggers
    triggers.by_time.setChecked(True)
    triggers.time_unit.setCurrentIndex(triggers.time_unit.findData("rrule"))
    assert triggers.rrule.isVisible() and not triggers.time_every.isVisible()
    triggers.rrule.months.setValue(3)
    triggers.start_date.edit.setText("2028-01-01")
    form.update_preview()
    assert form.preview.dates()[:4] == ["2028-01-03", "2028-04-03", "2028-07-03",
                                        "2028-10-02"]
    triggers.rrule.mode.setCurrentIndex(ADVANCED)
    triggers.rrule.text.setText("FREQ=MONTHLY;BYDAY=XX")
    triggers.rrule.text.textEdited.emit("FREQ=MONTHLY;BYDAY=XX")
    form.update_preview()
    assert form.preview.problems.text().startswith(
        "No dates yet:\n• The rule is not a valid RRULE")
    triggers.rrule.set_rule("FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO")
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    stored = PmSchedule.get(PmSchedule.name == "Quarterly vibration check")
    assert (stored.time_unit, stored.rrule) == ("rrule", "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO")


# --- the work order it generates ------------------------------------------------------------


def test_the_checklist_rows_are_added_reordered_and_removed(qtbot, plant, planner, open_form):
    form = open_form(planner)
    _monthly(form, "2028-01-31")
    form.tabs.setCurrentIndex(WORK_ORDER)
    checklist = form.template.checklist
    for text in ("Check oil level", "Discharge pressure", "Wipe down"):
        checklist.add_step()
        checklist.table.item(checklist.selected_row(), 0).setText(text)
    pressure = checklist.table.cellWidget(1, 1)
    pressure.setCurrentIndex(pressure.findData("reading"))
    checklist.table.item(1, 2).setCheckState(Qt.CheckState.Checked)
    checklist.table.item(1, 3).setText("bar")
    checklist.table.selectRow(2)
    checklist.move_up()  # Wipe down before the pressure
    checklist.table.selectRow(0)
    checklist.remove_step()
    assert [t["text"] for t in checklist.tasks()] == ["Wipe down", "Discharge pressure"]
    form.template.priority.setCurrentIndex(form.template.priority.findData(2))
    form.template.estimated_hours.setText("1.5")
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    stored = PmSchedule.get(PmSchedule.name == "Monthly lubrication")
    assert json.loads(stored.tasks) == [
        {"text": "Wipe down", "kind": "check", "required": False, "unit": ""},
        {"text": "Discharge pressure", "kind": "reading", "required": True, "unit": "bar"}]
    assert (stored.priority, stored.estimated_hours) == (2, Decimal("1.5"))


# --- editing ----------------------------------------------------------------------------------


@pytest.fixture
def schedule(plant, planner) -> schedules.ScheduleDetail:
    return schedules.create_schedule(
        planner, name="Monthly lubrication", asset_id=plant["pump"].id, time_unit="month",
        start_date="2028-01-31", tasks=[{"text": "Grease", "kind": "check"}])


def test_edit_saves_the_changed_fields(qtbot, plant, planner, schedule, open_form):
    form = open_form(planner, schedule.id)
    assert form.heading.text() == "PMP-0001  Monthly lubrication"
    assert form.save_button.text() == "Save" and not form.is_dirty()
    assert form.preview.dates()[1] == "2028-02-29"
    form.triggers.lead_days.setValue(7)
    assert form.notice.text() == "Unsaved changes"
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    stored = PmSchedule.get_by_id(schedule.id)
    assert (stored.lead_days, stored.version, stored.name) == (7, 2, "Monthly lubrication")
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert json.loads(event.changes) == {"lead_days": [0, 7]}  # only what was changed


def test_a_lost_race_keeps_my_edits_on_top_of_theirs(qtbot, plant, planner, make_user,
                                                     schedule, open_form, answer_modal):
    olga = make_user(Role.PLANNER, "olga")
    form = open_form(planner, schedule.id)
    schedules.update_schedule(olga, schedule.id, 1, name="Monthly greasing")
    form.triggers.lead_days.setValue(5)
    seen = {}

    def keep(box: QMessageBox) -> None:
        seen["text"], seen["more"] = box.text(), box.informativeText()
        _click(box, "Keep my edits")

    answer_modal(QMessageBox, keep)
    _save(qtbot, form)
    assert form.isVisible()
    assert "This PM schedule was changed by olga" in seen["text"]
    assert seen["more"].startswith("They changed: Name.")  # not the version they bumped
    stored = PmSchedule.get_by_id(schedule.id)
    assert (stored.name, stored.lead_days, stored.version) == ("Monthly greasing", 0, 2)
    assert (form.name.text(), form.triggers.lead_days.value()) == ("Monthly greasing", 5)
    assert "Your edits are on top of the version saved meanwhile" in form.message.text()
    form.activateWindow()  # offscreen, the form is not given back the focus by itself
    qtbot.waitUntil(form.isActiveWindow)
    with qtbot.waitSignal(form.saved):
        _save(qtbot, form)
    stored = PmSchedule.get_by_id(schedule.id)
    assert (stored.name, stored.lead_days, stored.version) == ("Monthly greasing", 5, 3)


def test_reload_after_a_lost_race_shows_their_version(qtbot, plant, planner, make_user,
                                                      schedule, open_form, answer_modal):
    olga = make_user(Role.PLANNER, "olga")
    form = open_form(planner, schedule.id)
    schedules.update_schedule(olga, schedule.id, 1, time_every=2)
    form.triggers.lead_days.setValue(5)
    answer_modal(QMessageBox, lambda box: _click(box, "Reload"))
    _save(qtbot, form)
    assert form.isVisible() and not form.is_dirty()
    assert (form.triggers.time_every.value(), form.triggers.lead_days.value()) == (2, 0)
    assert form.message.text() == "Reloaded: this is the schedule as it is stored now."
    assert form.preview.dates()[:2] == ["2028-01-31", "2028-03-31"]  # their interval


def test_another_desks_change_shows_in_an_untouched_form(qtbot, plant, planner, make_user,
                                                         schedule, open_form):
    olga = make_user(Role.PLANNER, "olga")
    form = open_form(planner, schedule.id)
    schedules.update_schedule(olga, schedule.id, 1, lead_days=3)
    form.refresh_for({"pm_schedule": {str(schedule.id)}})
    assert form.triggers.lead_days.value() == 3 and not form.is_dirty()
    form.name.setText("Mine")
    schedules.update_schedule(olga, schedule.id, 2, lead_days=4)
    form.refresh_for({"pm_schedule": {str(schedule.id)}})
    assert form.name.text() == "Mine" and form.triggers.lead_days.value() == 3
    assert "Someone has just changed this schedule" in form.message.text()


def test_closing_with_unsaved_edits_asks_first(qtbot, plant, planner, schedule, open_form,
                                               answer_modal):
    form = open_form(planner, schedule.id)
    form.name.setText("Renamed")
    answer_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    form.reject()
    assert form.isVisible() and form.name.text() == "Renamed"
    answer_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Discard).click())
    form.reject()
    assert not form.isVisible()
    assert PmSchedule.get_by_id(schedule.id).name == "Monthly lubrication"
