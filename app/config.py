"""Configuration: which database to open and a few desk settings.

Precedence for the database URL: `--db URL` > `KEEPWELL_DATABASE_URL` > the user config file >
the machine-wide file > the embedded default (a SQLite file in the per-user data dir).
A PostgreSQL password never has to be in a file: libpq's pgpass, PGPASSWORD or a prompt work.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app import paths
from app.errors import DatabaseUnavailable

ENV_DATABASE_URL = "KEEPWELL_DATABASE_URL"
DEFAULT_IDLE_LOCK_MINUTES = 15


@dataclass(frozen=True)
class Config:
    database_url: str
    source: str  # where the URL came from, in words, for `db check` and the status bar tooltip
    sqlite_journal_mode: str = "wal"  # "delete" for a database file on a network share
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    files_read: list[Path] = field(default_factory=list)


def default_database_url() -> str:
    return f"sqlite:///{(paths.user_data_dir() / 'keepwell.db').as_posix()}"


def _read_toml(path: Path) -> dict:
    if not path.exists():
        return {}
    import tomllib  # only when there is a file to read: keeps start-up quick

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _unreadable(path, str(exc)) from exc
    for section in ("database", "session"):
        if not isinstance(data.get(section, {}), dict):
            raise _unreadable(path, f"[{section}] must be a section of settings")
    url = data.get("database", {}).get("url")
    if url is not None and not isinstance(url, str):
        raise _unreadable(path, "the database url must be text in quotes")
    return data


def _unreadable(path: Path, why: str) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        DatabaseUnavailable.BAD_URL,
        f"The configuration file {path} cannot be read: {why}.",
        "Fix or remove the file, or start Keepwell with --db URL.",
    )


def load_config(
    cli_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    user_file: Path | None = None,
    machine_file: Path | None = None,
) -> Config:
    """Resolve the configuration by the documented precedence."""
    environ = os.environ if environ is None else environ
    user_file = paths.user_config_file() if user_file is None else user_file
    machine_file = paths.machine_config_file() if machine_file is None else machine_file

    machine = _read_toml(machine_file)
    user = _read_toml(user_file)
    files_read = [p for p, d in ((machine_file, machine), (user_file, user)) if d]

    def setting(section: str, key: str, default):
        for layer in (user, machine):
            value = layer.get(section, {}).get(key)
            if value is not None:
                return value
        return default

    candidates = [
        (cli_url, "--db option"),
        (environ.get(ENV_DATABASE_URL), f"{ENV_DATABASE_URL} environment variable"),
        (user.get("database", {}).get("url"), f"user config {user_file}"),
        (machine.get("database", {}).get("url"), f"machine config {machine_file}"),
        (default_database_url(), "embedded default"),
    ]
    url, source = next((u, s) for u, s in candidates if u)
    journal = str(setting("database", "sqlite_journal_mode", "wal")).lower()
    if journal not in ("wal", "delete"):
        raise DatabaseUnavailable(
            DatabaseUnavailable.BAD_URL,
            f"sqlite_journal_mode must be 'wal' or 'delete', not {journal!r}.",
            "Use 'delete' for a database file on a network share, 'wal' otherwise.",
        )
    idle = setting("session", "idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)
    if isinstance(idle, bool) or not isinstance(idle, int) or idle < 0:
        raise DatabaseUnavailable(
            DatabaseUnavailable.BAD_URL,
            f"idle_lock_minutes must be a whole number of minutes (0: never lock), not {idle!r}.",
            "Fix it in " + " or ".join(str(p) for p in files_read) + ".",
        )
    return Config(
        database_url=url,
        source=source,
        sqlite_journal_mode=journal,
        idle_lock_minutes=int(idle),
        files_read=files_read,
    )
