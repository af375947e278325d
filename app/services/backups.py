"""Backups of the embedded (SQLite) database: the daily copy, finding a good one, putting one back.

Every byte of the database is read and written through SQLite connections (the backup API),
never by copying, opening or renaming the database file or its -wal / -shm / -journal files:
on POSIX, closing any other descriptor of the file drops every SQLite lock this process holds
on it (the rule at the top of app/db.py). Renaming is only ever done to backup files.

Files in the backups folder (paths.backup_dir()), for a database file `keepwell.db`:
- `keepwell-daily-YYYY-MM-DD.db`: one a day, made by whichever of the program and the headless
  scheduler runs first that day; the newest 7 are kept and, before those, the newest copy of
  each of 4 weeks. Only files of exactly this name are ever pruned.
- `keepwell-before-upgrade-...db` (app/db.py) and `keepwell-before-restore-...db` (here), and
  anything else in the folder: never pruned.
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
from dataclasses import dataclass
from pathlib import Path

import peewee

from app import db as dbmod
from app import paths
from app.errors import KeepwellError

log = logging.getLogger(__name__)

DAILY_KEPT = 7
WEEKLY_KEPT = 4
DATABASE_COMPANIONS = ("", "-wal", "-shm", "-journal")
# How long a restore waits for other programs to let go of the database before refusing.
_IN_USE_WAIT_SECONDS = 2.0


class BackupFailed(KeepwellError):
    """A backup could not be written; the older backups are as they were."""


class DatabaseDamaged(BackupFailed):
    """The database itself is damaged: its copy fails SQLite's integrity check."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


class RestoreRefused(KeepwellError):
    """A restore was refused before anything was changed; the message says why and what to do."""


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


def is_database_file(path: Path, database: Path) -> bool:
    """True if `path` is `database` itself or one of its -wal / -shm / -journal files (by name,
    and by identity for files that exist under another name: a link)."""
    real = os.path.realpath(database)
    if os.path.realpath(path) in {real + suffix for suffix in DATABASE_COMPANIONS}:
        return True
    for suffix in DATABASE_COMPANIONS:
        companion = Path(real + suffix)
        try:  # stat() only, never open(): these may be in use
            if path.exists() and companion.exists() and path.samefile(companion):
                return True
        except OSError:
            continue
    return False


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


# --- copying through SQLite -------------------------------------------------------------------


def integrity_problems(rows: Iterable[object]) -> list[str]:
    """The rows of `PRAGMA integrity_check` as one problem a line: [] for a whole database."""
    lines = [line.strip() for row in rows for line in str(row).splitlines()]
    if lines == ["ok"]:
        return []
    return [line for line in lines if line and not line.startswith("***")] or lines


def integrity_words(problems: list[str]) -> str:
    """What the integrity check found, in one line."""
    if len(problems) == 1:
        return f"SQLite's integrity check found: {problems[0]}"
    count = f"{len(problems)}" if len(problems) < 100 else "100 or more"  # SQLite stops at 100
    return f"SQLite's integrity check found {count} problems, the first: {problems[0]}"


def _integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """SQLite's integrity check: [] when the database is whole, else what it found. A database
    too damaged to be checked raises sqlite3.DatabaseError."""
    return integrity_problems(row[0] for row in conn.execute("PRAGMA integrity_check"))


def _copy_through_sqlite(source: sqlite3.Connection, dest: Path) -> list[str]:
    """Write a copy of `source`'s database to `dest` with the backup API, as a file that stands
    alone (rollback journal, not WAL). Returns the copy's integrity problems ([] when whole)."""
    copy = sqlite3.connect(dest, isolation_level=None)
    try:
        source.backup(copy)
        # A copy in WAL mode would leave -wal/-shm files beside it whenever it is read.
        copy.execute("PRAGMA journal_mode = DELETE").fetchone()
        return _integrity_problems(copy)
    finally:
        copy.close()


