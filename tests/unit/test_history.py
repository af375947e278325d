"""A record's History tab: every audited change to it, newest first, in words."""

from __future__ import annotations

from typing import Any

from app.models import Asset
from app.permissions import Actor, Role
from app.services import history
from app.services.assets import register
from app.services.work_orders import edit, lifecycle


def test_an_orders_history_lists_its_changes_newest_first(db: Any, admin: Actor) -> None:
    wo = edit.create_work_order(admin, "Replace belt", priority=3)
    wo = edit.update_work_order(admin, wo.id, wo.version, priority=1, due_date="2026-12-01")
    lifecycle.transition(admin, wo.id, "in_progress", wo.version)
    other = edit.create_work_order(admin, "Not this one")

    rows = history.work_order_history(admin, wo.id)

    assert [r.action for r in rows] == ["status_changed", "updated", "created"]
    assert all(r.actor == admin.full_name for r in rows)  # the person's name
    assert "Status: Open → In progress" in rows[0].summary
    assert "Priority: 3 Normal → 1 Urgent" in rows[1].summary
    assert "Due date: 2026-12-01" in rows[1].summary
    assert rows[1].action_label == "Edited"
    assert all(r.id for r in history.work_order_history(admin, other.id))
    assert len(history.work_order_history(admin, other.id)) == 1


def test_an_assets_history_is_open_to_every_signed_in_user(db: Any, admin: Actor,
                                                           make_user: Any) -> None:
    asset = register.add_asset(admin, tag="PMP-0001", name="Feed pump")
    register.update_asset(admin, asset.id, asset.version, name="Feed pump 1")
    requester = make_user(Role.REQUESTER, "rita")

    rows = history.asset_history(requester, asset.id)

    assert [r.action for r in rows] == ["updated", "created"]
    assert rows[0].summary == "Name: Feed pump → Feed pump 1"
    assert Asset.select().count() == 1


def test_long_values_are_shortened_in_the_summary(db: Any, admin: Actor) -> None:
    wo = edit.create_work_order(admin, "Belt")
    edit.update_work_order(admin, wo.id, wo.version, description="x" * 500)
    summary = history.work_order_history(admin, wo.id, limit=1)[0].summary
    assert summary.startswith("Description: ")
    assert len(summary) < 120 and summary.endswith("…")


def test_workers_are_the_active_accounts_that_may_work_on_orders(
    db: Any, admin: Actor, make_user: Any
) -> None:
    from app.services.people import assignees, users

    make_user(Role.REQUESTER, "rita")
    tess = make_user(Role.TECHNICIAN, "tess")
    gone = make_user(Role.TECHNICIAN, "gone")
    users.deactivate_user(admin, gone.user_id)

    names = [p.username for p in assignees.list_workers(admin)]

    assert tess.username in names and admin.username in names
    assert "rita" not in names and "gone" not in names


def test_history_speaks_in_names_labels_and_local_times(db, admin, make_user):
    from app.services.assets import meters
    from app.services.work_orders import activity

    tess = make_user(Role.TECHNICIAN, "tess")
    wo = edit.create_work_order(admin, "Seal", assignee_id=tess.user_id,
                                tasks=[{"text": "Lock out the pump", "required": True}])
    wo = lifecycle.transition(tess, wo.id, "in_progress", wo.version)
    activity.answer_task(tess, wo.id, wo.tasks[0].id, True)
    activity.add_comment(tess, wo.id, "Gland nut was loose")
    wo = lifecycle.transition(tess, wo.id, "completed", wo.version)
    rows = history.work_order_history(admin, wo.id)
    text = " | ".join(f"{r.actor}: {r.action_label}: {r.summary}" for r in rows)
    assert "Technician Person: Checklist answered: Answer: Done; Task: 1. Lock out the pump" in text
    assert "Technician Person: Comment added" in text
    assert "Assignee: Technician Person" in text
    assert "in_progress" not in text and "closed_by" not in text
    completed = rows[0].changes["completed_at"][1]
    assert len(completed) == 16  # local time to the minute, not a raw timestamp

    asset = register.add_asset(admin, tag="CMP-1", name="Compressor")
    meter = meters.add_meter(admin, asset.id, "Hours run", "h")
    meters.record_reading(admin, meter.id, "125.5")
    asset = register.update_asset(admin, asset.id, asset.version, status="down")
    words = [(r.action_label, r.summary) for r in history.asset_history(admin, asset.id)]
    assert words[0] == ("Edited", "Status: In service → Down")
    assert words[1][0] == "Meter reading: meter Hours run"
    assert words[1][1].startswith("Reading time: ")
    assert words[1][1].endswith("; Meter replacement: no; Reading: 125.50")
    assert any(label == "Created: meter Hours run" for label, _ in words)
