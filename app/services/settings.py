"""Organisation settings (name, work-order number prefix, PM rules), stored as JSON values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.clock import utcnow
from app.models import Setting
from app.permissions import Actor, Perm
from app.services import audit
from app.services.common import clean_text, raise_if
from app.services.registry import mutation, query

DEFAULTS: dict[str, Any] = {
    "organisation_name": "",
    "wo_number_prefix": "WO",
    # PM compliance counts an order on time if completed by its due date ("due_date") or
    # within 10 % of the schedule's interval, at most 28 days ("ten_percent").
    "pm_compliance_grace": "ten_percent",
    # How often each desk runs the PM check in the background; 0: desks do not (a headless
    # `keepwell scheduler` does it for the office).
    "pm_check_minutes": 5,
}

GRACE_RULES = {  # as the settings dialog words them: "on time if completed ..."
    "ten_percent": "within 10 % of the interval after it is due (at most 28 days)",
    "due_date": "by the due date",
}
MAX_CHECK_MINUTES = 24 * 60


def get_setting(key: str) -> Any:
    """A setting's value, or its default. Any signed-in desk may read settings."""
    row = Setting.get_or_none(Setting.key == key)
    if row is None:
        return DEFAULTS.get(key)
    return json.loads(row.value)


def write_setting(actor: Actor, key: str, value: Any) -> None:
    """Store a setting with its audit event. Call inside a transaction."""
    old = get_setting(key)
    if old == value:
        return
    encoded = json.dumps(value)
    updated = Setting.update(value=encoded, updated_at=utcnow()).where(Setting.key == key).execute()
    if not updated:
        Setting.create(key=key, value=encoded)
    audit.record(actor, "setting", key, "changed", {key: [old, value]})


@mutation(Perm.SETTINGS_MANAGE)
def set_organisation_name(actor: Actor, name: str) -> str:
    """Rename the organisation (printed on work orders, shown in the title bar)."""
    errors: dict[str, str] = {}
    name = clean_text(errors, "organisation_name", name, max_length=120)
    raise_if(errors)
    write_setting(actor, "organisation_name", name)
    return name


@dataclass(frozen=True)
class OfficeSettings:
    organisation_name: str
    pm_compliance_grace: str  # a key of GRACE_RULES
    pm_check_minutes: int  # 0: desks do not check


@query(Perm.SETTINGS_MANAGE)
def office_settings(actor: Actor) -> OfficeSettings:
    """The settings an administrator edits, as they are now."""
    return OfficeSettings(get_setting("organisation_name"), get_setting("pm_compliance_grace"),
                          int(get_setting("pm_check_minutes")))


def pm_check_minutes() -> int:
    """How often a desk runs the PM check (0: it does not). Any signed-in desk reads it."""
    value = get_setting("pm_check_minutes")
    return value if isinstance(value, int) and 0 <= value <= MAX_CHECK_MINUTES else 5


@mutation(Perm.SETTINGS_MANAGE)
def change_office_settings(actor: Actor, organisation_name: Any = None,
                           pm_compliance_grace: Any = None,
                           pm_check_minutes: Any = None) -> OfficeSettings:
    """Change the given settings (None: leave as is), each with its audit event. A
    ValidationError names every bad field; nothing is changed then."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if organisation_name is not None:
        values["organisation_name"] = clean_text(errors, "organisation_name",
                                                 organisation_name, max_length=120)
    if pm_compliance_grace is not None:
        if pm_compliance_grace in GRACE_RULES:
            values["pm_compliance_grace"] = pm_compliance_grace
        else:
            errors["pm_compliance_grace"] = f"must be one of {', '.join(GRACE_RULES)}"
    if pm_check_minutes is not None:
        minutes = pm_check_minutes
        if isinstance(minutes, str) and minutes.strip().isdigit():
            minutes = int(minutes.strip())
        if isinstance(minutes, bool) or not isinstance(minutes, int) \
                or not 0 <= minutes <= MAX_CHECK_MINUTES:
            errors["pm_check_minutes"] = (f"must be a whole number of minutes from 0 (desks do "
                                          f"not check) to {MAX_CHECK_MINUTES}")
        else:
            values["pm_check_minutes"] = minutes
    raise_if(errors)
    for key, value in values.items():
        write_setting(actor, key, value)
    return office_settings(actor)
