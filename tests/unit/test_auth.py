"""Signing in, lockout, password rules and password changes (DESIGN.md section 6).

Time is passed to `sign_in(now=...)`, so lockout and its expiry are tested without waiting.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time

import pytest

from app.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    PermissionDenied,
    ValidationError,
)
from app.models import AuditEvent, User
from app.permissions import SYSTEM, Role, it_actor
from app.services.people import auth, users
from tests.conftest import TEST_PASSWORD

T0 = dt.datetime(2026, 3, 2, 8, 0)  # naive UTC, like every stored stamp
LOCK = dt.timedelta(minutes=auth.LOCKOUT_MINUTES)
NEW_PASSWORD = "a-new-secret-77"


def actions_for(user_id: int) -> list[str]:
    return [
        e.action
        for e in AuditEvent.select()
        .where((AuditEvent.entity == "user") & (AuditEvent.entity_id == str(user_id)))
        .order_by(AuditEvent.id)
    ]


def user_record(user_id: int) -> User:
    return User.get_by_id(user_id)


def fail_times(username: str, times: int, now: dt.datetime = T0) -> None:
    """`times` wrong passwords that are each refused as a plain failure (no lock yet)."""
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(username, "wrong-password-1", now=now)


def lock_out(username: str, now: dt.datetime = T0) -> AccountLocked:
    fail_times(username, auth.LOCKOUT_FAILURES - 1, now)
    with pytest.raises(AccountLocked) as caught:
        auth.sign_in(username, "wrong-password-1", now=now)
    return caught.value


def as_local(utc: dt.datetime) -> dt.datetime:
    return utc.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


# --- signing in -----------------------------------------------------------------------------


def test_sign_in_with_the_right_password_gives_the_users_actor(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    result = auth.sign_in("tess", TEST_PASSWORD, now=T0)
    assert result.actor == tech
    assert result.actor.role is Role.TECHNICIAN
    assert result.must_change_password is False
    record = user_record(tech.user_id)
    assert record.last_login_at == T0
    assert actions_for(tech.user_id)[-1] == "sign_in"


def test_username_is_case_insensitive_and_trimmed(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    assert auth.sign_in("  TESS ", TEST_PASSWORD, now=T0).actor.user_id == tech.user_id


def test_password_is_case_sensitive(make_user):
    make_user(Role.TECHNICIAN, "tess")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("tess", TEST_PASSWORD.upper(), now=T0)


def test_wrong_password_and_unknown_user_give_the_same_message(make_user):
    make_user(Role.TECHNICIAN, "tess")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        auth.sign_in("tess", "not-the-password", now=T0)
    with pytest.raises(AuthenticationFailed) as unknown_user:
        auth.sign_in("nobody", "not-the-password", now=T0)
    assert str(wrong_password.value) == str(unknown_user.value)
    assert wrong_password.value.message == unknown_user.value.message
    assert "tess" not in str(wrong_password.value)


@pytest.mark.parametrize("password", ["", None])
def test_empty_password_is_refused(make_user, password):
    make_user(Role.TECHNICIAN, "tess")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("tess", password, now=T0)


def test_unknown_user_is_never_reported_as_locked(admin):
    # Otherwise repeated attempts would reveal which usernames exist.
    for _ in range(auth.LOCKOUT_FAILURES + 2):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in("ghost", "wrong-password-1", now=T0)


def test_password_longer_than_72_bytes_never_matches_its_72_byte_prefix(admin):
    # bcrypt only looks at 72 bytes; a longer password must not sign in on its prefix alone.
    prefix = "p" * auth.MAX_PASSWORD_BYTES
    row = users.add_user(admin, "longpw", "Long Password", "technician", prefix,
                         must_change_password=False)
    assert auth.sign_in("longpw", prefix, now=T0).actor.user_id == row.id
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("longpw", prefix + "-and-more", now=T0)


def test_deactivated_user_cannot_sign_in(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    users.deactivate_user(admin, tech.user_id)
    with pytest.raises(AccountInactive):
        auth.sign_in("tess", TEST_PASSWORD, now=T0)
    assert user_record(tech.user_id).last_login_at is None
    assert "sign_in" not in actions_for(tech.user_id)
    # A wrong password is only ever "wrong", whatever the account's state.
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("tess", "wrong-password-1", now=T0)

    users.reactivate_user(admin, tech.user_id)
    assert auth.sign_in("tess", TEST_PASSWORD, now=T0).actor.user_id == tech.user_id


# --- lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_15_minutes(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    fail_times("tess", auth.LOCKOUT_FAILURES - 1)
    assert user_record(tech.user_id).locked_until is None

    with pytest.raises(AccountLocked) as caught:
        auth.sign_in("tess", "wrong-password-1", now=T0)
    assert user_record(tech.user_id).locked_until == T0 + LOCK
    assert caught.value.until == as_local(T0 + LOCK)


def test_locked_account_refuses_the_right_password(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    with pytest.raises(AccountLocked) as caught:
        auth.sign_in("tess", TEST_PASSWORD, now=T0 + dt.timedelta(minutes=5))
    assert caught.value.until == as_local(T0 + LOCK)
    assert user_record(tech.user_id).last_login_at is None


def test_attempts_while_locked_do_not_extend_the_lock(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    with pytest.raises(AccountLocked):
        auth.sign_in("tess", "wrong-password-1", now=T0 + dt.timedelta(minutes=10))
    assert user_record(tech.user_id).locked_until == T0 + LOCK


def test_lock_expires_after_15_minutes(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    with pytest.raises(AccountLocked):
        auth.sign_in("tess", TEST_PASSWORD, now=T0 + LOCK - dt.timedelta(seconds=1))
    result = auth.sign_in("tess", TEST_PASSWORD, now=T0 + LOCK)
    assert result.actor.user_id == tech.user_id
    record = user_record(tech.user_id)
    assert record.locked_until is None
    assert record.failed_attempts == 0


def test_after_a_lock_expires_the_count_starts_again(make_user):
    make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    later = T0 + LOCK + dt.timedelta(minutes=1)
    fail_times("tess", auth.LOCKOUT_FAILURES - 1, later)  # not locked again before the fifth
    with pytest.raises(AccountLocked) as caught:
        auth.sign_in("tess", "wrong-password-1", now=later)
    assert caught.value.until == as_local(later + LOCK)


def test_a_successful_sign_in_resets_the_failure_count(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    fail_times("tess", auth.LOCKOUT_FAILURES - 1)
    auth.sign_in("tess", TEST_PASSWORD, now=T0)
    assert user_record(tech.user_id).failed_attempts == 0
    fail_times("tess", auth.LOCKOUT_FAILURES - 1)  # would lock if the count had carried on
    assert user_record(tech.user_id).locked_until is None


def test_admin_unlock_lifts_the_lock(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    row = users.unlock_user(admin, tech.user_id)
    assert row.locked_until is None
    assert not row.is_locked(now=T0)
    assert auth.sign_in("tess", TEST_PASSWORD, now=T0 + dt.timedelta(minutes=1)).actor == tech
    assert "unlocked" in actions_for(tech.user_id)


def test_failed_attempts_and_lockout_are_audited(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    events = list(
        AuditEvent.select()
        .where((AuditEvent.entity == "user") & (AuditEvent.entity_id == str(tech.user_id)))
        .order_by(AuditEvent.id)
    )
    failed = [e for e in events if e.action == "sign_in_failed"]
    assert [json.loads(e.changes)["failed_attempts"][1] for e in failed] == [1, 2, 3, 4, 5]
    assert events[-1].action == "locked"
    assert json.loads(events[-1].changes)["locked_until"][1] == str(T0 + LOCK)
    assert all(e.actor == "tess" for e in failed)


def test_locked_until_is_kept_in_local_time_and_told_only_to_the_signed_in_user(
        make_user, india_time):
    tess = make_user(Role.TECHNICIAN, "tess")
    locked = lock_out("tess")
    # 08:00 UTC + 15 min is 13:45 in India (UTC+5:30, no daylight saving).
    assert locked.until == dt.datetime(2026, 3, 2, 13, 45)
    assert "13:45" not in str(locked)  # whoever signs in may not be tess
    assert auth.signature_refusal(tess, TEST_PASSWORD, now=T0) == (
        "cannot be checked: your account is locked until 13:45 after too many wrong passwords")


@pytest.fixture
def india_time():
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is Unix only")
    old = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"  # POSIX rule: needs no time-zone database
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


# --- nothing tells which usernames exist --------------------------------------------------------


def test_every_refusal_reads_the_same_whatever_the_name_and_the_lock(make_user):
    make_user(Role.TECHNICIAN, "tess")
    seen: list[str] = []
    tries = ([("nobody", "wrong-password-1")] * 7 + [("tess", "wrong-password-1")] * 5
             + [("tess", TEST_PASSWORD), ("tess", "wrong-password-1"), ("nobody", TEST_PASSWORD)])
    for name, password in tries:
        with pytest.raises(AuthenticationFailed) as caught:
            auth.sign_in(name, password, now=T0)
        seen.append(caught.value.message)
    assert user_record(User.get(User.username == "tess").id).locked_until == T0 + LOCK
    assert set(seen) == {
        "Unknown user or wrong password. After 5 failed sign-ins an account is locked for "
        "15 minutes: if your password is right, try again later or ask an administrator to "
        "unlock it."}
    assert f"After {auth.LOCKOUT_FAILURES} failed" in seen[0]
    assert f"{auth.LOCKOUT_MINUTES} minutes" in seen[0]


def test_every_refusal_costs_one_bcrypt_check_at_the_cost_of_a_real_one(make_user, monkeypatch):
    """Unknown users and locked accounts are refused after a check of the same cost as a real
    one (the time it takes is what an attacker measures), and a locked account's own hash is
    never checked: the right password could not even leak through timing."""
    import bcrypt

    tess = make_user(Role.TECHNICIAN, "tess")
    user_cost = auth.BCRYPT_ROUNDS + 1  # told apart from the dummy of unknown users
    own_hash = bcrypt.hashpw(TEST_PASSWORD.encode(), bcrypt.gensalt(user_cost))
    User.update(password_hash=own_hash.decode()).where(User.id == tess.user_id).execute()
    checks: list[tuple[int, bool]] = []  # (cost, whether tess's own hash was checked)
    real_checkpw = bcrypt.checkpw

    def checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append((int(hashed.split(b"$")[2]), hashed == own_hash))
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", checkpw)

    def checks_for(name: str, password: str) -> list[tuple[int, bool]]:
        checks.clear()
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(name, password, now=T0)
        return list(checks)

    assert checks_for("nobody", "wrong-password-1") == [(auth.BCRYPT_ROUNDS, False)]
    for _ in range(auth.LOCKOUT_FAILURES):
        assert checks_for("tess", "wrong-password-1") == [(user_cost, True)]
    assert user_record(tess.user_id).locked_until == T0 + LOCK
    assert checks_for("tess", TEST_PASSWORD) == [(user_cost, False)]  # locked: a dummy check
    assert checks_for("tess", "wrong-password-1") == [(user_cost, False)]


@pytest.mark.real_bcrypt
def test_the_dummy_hash_is_made_in_advance_at_the_production_cost():
    # At the production cost the dummy is a constant in the source: no first-use cost, so the
    # first unknown-user attempt of a process (every CLI call) takes as long as a real one.
    import bcrypt

    assert auth.BCRYPT_ROUNDS == 12
    dummy = auth._DUMMY_HASHES[auth.BCRYPT_ROUNDS]
    assert dummy.startswith(b"$2b$12$") and len(dummy) == 60
    assert bcrypt.checkpw(b"keepwell", dummy) is False  # a well-formed hash of nothing known


def test_the_right_password_on_the_last_try_signs_in_and_lifts_the_lock_it_took(make_user):
    tess = make_user(Role.TECHNICIAN, "tess")
    fail_times("tess", auth.LOCKOUT_FAILURES - 1)
    assert auth.sign_in("tess", TEST_PASSWORD, now=T0).actor == tess
    record = user_record(tess.user_id)
    assert (record.failed_attempts, record.locked_until) == (0, None)
    assert "locked" not in actions_for(tess.user_id)


def test_a_right_password_checked_while_other_guesses_took_the_last_try_is_refused(make_user):
    """The interleaving of parallel guesses, step by step: the right password takes the first
    try and is checked while four wrong ones take the others; the last of them locks the account,
    and the lock stands when the right password's check ends."""
    tess = make_user(Role.TECHNICIAN, "tess")
    right = auth._reserve(User.username == "tess", T0, check_inactive=True)
    assert (right.outcome, right.attempt) == (auth.RESERVED, 1)
    fail_times("tess", auth.LOCKOUT_FAILURES - 2)
    with pytest.raises(AccountLocked):
        auth.sign_in("tess", "wrong-password-1", now=T0)
    settled = auth._settle(right, TEST_PASSWORD, T0, signing_in=True)
    assert settled.outcome == auth.LOCKED
    record = user_record(tess.user_id)
    assert record.locked_until == T0 + LOCK and record.last_login_at is None
    assert actions_for(tess.user_id).count("sign_in_failed") == auth.LOCKOUT_FAILURES - 1
    assert "sign_in" not in actions_for(tess.user_id)


