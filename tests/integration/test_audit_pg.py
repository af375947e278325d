"""The audit trail's tests of tests/unit run again on PostgreSQL (`db_url` is a fresh PostgreSQL
database here; the tampering is done through psycopg on a connection of its own), and what only
PostgreSQL has: whether the connected role could change or delete audit events at all."""

from __future__ import annotations

from app import db as dbmod
from tests.cli_runner import Run
from tests.unit.test_audit import *  # noqa: F401,F403
from tests.unit.test_cli_audit import *  # noqa: F401,F403
from tests.unit.test_cli_audit import raw


def test_verify_warns_when_the_role_can_change_audit_events(kw: Run, office: str) -> None:
    """The test role owns the tables, as a database's owner does: it can."""
    role = raw(office, "SELECT current_user")[0][0]
    result = kw("--db", office, "audit", "verify")
    assert result.code == 0, result.out
    assert (f"WARNING: the role {role} can change or delete audit events (UPDATE, DELETE, "
            "TRUNCATE): desks signed in with it could rewrite the trail") in result.out


def test_verify_reports_the_protection_when_the_role_cannot(kw: Run, office: str) -> None:
    """The restricted role the deployment sets up: no UPDATE, DELETE or TRUNCATE on audit_event
    (the owner's own rights revoked here, as the test role may not create roles). Desks keep
    writing events: INSERT and the head's UPDATE remain."""
    role = raw(office, "SELECT current_user")[0][0]
    raw(office, f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM "{role}"')
    refused = None
    try:
        raw(office, "DELETE FROM audit_event")
    except Exception as exc:  # psycopg's InsufficientPrivilege: the protection is real
        refused = str(exc)
    assert refused is not None and "permission denied" in refused
    unlocked = kw("--db", office, "user", "unlock", "tess", "--user", "ada", "--password-stdin",
                  stdin="correct-horse-42\n")
    assert unlocked.code == 0, unlocked.err
    result = kw("--db", office, "audit", "verify")
    assert result.code == 0, result.out
    assert f"protection: the role {role} cannot change or delete audit events" in result.out
    dbmod.close()
