"""The sign-in dialog as a user meets it."""

from __future__ import annotations

import datetime as dt

from app.models import User
from app.services.people import users
from tests.conftest import TEST_PASSWORD
from ui.shell.login import LoginDialog
from ui.users.change_password import ChangePasswordDialog

SIGN_IN_REFUSED = ("Unknown user or wrong password. After 5 failed sign-ins an account is locked "
                   "for 15 minutes: if your password is right, try again later or ask an "
                   "administrator to unlock it.")


def _dialog(qtbot, db, username="") -> LoginDialog:
    dialog = LoginDialog(db.display, "Test Plant", username=username)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_correct_password_signs_in(qtbot, db, admin):
    dialog = _dialog(qtbot, db)
    dialog.username.setText("admin")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.sign_in_button.click()
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_wrong_password_and_unknown_user_show_the_same_words(qtbot, db, admin):
    dialog = _dialog(qtbot, db)
    dialog.username.setText("admin")
    dialog.password.setText("not-the-password")
    dialog.sign_in_button.click()
    wrong_password = dialog.message.text()
    dialog.username.setText("nobody")
    dialog.password.setText("not-the-password")
    dialog.sign_in_button.click()
    assert wrong_password == dialog.message.text() == SIGN_IN_REFUSED
    assert dialog.actor is None and dialog.isVisible()
    assert dialog.password.text() == ""  # cleared for the next try


def test_fifth_failure_locks_with_the_words_of_any_failure(qtbot, db, make_user):
    # Whoever types a name may not be its owner: a locked account reads like any refusal, and
    # the words say how the lockout works, so the owner knows why the right password fails.
    tech = make_user("technician", "tina")
    dialog = _dialog(qtbot, db, username="tina")
    for _ in range(5):
        dialog.password.setText("wrong-password")
        dialog.sign_in_button.click()
    until = User.get_by_id(tech.user_id).locked_until
    assert until is not None
    local = until.replace(tzinfo=dt.UTC).astimezone()
    assert dialog.message.text() == SIGN_IN_REFUSED
    assert f"{local:%H:%M}" not in dialog.message.text()
    dialog.password.setText(TEST_PASSWORD)  # the right password is refused while locked
    dialog.sign_in_button.click()
    assert dialog.actor is None
    assert dialog.message.text() == SIGN_IN_REFUSED
    assert "locked for 15 minutes" in SIGN_IN_REFUSED


def test_admin_reset_forces_a_new_password(qtbot, db, admin, make_user, answer_modal):
    tech = make_user("technician", "tom")
    users.reset_password(admin, tech.user_id, "temporary-pass-1")
    dialog = _dialog(qtbot, db, username="tom")

    def choose_new(change: ChangePasswordDialog) -> None:
        change.new.setText("my-own-password-7")
        change.confirm.setText("my-own-password-7")
        change.change()

    answer_modal(ChangePasswordDialog, choose_new)
    dialog.password.setText("temporary-pass-1")
    dialog.sign_in_button.click()
    assert dialog.actor is not None
    assert not User.get_by_id(tech.user_id).must_change_password
    from app.services.people import auth

    assert auth.sign_in("tom", "my-own-password-7").actor.username == "tom"


def test_refusing_the_forced_change_does_not_sign_in(qtbot, db, admin, make_user, answer_modal):
    tech = make_user("technician", "tom")
    users.reset_password(admin, tech.user_id, "temporary-pass-1")
    dialog = _dialog(qtbot, db, username="tom")
    answer_modal(ChangePasswordDialog, lambda change: change.reject())
    dialog.password.setText("temporary-pass-1")
    dialog.sign_in_button.click()
    assert dialog.actor is None
    assert "new password" in dialog.message.text()


def test_enter_signs_in(qtbot, db, admin):
    dialog = _dialog(qtbot, db, username="admin")
    qtbot.keyClicks(dialog.password, TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.password, "\r")
    assert dialog.actor is not None