def test_a_deactivated_account_with_the_right_password_gives_its_try_back(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    fail_times("tess", 2)
    users.deactivate_user(admin, tech.user_id)
    with pytest.raises(AccountInactive):
        auth.sign_in("tess", TEST_PASSWORD, now=T0)
    assert user_record(tech.user_id).failed_attempts == 0


# --- admin reset and changing one's own password ---------------------------------------------


def test_reset_password_forces_a_change_at_next_sign_in(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    users.reset_password(admin, tech.user_id, "temporary-pass-1")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("tess", TEST_PASSWORD, now=T0)
    signed_in = auth.sign_in("tess", "temporary-pass-1", now=T0)
    assert signed_in.must_change_password is True

    auth.change_own_password(signed_in.actor, "temporary-pass-1", NEW_PASSWORD)
    again = auth.sign_in("tess", NEW_PASSWORD, now=T0)
    assert again.must_change_password is False
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("tess", "temporary-pass-1", now=T0)
    assert actions_for(tech.user_id)[-3:] == ["password_changed", "sign_in", "sign_in_failed"]


def test_reset_password_also_unlocks(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    lock_out("tess")
    users.reset_password(admin, tech.user_id, "temporary-pass-1")
    assert auth.sign_in("tess", "temporary-pass-1", now=T0).must_change_password is True


def test_reset_password_refuses_a_weak_temporary_password(admin, make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    before = user_record(tech.user_id)
    with pytest.raises(ValidationError) as caught:
        users.reset_password(admin, tech.user_id, "short")
    assert set(caught.value.fields) == {"temporary_password"}
    after = user_record(tech.user_id)
    assert (after.password_hash, after.must_change_password, after.version) == (
        before.password_hash, before.must_change_password, before.version)


def test_new_account_must_change_password_by_default(admin):
    users.add_user(admin, "newbie", "New Person", "technician", "first-password-1")
    assert auth.sign_in("newbie", "first-password-1", now=T0).must_change_password is True


OWN_CHANGE_REFUSALS = [  # (what, current password given, new password, field blamed)
    ("wrong current", "not-my-password", NEW_PASSWORD, "current_password"),
    ("too short", TEST_PASSWORD, "short", "new_password"),
    ("the username", TEST_PASSWORD, "tess", "new_password"),
    ("the username, padded", TEST_PASSWORD, "TESS      ", "new_password"),
    ("same as current", TEST_PASSWORD, TEST_PASSWORD, "new_password"),
    ("too long", TEST_PASSWORD, "x" * 73, "new_password"),
]


def test_change_own_password_refusals_change_nothing(make_user, subtests):
    tech = make_user(Role.TECHNICIAN, "tess")
    before = user_record(tech.user_id)
    events_before = AuditEvent.select().count()
    for what, current, new, field in OWN_CHANGE_REFUSALS:
        with subtests.test(what):
            with pytest.raises(ValidationError) as caught:
                auth.change_own_password(tech, current, new)
            assert set(caught.value.fields) == {field}
            after = user_record(tech.user_id)
            assert (after.password_hash, after.version) == (before.password_hash, before.version)
            assert AuditEvent.select().count() == events_before
    assert auth.sign_in("tess", TEST_PASSWORD, now=T0).actor == tech


@pytest.mark.parametrize("actor", [SYSTEM, it_actor("root")], ids=["system", "it"])
def test_change_own_password_needs_a_user_account(admin, actor):
    with pytest.raises(PermissionDenied):
        auth.change_own_password(actor, TEST_PASSWORD, NEW_PASSWORD)


# --- password rules --------------------------------------------------------------------------


PASSWORD_RULES = [  # (username, password, accepted)
    ("rule.a", "a" * 9, False),
    ("rule.b", "a" * 10, True),
    ("maint.lead", "Maint.Lead", False),  # the username, in another case
    ("maint.lead", "  maint.lead ", False),
    ("maint.lead", "maint.lead2", True),
    ("rule.c", "x" * 72, True),
    ("rule.d", "x" * 73, False),
    ("rule.e", "é" * 36, True),  # 72 bytes in UTF-8
    ("rule.f", "é" * 37, False),  # 37 characters, but 74 bytes
    ("rule.g", " leading-space", False),
    ("rule.h", "trailing-space ", False),
]


def test_password_rules(admin, subtests):
    for username, password, accepted in PASSWORD_RULES:
        with subtests.test(username=username, password=password):
            count = users.count_users()
            if accepted:
                users.add_user(admin, username, "Rule Check", "planner", password)
                assert users.count_users() == count + 1
                assert auth.sign_in(username, password, now=T0).actor.username == username
            else:
                with pytest.raises(ValidationError) as caught:
                    users.add_user(admin, username, "Rule Check", "planner", password)
                assert set(caught.value.fields) == {"password"}
                assert users.count_users() == count


def test_verify_password_rechecks_the_signed_in_user(make_user):
    tech = make_user(Role.TECHNICIAN, "tess")
    assert auth.verify_password(tech, TEST_PASSWORD) is True
    assert auth.verify_password(tech, "wrong-password-1") is False
    assert auth.verify_password(SYSTEM, TEST_PASSWORD) is False


@pytest.mark.real_bcrypt
def test_production_hashes_use_bcrypt_cost_12(admin):
    assert auth.BCRYPT_ROUNDS == 12
    assert user_record(admin.user_id).password_hash.startswith("$2b$12$")
    row = users.add_user(admin, "costly", "Cost Check", "technician", "first-password-1")
    assert user_record(row.id).password_hash.startswith("$2b$12$")


def test_tests_run_with_the_fast_cost_unless_marked(admin):
    # Guards the conftest patch the test above relies on being switchable.
    assert user_record(admin.user_id).password_hash.startswith("$2b$04$")


# --- no password or hash is ever logged or audited -------------------------------------------


def run_full_password_flow(admin) -> tuple[list[str], list[str]]:
    """Exercise every path that touches a password; return (passwords, hashes) seen."""
    first, temporary, final, wrong = (
        "first-Secret-91", "temp-Secret-92", "final-Secret-93", "wrong-Secret-94")
    hashes: list[str] = []
    row = users.add_user(admin, "flow", "Flow User", "technician", first,
                         must_change_password=False)
    hashes.append(user_record(row.id).password_hash)
    signed_in = auth.sign_in("flow", first, now=T0)
    auth.verify_password(signed_in.actor, first)
    auth.verify_password(signed_in.actor, wrong)
    for _ in range(auth.LOCKOUT_FAILURES):
        with pytest.raises((AuthenticationFailed, AccountLocked)):
            auth.sign_in("flow", wrong, now=T0)
    with pytest.raises(AccountLocked):
        auth.sign_in("flow", first, now=T0)
    users.unlock_user(admin, row.id)
    users.reset_password(admin, row.id, temporary)
    hashes.append(user_record(row.id).password_hash)
    with pytest.raises(ValidationError):
        auth.change_own_password(signed_in.actor, wrong, final)
    with pytest.raises(ValidationError):
        auth.change_own_password(signed_in.actor, temporary, "short")
    auth.change_own_password(signed_in.actor, temporary, final)
    hashes.append(user_record(row.id).password_hash)
    auth.sign_in("flow", final, now=T0)
    with pytest.raises(ValidationError):
        users.add_user(admin, "flow2", "Flow Two", "technician", "flow2")
    return [first, temporary, final, wrong], hashes


def secrets_in(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def record_text(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {record.msg!r} {record.args!r} {record.exc_text or ''}"


def test_no_password_or_hash_in_the_audit_trail_or_any_log_record(admin, caplog):
    caplog.set_level(logging.DEBUG)  # as on a desk running with debug logging switched on
    passwords, hashes = run_full_password_flow(admin)
    secrets = passwords + hashes
    assert caplog.records, "the flow should log something (sign-ins, the lockout)"
    leaked = {r.name for r in caplog.records if secrets_in(record_text(r), secrets)}
    assert leaked == set(), "loggers that logged a password or hash"
    for event in AuditEvent.select():
        text = " ".join(str(v) for v in event.__data__.values())
        assert secrets_in(text, secrets) == [], event.action


def test_wrong_passwords_at_the_idle_lock_count_towards_the_lockout(make_user):
    """The lock screen (and later the sign-off signature) cannot be used to guess freely."""
    tech = make_user(Role.TECHNICIAN, "lena")
    now = dt.datetime(2026, 3, 2, 10, 0)
    for _ in range(auth.LOCKOUT_FAILURES - 1):
        assert not auth.verify_password(tech, "guess-guess-1", now=now)
    assert auth.verify_password(tech, TEST_PASSWORD, now=now)  # still open after 4
    assert not auth.verify_password(tech, "guess-guess-1", now=now)  # the 5th locks
    record = User.get_by_id(tech.user_id)
    assert record.locked_until == now + dt.timedelta(minutes=auth.LOCKOUT_MINUTES)
    assert not auth.verify_password(tech, TEST_PASSWORD, now=now)  # locked: refused
    assert actions_for(tech.user_id).count("sign_in_failed") == auth.LOCKOUT_FAILURES
    assert "locked" in actions_for(tech.user_id)
    later = now + dt.timedelta(minutes=auth.LOCKOUT_MINUTES, seconds=1)
    assert auth.verify_password(tech, TEST_PASSWORD, now=later)