def is_damage(exc: BaseException) -> bool:
    """True for SQLite's words for a damaged file ("database disk image is malformed", ...)."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


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


def _discard(partial: Path) -> None:
    """Remove an unfinished copy (a backup file, never the database), if there is one."""
    try:
        partial.unlink(missing_ok=True)
    except OSError as exc:  # e.g. its folder is not a folder: nothing was written there
        log.debug("could not remove %s: %s", partial, exc)


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
        folder.mkdir(parents=True, exist_ok=True)
        problems = _copy_through_sqlite(db.connection(), partial)
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
        _discard(partial)
    if not published:
        return None
    log.info("daily backup of %s written to %s", database, final)
    try:
        prune_daily_backups(database, folder, today)
    except OSError as exc:  # the new copy is there; old ones stay until the next day
        log.warning("could not prune old backups in %s: %s", folder, exc)
    return final


# --- checking a backup ------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    """A backup file that passed the checks: SQLite, whole, Keepwell's, not newer than us."""

    path: Path
    schema_version: str
    pending: tuple[str, ...]  # schema steps this program would still apply to it
    written: dt.datetime  # when the file was last written (local time)


def inspect_backup(path: Path, migrations_dir: Path = dbmod.MIGRATIONS_DIR) -> BackupInfo:
    """Check that `path` is a Keepwell SQLite database that passes `PRAGMA integrity_check` and
    whose schema is not newer than this program's. Raises RestoreRefused saying what is wrong.
    `path` must not be a database that is in use (it is opened read-only, through SQLite)."""
    if not path.exists():
        raise RestoreRefused(f"There is no file {path}.")
    if not path.is_file():
        raise RestoreRefused(f"{path} is not a file; name a backup file (*.db).")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = 1")
        try:
            problems = _integrity_problems(conn)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc).lower():
                raise RestoreRefused(f"{path} is not an SQLite database, so not a Keepwell "
                                     "backup.") from exc
            raise RestoreRefused(f"{path} is damaged ({exc}); choose another backup.") from exc
        if problems:
            raise RestoreRefused(f"{path} is damaged ({integrity_words(problems)}); choose "
                                 "another backup.")
    finally:
        conn.close()
    state = _schema_state(path, migrations_dir)
    if state.unknown:
        raise RestoreRefused(
            f"{path} was written by a newer Keepwell (schema step {state.unknown[-1]}); this "
            "Keepwell cannot use it. Update Keepwell first, then restore it.")
    if not state.applied:
        what = (f"holds tables that are not Keepwell's ({', '.join(state.foreign_tables[:3])})"
                if state.foreign_tables else "holds no Keepwell data")
        raise RestoreRefused(f"{path} is an SQLite database but not a Keepwell backup: it {what}.")
    written = dt.datetime.fromtimestamp(path.stat().st_mtime)
    return BackupInfo(path, state.version, state.pending, written)


def _schema_state(path: Path, migrations_dir: Path) -> dbmod.SchemaState:
    backup_db = peewee.SqliteDatabase(str(path), pragmas={"query_only": 1})
    try:
        backup_db.connect()
        return dbmod.schema_state(backup_db, migrations_dir)
    finally:
        backup_db.close()


def newest_good_backup(
    database: Path, folder: Path | None = None, migrations_dir: Path = dbmod.MIGRATIONS_DIR
) -> BackupInfo | None:
    """The most recently written backup of `database` in `folder` (default: the backups
    folder) that `inspect_backup` accepts: daily, before-upgrade, before-restore and
    `keepwell db backup` copies named after the database. None if there is none."""
    folder = folder or paths.backup_dir()
    if not folder.is_dir():
        return None
    candidates = [
        entry for entry in folder.iterdir()
        if entry.name.startswith(f"{database.stem}-") and entry.suffix == ".db"
        and entry.is_file() and not is_database_file(entry, database)
    ]
    candidates.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
    for candidate in candidates:
        try:
            return inspect_backup(candidate, migrations_dir)
        except (RestoreRefused, sqlite3.Error, peewee.DatabaseError):
            continue
    return None


# --- restoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    database: Path
    source: BackupInfo
    previous: Path | None  # the copy of the database as it was, None if there was no file


