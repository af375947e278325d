"""A PostgreSQL database that only allows reading (issue 11), the twin of
tests/unit/test_read_only_database.py: with default_transaction_read_only set on the database
(as its owner may, without being a superuser), sign-in checks the password without writing,
listing and showing work, and every change is refused before it starts in words.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import pytest

from app import db as dbmod
from app import storage
from app.errors import AuthenticationFailed, ReadOnlyDatabase
from app.models import AuditEvent, User, WorkOrder
from app.permissions import Actor
from app.services.people import auth
from app.services.work_orders import detail, edit, listing
from tests.cli_runner import Run
from tests.conftest import TEST_PASSWORD

READ_ONLY = "This database is read-only: you can look but not change."


def _make_read_only(db_url: str, on: bool = True) -> str:
    """Set default_transaction_read_only on the test database; returns its display name."""
    dbmod.close()
    name = urlsplit(db_url).path.lstrip("/")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")  # this session may write
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = '
                     f'{"on" if on else "off"}')
    return dbmod.parse_url(db_url).display


def test_a_read_only_postgresql_database_can_be_read_and_refuses_every_change(
        admin: Actor, db_url: str) -> None:
    edit.create_work_order(admin, "Leaking valve")
    events = AuditEvent.select().count()
    display = _make_read_only(db_url)
    dbmod.connect(db_url)
    why = (f"The PostgreSQL server opens every transaction on {display} read-only "
           "(default_transaction_read_only is on).")
    assert dbmod.read_only() == why

    signed = auth.sign_in("admin", TEST_PASSWORD).actor
    rows = listing.list_work_orders(signed)
    assert [r.title for r in rows] == ["Leaking valve"]
    assert detail.get_work_order(signed, rows[0].id).title == "Leaking valve"
    assert auth.verify_password(signed, TEST_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("admin", "not-the-password")

    with pytest.raises(ReadOnlyDatabase) as refused:
        edit.create_work_order(signed, "Another leak")
    assert refused.value.message == f"{READ_ONLY} ({why})"
    assert storage.stopped() is None
    user = User.get(User.username == "admin")
    assert (user.failed_attempts, user.last_login_at) == (0, None)
    assert WorkOrder.select().count() == 1
    assert AuditEvent.select().count() == events

    _make_read_only(db_url, on=False)  # writable again: decided afresh on connecting
    dbmod.connect(db_url)
    assert dbmod.read_only() is None
    edit.create_work_order(signed, "Another leak")
    dbmod.close()


def test_the_command_line_refuses_a_change_to_a_read_only_postgresql_database(
        admin: Actor, db_url: str, kw: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    edit.create_work_order(admin, "Leaking valve")
    display = _make_read_only(db_url)
    monkeypatch.setenv("KEEPWELL_PASSWORD", TEST_PASSWORD)
    listed = kw("--db", db_url, "wo", "list", "--user", "admin")
    assert listed.code == 0, listed.err
    assert "Leaking valve" in listed.out
    created = kw("--db", db_url, "wo", "create", "--title", "Another leak", "--user", "admin")
    assert created.code == 1
    assert created.err.splitlines()[0] == (
        f"keepwell: error: {READ_ONLY} (The PostgreSQL server opens every transaction on "
        f"{display} read-only (default_transaction_read_only is on).)")
    dbmod.close()
