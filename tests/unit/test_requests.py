"""Work requests: anyone signed in files one; requesters see only their own; planners and
supervisors see all and reject with a reason the requester reads."""

from __future__ import annotations

import json

import pytest

from app.clock import utcnow
from app.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from app.models import Attachment, AuditEvent, WorkRequest
from app.permissions import SYSTEM, Role, it_actor
from app.services import requests
from app.services.assets import locations, register
from app.vocabulary import ATTACHMENT_MAX_BYTES

SQL_TEXT = "Leak at O'Brien's \"pump\"; DROP TABLE work_request;-- 100%"


def _counts() -> tuple[int, ...]:
    return tuple(m.select().count() for m in (WorkRequest, Attachment, AuditEvent))


@pytest.fixture
def pump(admin) -> register.AssetDetail:
    return register.add_asset(admin, "P-1", "Pump")


def test_anyone_signed_in_files_a_numbered_request(actors, pump):
    year = utcnow().year
    numbers = []
    for role in (Role.REQUESTER, Role.TECHNICIAN, Role.PLANNER):
        detail = requests.file_request(actors[role], f" {SQL_TEXT} ", "It drips\nbadly",
                                       asset_id=pump.id, priority="2")
        numbers.append(detail.number)
        assert detail.title == SQL_TEXT and detail.status == "new" and detail.priority == 2
        assert detail.asset_tag == "P-1" and detail.requester_id == actors[role].user_id
    assert numbers == [f"WR-{year}-{n:06d}" for n in (1, 2, 3)]
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (event.entity, event.action) == ("work_request", "filed")
    for actor in (SYSTEM, it_actor("root")):
        with pytest.raises(PermissionDenied):
            requests.file_request(actor, "Leak")


def test_a_request_about_an_asset_is_where_the_asset_stands(admin, actors):
    from app.models import Location, Site

    hall = Location.create(site=Site.create(code="S", name="Site"), code="H", name="Hall")
    fan = register.add_asset(admin, "FAN-1", "Roof fan", location_id=hall.id)
    filed = requests.file_request(actors[Role.REQUESTER], "Fan rattles", asset_id=fan.id)
    assert filed.location_id == hall.id


def test_a_request_may_name_a_location(admin, actors):
    site = locations.add_site(admin, "RBP", "Plant")
    hall = locations.add_location(admin, site.id, None, "HALL", "Main hall")
    detail = requests.file_request(actors[Role.REQUESTER], "Light out", location_id=hall.id)
    assert (detail.location_id, detail.location_name, detail.asset_id) == (hall.id, "Main hall",
                                                                          None)


@pytest.mark.parametrize("kwargs, fields", [
    ({"title": ""}, {"title": "is required"}),
    ({"title": "   "}, {"title": "is required"}),
    ({"title": "t" * 201}, {"title": "is 201 characters long; at most 200 are allowed"}),
    ({"title": None}, {"title": "is required"}),
    ({"title": 12}, {"title": "must be text"}),
    ({"description": "d" * 20_001}, {"description": "is 20001 characters long; at most 20000 "
                                                    "are allowed"}),
    ({"asset_id": 9999}, {"asset_id": "does not exist (asset 9999)"}),
    ({"asset_id": "P-1"}, {"asset_id": "must be chosen from the list"}),
    ({"location_id": 9999}, {"location_id": "does not exist (location 9999)"}),
    ({"priority": 0}, {"priority": "must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)"}),
    ({"priority": "high"}, {"priority": "must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)"}),
    ({"priority": True}, {"priority": "must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)"}),
    ({"title": "", "priority": 9, "asset_id": 9999},
     {"title": "is required", "priority": "must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)",
      "asset_id": "does not exist (asset 9999)"}),
])
def test_bad_request_fields_are_named_and_nothing_is_written(actors, kwargs, fields):
    before = _counts()
    values = {"title": "Leak", **kwargs}
    with pytest.raises(ValidationError) as err:
        requests.file_request(actors[Role.REQUESTER], **values)
    assert err.value.fields == fields
    assert _counts() == before


