"""Creating and editing work orders, the work recorded on them, and approving requests: what
the user gets, and for bad input a clear message per field with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from decimal import Decimal
from typing import Any

import pytest

from app.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from app.models import (
    ALL_MODELS,
    Asset,
    Attachment,
    AuditEvent,
    Location,
    NumberSequence,
    Site,
    User,
    WorkOrder,
    WorkRequest,
)
from app.paths import data_file
from app.permissions import Actor, Role
from app.services.work_orders import activity, edit, lifecycle
from app.services.work_orders.detail import get_attachment, get_work_order
from app.services.work_orders.fields import COMMENT_MAX, TaskSpec
from app.vocabulary import ATTACHMENT_MAX_BYTES

YEAR = dt.date.today().year
SQLISH = "Robert'); DROP TABLE work_order;-- \"quoted\" 100% _x_"


def snapshot() -> dict[str, list[tuple]]:
    return {m.__name__: list(m.select().order_by(m._meta.primary_key).tuples())
            for m in ALL_MODELS}


@pytest.fixture
def plant(db: Any) -> dict[str, Any]:
    site = Site.create(code="S1", name="Main plant")
    hall = Location.create(site=site, code="HALL", name="Filling hall")
    pump = Asset.create(tag="PMP-0001", name="Feed pump", location=hall)
    old = Asset.create(tag="PMP-0099", name="Old pump", status="retired")
    return {"hall": hall, "pump": pump, "retired": old}


@pytest.fixture
def tech(make_user) -> Actor:
    return make_user(Role.TECHNICIAN, "tess", hourly_rate="42.50")


def assigned_order(admin: Actor, tech: Actor, **kwargs: Any):
    wo = edit.create_work_order(admin, "Seal leaking", assignee_id=tech.user_id, **kwargs)
    assert wo.status == "assigned"  # choosing who does it assigns the order
    return wo


# --- create -----------------------------------------------------------------------------------


def test_create_with_everything(admin, plant, tech):
    detail = edit.create_work_order(
        admin, "  Seal leaking on feed pump  ", description="Drips at the gland.\nSee photo.",
        type="Emergency", priority="1", asset_id=plant["pump"].id, assignee_id=tech.user_id,
        due_date="2026-05-04", planned_start=dt.date(2026, 5, 1), estimated_hours="2,5",
        tasks=[TaskSpec("Isolate the pump", required=True),
               {"text": "Discharge pressure", "kind": "reading", "unit": "bar"}],
    )
    assert detail.number == f"WO-{YEAR}-000001" and detail.status == "assigned"
    assert [(e.from_status, e.to_status) for e in detail.log] == [("open", "assigned")]
    assert detail.title == "Seal leaking on feed pump" and detail.type == "emergency"
    assert detail.priority == 1 and detail.estimated_hours == Decimal("2.50")
    assert (detail.asset_tag, detail.location_name) == ("PMP-0001", "Filling hall")
    assert detail.assignee_name == "Technician Person"
    assert detail.requester_id == admin.user_id and detail.requester_name == "Ada Admin"
    assert [(t.position, t.kind, t.required, t.unit) for t in detail.tasks] == [
        (1, "check", True, ""), (2, "reading", False, "bar")]
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (event.entity, event.action) == ("work_order", "created")
    assert json.loads(event.changes)["number"] == [None, detail.number]
    assert edit.create_work_order(admin, "Second").number == f"WO-{YEAR}-000002"


def test_text_with_quotes_and_sql_is_stored_literally(admin):
    detail = edit.create_work_order(admin, SQLISH, description=SQLISH,
                                    tasks=[{"text": SQLISH}])
    again = get_work_order(admin, detail.id)
    assert again.title == again.description == again.tasks[0].text == SQLISH
    assert WorkOrder.select().count() == 1


BAD_FIELDS = [
    ({"title": ""}, "title", "is required"),
    ({"title": "   "}, "title", "is required"),
    ({"title": "x" * 201}, "title", "is 201 characters long; at most 200 are allowed"),
    ({"title": 42}, "title", "must be text"),
    ({"title": "bell\x07"}, "title", "contains control characters"),
    ({"description": "d" * 20_001}, "description", "at most 20000 are allowed"),
    ({"type": "urgent"}, "type", "must be one of corrective, preventive"),
    ({"priority": 0}, "priority", "must be a whole number from 1 (urgent) to 4 (low)"),
    ({"priority": 5}, "priority", "from 1 (urgent) to 4 (low)"),
    ({"priority": "high"}, "priority", "from 1 (urgent) to 4 (low)"),
    ({"priority": True}, "priority", "from 1 (urgent) to 4 (low)"),
    ({"priority": 2.5}, "priority", "from 1 (urgent) to 4 (low)"),
    ({"asset_id": 9999}, "asset", "does not exist"),
    ({"asset_id": "PMP-0001"}, "asset", "must be chosen from the list"),
    ({"location_id": 9999}, "location", "does not exist"),
    ({"assignee_id": 9999}, "assignee", "does not exist"),
    ({"due_date": "2026-02-30"}, "due_date", "2026-02-30 is not a day of the calendar"),
    ({"due_date": "tomorrow"}, "due_date", "must be a date written YYYY-MM-DD"),
    ({"due_date": 20260504}, "due_date", "must be a date written YYYY-MM-DD"),
    ({"due_date": "1999-12-31"}, "due_date", "must be between 2000-01-01 and 2100-12-31"),
    ({"due_date": dt.date(2101, 1, 1)}, "due_date", "must be between 2000-01-01"),
    ({"planned_start": "0001-01-01"}, "planned_start", "must be between"),
    ({"planned_start": "2026-06-01", "due_date": "2026-05-01"}, "planned_start",
     "(2026-06-01) is after the due date (2026-05-01)"),
    ({"estimated_hours": -1}, "estimated_hours", "must be from 0 to 10,000 hours"),
    ({"estimated_hours": "10000.01"}, "estimated_hours", "must be from 0 to 10,000 hours"),
    ({"estimated_hours": "NaN"}, "estimated_hours", "must be from 0 to 10,000 hours"),
    ({"estimated_hours": "two"}, "estimated_hours", "must be a number of hours"),
    ({"estimated_hours": [2]}, "estimated_hours", "must be a number of hours"),
    ({"tasks": "check it"}, "tasks", "must be a list of checklist items"),
    ({"tasks": [{"text": ""}]}, "task_1", "text is required"),
    ({"tasks": [{"text": "ok"}, {"text": "t" * 501}]}, "task_2", "at most 500 are allowed"),
    ({"tasks": [{"text": "ok", "kind": "photo"}]}, "task_1", "kind must be one of check"),
    ({"tasks": [{"text": "ok", "required": "yes"}]}, "task_1", "required must be yes or no"),
    ({"tasks": [{"text": "ok", "unit": "u" * 21}]}, "task_1", "unit is 21 characters"),
    ({"tasks": ["just text"]}, "task_1", "must give at least the text"),
    ({"tasks": [{"text": "x"}] * 201}, "tasks", "has 201 items; at most 200"),
]


@pytest.mark.parametrize("fields, field, words", BAD_FIELDS)
def test_bad_input_is_named_per_field_and_nothing_is_written(admin, plant, fields, field, words):
    values = {"title": "Seal leaking", **fields}
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        edit.create_work_order(admin, **values)
    assert field in exc.value.fields, exc.value.fields
    assert words in exc.value.fields[field]
    assert snapshot() == before  # no number used up either


def test_every_bad_field_is_reported_at_once(admin):
    with pytest.raises(ValidationError) as exc:
        edit.create_work_order(admin, "", type="x", priority=9, due_date="x")
    assert set(exc.value.fields) == {"title", "type", "priority", "due_date"}
    assert str(exc.value).startswith("Title is required. Type must be one of")


def test_retired_asset_and_unsuitable_assignees_are_refused(admin, plant, make_user):
    with pytest.raises(ValidationError, match="PMP-0099 is retired"):
        edit.create_work_order(admin, "Fix", asset_id=plant["retired"].id)
    requester = make_user(Role.REQUESTER)
    with pytest.raises(ValidationError, match="is a requester and may not work on orders"):
        edit.create_work_order(admin, "Fix", assignee_id=requester.user_id)
    gone = make_user(Role.TECHNICIAN)
    User.update(active=False).where(User.id == gone.user_id).execute()
    with pytest.raises(ValidationError, match="is deactivated"):
        edit.create_work_order(admin, "Fix", assignee_id=gone.user_id)


def test_a_failure_after_the_number_is_taken_leaves_no_gap(admin, monkeypatch):
    edit.create_work_order(admin, "First")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(edit.audit, "record", broken)
    with pytest.raises(RuntimeError):
        edit.create_work_order(admin, "Second")
    monkeypatch.undo()
    assert edit.create_work_order(admin, "Third").number == f"WO-{YEAR}-000002"
    assert NumberSequence.get().last_value == 2


# --- update -----------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields_and_audits_old_and_new(admin, plant):
    wo = edit.create_work_order(admin, "Seal leaking", priority=3)
    detail = edit.update_work_order(admin, wo.id, wo.version, priority=1,
                                    due_date="2026-07-01", asset_id=plant["pump"].id)
    assert (detail.priority, detail.due_date, detail.version) == (1, dt.date(2026, 7, 1), 2)
    assert detail.title == "Seal leaking" and detail.location_name == "Filling hall"
    changes = json.loads(AuditEvent.select().order_by(AuditEvent.id.desc()).first().changes)
    assert changes["priority"] == [3, 1]
    assert changes["due_date"] == [None, "2026-07-01"]
    with pytest.raises(TypeError):
        edit.update_work_order(admin, wo.id, detail.version, number="WO-1")


def test_update_with_a_stale_version_names_who_changed_it(admin, make_user):
    planner = make_user(Role.PLANNER, "pat")
    wo = edit.create_work_order(admin, "Seal leaking")
    edit.update_work_order(planner, wo.id, wo.version, title="Seal leaking badly")
    before = snapshot()
    with pytest.raises(ConflictError, match="changed by pat at"):
        edit.update_work_order(admin, wo.id, wo.version, priority=1)
    assert snapshot() == before


def test_update_refuses_bad_fields_finished_orders_and_dropping_the_assignee(admin, tech):
    wo = assigned_order(admin, tech)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        edit.update_work_order(admin, wo.id, wo.version, title="", assignee_id=None)
    assert exc.value.fields["title"] == "is required"
    assert "use Unassign" in exc.value.fields["assignee"]
    assert snapshot() == before
    WorkOrder.update(status="cancelled").where(WorkOrder.id == wo.id).execute()
    with pytest.raises(ValidationError, match="is cancelled: its details cannot be changed"):
        edit.update_work_order(admin, wo.id, wo.version, title="New")


# --- tasks, labor, comments, attachments ------------------------------------------------------


def test_answers_are_checked_by_task_kind(admin, tech):
    wo = assigned_order(admin, tech, tasks=[
        {"text": "Isolate", "kind": "check"}, {"text": "Leak test", "kind": "pass_fail"},
        {"text": "Pressure", "kind": "reading", "unit": "bar"}, {"text": "Notes", "kind": "text"}])
    check, passfail, reading, text = (t.id for t in wo.tasks)
    good = [(check, "done", "done"), (check, True, "done"), (passfail, "FAIL", "fail"),
            (reading, " 4,25 ", "4.25"), (reading, -3, "-3"), (text, SQLISH, SQLISH)]
    for task_id, answer, stored in good:
        row = activity.answer_task(tech, wo.id, task_id, answer)
        assert row.result == stored and row.done_by_name == "Technician Person"
    bad = [(check, "yes", "of a check must be done"), (passfail, "ok", "must be pass or fail"),
           (reading, "high", "must be a number"), (reading, "1e20", "below a trillion"),
           (reading, "inf", "below a trillion"), (text, "t" * 501, "at most 500"),
           (text, ["x"], "must be text")]
    before = snapshot()
    for task_id, answer, words in bad:
        with pytest.raises(ValidationError) as exc:
            activity.answer_task(tech, wo.id, task_id, answer)
        assert words in exc.value.fields["result"]
    assert snapshot() == before
    cleared = activity.answer_task(tech, wo.id, check, "")
    assert (cleared.result, cleared.done_at, cleared.done_by_name) == ("", None, "")
    with pytest.raises(NotFound):
        activity.answer_task(tech, wo.id, 99999, "done")


def test_technicians_work_only_on_their_own_orders(admin, tech, make_user):
    other = make_user(Role.TECHNICIAN)
    wo = assigned_order(admin, other, tasks=[{"text": "Isolate"}])
    before = snapshot()
    for call in (
        lambda: activity.answer_task(tech, wo.id, wo.tasks[0].id, "done"),
        lambda: activity.book_labor(tech, wo.id, tech.user_id, dt.date.today(), 1),
        lambda: activity.add_comment(tech, wo.id, "Mine now"),
        lambda: activity.add_attachment(tech, wo.id, "a.txt", b"x", "text/plain"),
        lambda: edit.set_failure_codes(tech, wo.id, wo.version, "LEAK", "WEAR", "REPLACE"),
        lambda: edit.set_downtime(tech, wo.id, wo.version, 2),
        lambda: lifecycle.transition(tech, wo.id, "in_progress", wo.version),
    ):
        with pytest.raises(PermissionDenied):
            call()
    mine = assigned_order(admin, tech)
    with pytest.raises(PermissionDenied, match="only book their own hours"):
        activity.book_labor(tech, mine.id, other.user_id, dt.date.today(), 1)
    assert snapshot() == {**before, **{k: v for k, v in snapshot().items()
                                       if k in ("WorkOrder", "WorkOrderLog", "AuditEvent",
                                                "AuditHead", "NumberSequence")}}


def test_answers_are_frozen_once_completed(admin, tech):
    wo = assigned_order(admin, tech, tasks=[{"text": "Isolate"}])
    wo = lifecycle.transition(tech, wo.id, "in_progress", wo.version)
    wo = lifecycle.transition(tech, wo.id, "completed", wo.version)
    with pytest.raises(ValidationError, match="is completed: reopen it"):
        activity.answer_task(tech, wo.id, wo.tasks[0].id, "done")


def test_labor_snapshots_the_rate(admin, tech):
    wo = assigned_order(admin, tech)
    row = activity.book_labor(tech, wo.id, tech.user_id, "2026-01-05", "1.5", note=SQLISH)
    assert (row.hours, row.rate, row.cost, row.note) == (
        Decimal("1.50"), Decimal("42.50"), Decimal("63.75"), SQLISH)
    User.update(hourly_rate=Decimal("99")).where(User.id == tech.user_id).execute()
    assert get_work_order(admin, wo.id).labor[0].rate == Decimal("42.50")
    assert get_work_order(admin, wo.id).labor_hours == Decimal("1.50")


@pytest.mark.parametrize("date, hours, field, words", [
    (None, 1, "work_date", "is required"),
    ("2026-13-01", 1, "work_date", "is not a day of the calendar"),
    ("tomorrow", 1, "work_date", "is in the future"),  # counted when the test runs
    ("1999-01-01", 1, "work_date", "between 2000-01-01"),
    ("2026-01-05", 0, "hours", "more than 0 to 24 hours"),
    ("2026-01-05", 25, "hours", "more than 0 to 24 hours"),
    ("2026-01-05", "lots", "hours", "must be a number of hours"),
    ("2026-01-05", None, "hours", "is required"),
])
def test_bad_labor_is_refused(admin, tech, date, hours, field, words):
    if date == "tomorrow":
        date = dt.date.today() + dt.timedelta(days=1)
    wo = assigned_order(admin, tech)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        activity.book_labor(admin, wo.id, tech.user_id, date, hours)
    assert words in exc.value.fields[field]
    assert snapshot() == before


def test_comments_go_to_the_log(admin, tech):
    wo = assigned_order(admin, tech)
    activity.add_comment(tech, wo.id, SQLISH)
    log = get_work_order(admin, wo.id).log
    assert (log[-1].kind, log[-1].text, log[-1].author_name) == (
        "comment", SQLISH, "Technician Person")
    for text, words in (("", "is required"), ("c" * 5001, "at most 5000")):
        with pytest.raises(ValidationError, match=words):
            activity.add_comment(tech, wo.id, text)


def test_attachments_are_stored_capped_and_named_safely(admin, tech):
    wo = assigned_order(admin, tech)
    data = bytes(range(256)) * 4
    row = activity.add_attachment(tech, wo.id, "C:\\Users\\tess\\..\\photo<1>.JPG", data,
                                  "Image/JPEG")
    assert (row.filename, row.media_type, row.size) == ("photo_1_.JPG", "image/jpeg", 1024)
    assert get_attachment(admin, row.id) == ("photo_1_.JPG", "image/jpeg", data)
    assert activity.clean_filename("../../etc/passwd") == "passwd"
    assert activity.clean_filename(" .hidden\x00name ") == "hidden name"
    assert activity.clean_filename("...") == "attachment"
    long = activity.clean_filename("a" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")
    before = snapshot()
    with pytest.raises(ValidationError, match="File is 10.0 MB; at most 10 MB"):
        activity.add_attachment(tech, wo.id, "big.bin", b"x" * (ATTACHMENT_MAX_BYTES + 1),
                                "application/octet-stream")
    with pytest.raises(ValidationError, match="File is empty"):
        activity.add_attachment(tech, wo.id, "empty.txt", b"", "text/plain")
    with pytest.raises(ValidationError, match="File must be the file's content"):
        activity.add_attachment(tech, wo.id, "a.txt", "text", "text/plain")  # type: ignore
    with pytest.raises(ValidationError, match="File type must be a media type"):
        activity.add_attachment(tech, wo.id, "a.txt", b"x", "not a type")
    assert snapshot() == before
    with pytest.raises(NotFound):
        get_attachment(admin, 99999)


# --- failure codes and downtime ---------------------------------------------------------------


def test_shipped_failure_codes_cover_every_code_the_demo_uses():
    codes = edit.failure_codes()
    assert 15 <= len(codes.problem) <= 30 and 15 <= len(codes.cause) <= 30
    assert 15 <= len(codes.remedy) <= 30
    with data_file("demo", "plant.toml").open("rb") as fh:
        demo = tomllib.load(fh)
    for kind in ("problem", "cause", "remedy"):
        assert set(demo["failure_codes"][kind]) <= set(getattr(codes, kind)), kind
    for spec in demo["kinds"].values():
        for failure in spec.get("corrective", []) + spec.get("emergency", []):
            assert failure["problem"] in codes.problem
            assert set(failure["cause"]) <= set(codes.cause)
            assert set(failure["remedy"]) <= set(codes.remedy)
    assert codes.describe("problem", "LEAK") == "Leak"


def test_failure_codes_are_checked_against_the_lists(admin, tech):
    wo = assigned_order(admin, tech)
    detail = edit.set_failure_codes(tech, wo.id, wo.version, " leak ", "WEAR", "REPLACE")
    assert (detail.failure_problem, detail.failure_cause, detail.failure_remedy) == (
        "LEAK", "WEAR", "REPLACE")
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        edit.set_failure_codes(tech, wo.id, detail.version, "SMOKE", 3, "REPLACE")
    assert exc.value.fields == {"failure_problem": "'SMOKE' is not in the list of problem codes",
                                "failure_cause": "must be a code from the list"}
    assert snapshot() == before
    with pytest.raises(ConflictError):
        edit.set_failure_codes(tech, wo.id, wo.version, "", "", "")


def test_downtime(admin, tech):
    wo = assigned_order(admin, tech)
    detail = edit.set_downtime(tech, wo.id, wo.version, "3.25")
    assert detail.downtime_hours == Decimal("3.25")
    with pytest.raises(ValidationError, match="Downtime must be from 0 to 10,000"):
        edit.set_downtime(tech, wo.id, detail.version, -2)
    assert edit.set_downtime(tech, wo.id, detail.version, None).downtime_hours is None


# --- approving work requests ------------------------------------------------------------------


@pytest.fixture
def request_row(plant, make_user):
    requester = make_user(Role.REQUESTER, "rita")
    request = WorkRequest.create(number="WR-2026-000001", title="Pump dripping " + SQLISH,
                                 description="Under the feed pump", asset=plant["pump"].id,
                                 location=plant["hall"].id, priority=2,
                                 requester=requester.user_id)
    Attachment.create(work_request=request.id, filename="drip.jpg", media_type="image/jpeg",
                      size=3, data=b"abc", uploaded_by=requester.user_id)
    return request


def test_approving_a_request_makes_an_order_with_its_text_and_attachments(
        admin, tech, request_row):
    detail = edit.approve_request(admin, request_row.id, request_row.version,
                                  assignee_id=tech.user_id, type="corrective",
                                  tasks=[{"text": "Check the gland"}])
    assert detail.title == request_row.title and detail.description == "Under the feed pump"
    assert (detail.asset_tag, detail.location_name, detail.priority) == (
        "PMP-0001", "Filling hall", 2)
    assert detail.requester_name == "Requester Person" and detail.assignee_id == tech.user_id
    assert detail.request_number == "WR-2026-000001" and len(detail.tasks) == 1
    assert [a.filename for a in detail.attachments] == ["drip.jpg"]
    assert get_attachment(admin, detail.attachments[0].id)[2] == b"abc"
    assert Attachment.select().where(Attachment.work_request == request_row.id).count() == 1
    request = WorkRequest.get_by_id(request_row.id)
    assert (request.status, request.decided_by_id, request.work_order_id) == (
        "approved", admin.user_id, detail.id)
    assert request.decided_at is not None and request.version == 2
    with pytest.raises(InvalidTransition, match="already approved"):
        edit.approve_request(admin, request_row.id, request.version)


def test_approving_is_all_or_nothing(admin, request_row):
    before = snapshot()
    with pytest.raises(ValidationError, match="Due date"):
        edit.approve_request(admin, request_row.id, request_row.version, due_date="someday")
    with pytest.raises(ConflictError):
        edit.approve_request(admin, request_row.id, request_row.version + 1)
    WorkRequest.update(status="rejected").where(WorkRequest.id == request_row.id).execute()
    with pytest.raises(InvalidTransition, match="already rejected"):
        edit.approve_request(admin, request_row.id, request_row.version)
    with pytest.raises(NotFound):
        edit.approve_request(admin, 99999, 1)
    with pytest.raises(TypeError):
        edit.approve_request(admin, request_row.id, request_row.version, colour="red")
    after = snapshot()
    after["WorkRequest"] = before["WorkRequest"]  # only the status set directly above
    assert after == before


def test_technicians_write_completion_notes_on_their_own_orders(admin, tech, make_user):
    wo = assigned_order(admin, tech)
    done = activity.set_completion_notes(tech, wo.id, wo.version, " Seal replaced; O'Brien ok ")
    assert done.completion_notes == "Seal replaced; O'Brien ok" and done.version == wo.version + 1
    other = make_user(Role.TECHNICIAN, "otto")
    with pytest.raises(PermissionDenied):
        activity.set_completion_notes(other, wo.id, done.version, "Not mine")
    with pytest.raises(ConflictError):
        activity.set_completion_notes(tech, wo.id, wo.version, "Stale")
    with pytest.raises(ValidationError) as caught:
        activity.set_completion_notes(tech, wo.id, done.version, "x" * (COMMENT_MAX + 1))
    assert set(caught.value.fields) == {"completion_notes"}
    assert WorkOrder.get_by_id(wo.id).completion_notes == "Seal replaced; O'Brien ok"


def test_choosing_who_does_an_open_order_assigns_it(admin, tech):
    wo = edit.create_work_order(admin, "Grease the bearings")
    assert wo.status == "open"
    wo = edit.update_work_order(admin, wo.id, wo.version, assignee_id=tech.user_id)
    assert (wo.status, wo.assignee_id) == ("assigned", tech.user_id)
    assert [(e.from_status, e.to_status) for e in wo.log] == [("open", "assigned")]
    again = edit.update_work_order(admin, wo.id, wo.version, priority=1)
    assert again.status == "assigned" and len(again.log) == 1
