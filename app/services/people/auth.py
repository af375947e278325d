"""Signing in, passwords and lockout (DESIGN.md section 6).

bcrypt with cost 12; at least 10 characters and not the username; 5 failures lock the account
for 15 minutes; an admin reset forces a change at next sign-in. No password or hash is logged.

The lockout holds under parallel guessing from any number of processes: each guess first takes
one of the 5 tries in a short write transaction (the row lock), counted as failed in advance, and
only then runs bcrypt; the right password gives its try back. A locked account refuses unchecked,
the right password included. Refusals read the same for every name and cost the same time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import bcrypt

from app import db
from app.clock import utcnow
from app.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    StorageFailure,
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

# Checked instead of a real hash when there is none to check (an unknown user) or when the
# account is locked, so that every refusal costs one bcrypt check of the same cost and timing
# tells nothing. Made once, here, from a random secret nobody kept: at BCRYPT_ROUNDS (12) it
# costs nothing at first use. Another cost (tests run at 4, see tests/conftest.py) gets its own
# dummy made on first use; raising BCRYPT_ROUNDS means adding its constant here
# (test_the_dummy_hash_matches_the_production_cost).
_DUMMY_HASHES: dict[int, bytes] = {
    12: b"$2b$12$FhzswKb0bxll01Ua1PzFO.AiGJGdIP9lUyPWXG9Ej6WYByKkBlJc6",
}


def _dummy_hash(cost: int) -> bytes:
    if cost not in _DUMMY_HASHES:
        _DUMMY_HASHES[cost] = bcrypt.hashpw(b"keepwell-timing", bcrypt.gensalt(cost))
    return _DUMMY_HASHES[cost]


def _hash_cost(password_hash: str | bytes) -> int:
    """The cost a stored bcrypt hash was made with ("$2b$12$..." is 12)."""
    text = password_hash.decode("ascii") if isinstance(password_hash, bytes) else password_hash
    try:
        return int(text.split("$")[2])
    except (IndexError, ValueError):
        return BCRYPT_ROUNDS


def _check_nothing(password: str, cost: int) -> None:
    """A check that takes as long as a real one of `cost` and decides nothing."""
    password_matches(password, _dummy_hash(cost))


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


# How a guess went. Decided in two short write transactions around the bcrypt check (_reserve,
# _settle), never holding a lock while bcrypt runs.
UNKNOWN = "unknown"  # no such user
INACTIVE = "inactive"  # deactivated, and the caller does not check those
LOCKED = "locked"  # refused unchecked: the account is locked
RESERVED = "reserved"  # may be checked; counted as failed in advance
WRONG = "wrong"
RIGHT = "right"


@dataclass(frozen=True)
class _Guess:
    outcome: str
    user: User | None = None
    attempt: int = 0  # the guess's place among the LOCKOUT_FAILURES allowed in its window
    locked_until: dt.datetime | None = None  # the lock's end: LOCKED, or the guess that locked


def _row(where: Any) -> User | None:
    """The user row, locked against other desks until the transaction ends: a row lock on
    PostgreSQL (SELECT ... FOR UPDATE); on SQLite, write_transaction already holds the
    database's write lock (BEGIN IMMEDIATE)."""
    query = User.select().where(where)
    if not db.is_sqlite():
        query = query.for_update()
    return query.first()


def _reserve(where: Any, now: dt.datetime, check_inactive: bool) -> _Guess:
    """Decide, atomically in the database, whether this guess may be checked at all, and if so
    count it as failed before it is checked: the guess that takes the last try locks the account
    at once. Parallel guesses from any number of processes therefore never see the same count,
    and at most LOCKOUT_FAILURES guesses are checked per lock window."""
    with db.write_transaction():
        user = _row(where)
        if user is None:
            return _Guess(UNKNOWN)
        if not user.active and not check_inactive:
            return _Guess(INACTIVE, user)
        if user.locked_until and user.locked_until > now:
            return _Guess(LOCKED, user, locked_until=user.locked_until)
        attempt = user.failed_attempts + 1
        if attempt < LOCKOUT_FAILURES:
            User.update(failed_attempts=attempt).where(User.id == user.id).execute()
            return _Guess(RESERVED, user, attempt)
        until = now + dt.timedelta(minutes=LOCKOUT_MINUTES)
        User.update(failed_attempts=0, locked_until=until).where(User.id == user.id).execute()
        return _Guess(RESERVED, user, attempt, until)