def test_a_failed_request_leaves_no_gap_in_the_numbers(actors):
    requester = actors[Role.REQUESTER]
    with pytest.raises(ValidationError):
        requests.file_request(requester, "")
    assert requests.file_request(requester, "Leak").number.endswith("-000001")


def test_requesters_see_only_their_own_and_planners_see_all(actors, make_user):
    alice, bob = actors[Role.REQUESTER], make_user(Role.REQUESTER)
    tech = actors[Role.TECHNICIAN]
    mine = requests.file_request(alice, "Alice's leak")
    theirs = requests.file_request(bob, "Bob's fan")
    techs = requests.file_request(tech, "Tech's light")
    assert [r.id for r in requests.list_requests(alice)] == [mine.id]
    assert requests.count_requests(alice) == 1
    assert [r.id for r in requests.list_requests(tech)] == [techs.id]
    with pytest.raises(PermissionDenied):
        requests.get_request(alice, theirs.id)
    assert requests.get_request(alice, mine.id).title == "Alice's leak"
    for role in (Role.PLANNER, Role.SUPERVISOR, Role.ADMIN):
        everyone = requests.list_requests(actors[role])
        assert [r.id for r in everyone] == [techs.id, theirs.id, mine.id]  # newest first
        assert requests.get_request(actors[role], theirs.id).requester_name == bob.full_name
        assert requests.list_requests(actors[role], mine=True) == []
    with pytest.raises(NotFound):
        requests.get_request(alice, 9999)


def test_list_filters_by_status_and_pages_without_overlaps(actors):
    planner = actors[Role.PLANNER]
    filed = [requests.file_request(actors[Role.REQUESTER], f"Leak {n}") for n in range(7)]
    rejected = requests.reject_request(planner, filed[2].id, filed[2].version, "Duplicate")
    assert [r.id for r in requests.list_requests(planner, status="rejected")] == [rejected.id]
    assert requests.count_requests(planner, status="new") == 6
    pages = [requests.list_requests(planner, offset=o, limit=3) for o in (0, 3, 6)]
    ids = [r.id for page in pages for r in page]
    assert sorted(ids) == sorted(f.id for f in filed) and len(set(ids)) == 7
    with pytest.raises(ValidationError):
        requests.list_requests(planner, status="open")
    with pytest.raises(ValidationError):
        requests.list_requests(planner, limit=0)


def test_a_rejection_carries_its_reason_to_the_requester(actors):
    requester, supervisor = actors[Role.REQUESTER], actors[Role.SUPERVISOR]
    filed = requests.file_request(requester, "Noisy fan")
    rejected = requests.reject_request(supervisor, filed.id, filed.version,
                                       " Fan is due for PM next week ")
    assert rejected.status == "rejected" and rejected.version == filed.version + 1
    assert rejected.decided_by == supervisor.full_name and rejected.decided_at is not None
    seen = requests.get_request(requester, filed.id)
    assert seen.reject_reason == "Fan is due for PM next week"
    assert requests.list_requests(requester)[0].reject_reason == "Fan is due for PM next week"
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.action == "rejected"
    assert json.loads(event.changes)["status"] == ["new", "rejected"]


def test_rejecting_needs_a_reason_a_new_request_and_the_current_version(actors, make_user):
    planner, supervisor = actors[Role.PLANNER], actors[Role.SUPERVISOR]
    filed = requests.file_request(actors[Role.REQUESTER], "Leak")
    before = _counts()
    for reason, message in (("", "is required"), ("r" * 501, "is 501 characters long")):
        with pytest.raises(ValidationError) as err:
            requests.reject_request(planner, filed.id, filed.version, reason)
        assert err.value.fields["reason"].startswith(message)
    assert _counts() == before
    requests.reject_request(supervisor, filed.id, filed.version, "Duplicate")
    with pytest.raises(ConflictError) as conflict:
        requests.reject_request(planner, filed.id, filed.version, "Also duplicate")
    assert supervisor.username in conflict.value.message
    current = requests.get_request(planner, filed.id)
    with pytest.raises(InvalidTransition, match="already rejected"):
        requests.reject_request(planner, filed.id, current.version, "Again")
    for role in (Role.TECHNICIAN, Role.REQUESTER):
        with pytest.raises(PermissionDenied):
            requests.reject_request(actors[role], filed.id, current.version, "No")
    with pytest.raises(NotFound):
        requests.reject_request(planner, 9999, 1, "No")


