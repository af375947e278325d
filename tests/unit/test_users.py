"""Managing user accounts: validation per field, the last-admin rules, optimistic locking."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.errors import ConflictError, NotFound, ValidationError
from app.models import AuditEvent, User
from app.permissions import Role, it_actor
from app.services.people import auth, users
from tests.conftest import TEST_PASSWORD

GOOD = {
    "username": "tess.tech",
    "full_name": "Tess Technician",
    "role": "technician",
    "password": "a-good-password-1",
}


def written() -> tuple[int, int]:
    """(accounts, audit events): what a refused call must leave unchanged."""
    return users.count_users(), AuditEvent.select().count()


def last_event(user_id: int) -> AuditEvent:
    return (
        AuditEvent.select()
        .where((AuditEvent.entity == "user") & (AuditEvent.entity_id == str(user_id)))
        .order_by(AuditEvent.id.desc())
        .first()
    )


# --- adding accounts -------------------------------------------------------------------------


def test_add_user_stores_the_account_and_audits_it(admin):
    row = users.add_user(admin, "Tess.Tech", " Tess Technician ", "Technician",
                         "a-good-password-1", email="tess@example.com", craft="Electrician",
                         hourly_rate="42.5")
    assert (row.username, row.full_name, row.role) == ("tess.tech", "Tess Technician",
                                                        "technician")
    assert (row.email, row.craft, row.hourly_rate) == ("tess@example.com", "Electrician",
                                                       Decimal("42.50"))
    assert row.active and row.must_change_password and row.version == 1
    assert users.get_user(admin, row.id) == row
    event = last_event(row.id)
    assert (event.action, event.actor, event.actor_id) == ("created", "admin", admin.user_id)
    changes = json.loads(event.changes)
    assert changes["username"] == [None, "tess.tech"]
    assert changes["full_name"] == [None, "Tess Technician"]


BAD_FIELDS = [
    ("username", "tess tech"),
    ("username", "tess@plant"),
    ("username", "-tess"),
    ("username", "t"),
    ("username", "ünal"),
    ("username", "t" * 65),
    ("username", ""),
    ("full_name", ""),
    ("full_name", "   "),
    ("full_name", "x" * 121),
    ("full_name", "Tess\x00Tech"),
    ("email", "tess"),
    ("email", "tess@plant"),
    ("email", "tess @plant.com"),
    ("role", "superuser"),
    ("role", "system"),  # SYSTEM and IT are not roles an account can have
    ("role", "it"),
    ("hourly_rate", -1),
    ("hourly_rate", "-0.01"),
    ("hourly_rate", float("nan")),
    ("hourly_rate", "NaN"),
    ("hourly_rate", "inf"),
    ("hourly_rate", "forty"),
    ("hourly_rate", 100_000_000),
    ("password", "short"),
]


def test_add_user_refuses_a_bad_field_and_writes_nothing(admin, subtests):
    before = written()
    for field, value in BAD_FIELDS:
        with subtests.test(field=field, value=value):
            with pytest.raises(ValidationError) as caught:
                users.add_user(admin, **{**GOOD, field: value})
            assert set(caught.value.fields) == {field}
            assert caught.value.fields[field]
            assert written() == before


def test_add_user_reports_every_bad_field_at_once(admin):
    before = written()
    with pytest.raises(ValidationError) as caught:
        users.add_user(admin, "bad name", "", "boss", "short", email="nope", hourly_rate=-5)
    assert set(caught.value.fields) == {
        "username", "full_name", "role", "password", "email", "hourly_rate"}
    assert written() == before


def test_add_user_refuses_a_taken_username_whatever_its_case(admin, subtests):
    users.add_user(admin, **GOOD)
    before = written()
    for taken in ["tess.tech", "TESS.TECH", " Tess.Tech "]:
        with subtests.test(taken=taken):
            with pytest.raises(ValidationError) as caught:
                users.add_user(admin, **{**GOOD, "username": taken, "full_name": "Another"})
            assert set(caught.value.fields) == {"username"}
            assert "taken" in caught.value.fields["username"]
            assert written() == before


def test_sql_like_text_is_stored_literally(admin):
    name = "O'Brien; DROP TABLE user;--"
    row = users.add_user(admin, **{**GOOD, "full_name": name, "craft": "\"pipe\" fitter %_"})
    assert users.get_user(admin, row.id).full_name == name
    assert User.get_by_id(row.id).craft == "\"pipe\" fitter %_"
    assert users.count_users() == 2


def test_zero_and_empty_rates_are_allowed(admin):
    assert users.add_user(admin, **GOOD, hourly_rate="").hourly_rate == 0
    row = users.add_user(admin, **{**GOOD, "username": "tom"}, hourly_rate="99999999.99")
    assert row.hourly_rate == Decimal("99999999.99")


def test_list_users_shows_active_accounts_first(admin, make_user):
    make_user(Role.TECHNICIAN, "zed")
    gone = make_user(Role.TECHNICIAN, "abe")
    users.deactivate_user(admin, gone.user_id)
    assert [r.username for r in users.list_users(admin)] == ["admin", "zed", "abe"]
    assert [r.username for r in users.list_users(admin, include_inactive=False)] == [
        "admin", "zed"]


def test_unknown_user_id_is_not_found(admin):
    with pytest.raises(NotFound):
        users.get_user(admin, 9999)
    with pytest.raises(NotFound):
        users.change_role(admin, 9999, "planner")


# --- the last admin --------------------------------------------------------------------------


def test_the_last_active_admin_cannot_be_demoted(admin):
    before = written()
    with pytest.raises(ValidationError) as caught:
        users.change_role(admin, admin.user_id, "planner")
    assert set(caught.value.fields) == {"role"}
    assert User.get_by_id(admin.user_id).role == "admin"
    assert written() == before


def test_the_last_active_admin_cannot_be_deactivated(admin):
    # IT at the command line may manage users, but not leave the office without an admin.
    before = written()
    with pytest.raises(ValidationError):
        users.deactivate_user(it_actor("root"), admin.user_id)
    assert User.get_by_id(admin.user_id).active is True
    assert written() == before


def test_an_admin_cannot_deactivate_themself(admin, make_user):
    make_user(Role.ADMIN, "second.admin")  # so the last-admin rule is not what refuses it
    before = written()
    with pytest.raises(ValidationError) as caught:
        users.deactivate_user(admin, admin.user_id)
    assert set(caught.value.fields) == {"user"}
    assert "own" in caught.value.fields["user"]
    assert User.get_by_id(admin.user_id).active is True
    assert written() == before


def test_with_two_admins_one_may_be_demoted_but_not_the_other(admin, make_user):
    other = make_user(Role.ADMIN, "second.admin")
    assert users.change_role(admin, other.user_id, "supervisor").role == "supervisor"
    with pytest.raises(ValidationError):
        users.change_role(admin, admin.user_id, "supervisor")


def test_an_inactive_admin_does_not_count_as_the_other_admin(admin, make_user):
    other = make_user(Role.ADMIN, "second.admin")
    users.deactivate_user(admin, other.user_id)
    with pytest.raises(ValidationError):
        users.change_role(admin, admin.user_id, "planner")
    with pytest.raises(ValidationError):
        users.deactivate_user(it_actor("root"), admin.user_id)


# --- optimistic locking and audited updates --------------------------------------------------


def test_stale_change_role_is_a_conflict_naming_who_changed_it(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    other_admin = make_user(Role.ADMIN, "olga")
    seen = users.get_user(admin, tech.user_id)
    users.update_user(other_admin, tech.user_id, seen.version, "Tess Renamed")

    before = written()
    with pytest.raises(ConflictError) as caught:
        users.change_role(admin, tech.user_id, "planner", expected_version=seen.version)
    assert "olga" in str(caught.value)
    assert caught.value.mine == {"role": "planner"}
    assert caught.value.theirs["version"] == seen.version + 1
    assert "password_hash" not in caught.value.theirs
    record = User.get_by_id(tech.user_id)
    assert (record.role, record.version, record.full_name) == (
        "technician", seen.version + 1, "Tess Renamed")
    assert written() == before


STALE_CALLS = {
    "deactivate": lambda a, uid, v: users.deactivate_user(a, uid, expected_version=v),
    "reactivate": lambda a, uid, v: users.reactivate_user(a, uid, expected_version=v),
    "reset_password": lambda a, uid, v: users.reset_password(a, uid, "temporary-pass-1",
                                                             expected_version=v),
    "unlock": lambda a, uid, v: users.unlock_user(a, uid, expected_version=v),
    "update": lambda a, uid, v: users.update_user(a, uid, v, "Someone Else"),
}


def test_every_account_change_refuses_a_stale_version(admin, make_user, subtests):
    for name, call in STALE_CALLS.items():
        with subtests.test(name):
            tech = make_user(Role.TECHNICIAN, f"tess.{name}")
            # Locked, and inactive for reactivate, so each call would really change something.
            User.update(locked_until=User.created_at, active=name != "reactivate").where(
                User.id == tech.user_id).execute()
            seen = users.get_user(admin, tech.user_id)
            users.change_role(admin, tech.user_id, "planner", expected_version=seen.version)
            current = users.get_user(admin, tech.user_id)
            before = written()
            with pytest.raises(ConflictError):
                call(admin, tech.user_id, seen.version)
            assert written() == before
            assert users.get_user(admin, tech.user_id) == current


def test_update_user_changes_the_details_and_audits_old_and_new(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    seen = users.get_user(admin, tech.user_id)
    row = users.update_user(admin, tech.user_id, seen.version, "Tess Technician",
                            email="tess@example.com", craft="Fitter", hourly_rate="38.25")
    assert (row.full_name, row.email, row.craft, row.hourly_rate, row.version) == (
        "Tess Technician", "tess@example.com", "Fitter", Decimal("38.25"), seen.version + 1)
    event = last_event(tech.user_id)
    assert (event.action, event.actor) == ("updated", "admin")
    changes = json.loads(event.changes)
    assert set(changes) == {"full_name", "email", "craft", "hourly_rate"}
    assert changes["full_name"] == [seen.full_name, "Tess Technician"]
    assert changes["email"] == ["", "tess@example.com"]
    assert changes["craft"] == ["", "Fitter"]
    assert [Decimal(v) for v in changes["hourly_rate"]] == [Decimal(0), Decimal("38.25")]


def test_update_user_with_nothing_changed_writes_nothing(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    seen = users.get_user(admin, tech.user_id)
    before = written()
    row = users.update_user(admin, tech.user_id, seen.version, seen.full_name,
                            hourly_rate=seen.hourly_rate)
    assert row.version == seen.version
    assert written() == before


def test_update_user_validates_each_field_and_writes_nothing(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    seen = users.get_user(admin, tech.user_id)
    before = written()
    with pytest.raises(ValidationError) as caught:
        users.update_user(admin, tech.user_id, seen.version, "", email="x", hourly_rate=-1)
    assert set(caught.value.fields) == {"full_name", "email", "hourly_rate"}
    assert users.get_user(admin, tech.user_id) == seen
    assert written() == before


def test_change_role_is_audited_and_takes_effect_at_next_sign_in(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    users.change_role(admin, tech.user_id, "planner")
    event = last_event(tech.user_id)
    assert (event.action, json.loads(event.changes)) == (
        "role_changed", {"role": ["technician", "planner"]})
    assert auth.sign_in("tess", TEST_PASSWORD).actor.role is Role.PLANNER


def test_deactivate_and_reactivate_are_audited(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    assert users.deactivate_user(admin, tech.user_id).active is False
    assert last_event(tech.user_id).action == "deactivated"
    assert users.reactivate_user(admin, tech.user_id).active is True
    assert last_event(tech.user_id).action == "reactivated"
