"""The office's settings: what an administrator (Tools ▸ Settings…) or IT (`keepwell settings`)
changes, each change audited, bad values refused together with nothing written."""

from __future__ import annotations

import json

import pytest

from app.errors import PermissionDenied, ValidationError
from app.models import AuditEvent
from app.permissions import Actor, Role
from app.services import settings
from tests.cli_runner import Run


def _setting_events() -> list[tuple[str, dict]]:
    return [(e.entity_id, json.loads(e.changes)) for e in
            AuditEvent.select().where(AuditEvent.entity == "setting").order_by(AuditEvent.id)]


def test_an_administrator_changes_the_office_settings(admin: Actor) -> None:
    before = settings.office_settings(admin)
    assert (before.pm_compliance_grace, before.pm_check_minutes) == ("ten_percent", 5)
    saved = settings.change_office_settings(admin, organisation_name="North Plant",
                                            pm_compliance_grace="due_date",
                                            pm_check_minutes="15")
    assert (saved.organisation_name, saved.pm_compliance_grace, saved.pm_check_minutes) == (
        "North Plant", "due_date", 15)
    assert settings.pm_check_minutes() == 15
    assert _setting_events()[-3:] == [
        ("organisation_name", {"organisation_name": ["Test Plant", "North Plant"]}),
        ("pm_compliance_grace", {"pm_compliance_grace": ["ten_percent", "due_date"]}),
        ("pm_check_minutes", {"pm_check_minutes": [5, 15]}),
    ]
    # Saving the same values again records nothing; 0 turns the desks' checks off.
    recorded = len(_setting_events())
    settings.change_office_settings(admin, organisation_name="North Plant")
    settings.change_office_settings(admin, pm_check_minutes=0)
    assert settings.pm_check_minutes() == 0
    assert _setting_events()[recorded:] == [("pm_check_minutes", {"pm_check_minutes": [15, 0]})]


@pytest.mark.parametrize(("values", "fields"), [
    (dict(pm_check_minutes=-1), {"pm_check_minutes"}),
    (dict(pm_check_minutes=1441), {"pm_check_minutes"}),
    (dict(pm_check_minutes="often"), {"pm_check_minutes"}),
    (dict(pm_check_minutes=True), {"pm_check_minutes"}),
    (dict(pm_compliance_grace="weekly"), {"pm_compliance_grace"}),
    (dict(organisation_name="", pm_check_minutes=10), {"organisation_name"}),
    (dict(organisation_name="x" * 121, pm_compliance_grace="x"),
     {"organisation_name", "pm_compliance_grace"}),
])
def test_bad_values_are_refused_together_and_nothing_changes(admin: Actor, values: dict,
                                                             fields: set[str]) -> None:
    before, events = settings.office_settings(admin), AuditEvent.select().count()
    with pytest.raises(ValidationError) as refused:
        settings.change_office_settings(admin, **values)
    assert set(refused.value.fields) == fields
    assert settings.office_settings(admin) == before
    assert AuditEvent.select().count() == events


def test_only_administrators_and_it_change_settings(make_user) -> None:
    planner = make_user(Role.PLANNER, "pat")
    with pytest.raises(PermissionDenied):
        settings.change_office_settings(planner, pm_check_minutes=1)
    assert settings.pm_check_minutes() == 5  # every desk still reads it


def test_it_shows_and_changes_settings_from_the_command_line(kw: Run, db_url: str) -> None:
    assert kw("--db", db_url, "db", "init").code == 0
    changed = kw("--db", db_url, "settings", "set", "pm_check_minutes", "0")
    assert changed.code == 0 and changed.out.strip() == "pm_check_minutes = 0"
    refused = kw("--db", db_url, "settings", "set", "pm_compliance_grace", "weekly")
    assert refused.code == 1
    assert "The PM compliance rule must be one of ten_percent, due_date" in refused.err
    shown = kw("--db", db_url, "settings", "show", "--json")
    assert json.loads(shown.out) == {"organisation_name": "", "pm_compliance_grace": "ten_percent",
                                     "pm_check_minutes": 0}
    unknown = kw("--db", db_url, "settings", "set", "colour", "blue")
    assert unknown.code == 2
