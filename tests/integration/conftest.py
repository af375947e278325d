"""PostgreSQL fixtures. Each run creates its own database and drops it at the end.

KEEPWELL_TEST_DATABASE_URL points at a server and a database the test role may connect to
(e.g. postgresql://keepwell@localhost/postgres); the role needs CREATEDB. Without it these tests
skip, unless KEEPWELL_REQUIRE_POSTGRES=1 (CI), where a missing server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
import pytest

ENV_URL = "KEEPWELL_TEST_DATABASE_URL"


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where every PostgreSQL test must run."""
    if os.environ.get("KEEPWELL_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL tests are required but cannot run: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not configured: {reason}")


def without_password(url: str) -> str:
    """The URL with its password taken out (a desk that must ask for it)."""
    parts = urlsplit(url)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{hostport}" if user else hostport))


def needs_password_auth(url: str) -> str:
    """The password in the test server's URL, for tests of how Keepwell asks for one. A local
    server set up with trust authentication (no password) cannot run them: skipped on a
    developer's machine, a failure in CI (.ci/run sets up password authentication)."""
    password = urlsplit(url).password
    if not password:
        unavailable("these tests need a server that asks for a password, and "
                     "KEEPWELL_TEST_DATABASE_URL carries none")
    return unquote(password or "")


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


class PgServer:
    """Creates throw-away databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"kw_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _with_dbname(self.admin_url, name)

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(ENV_URL)
    if not url:
        unavailable(f"{ENV_URL} is not set")
    try:
        with psycopg.connect(url, connect_timeout=5, autocommit=True):
            pass
    except psycopg.Error as exc:
        unavailable(f"cannot connect to {ENV_URL}: {exc}")
    server = PgServer(url)
    yield server
    server.drop_all()


@pytest.fixture
def db_url(pg_server: PgServer) -> str:
    """Overrides the SQLite URL: every test here gets an empty PostgreSQL database."""
    return pg_server.create_database()
