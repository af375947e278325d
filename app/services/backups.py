"""The daily backup of the embedded (SQLite) database: its name, when it is due, which copies
are kept. The copy is written and checked through SQLite only (app/services/sqlite_copies.py,
whose rule is: never open, copy or rename the database's own files); putting a backup back is
app/services/restore.py.

Files in the backups folder (paths.backup_dir()), for a database file `keepwell.db`:
- `keepwell-daily-YYYY-MM-DD.db`: one a day, made by whichever of the program and the headless
  scheduler runs first that day; the newest 7 are kept and, before those, the newest copy of
  each of 4 weeks. Only files of exactly this name are ever pruned.
- `keepwell-before-upgrade-...db` (app/db.py) and `keepwell-before-restore-...db`
  (app/services/restore.py), and anything else in the folder: never pruned.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

import peewee

from app import paths
from app.errors import KeepwellError
from app.services.sqlite_copies import (
    copy_through_sqlite,
    discard_partial,
    integrity_words,
    is_damage,
)

log = logging.getLogger(__name__)

DAILY_KEPT = 7
WEEKLY_KEPT = 4


class BackupFailed(KeepwellError):
    """A backup could not be written; the older backups are as they were."""


class DatabaseDamaged(BackupFailed):
    """The database itself is damaged: its copy fails SQLite's integrity check."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


# --- names ------------------------------------------------------------------------------------


def daily_backup_name(database: Path, day: dt.date) -> str:
    """The file name of `database`'s daily backup of `day`."""
    return f"{database.stem}-daily-{day.isoformat()}.db"


def _daily_pattern(database: Path) -> re.Pattern[str]:
    return re.compile(re.escape(database.stem) + r"-daily-(\d{4}-\d{2}-\d{2})\.db")


def _partial_pattern(database: Path) -> re.Pattern[str]:
    stem = re.escape(database.stem)
    return re.compile(r"\." + stem + r"-daily-(\d{4}-\d{2}-\d{2})\.db\..+\.partial")


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def daily_backups(database: Path, folder: Path | None = None) -> dict[dt.date, Path]:
    """`database`'s daily backups in `folder` (default: the backups folder), by day."""
    folder = folder or paths.backup_dir()
    pattern = _daily_pattern(database)
    found: dict[dt.date, Path] = {}
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        match = pattern.fullmatch(entry.name)
        day = _day(match.group(1)) if match else None
        if day is not None and entry.is_file():
            found[day] = entry
    return found


# --- which daily copies to keep ---------------------------------------------------------------


def days_to_keep(
    days: Iterable[dt.date], *, daily: int = DAILY_KEPT, weekly: int = WEEKLY_KEPT
) -> set[dt.date]:
    """The days whose copies are kept: the newest `daily` ones and, before those, the newest copy
    of each of `weekly` earlier ISO weeks (weeks with a copy, newest first)."""
    newest_first = sorted(set(days), reverse=True)
    kept = set(newest_first[:daily])
    weeks_seen: set[tuple[int, int]] = set()
    weeks_kept = 0
    for day in newest_first:
        if weeks_kept >= weekly:
            break
        year, week, _ = day.isocalendar()
        if (year, week) in weeks_seen:
            continue
        weeks_seen.add((year, week))
        if day in kept:  # this week's newest copy is a daily one already
            continue
        kept.add(day)
        weeks_kept += 1
    return kept


def prune_daily_backups(database: Path, folder: Path, today: dt.date) -> list[Path]:
    """Remove `database`'s daily copies that `days_to_keep` does not keep, and leftovers of
    copies that never finished on earlier days. Copies dated after `today` (a clock put back)
    are left alone. Returns what was removed."""
    present = {day: path for day, path in daily_backups(database, folder).items() if day <= today}
    keep = days_to_keep(present)
    removed = []
    for day, path in sorted(present.items()):
        if day not in keep:
            path.unlink(missing_ok=True)  # another process may have pruned it a moment ago
            removed.append(path)
    partial = _partial_pattern(database)
    for entry in folder.iterdir():
        leftover = partial.fullmatch(entry.name)
        started = _day(leftover.group(1)) if leftover else None
        # Today's may be another process's, still being written.
        if started is not None and started < today:
            entry.unlink(missing_ok=True)
    if removed:
        log.info("pruned %d old daily backup(s) of %s", len(removed), database)
    return removed