def _settle(guess: _Guess, password: str, now: dt.datetime, signing_in: bool) -> _Guess:
    """Check a reserved guess (bcrypt, outside any transaction), then act on the answer: a wrong
    one is audited (it was counted already); a right one gives its try back, unless another
    guess locked the account meanwhile. A sign-in then clears the count; a re-check of the
    signed-in user's password (`signing_in` false) leaves the earlier failures counted."""
    assert guess.user is not None
    user = guess.user
    matches = password_matches(password, user.password_hash)
    actor = actor_for(user)
    with db.write_transaction():
        row = _row(User.id == user.id)
        # A password reset while this one was checked: the old password is wrong now.
        matches = matches and row is not None and row.password_hash == user.password_hash
        if not matches or row is None:
            audit.record(actor, "user", user.id, "sign_in_failed",
                         {"failed_attempts": [guess.attempt - 1, guess.attempt]})
            if guess.locked_until is not None:
                audit.record(actor, "user", user.id, "locked",
                             {"locked_until": [None, guess.locked_until]})
                log.warning("user %s locked after %d failed sign-ins", user.username,
                            guess.attempt)
            return _Guess(WRONG, user, guess.attempt, guess.locked_until)
        if row.locked_until and row.locked_until > now and row.locked_until != guess.locked_until:
            # Another guess took the last try while this one was checked: the lock stands.
            return _Guess(LOCKED, row, locked_until=row.locked_until)
        changes: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
        if not signing_in:
            changes["failed_attempts"] = (LOCKOUT_FAILURES - 1 if guess.locked_until
                                          else max(row.failed_attempts - 1, 0))
        elif row.active:
            changes["last_login_at"] = now
        User.update(**changes).where(User.id == user.id).execute()
        if signing_in and row.active:
            audit.record(actor, "user", user.id, "sign_in")
    return _Guess(RIGHT, row, guess.attempt)


def _unbooked(where: Any, password: str, now: dt.datetime, failure: StorageFailure) -> _Guess:
    """A sign-in whose bookkeeping the database cannot take (a full disk, a disk error: writing
    has stopped in this process, see app/storage.py): checked as on a read-only database, so
    that whoever knows their password can still read their work. Tries are not counted while
    the database cannot be written; the log says so."""
    log.warning("sign-in checked without counting tries: the database cannot be written (%s)",
                failure.message)
    return _check_read_only(where, password, now, check_inactive=True)


def _check_read_only(where: Any, password: str, now: dt.datetime, check_inactive: bool) -> _Guess:
    """A guess checked on a database opened read-only (app.db.read_only), where nothing can be
    written: no try is reserved, no failure counted, no lock set, no sign-in or failure audited.
    No lockout bookkeeping is possible there, so guesses are not limited; that gives nothing
    away, as whoever can read the database can read the password hashes themselves. A lock
    set while the database was writable still refuses (unchecked, as `_reserve` does)."""
    user = User.select().where(where).first()
    if user is None:
        return _Guess(UNKNOWN)
    if not user.active and not check_inactive:
        return _Guess(INACTIVE, user)
    if user.locked_until and user.locked_until > now:
        return _Guess(LOCKED, user, locked_until=user.locked_until)
    right = password_matches(password, user.password_hash)
    return _Guess(RIGHT if right else WRONG, user, user.failed_attempts + (not right))