def restore_backup(
    source: Path,
    database: Path,
    *,
    folder: Path | None = None,
    migrations_dir: Path = dbmod.MIGRATIONS_DIR,
) -> Restored:
    """Put the backup `source` back as the SQLite database `database`.

    First checks `source` (see inspect_backup), then takes the database for itself (refused
    while another program has it open: a desk, `keepwell scheduler`), saves a copy of it as it
    is into `folder` (`<name>-before-restore-<time>.db`, default: the backups folder) and writes
    the backup over it, page by page, through SQLite's backup API. Both copies go through
    SQLite only. No connection of this process may be open to `database` (close them first,
    e.g. with app.db.close()). Raises RestoreRefused, with the database unchanged, when any
    check fails or when SQLite cannot read the current file to copy it.
    """
    folder = folder or paths.backup_dir()
    database = database.absolute()
    if is_database_file(source, database):
        raise RestoreRefused(f"{source} is the database itself (or one of its own files); "
                             "name a backup file.")
    info = inspect_backup(source, migrations_dir)
    if database.is_dir():
        raise RestoreRefused(f"{database} is a folder, not a database file.")
    existed = database.exists()
    database.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(database, timeout=_IN_USE_WAIT_SECONDS, isolation_level=None)
    try:
        was_wal = _take_for_restore(target, database)
        try:
            _hold(target, database)
            previous = _keep_previous(target, database, folder) if existed else None
            reader = sqlite3.connect(source, isolation_level=None)
            try:
                reader.execute("PRAGMA query_only = 1")
                reader.backup(target)
            finally:
                reader.close()
            problems = _integrity_problems(target)
            if problems:  # cannot happen with a checked source; say so if it ever does
                raise BackupFailed(f"The restored database is not whole "
                                   f"({integrity_words(problems)}); the database as it was is "
                                   f"in {previous}.")
        finally:
            _let_go(target)
            if was_wal:
                _back_to_wal(target, database)
    finally:
        target.close()
    log.warning("restored %s from %s (schema %s); the database as it was is in %s",
                database, source, info.schema_version, previous)
    return Restored(database, info, previous)


def _take_for_restore(target: sqlite3.Connection, database: Path) -> bool:
    """Leave WAL mode, which SQLite allows only to the one connection open to the database:
    proves that no other program uses it. Returns whether it was in WAL mode."""
    try:
        mode = str(target.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal":
            return False
        target.execute("PRAGMA journal_mode = DELETE").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise RestoreRefused(
                f"{database} is in use by another program (Keepwell on a desk, or "
                "`keepwell scheduler`). Close Keepwell everywhere it uses this database and "
                "stop the scheduler, then restore again. Nothing was changed.") from exc
        raise _unreadable(database, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _unreadable(database, exc) from exc
    if str(target.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        raise RestoreRefused(f"{database} is in use by another program; close it, then restore "
                             "again. Nothing was changed.")
    return True


def _hold(target: sqlite3.Connection, database: Path) -> None:
    """Keep the database to this connection until the restore is done: a desk or a scheduler
    starting meanwhile waits (then is refused) instead of writing into a file being replaced."""
    try:
        target.execute("PRAGMA locking_mode = EXCLUSIVE").fetchone()
        target.execute("BEGIN EXCLUSIVE")
        target.execute("COMMIT")  # the lock stays: exclusive locking mode keeps it
    except sqlite3.OperationalError as exc:
        raise RestoreRefused(
            f"{database} was opened by another program just now; close Keepwell everywhere it "
            "uses this database and stop the scheduler, then restore again. Nothing was "
            "changed.") from exc


def _let_go(target: sqlite3.Connection) -> None:
    """Back to normal locking; the next read lets the exclusive lock go."""
    try:
        target.execute("PRAGMA locking_mode = NORMAL").fetchone()
        target.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:  # closing the connection lets it go anyway
        log.debug("restore: could not leave exclusive locking early: %s", exc)


def _back_to_wal(target: sqlite3.Connection, database: Path) -> None:
    try:
        target.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.Error:  # someone opened it meanwhile; the program sets WAL when it connects
        log.warning("%s was left in rollback-journal mode after the restore", database)


def _unreadable(database: Path, exc: Exception) -> RestoreRefused:
    return RestoreRefused(
        f"SQLite cannot read the current database {database} ({exc}), so no copy of it can be "
        "kept before the restore. With Keepwell closed everywhere, move the file (and any "
        "-wal / -shm file beside it) to another folder yourself, then restore again.")


def _keep_previous(target: sqlite3.Connection, database: Path, folder: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = folder / f"{database.stem}-before-restore-{stamp}.db"
    partial = folder / f".{dest.name}.{os.getpid()}.partial"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            target.backup(copy)
        finally:
            copy.close()
        os.replace(partial, dest)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(database, exc) from exc
    except OSError as exc:
        raise RestoreRefused(f"Cannot keep a copy of the current database in {folder} "
                             f"({exc.strerror or exc}); nothing was changed.") from exc
    finally:
        _discard(partial)
    return dest
