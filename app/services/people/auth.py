"""Signing in, passwords and lockout (DESIGN.md section 6).

bcrypt with cost 12; at least 10 characters and not the username; 5 failures lock the account
for 15 minutes; an admin reset forces a change at next sign-in. No password or hash is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import bcrypt

from app import db
from app.clock import utcnow
from app.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    ValidationError,
)
from app.models import User
from app.permissions import Actor, Role
from app.services import audit
from app.services.registry import SIGNED_IN, mutation

log = logging.getLogger(__name__)

BCRYPT_ROUNDS = 12
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 72  # bcrypt ignores anything longer; refuse rather than truncate silently
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15

# Checked for unknown users so that timing does not reveal which usernames exist; made on first
# use (at the production cost, so the check takes as long as a real one).
_dummy_hash: bytes | None = None


def _equalise_timing() -> None:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = bcrypt.hashpw(b"keepwell-timing", bcrypt.gensalt(BCRYPT_ROUNDS))
    bcrypt.checkpw(b"keepwell", _dummy_hash)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def password_matches(password: str, password_hash: str | bytes) -> bool:
    raw = password.encode("utf-8")
    stored = password_hash.encode("ascii") if isinstance(password_hash, str) else password_hash
    if len(raw) > MAX_PASSWORD_BYTES:
        bcrypt.checkpw(b"x", stored)  # same cost as a real check
        return False
    return bcrypt.checkpw(raw, stored)


def password_problem(password: str, username: str) -> str | None:
    """What is wrong with a new password, in words, or None."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"must be at most {MAX_PASSWORD_BYTES} bytes long"
    if password.strip().lower() == username.strip().lower():
        return "must not be the username"
    if password != password.strip():
        return "must not start or end with a space"
    return None


def check_new_password(password: str, username: str, field: str = "password") -> None:
    problem = password_problem(password, username)
    if problem:
        raise ValidationError({field: problem})


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name,
                 role=Role(user.role))


@dataclass(frozen=True)
class SignIn:
    actor: Actor
    must_change_password: bool


def _fetch_user(username: str) -> User | None:
    return User.get_or_none(User.username == (username or "").strip().lower())


def sign_in(username: str, password: str, now: dt.datetime | None = None) -> SignIn:
    """Check the credentials. Raises AuthenticationFailed (same words for an unknown user and a
    wrong password), AccountLocked (with the time it opens again) or AccountInactive."""
    now = now or utcnow()
    user = _fetch_user(username)
    if user is None:
        _equalise_timing()
        raise AuthenticationFailed()
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(_local(user.locked_until))
    # bcrypt runs outside the write transaction so the lock is held for milliseconds only.
    matches = password_matches(password or "", user.password_hash)
    actor = actor_for(user)
    with db.write_transaction():
        if not matches:
            locked_until = _count_failure(actor, user.id, now)
        else:
            locked_until = None
            if user.active:
                User.update(failed_attempts=0, locked_until=None, last_login_at=now).where(
                    User.id == user.id
                ).execute()
                audit.record(actor, "user", user.id, "sign_in")
    if locked_until is not None:
        raise AccountLocked(_local(locked_until))
    if not matches:
        raise AuthenticationFailed()
    if not user.active:
        raise AccountInactive()
    log.info("user %s signed in", user.username)
    return SignIn(actor, bool(user.must_change_password))


def _count_failure(actor: Actor, user_id: int, now: dt.datetime) -> dt.datetime | None:
    User.update(failed_attempts=User.failed_attempts + 1).where(User.id == user_id).execute()
    failures = User.select(User.failed_attempts).where(User.id == user_id).scalar()
    audit.record(actor, "user", user_id, "sign_in_failed", {"failed_attempts": [None, failures]})
    if failures < LOCKOUT_FAILURES:
        return None
    until = now + dt.timedelta(minutes=LOCKOUT_MINUTES)
    User.update(failed_attempts=0, locked_until=until).where(User.id == user_id).execute()
    audit.record(actor, "user", user_id, "locked", {"locked_until": [None, until]})
    log.warning("user %s locked after %d failed sign-ins", actor.username, failures)
    return until


def _local(utc: dt.datetime) -> dt.datetime:
    """A stored naive-UTC stamp as local wall-clock time, for messages."""
    return utc.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


@mutation(SIGNED_IN, transaction=False)
def change_own_password(actor: Actor, current_password: str, new_password: str) -> None:
    """Change the signed-in user's password. Raises ValidationError when the current password is
    wrong or the new one breaks the rules; clears the forced-change flag."""
    user = User.get_by_id(actor.user_id)
    if not password_matches(current_password or "", user.password_hash):
        raise ValidationError({"current_password": "is wrong"})
    check_new_password(new_password, user.username, "new_password")
    if password_matches(new_password, user.password_hash):
        raise ValidationError({"new_password": "must differ from the current password"})
    hashed = hash_password(new_password)  # bcrypt before the transaction, not inside it
    with db.write_transaction():
        User.update(
            password_hash=hashed,
            must_change_password=False,
            version=User.version + 1,
            updated_at=utcnow(),
        ).where(User.id == user.id).execute()
        audit.record(actor, "user", user.id, "password_changed")


def verify_password(actor: Actor, password: str, now: dt.datetime | None = None) -> bool:
    """Re-check the signed-in user's password (idle unlock, electronic signature). A wrong one
    counts towards the lockout like a failed sign-in, and is audited; a locked account fails."""
    if actor.user_id is None:
        return False
    now = now or utcnow()
    user = User.get_or_none(User.id == actor.user_id)
    if user is None or not user.active or (user.locked_until and user.locked_until > now):
        return False
    if password_matches(password or "", user.password_hash):
        return True
    with db.write_transaction():
        _count_failure(actor, user.id, now)
    return False


def signature_refusal(actor: Actor, password: str, now: dt.datetime | None = None) -> str:
    """"" when `password` is the signed-in user's own (their electronic signature); otherwise
    why not, in words for the password field: wrong with how many tries are left before the
    account locks, or locked and until when. A wrong one counts like a failed sign-in."""
    now = now or utcnow()
    user = User.get_or_none(User.id == actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active:
        return "cannot be checked: this account is not active"
    if user.locked_until and user.locked_until > now:
        return (f"cannot be checked: your account is locked until "
                f"{_local(user.locked_until):%H:%M} after too many wrong passwords")
    if verify_password(actor, password, now):
        return ""
    user = User.get_by_id(user.id)
    if user.locked_until and user.locked_until > now:
        return (f"is wrong, and that was the last try: your account is locked until "
                f"{_local(user.locked_until):%H:%M}")
    left = LOCKOUT_FAILURES - user.failed_attempts
    tries = "try" if left == 1 else "tries"
    return f"is wrong ({left} {tries} left before your account locks for {LOCKOUT_MINUTES} minutes)"