def sign_in(username: str, password: str, now: dt.datetime | None = None) -> SignIn:
    """Check the credentials. Raises AuthenticationFailed for an unknown user, a wrong password
    or a locked account (AccountLocked, a subclass with the same words): whoever tries learns
    nothing about which usernames exist, and every refusal costs one bcrypt check. Raises
    AccountInactive for the right password of a deactivated account."""
    now = now or utcnow()
    password = password or ""
    name = (username or "").strip().lower()
    if db.read_only() is not None:
        guess = _check_read_only(User.username == name, password, now, check_inactive=True)
    else:
        try:
            guess = _reserve(User.username == name, now, check_inactive=True)
        except StorageFailure as exc:
            guess = _unbooked(User.username == name, password, now, exc)
    if guess.outcome == UNKNOWN:
        _check_nothing(password, BCRYPT_ROUNDS)
        raise AuthenticationFailed(LOCKOUT_FAILURES, LOCKOUT_MINUTES)
    user = guess.user
    assert user is not None
    if guess.outcome in (RIGHT, WRONG):  # checked already (a read-only database)
        pass
    elif guess.outcome == RESERVED:
        try:
            guess = _settle(guess, password, now, signing_in=True)
        except StorageFailure as exc:  # the try stays counted; its answer cannot be written
            guess = _unbooked(User.id == user.id, password, now, exc)
        user = guess.user or user
    else:  # locked: not checked, but it costs what a check costs
        _check_nothing(password, _hash_cost(user.password_hash))
    if guess.outcome == LOCKED or (guess.outcome == WRONG and guess.locked_until is not None):
        log.info("sign-in of %s refused: the account is locked", user.username)
        assert guess.locked_until is not None
        raise AccountLocked(_local(guess.locked_until), LOCKOUT_FAILURES, LOCKOUT_MINUTES)
    if guess.outcome == WRONG:
        raise AuthenticationFailed(LOCKOUT_FAILURES, LOCKOUT_MINUTES)
    if not user.active:
        raise AccountInactive()
    log.info("user %s signed in", user.username)
    return SignIn(actor_for(user), bool(user.must_change_password))


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


def _recheck(actor: Actor, password: str, now: dt.datetime | None) -> _Guess:
    """Re-check the signed-in user's password, counted towards the lockout like a sign-in."""
    if actor.user_id is None:
        return _Guess(UNKNOWN)
    now = now or utcnow()
    if db.read_only() is not None:
        return _check_read_only(User.id == actor.user_id, password or "", now, False)
    guess = _reserve(User.id == actor.user_id, now, check_inactive=False)
    if guess.outcome != RESERVED:
        return guess
    return _settle(guess, password or "", now, signing_in=False)


def verify_password(actor: Actor, password: str, now: dt.datetime | None = None) -> bool:
    """Re-check the signed-in user's password (idle unlock, electronic signature). A wrong one
    counts towards the lockout like a failed sign-in, and is audited; a locked or deactivated
    account fails unchecked."""
    return _recheck(actor, password, now).outcome == RIGHT


def locked_until(actor: Actor, now: dt.datetime | None = None) -> dt.datetime | None:
    """Until when (local time) the signed-in user's account is locked, or None: for words to
    that user (the idle lock), who is known; never for a sign-in."""
    if actor.user_id is None:
        return None
    until = User.select(User.locked_until).where(User.id == actor.user_id).scalar()
    return _local(until) if until and until > (now or utcnow()) else None


def signature_refusal(actor: Actor, password: str, now: dt.datetime | None = None) -> str:
    """"" when `password` is the signed-in user's own (their electronic signature); otherwise
    why not, in words for the password field: wrong with how many tries are left before the
    account locks, or locked and until when. A wrong one counts like a failed sign-in. (The
    user is known here, so the words may say that the account is locked.)"""
    guess = _recheck(actor, password, now)
    if guess.outcome == RIGHT:
        return ""
    if guess.outcome in (UNKNOWN, INACTIVE):
        return "cannot be checked: this account is not active"
    if guess.outcome == LOCKED:
        assert guess.locked_until is not None
        return (f"cannot be checked: your account is locked until "
                f"{_local(guess.locked_until):%H:%M} after too many wrong passwords")
    if guess.locked_until is not None:
        return (f"is wrong, and that was the last try: your account is locked until "
                f"{_local(guess.locked_until):%H:%M}")
    left = LOCKOUT_FAILURES - guess.attempt
    tries = "try" if left == 1 else "tries"
    return f"is wrong ({left} {tries} left before your account locks for {LOCKOUT_MINUTES} minutes)"
