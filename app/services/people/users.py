"""User accounts, managed by admins (GUI Users screen) and by IT (`keepwell user ...`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.clock import utcnow
from app.db import write_transaction
from app.errors import NotFound, ValidationError
from app.models import User
from app.permissions import USER_ROLES, Actor, Perm, Role
from app.services import audit
from app.services.common import (
    clean_text,
    get_or_not_found,
    lock_rows,
    parse_decimal,
    places,
    raise_if,
    versioned_update,
)
from app.services.people.auth import check_new_password, hash_password, password_problem
from app.services.registry import mutation, query

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    email: str
    role: str
    craft: str
    hourly_rate: Decimal
    active: bool
    locked_until: dt.datetime | None
    must_change_password: bool
    last_login_at: dt.datetime | None
    version: int

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or utcnow()))


_ROW_FIELDS = (
    User.id,
    User.username,
    User.full_name,
    User.email,
    User.role,
    User.craft,
    User.hourly_rate,
    User.active,
    User.locked_until,
    User.must_change_password,
    User.last_login_at,
    User.version,
)


def _row(values: tuple) -> UserRow:
    return UserRow(*values)


@query(Perm.USER_MANAGE)
def list_users(actor: Actor, include_inactive: bool = True) -> list[UserRow]:
    """All accounts, active first, by username."""
    q: Any = User.select(*_ROW_FIELDS)
    if not include_inactive:
        q = q.where(User.active == True)  # noqa: E712 (peewee expression)
    return [_row(r) for r in q.order_by(User.active.desc(), User.username).tuples()]


def user_row(user_id: int) -> UserRow:
    """The account as the Users screen lists it (also the first-run set-up's answer)."""
    values = User.select(*_ROW_FIELDS).where(User.id == user_id).tuples().first()
    if values is None:
        raise NotFound(f"User {user_id} does not exist.")
    return _row(values)


@query(Perm.USER_MANAGE)
def get_user(actor: Actor, user_id: int) -> UserRow:
    return user_row(user_id)


def find_user_id(username: str) -> int:
    """The id of an account by username (case-insensitive); NotFound if there is none."""
    user_id = User.select(User.id).where(User.username == username.strip().lower()).scalar()
    if user_id is None:
        raise NotFound(f"There is no user {username.strip()!r}.")
    return int(user_id)


def _clean_role(errors: dict[str, str], role: object) -> Role | None:
    try:
        value = Role(str(role).strip().lower())
    except ValueError:
        value = None
    if value not in USER_ROLES:
        errors["role"] = "must be one of " + ", ".join(r.value for r in USER_ROLES)
        return None
    return value


MAX_RATE = Decimal("99999999.99")  # the column holds 10 digits, 2 after the point


def _clean_rate(errors: dict[str, str], rate: object) -> Decimal:
    """An hourly rate: an amount from 0 to MAX_RATE, rounded to cents ("" or None: 0)."""
    value = parse_decimal(rate) if rate not in (None, "") else Decimal(0)
    if value is None:
        errors["hourly_rate"] = "must be a number, such as 42.50"
        return Decimal(0)
    if not 0 <= value <= MAX_RATE:
        errors["hourly_rate"] = f"must be between 0 and {MAX_RATE:,}"
        return Decimal(0)
    return places(value)


def _active_admins() -> int:
    """Active admins, with their rows locked: two admins removing each other at once cannot
    both pass the last-admin check."""
    admins = User.select(User.id).where(
        (User.role == Role.ADMIN.value) & (User.active == True)  # noqa: E712
    )
    return len(list(lock_rows(admins)))


def create_user_record(
    actor: Actor,
    username: str,
    full_name: str,
    role: str,
    password: str,
    email: str = "",
    craft: str = "",
    hourly_rate: object = 0,
    must_change_password: bool = False,
    password_hash: str | None = None,
) -> User:
    """Validate and insert an account with its audit event. Call inside a transaction; pass
    `password_hash` (of `password`) made beforehand to keep bcrypt out of the transaction."""
    errors: dict[str, str] = {}
    username = clean_text(errors, "username", username, max_length=64).lower()
    if "username" not in errors and not USERNAME_RE.match(username):
        errors["username"] = (
            "must be 2-64 lower-case letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit"
        )
    full_name = clean_text(errors, "full_name", full_name, max_length=120)
    email = clean_text(errors, "email", email, max_length=254, required=False)
    if email and "email" not in errors and not EMAIL_RE.match(email):
        errors["email"] = "is not an e-mail address"
    craft = clean_text(errors, "craft", craft, max_length=64, required=False)
    role_value = _clean_role(errors, role)
    rate = _clean_rate(errors, hourly_rate)
    problem = password_problem(password, username)
    if problem:
        errors["password"] = problem
    if "username" not in errors and User.select().where(User.username == username).exists():
        errors["username"] = f"{username!r} is already taken"
    raise_if(errors)
    assert role_value is not None
    user = User.create(
        username=username,
        full_name=full_name,
        email=email,
        role=role_value.value,
        craft=craft,
        hourly_rate=rate,
        password_hash=password_hash or hash_password(password),
        must_change_password=must_change_password,
    )
    audit.record(
        actor,
        "user",
        user.id,
        "created",
        {"username": [None, username], "full_name": [None, full_name], "role": [None, role]},
    )
    return user


@mutation(Perm.USER_MANAGE, transaction=False)
def add_user(
    actor: Actor,
    username: str,
    full_name: str,
    role: str,
    password: str,
    email: str = "",
    craft: str = "",
    hourly_rate: object = 0,
    must_change_password: bool = True,
) -> UserRow:
    """Create an account. By default the person must choose their own password at first
    sign-in. Raises ValidationError per field (taken username, weak password, unknown role)."""
    hashed = None
    if isinstance(username, str) and password_problem(password, username) is None:
        hashed = hash_password(password)  # before the transaction: it takes ~250 ms
    with write_transaction():
        user = create_user_record(
            actor, username, full_name, role, password, email, craft, hourly_rate,
            must_change_password, password_hash=hashed,
        )
        return user_row(user.id)


@mutation(Perm.USER_MANAGE)
def update_user(
    actor: Actor,
    user_id: int,
    expected_version: int,
    full_name: str,
    email: str = "",
    craft: str = "",
    hourly_rate: object = 0,
) -> UserRow:
    """Edit an account's details. ConflictError if someone saved it since `expected_version`."""
    user = get_or_not_found(User, user_id, "User")
    errors: dict[str, str] = {}
    full_name = clean_text(errors, "full_name", full_name, max_length=120)
    email = clean_text(errors, "email", email, max_length=254, required=False)
    if email and "email" not in errors and not EMAIL_RE.match(email):
        errors["email"] = "is not an e-mail address"
    craft = clean_text(errors, "craft", craft, max_length=64, required=False)
    rate = _clean_rate(errors, hourly_rate)
    raise_if(errors)
    changes = versioned_update(
        user, expected_version, "user",
        full_name=full_name, email=email, craft=craft, hourly_rate=rate,
    )
    if changes:
        audit.record(actor, "user", user.id, "updated", changes)
    return user_row(user.id)


@mutation(Perm.USER_MANAGE)
def change_role(
    actor: Actor, user_id: int, role: str, expected_version: int | None = None
) -> UserRow:
    """Give an account another role. The last active admin cannot be demoted."""
    user = get_or_not_found(User, user_id, "User")
    errors: dict[str, str] = {}
    new_role = _clean_role(errors, role)
    raise_if(errors)
    assert new_role is not None
    if user.role == Role.ADMIN.value and new_role != Role.ADMIN and user.active:
        if _active_admins() <= 1:
            raise ValidationError({
                "role": "cannot be changed: this is the last active admin; make another "
                        "account an admin first"})
    changes = versioned_update(user, expected_version, "user", role=new_role.value)
    if changes:
        audit.record(actor, "user", user.id, "role_changed", changes)
    return user_row(user.id)


@mutation(Perm.USER_MANAGE)
def deactivate_user(actor: Actor, user_id: int, expected_version: int | None = None) -> UserRow:
    """Stop an account from signing in; its history stays. Not yourself, not the last admin."""
    user = get_or_not_found(User, user_id, "User")
    if actor.user_id == user.id:
        raise ValidationError({"user": "cannot be deactivated: it is your own"})
    if user.role == Role.ADMIN.value and user.active and _active_admins() <= 1:
        raise ValidationError({"user": "cannot be deactivated: it is the last active admin"})
    changes = versioned_update(user, expected_version, "user", active=False)
    if changes:
        audit.record(actor, "user", user.id, "deactivated", changes)
    return user_row(user.id)


@mutation(Perm.USER_MANAGE)
def reactivate_user(actor: Actor, user_id: int, expected_version: int | None = None) -> UserRow:
    user = get_or_not_found(User, user_id, "User")
    changes = versioned_update(user, expected_version, "user", active=True)
    if changes:
        audit.record(actor, "user", user.id, "reactivated", changes)
    return user_row(user.id)


@mutation(Perm.USER_MANAGE, transaction=False)
def reset_password(
    actor: Actor, user_id: int, temporary_password: str, expected_version: int | None = None
) -> UserRow:
    """Set a temporary password that must be changed at next sign-in; also unlocks."""
    username = get_or_not_found(User, user_id, "User").username
    check_new_password(temporary_password, username, "temporary_password")
    hashed = hash_password(temporary_password)  # before the transaction: it takes ~250 ms
    with write_transaction():
        user = get_or_not_found(User, user_id, "User")
        versioned_update(
            user, expected_version, "user",
            password_hash=hashed,
            must_change_password=True,
            failed_attempts=0,
            locked_until=None,
        )
        audit.record(actor, "user", user.id, "password_reset",
                     {"must_change_password": [None, True]})
        return user_row(user.id)


@mutation(Perm.USER_MANAGE)
def unlock_user(actor: Actor, user_id: int, expected_version: int | None = None) -> UserRow:
    """Lift a lockout before its 15 minutes are up."""
    user = get_or_not_found(User, user_id, "User")
    changes = versioned_update(
        user, expected_version, "user", failed_attempts=0, locked_until=None
    )
    if changes:
        audit.record(actor, "user", user.id, "unlocked", {"locked_until": changes.get(
            "locked_until", [user.locked_until, None])})
    return user_row(user.id)


def count_users() -> int:
    return User.select().count()
