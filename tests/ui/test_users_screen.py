"""The Users screen (admin): add, change role, deactivate, reactivate, reset password, unlock."""

from __future__ import annotations

import datetime as dt

from app.models import User
from app.services.people import auth, users
from tests.conftest import TEST_PASSWORD
from ui.users.dialogs import AddUserDialog, ResetPasswordDialog
from ui.users.screen import UsersScreen
from ui.users.table import UserTableModel


def _screen(qtbot, admin) -> UsersScreen:
    screen = UsersScreen(admin)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def _select(screen: UsersScreen, username: str) -> None:
    row = next(r for r in range(screen.model.rowCount())
               if screen.model.row_at(r).username == username)
    screen.table.selectRow(row)


def test_add_user_through_the_dialog(qtbot, db, admin, answer_modal):
    screen = _screen(qtbot, admin)

    def fill(dialog: AddUserDialog) -> None:
        dialog.username.setText("sam")
        dialog.full_name.setText("Sam O'Neil")
        dialog.role.setCurrentIndex(dialog.role.findData("supervisor"))
        dialog.password.setText("short")
        dialog.confirm.setText("short")
        dialog.save()
        assert "at least 10 characters" in dialog.message.text()  # refused, dialog stays
        dialog.password.setText("temporary-pass-1")
        dialog.confirm.setText("temporary-pass-1")
        dialog.save()

    answer_modal(AddUserDialog, fill)
    screen.add_action.trigger()
    sam = User.get(User.username == "sam")
    assert (sam.full_name, sam.role, sam.must_change_password) == ("Sam O'Neil", "supervisor", True)
    assert screen.selected() is not None and screen.selected().username == "sam"


def test_actions_follow_the_selection(qtbot, db, admin, make_user):
    make_user("technician", "tom")
    screen = _screen(qtbot, admin)
    assert not screen.role_action.isEnabled()
    _select(screen, "admin")
    assert screen.role_action.isEnabled()
    assert not screen.deactivate_action.isEnabled()  # not yourself
    assert not screen.unlock_action.isEnabled()  # not locked
    _select(screen, "tom")
    assert screen.deactivate_action.isEnabled()
    assert not screen.reactivate_action.isEnabled()


def test_change_role_deactivate_and_reactivate(qtbot, db, admin, make_user, monkeypatch):
    tech = make_user("technician", "tom")
    screen = _screen(qtbot, admin)
    _select(screen, "tom")
    monkeypatch.setattr(screen, "choose_role", lambda user: "planner")
    screen.role_action.trigger()
    assert User.get_by_id(tech.user_id).role == "planner"
    monkeypatch.setattr(screen, "confirm", lambda title, text: True)
    screen.deactivate_action.trigger()
    assert not User.get_by_id(tech.user_id).active
    assert screen.selected().username == "tom" and screen.reactivate_action.isEnabled()
    screen.reactivate_action.trigger()
    assert User.get_by_id(tech.user_id).active


def test_declining_the_confirmation_changes_nothing(qtbot, db, admin, make_user, monkeypatch):
    tech = make_user("technician", "tom")
    screen = _screen(qtbot, admin)
    _select(screen, "tom")
    monkeypatch.setattr(screen, "confirm", lambda title, text: False)
    screen.deactivate_action.trigger()
    assert User.get_by_id(tech.user_id).active


def test_unlock_a_locked_account(qtbot, db, admin, make_user):
    make_user("technician", "tom")
    for _ in range(5):
        try:
            auth.sign_in("tom", "wrong-password")
        except Exception:
            pass
    screen = _screen(qtbot, admin)
    _select(screen, "tom")
    status = screen.model.index(screen.table.currentIndex().row(), 3).data()
    assert status.startswith("Locked until")
    assert screen.unlock_action.isEnabled()
    screen.unlock_action.trigger()
    assert auth.sign_in("tom", TEST_PASSWORD).actor.username == "tom"


def test_reset_password_forces_a_change(qtbot, db, admin, make_user, answer_modal):
    make_user("technician", "tom")
    screen = _screen(qtbot, admin)
    _select(screen, "tom")

    def fill(dialog: ResetPasswordDialog) -> None:
        dialog.password.setText("temporary-pass-2")
        dialog.confirm.setText("temporary-pass-2")
        dialog.save()

    answer_modal(ResetPasswordDialog, fill)
    screen.reset_action.trigger()
    assert auth.sign_in("tom", "temporary-pass-2").must_change_password


def test_a_stale_edit_is_refused_not_overwritten(qtbot, db, admin, make_user, monkeypatch):
    tech = make_user("technician", "tom")
    screen = _screen(qtbot, admin)
    _select(screen, "tom")
    users.change_role(admin, tech.user_id, "supervisor")  # another desk, after our refresh
    shown = []
    monkeypatch.setattr("ui.users.screen.show_error", lambda parent, exc: shown.append(exc))
    monkeypatch.setattr(screen, "choose_role", lambda user: "planner")
    screen.role_action.trigger()
    assert User.get_by_id(tech.user_id).role == "supervisor"
    assert shown and "changed by admin" in shown[0].message
    assert screen.selected().role == "supervisor"  # the screen reloaded what is true now


def test_user_model_passes_qtmodeltester(qtmodeltester, db, admin, make_user):
    make_user("technician")
    model = UserTableModel()
    model.set_rows(users.list_users(admin), dt.datetime(2026, 1, 1))
    qtmodeltester.check(model)
