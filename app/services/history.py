"""The audit history of one record, as its form's History tab shows it: who did what, when,
and which fields changed from what to what."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from app.models import AuditEvent
from app.permissions import Actor, Perm
from app.services.registry import SIGNED_IN, query

HISTORY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    at: dt.datetime
    actor: str  # the username as it was when the change was made
    action: str  # created, updated, status_changed, ...
    changes: dict[str, list[Any]]  # field -> [old, new]

    @property
    def action_label(self) -> str:
        return self.action.replace("_", " ").capitalize()

    @property
    def summary(self) -> str:
        """The changed fields in words: "priority: 3 → 1; due_date: (none) → 2026-12-01"."""
        parts = []
        for field, pair in self.changes.items():
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            name = field.removesuffix("_id").replace("_", " ")
            if old in (None, ""):
                parts.append(f"{name}: {_text(new)}")
            else:
                parts.append(f"{name}: {_text(old)} → {_text(new)}")
        return "; ".join(parts)


def _text(value: Any) -> str:
    if value in (None, ""):
        return "(none)"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"


def _history(entity: str, entity_id: int, limit: int) -> list[HistoryRow]:
    rows: Any = (
        AuditEvent.select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
                          AuditEvent.changes)
        .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == str(int(entity_id))))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
        .tuples()
    )
    return [HistoryRow(i, at, who, action, json.loads(changes or "{}"))
            for i, at, who, action, changes in rows]


@query(Perm.WO_VIEW)
def work_order_history(actor: Actor, wo_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """Every audited change to the order, newest first (at most `limit`)."""
    return _history("work_order", wo_id, limit)


@query(SIGNED_IN)
def asset_history(actor: Actor, asset_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """Every audited change to the asset record, newest first (meter readings are on the
    meter's own list)."""
    return _history("asset", asset_id, limit)
