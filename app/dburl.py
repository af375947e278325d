"""Database URLs: `sqlite:///path/to/keepwell.db` or `postgresql://user@host:port/db`.

Kept apart from app.db (and peewee) so the GUI can show where it is going before it connects.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from app.errors import DatabaseUnavailable


@dataclass(frozen=True)
class DatabaseTarget:
    """A parsed database URL."""

    backend: str  # "sqlite" or "postgresql"
    path: Path | None = None
    host: str = ""
    port: int | None = None
    dbname: str = ""
    user: str = ""
    password: str | None = field(default=None, repr=False)
    params: tuple[tuple[str, str], ...] = ()

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def display(self) -> str:
        """What the status bar shows: the file path, or host/database. Never a password."""
        if self.is_sqlite:
            return str(self.path)
        port = f":{self.port}" if self.port else ""
        user = f"{self.user}@" if self.user else ""
        return f"{user}{self.host or 'localhost'}{port}/{self.dbname}"


def parse_url(url: str) -> DatabaseTarget:
    """Parse `sqlite:///path/to/file.db` or `postgresql://user@host:port/db?sslmode=...`."""
    bad = DatabaseUnavailable.BAD_URL
    text = (url or "").strip()
    scheme, sep, _rest = text.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise DatabaseUnavailable(
            bad,
            f"{text!r} is not a database URL.",
            "Use sqlite:///path/to/keepwell.db or postgresql://user@host:5432/database.",
        )
    if scheme == "sqlite":
        raw = unquote(text[len("sqlite://") :])
        if re.match(r"^/[A-Za-z]:[/\\]", raw):  # sqlite:///C:/Users/... on Windows
            raw = raw[1:]
        elif raw.startswith("//") and os.name != "nt":  # sqlite:////abs/path (SQLAlchemy)
            raw = "/" + raw.lstrip("/")
        if not raw or raw == "/":
            raise DatabaseUnavailable(
                bad, "The SQLite URL names no file.", "Use sqlite:///path/to/keepwell.db."
            )
        if raw == ":memory:" or raw == "/:memory:":
            raise DatabaseUnavailable(
                bad, "An in-memory database would lose all work on exit.", "Name a file."
            )
        return DatabaseTarget(backend="sqlite", path=Path(raw).expanduser())
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(text)
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise DatabaseUnavailable(
                bad,
                "The PostgreSQL URL names no database.",
                "Use postgresql://user@host:5432/database.",
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise DatabaseUnavailable(bad, f"Bad port in database URL: {exc}.") from exc
        return DatabaseTarget(
            backend="postgresql",
            host=parts.hostname or "",
            port=port,
            dbname=dbname,
            user=unquote(parts.username or ""),
            password=unquote(parts.password) if parts.password else None,
            params=tuple(parse_qsl(parts.query)),
        )
    raise DatabaseUnavailable(
        bad,
        f"Unknown database type {scheme!r}.",
        "Keepwell works with sqlite:///path/to/file.db or postgresql://user@host/database.",
    )
