"""The database as the desk opens, checks, upgrades, watches and closes it.

The GUI reaches app/db.py only through here (tests/unit/test_layers.py says so): it connects to
a URL and gets a `DatabaseTarget` back, asks for the schema's state, creates or upgrades the
schema, and closes its thread's connection; its background work asks whether the database
answers, makes the daily backup and listens for other desks' changes. Each function works on
the database `connect` bound, and each is the same call into app.db underneath, with the same
errors (`DatabaseUnavailable` in words; a driver's own error where app.db raises one).

Peewee keeps one connection per thread: `close()` closes the calling thread's, which is how a
worker thread lets go of its own.
"""

from __future__ import annotations

from pathlib import Path

from app import db
from app.change_feed import ChangeFeed, feed_for
from app.db import SchemaState
from app.dburl import DatabaseTarget
from app.services import backups


def connect(url: str, *, journal_mode: str = "wal", password: str | None = None) -> DatabaseTarget:
    """Connect to the database at `url` and bind the program to it (no schema work); returns
    where it is. Connecting again to the database already bound (sign-in after sign-out, a
    retry) keeps its database object (see app.db.connect). Raises DatabaseUnavailable, in
    words, when it cannot be opened."""
    _database, target = db.connect(url, journal_mode=journal_mode, password=password)
    return target


def check_schema(target: DatabaseTarget) -> SchemaState:
    """The bound database's schema: which steps are applied and which are pending. Raises
    DatabaseUnavailable for a database this program must not touch (upgraded by a newer
    Keepwell, or holding tables that are not Keepwell's)."""
    state = db.schema_state(db.database.obj)
    db.refuse_unusable(state, target)
    return state


def initialise_schema(target: DatabaseTarget) -> list[str]:
    """Create the schema in the bound, empty database; returns the steps applied. Raises
    DatabaseUnavailable when it is not empty (or not usable)."""
    return db.initialise_schema(db.database.obj, target)


def upgrade_schema(target: DatabaseTarget, backup_dir: Path) -> tuple[list[str], Path | None]:
    """Back the bound database up into `backup_dir`, then apply the pending steps. Returns
    (steps applied, the backup). Raises DatabaseUnavailable for a database this program must
    not touch, or when the backup cannot be taken."""
    return db.upgrade_schema(db.database.obj, target, backup_dir)


def close() -> None:
    """Close the calling thread's connection, if open (a worker thread's own, after its work;
    the GUI thread's, on sign-out or quitting)."""
    db.close()


def read_only() -> str | None:
    """Why the database can only be read (decided as it was opened), in words, or None: the
    desk then says so once, and every change is refused in the same words."""
    return db.read_only()


def ping() -> bool:
    """True if the database answers (for the status bar's connection state)."""
    return db.ping()


def is_database_error(exc: BaseException) -> bool:
    """Whether `exc` is what a database that stopped answering (or refused a statement)
    raises, whichever driver: for reporting such a failure in words."""
    return isinstance(exc, db.DATABASE_ERRORS)


def is_shared_file() -> bool:
    """True for an SQLite file opened without WAL (journal_mode "delete": a file on a network
    share), where reading all of it would hold other desks' saves; False for a local file and
    for PostgreSQL."""
    return getattr(db.database.obj, "journal_mode", "wal") != "wal"


def daily_backup_if_due() -> Path | None:
    """Today's backup of the bound database unless it exists: its path, or None when there was
    nothing to do (app/services/backups.py; on PostgreSQL the server keeps its own). Raises
    backups.DatabaseDamaged when the copy shows the file damaged, backups.BackupFailed when it
    cannot be written."""
    return backups.daily_backup_if_due(db.database.obj)


def change_feed() -> ChangeFeed | None:
    """A feed of the commits other desks announce, on its own connection to the bound
    database; None for SQLite, where desks only poll."""
    return feed_for(db.database.obj)