def test_the_requester_attaches_a_photo_to_their_own_request(actors, make_user):
    requester = actors[Role.REQUESTER]
    filed = requests.file_request(requester, "Leak")
    photo = requests.add_request_attachment(requester, filed.id, "C:\\Users\\me\\leak.jpg",
                                            b"\xff\xd8jpeg", "Image/JPEG")
    assert (photo.filename, photo.media_type, photo.size) == ("leak.jpg", "image/jpeg", 6)
    assert requests.get_request(requester, filed.id).attachments == (photo,)
    assert Attachment.get_by_id(photo.id).data == b"\xff\xd8jpeg"
    planner_file = requests.add_request_attachment(actors[Role.PLANNER], filed.id, "note.txt",
                                                   b"checked", "text/plain")
    assert planner_file.uploaded_by == actors[Role.PLANNER].full_name
    assert requests.get_request_attachment(requester, photo.id) == (
        "leak.jpg", "image/jpeg", b"\xff\xd8jpeg")
    other = make_user(Role.REQUESTER)
    with pytest.raises(PermissionDenied):
        requests.get_request_attachment(other, photo.id)
    with pytest.raises(PermissionDenied):
        requests.add_request_attachment(other, filed.id, "x.txt", b"x", "text/plain")
    with pytest.raises(PermissionDenied):
        requests.add_request_attachment(actors[Role.TECHNICIAN], filed.id, "x.txt", b"x",
                                        "text/plain")


@pytest.mark.parametrize("filename, data, media_type, fields", [
    ("empty.txt", b"", "text/plain", {"file": "is empty"}),
    ("big.bin", b"x" * (ATTACHMENT_MAX_BYTES + 1), "application/octet-stream",
     {"file": "is 10.0 MB; at most 10 MB can be stored"}),
    ("a.txt", "text, not bytes", "text/plain", {"file": "must be the file's content"}),
    ("", b"x", "text/plain", {"filename": "is required"}),
    ("n" * 256, b"x", "text/plain", {"filename": "is 256 characters long; at most 255 are "
                                                 "allowed"}),
    ("a.txt", b"x", "not a type", {"media_type": "must be a media type such as image/jpeg"}),
    ("a.txt", b"x", "text/plain; DROP TABLE", {"media_type": "must be a media type such as "
                                                             "image/jpeg"}),
])
def test_bad_attachments_are_refused_per_field(actors, filename, data, media_type, fields):
    requester = actors[Role.REQUESTER]
    filed = requests.file_request(requester, "Leak")
    before = _counts()
    with pytest.raises(ValidationError) as err:
        requests.add_request_attachment(requester, filed.id, filename, data, media_type)
    assert err.value.fields == fields
    assert _counts() == before


def test_a_file_of_exactly_the_cap_is_stored(actors):
    requester = actors[Role.REQUESTER]
    filed = requests.file_request(requester, "Leak")
    row = requests.add_request_attachment(requester, filed.id, "max.bin",
                                          b"\0" * ATTACHMENT_MAX_BYTES, "")
    assert (row.size, row.media_type) == (ATTACHMENT_MAX_BYTES, "application/octet-stream")


def test_no_attachments_once_decided(actors):
    requester = actors[Role.REQUESTER]
    filed = requests.file_request(requester, "Leak")
    requests.reject_request(actors[Role.PLANNER], filed.id, filed.version, "Duplicate")
    with pytest.raises(ValidationError) as err:
        requests.add_request_attachment(requester, filed.id, "a.txt", b"x", "text/plain")
    assert err.value.message.startswith("This request is already rejected")