# --- today's copy ----------------------------------------------------------------------------


def _publish(partial: Path, final: Path) -> bool:
    """Move a finished copy to its name unless that name exists already (another process made
    the same copy a moment before): True if this copy is the one published."""
    try:
        if sys.platform == "win32":
            os.rename(partial, final)  # refuses an existing name on Windows, atomically
        else:
            os.link(partial, final)  # refuses an existing name, atomically
        return True
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links (some network shares)
        if final.exists():
            return False
        os.replace(partial, final)
        return True


def _sqlite_path(db: peewee.Database) -> Path | None:
    if not isinstance(db, peewee.SqliteDatabase) or not db.database:
        return None
    if db.database == ":memory:" or str(db.database).startswith("file:"):
        return None
    return Path(db.database).absolute()


def daily_backup_if_due(
    db: peewee.Database, *, folder: Path | None = None, today: dt.date | None = None
) -> Path | None:
    """Make today's backup of the SQLite database `db` unless it exists, then prune old copies.

    Returns the new copy's path, or None when there was nothing to do: today's copy exists
    (made by this or another process: the program and the headless scheduler may both call
    this at the same moment; exactly one of them writes it), or `db` is not an SQLite file
    (a PostgreSQL server keeps its own backups). `folder` defaults to paths.backup_dir(),
    `today` to the local date. The copy is read through this thread's connection of `db` with
    the SQLite backup API and must pass `PRAGMA integrity_check` before it takes its name.
    No actor is needed: it changes no data, and any desk's worker may run it.

    Raises DatabaseDamaged when the copy fails the integrity check (the database is damaged:
    the copy is discarded and every older backup is kept), BackupFailed when the copy cannot be
    written (a full disk, a folder that cannot be written).
    """
    database = _sqlite_path(db)
    if database is None:
        return None
    folder = folder or paths.backup_dir()
    today = today or dt.date.today()
    final = folder / daily_backup_name(database, today)
    if final.exists():
        return None
    partial = folder / f".{final.name}.{os.getpid()}-{threading.get_ident()}.partial"
    try:
        paths.make_private_dir(folder)
        problems = copy_through_sqlite(db.connection(), partial)
        if problems:
            raise DatabaseDamaged(
                f"The database {database} is damaged: today's backup of it failed "
                f"({integrity_words(problems)}). The copy was discarded; the older backups "
                f"in {folder} are kept. Run `keepwell db check` to see what to do.",
                "; ".join(problems),
            )
        published = _publish(partial, final)
    except (sqlite3.Error, peewee.DatabaseError) as exc:
        if is_damage(exc):
            raise DatabaseDamaged(
                f"The database {database} is damaged: SQLite could not read it for today's "
                f"backup ({exc}). The older backups in {folder} are kept. Run "
                "`keepwell db check` to see what to do.",
                str(exc),
            ) from exc
        raise BackupFailed(f"Today's backup of {database} could not be written to {folder}: "
                           f"{exc}. The older backups are kept.") from exc
    except OSError as exc:
        raise BackupFailed(f"Today's backup of {database} could not be written to {folder}: "
                           f"{exc.strerror or exc}. The older backups are kept.") from exc
    finally:
        discard_partial(partial)
    if not published:
        return None
    log.info("daily backup of %s written to %s", database, final)
    try:
        prune_daily_backups(database, folder, today)
    except OSError as exc:  # the new copy is there; old ones stay until the next day
        log.warning("could not prune old backups in %s: %s", folder, exc)
    return final
