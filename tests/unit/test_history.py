"""A record's History tab: every audited change to it, newest first, in words."""

from __future__ import annotations

from typing import Any

from app.models import Asset
from app.permissions import Actor, Role
from app.services import assets, history, lifecycle
from app.services import work_order_edit as edit


def test_an_orders_history_lists_its_changes_newest_first(db: Any, admin: Actor) -> None:
    wo = edit.create_work_order(admin, "Replace belt", priority=3)
    wo = edit.update_work_order(admin, wo.id, wo.version, priority=1, due_date="2026-12-01")
    lifecycle.transition(admin, wo.id, "in_progress", wo.version)
    other = edit.create_work_order(admin, "Not this one")

    rows = history.work_order_history(admin, wo.id)

    assert [r.action for r in rows] == ["status_changed", "updated", "created"]
    assert all(r.actor == admin.username for r in rows)
    assert "status: open → in_progress" in rows[0].summary
    assert "priority: 3 → 1" in rows[1].summary
    assert "due date: 2026-12-01" in rows[1].summary
    assert rows[1].action_label == "Updated"
    assert all(r.id for r in history.work_order_history(admin, other.id))
    assert len(history.work_order_history(admin, other.id)) == 1


def test_an_assets_history_is_open_to_every_signed_in_user(db: Any, admin: Actor,
                                                           make_user: Any) -> None:
    asset = assets.add_asset(admin, tag="PMP-0001", name="Feed pump")
    assets.update_asset(admin, asset.id, asset.version, name="Feed pump 1")
    requester = make_user(Role.REQUESTER, "rita")

    rows = history.asset_history(requester, asset.id)

    assert [r.action for r in rows] == ["updated", "created"]
    assert rows[0].summary == "name: Feed pump → Feed pump 1"
    assert Asset.select().count() == 1


def test_long_values_are_shortened_in_the_summary(db: Any, admin: Actor) -> None:
    wo = edit.create_work_order(admin, "Belt")
    edit.update_work_order(admin, wo.id, wo.version, description="x" * 500)
    summary = history.work_order_history(admin, wo.id, limit=1)[0].summary
    assert summary.startswith("description: ")
    assert len(summary) < 120 and summary.endswith("…")


def test_workers_are_the_active_accounts_that_may_work_on_orders(
    db: Any, admin: Actor, make_user: Any
) -> None:
    from app.services import people, users

    make_user(Role.REQUESTER, "rita")
    tess = make_user(Role.TECHNICIAN, "tess")
    gone = make_user(Role.TECHNICIAN, "gone")
    users.deactivate_user(admin, gone.user_id)

    names = [p.username for p in people.list_workers(admin)]

    assert tess.username in names and admin.username in names
    assert "rita" not in names and "gone" not in names
