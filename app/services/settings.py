"""Organisation settings (name, work-order number prefix, ...), stored as JSON values."""

from __future__ import annotations

import json
from typing import Any

from app.models import Setting, utcnow
from app.permissions import Actor, Perm
from app.services import audit
from app.services.common import clean_text, raise_if
from app.services.registry import mutation

DEFAULTS: dict[str, Any] = {
    "organisation_name": "",
    "wo_number_prefix": "WO",
    # PM compliance counts an order on time if completed by its due date ("due_date") or
    # within 10 % of the schedule's interval, at most 28 days ("ten_percent").
    "pm_compliance_grace": "ten_percent",
}


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
