"""The audit trail: written in the mutation's own transaction, hash-chained, tamper-evident."""

from __future__ import annotations

import json

import pytest

from app import db
from app.errors import ValidationError
from app.models import AuditEvent, User
from app.permissions import Role, it_actor
from app.services import audit, settings
from app.services.people import users


def events() -> list[AuditEvent]:
    return list(AuditEvent.select().order_by(AuditEvent.id))


def raw_sql(sql: str, *params: object) -> None:
    """Plain SQL behind the application's back, as a tamperer with database access would."""
    database = db.database.obj
    database.execute_sql(sql.replace("?", database.param), params)


TABLE = AuditEvent._meta.table_name


@pytest.fixture
def history(admin, make_user) -> list[AuditEvent]:
    """A normal stretch of office history: accounts, edits, a setting."""
    tech = make_user(Role.TECHNICIAN, "tess")
    make_user(Role.PLANNER, "pete")
    row = users.get_user(admin, tech.user_id)
    users.update_user(admin, tech.user_id, row.version, "Tess Technician", hourly_rate="40")
    users.change_role(admin, tech.user_id, "supervisor")
    settings.set_organisation_name(admin, "North Plant")
    return events()


def test_each_mutation_writes_its_event(admin):
    before = AuditEvent.select().count()
    row = users.add_user(admin, "tess", "Tess Tech", "technician", "a-good-password-1")
    settings.set_organisation_name(admin, "North Plant")
    new = events()[before:]
    assert [(e.entity, e.entity_id, e.action) for e in new] == [
        ("user", str(row.id), "created"),
        ("setting", "organisation_name", "changed"),
    ]
    assert json.loads(new[1].changes) == {"organisation_name": ["Test Plant", "North Plant"]}


def test_a_refused_mutation_writes_no_event(admin):
    before = events()
    with pytest.raises(ValidationError):
        users.add_user(admin, "tess", "", "technician", "a-good-password-1")
    with pytest.raises(ValidationError):
        settings.set_organisation_name(admin, "")
    assert events() == before


def test_event_and_change_are_one_transaction(admin, monkeypatch):
    """If the service fails after writing its event, neither the change nor the event stays."""

    def fail(user_id):
        raise RuntimeError("the desk lost power")

    before = (users.count_users(), AuditEvent.select().count())
    monkeypatch.setattr(users, "user_row", fail)
    with pytest.raises(RuntimeError):
        users.add_user(admin, "tess", "Tess Tech", "technician", "a-good-password-1")
    assert (users.count_users(), AuditEvent.select().count()) == before
    assert not User.select().where(User.username == "tess").exists()
    assert audit.verify_chain(admin).ok


def test_record_refuses_to_run_outside_a_transaction(admin):
    with pytest.raises(RuntimeError):
        audit.record(admin, "user", admin.user_id, "poked")


def test_events_are_chained_from_genesis(history):
    assert history[0].prev_hash == audit.GENESIS
    for before, after in zip(history, history[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in history}) == len(history)


def test_verify_chain_accepts_a_normal_history(admin, history):
    report = audit.verify_chain(admin)
    assert report.ok
    assert (report.events, report.broken_at, report.reason) == (len(history), None, "")


def test_verify_chain_on_an_empty_trail(db):
    report = audit.verify_chain(it_actor("root"))
    assert report.ok and report.events == 0


def test_editing_an_events_changes_is_detected(admin, history):
    target = history[3]
    changes = json.loads(target.changes)
    raw_sql(f"UPDATE {TABLE} SET changes = ? WHERE id = ?",
            json.dumps({**changes, "forged": [None, 1]}, sort_keys=True), target.id)
    report = audit.verify_chain(admin)
    assert not report.ok
    assert report.broken_at == target.id
    assert "changed" in report.reason
    assert report.events == 4


@pytest.mark.parametrize("column", ["actor", "action", "entity_id"])
def test_editing_any_other_column_is_detected(admin, history, column):
    target = history[2]
    raw_sql(f"UPDATE {TABLE} SET {column} = ? WHERE id = ?", "x", target.id)
    assert audit.verify_chain(admin).broken_at == target.id


def test_deleting_a_middle_event_is_detected_at_the_next_one(admin, history):
    gone, next_one = history[2], history[3]
    raw_sql(f"DELETE FROM {TABLE} WHERE id = ?", gone.id)
    report = audit.verify_chain(admin)
    assert report.broken_at == next_one.id
    assert "link" in report.reason


def test_rewriting_an_event_with_a_fresh_hash_is_detected_at_the_next_one(admin, history):
    # A tamperer who recomputes the edited event's own hash still breaks the link after it.
    target, next_one = history[2], history[3]
    forged = audit._digest(target.prev_hash, target.at, "mallory", None, target.entity,
                           target.entity_id, target.action, target.changes)
    raw_sql(f"UPDATE {TABLE} SET actor = ?, actor_id = NULL, hash = ? WHERE id = ?",
            "mallory", forged, target.id)
    assert audit.verify_chain(admin).broken_at == next_one.id


def test_recent_events_lists_the_newest_first(admin, history):
    rows = audit.recent_events(admin, limit=3)
    assert [r.id for r in rows] == [e.id for e in reversed(history)][:3]
    assert rows[0].changes == json.loads(history[-1].changes)
