"""The ways into user management without an administrator's sign-in (`keepwell user ...`):
the first admin of a database that has none, and a password reset by whoever owns the
database when no administrator can sign in any more.

Both act as IT (`it_actor(<OS user>)`): there is no Keepwell user to act as, and the audit
trail names the OS account. Neither gives anyone more than they already have: whoever owns the
database file (or, on PostgreSQL, the database) can change its rows with sqlite3 or psql; these
do it through the rules and leave an audit event that says what happened.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from app import db
from app.db import write_transaction
from app.errors import PermissionDenied, ValidationError
from app.models import User
from app.permissions import Actor, Perm, Role, it_actor
from app.services import audit
from app.services.common import get_or_not_found, versioned_update
from app.services.people.auth import check_new_password, hash_password, password_problem
from app.services.people.users import UserRow, create_user_record, user_row
from app.services.registry import mutation

RECOVERY_EVENT = "password_reset_recovery"
_FIRST_ADMIN_LOCK = 0x4B57_0101  # PostgreSQL advisory lock: one first admin at a time


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no login name (some containers and services)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def has_active_admin() -> bool:
    """Whether an active administrator exists: until one does, `keepwell user add` may create
    the first one without a sign-in; from then on user management needs an admin's sign-in."""
    return User.select().where(
        (User.role == Role.ADMIN.value) & (User.active == True)  # noqa: E712
    ).exists()


def add_first_admin(
    username: str,
    full_name: str,
    password: str,
    email: str = "",
    craft: str = "",
    hourly_rate: object = 0,
    must_change_password: bool = True,
) -> UserRow:
    """Create the first administrator of a database that has no active one (how an office
    starts from the command line; the GUI's first run is app.services.setup). Checked and
    written in one transaction, so two of these at once make one admin, not two. Refused with
    PermissionDenied once an active admin exists: then an admin signs in to add accounts. Like
    the first run it has no user to act as: it acts as IT, named after the OS account."""
    actor = it_actor(_os_user())
    hashed = None
    if isinstance(username, str) and password_problem(password, username) is None:
        hashed = hash_password(password)  # before the transaction: it takes ~250 ms
    with write_transaction():
        if not db.is_sqlite():  # SQLite's BEGIN IMMEDIATE already serialises this check
            db.database.obj.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_FIRST_ADMIN_LOCK,))
        if has_active_admin():
            raise PermissionDenied(
                "This database already has an administrator: sign in as one with --user NAME "
                "to add accounts."
            )
        user = create_user_record(
            actor, username, full_name, Role.ADMIN.value, password, email, craft, hourly_rate,
            must_change_password, password_hash=hashed,
        )
        return user_row(user.id)


def database_owner_problem() -> str | None:
    """Why this process may not recover an account on the open database, or None when it may.

    SQLite: the OS account running Keepwell owns the database file and can write it (root may
    too: it can write any file). PostgreSQL: the connected role owns the database, or is a
    member of the role that owns it (superusers are members of every role). Whoever passes can
    already rewrite the users table by hand; whoever does not (a desk's login role, another OS
    account that can only read the file) is refused."""
    database = db.database.obj
    if db.is_sqlite():
        path = Path(database.database)
        try:
            owner = path.stat().st_uid
        except OSError as exc:
            return f"the database file {path} cannot be examined ({exc.strerror})"
        me = os.geteuid() if hasattr(os, "geteuid") else owner  # Windows: the file's ACL rules
        if me not in (owner, 0):
            return (f"the database file {path} belongs to another account; only its owner "
                    "can recover an account")
        effective = os.access in os.supports_effective_ids  # the account acting, as stat's
        if not os.access(path, os.W_OK, effective_ids=effective):
            return f"the database file {path} is not writable by this account"
        return None
    row = database.execute_sql(
        "SELECT d.datname, pg_get_userbyid(d.datdba), current_user, "
        "pg_has_role(current_user, d.datdba, 'MEMBER') "
        "FROM pg_database d WHERE d.datname = current_database()"
    ).fetchone()
    name, owner_role, role, member = row
    if not member:
        return (f"the PostgreSQL role {role} does not own the database {name} (its owner is "
                f"{owner_role}); connect as {owner_role} to recover an account")
    return None


@mutation(Perm.USER_MANAGE, transaction=False)
def recovery_reset_password(actor: Actor, user_id: int, temporary_password: str) -> UserRow:
    """Set a temporary password when no administrator can sign in: allowed only to whoever can
    write the database (`database_owner_problem`), else PermissionDenied with the reason.
    Unlocks and reactivates nothing else; the account must choose a new password at next
    sign-in. Audited as `password_reset_recovery`, naming the OS account that ran it (the
    actor is `it_actor(<OS user>)` from the command line)."""
    problem = database_owner_problem()
    if problem:
        raise PermissionDenied(f"Recovery refused: {problem}.")
    username = get_or_not_found(User, user_id, "User").username
    check_new_password(temporary_password, username, "temporary_password")
    hashed = hash_password(temporary_password)  # before the transaction: it takes ~250 ms
    with write_transaction():
        user = get_or_not_found(User, user_id, "User")
        if not user.active:
            raise ValidationError({"user": "is deactivated: recover an active administrator's "
                                           "account and reactivate it from there"})
        versioned_update(
            user, None, "user",
            password_hash=hashed,
            must_change_password=True,
            failed_attempts=0,
            locked_until=None,
        )
        audit.record(actor, "user", user.id, RECOVERY_EVENT,
                     {"must_change_password": [None, True], "os_user": [None, _os_user()]})
        return user_row(user.id)
