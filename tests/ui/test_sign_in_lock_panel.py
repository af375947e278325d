"""The idle lock when the account itself is locked (issue 11): the signed-in user is known, so
the lock screen may say until when, instead of "not your password" for the right one."""

from __future__ import annotations

from app.models import User
from app.services.people import auth
from tests.conftest import TEST_PASSWORD
from ui.shell.main_window import MainWindow


def test_the_lock_screen_signs_out_saying_until_when_once_the_account_is_locked(
        qtbot, db, admin):
    window = MainWindow(admin, db, idle_minutes=15)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    for _ in range(auth.LOCKOUT_FAILURES - 1):  # wrong tries elsewhere, at the sign-in dialog
        try:
            auth.sign_in("admin", "wrong-password-1")
        except auth.AuthenticationFailed:
            pass
    window.lock_panel.password.setText("wrong-password-2")  # the last try: the account locks
    with qtbot.waitSignal(window.sign_out_requested, timeout=1000) as signal:
        window.lock_panel.try_unlock()
    until = auth.locked_until(admin)
    assert until is not None and User.get_by_id(admin.user_id).locked_until is not None
    assert signal.args[0] == (f"Ada Admin was signed out: the account is locked until "
                              f"{until:%H:%M} after too many wrong passwords.")
    assert not auth.verify_password(admin, TEST_PASSWORD)  # the right one cannot help now
