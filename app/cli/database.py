"""`keepwell db ...`: create, upgrade, back up, check and restore the database. Run by IT with
access to the database; no Keepwell sign-in. A damaged SQLite file is reported in words with the
newest good backup to restore (app/services/restore.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shlex
import sys
from pathlib import Path

from app import db as dbmod
from app import paths
from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Subcommands,
    UsageError,
    add_command,
    add_group,
    file_path,
    open_database,
    print_json,
)
from app.config import load_config
from app.errors import DatabaseUnavailable
from app.services import restore, sqlite_copies

log = logging.getLogger(__name__)

def _db_init(args: argparse.Namespace) -> int:
    opened = open_database(args, create=True)
    applied = dbmod.initialise_schema(opened.database, opened.target)
    print(f"Initialised {opened.target.display}: schema {applied[-1] if applied else '?'}.")
    print("Next: create the first admin with "
          "`keepwell user add USERNAME --full-name NAME --role admin`.")
    return EXIT_OK


def _db_upgrade(args: argparse.Namespace) -> int:
    opened = open_database(args)
    if opened.state.is_empty:
        raise DatabaseUnavailable(
            DatabaseUnavailable.NOT_INITIALISED,
            f"The database {opened.target.display} has no Keepwell schema to upgrade.",
            "Create it with `keepwell db init`.",
        )
    applied, copy = dbmod.upgrade_schema(opened.database, opened.target, paths.backup_dir())
    if not applied:
        print(f"{opened.target.display} is already up to date ({opened.state.version}).")
        return EXIT_OK
    if copy is not None:
        print(f"Backed up to {copy}")
    for name in applied:
        print(f"Applied {name}")
    print(f"{opened.target.display} is now at {applied[-1]}.")
    return EXIT_OK


def _db_backup(args: argparse.Namespace) -> int:
    opened = open_database(args)
    target = opened.target
    dest = Path(args.path).expanduser().absolute()
    if dest.is_dir():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = target.path.stem if target.is_sqlite and target.path else target.dbname
        dest = dest / f"{name}-{stamp}{'.db' if target.is_sqlite else '.dump'}"
    if target.is_sqlite and target.path is not None and sqlite_copies.is_database_file(
        dest, target.path
    ):
        # Written over, the database's own -wal/-shm/-journal file would lose or corrupt data.
        raise UsageError(f"{dest} is the database itself or one of its own files; choose "
                         "another file for the backup.")
    if dest.exists() and not args.overwrite:
        raise UsageError(f"{dest} already exists; choose another name or add --overwrite.")
    # Written beside the destination first, so a failed backup never replaces a good one.
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        dbmod.backup(opened.database, target, partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    print(f"Backed up {target.display} to {dest}")
    return EXIT_OK


def _db_check(args: argparse.Namespace) -> int:
    target = dbmod.parse_url(load_config(cli_url=args.db).database_url)
    try:
        opened = open_database(args)
    except DatabaseUnavailable as exc:
        if not target.is_sqlite or exc.kind != DatabaseUnavailable.NOT_A_DATABASE:
            raise
        if exc.__cause__ is not None and "malformed" in str(exc.__cause__):
            return _report_damage(args, target, _first_line(exc.__cause__))
        newest = restore.newest_good_backup(target.path) if target.path else None
        raise DatabaseUnavailable(exc.kind, exc.message,
                                  _restore_advice(args, target, newest, exc.hint)) from exc
    except dbmod.DATABASE_ERRORS as exc:  # the schema could not even be read
        if not target.is_sqlite or not sqlite_copies.is_damage(exc):
            raise
        return _report_damage(args, target, _first_line(exc))
    state, target = opened.state, opened.target
    problems: list[str] = []
    if state.unknown:
        problems.append(f"the schema is newer than this Keepwell ({state.unknown[-1]}): "
                        "update Keepwell")
    elif state.foreign_tables:
        problems.append("the database holds tables that are not Keepwell's")
    elif state.is_empty:
        problems.append("the database has no Keepwell schema: run `keepwell db init`")
    elif state.pending:
        problems.append(f"{len(state.pending)} schema step(s) pending: run `keepwell db upgrade`")
    integrity = "not checked (the PostgreSQL server keeps its own)"
    try:
        if target.is_sqlite:
            found = sqlite_copies.integrity_problems(
                row[0] for row in opened.database.execute_sql("PRAGMA integrity_check"))
            if found:
                return _report_damage(args, target, sqlite_copies.integrity_words(found),
                                      state.version)
            integrity = "ok"
        counts = _record_counts() if state.is_current else {}
    except dbmod.DATABASE_ERRORS as exc:
        if not target.is_sqlite or not sqlite_copies.is_damage(exc):
            raise
        return _report_damage(args, target, _first_line(exc), state.version)
    report = {
        "database": target.display,
        "backend": target.backend,
        "url_source": opened.config.source,
        "schema_version": state.version,
        "pending": list(state.pending),
        "newer_unknown": list(state.unknown),
        "integrity": integrity,
        "counts": counts,
        "problems": problems,
        "ok": not problems,
    }
    if args.json:
        print_json(report)
    else:
        lines = [
            ("Database", f"{target.display} ({target.backend})"),
            ("URL from", opened.config.source),
            ("Schema", state.version),
            ("Pending steps", ", ".join(state.pending) or "none"),
            ("Newer steps", ", ".join(state.unknown) or "none"),
            ("Integrity", integrity),
            *((name.replace("_", " ").capitalize(), str(n)) for name, n in counts.items()),
            ("Status", "OK" if not problems else "PROBLEM: " + "; ".join(problems)),
        ]
        _print_lines(lines)
    return EXIT_OK if not problems else EXIT_FAILED


def _print_lines(lines: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in lines) + 1
    for label, value in lines:
        print(f"{label + ':':<{width}} {value}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _report_damage(
    args: argparse.Namespace, target: dbmod.DatabaseTarget, details: str, schema: str = "?"
) -> int:
    """A damaged SQLite file: say so in words, and what to do (restore the newest good backup)."""
    assert target.path is not None
    dbmod.close()  # nothing more is read from a damaged file
    newest = restore.newest_good_backup(target.path)
    log.error("database %s is damaged: %s", target.path, details)
    advice = _restore_advice(args, target, newest, "")
    if args.json:
        print_json({
            "database": target.display,
            "backend": target.backend,
            "schema_version": schema,
            "integrity": f"damaged: {details}",
            "problems": [f"the database file is damaged ({details})"],
            "newest_good_backup": str(newest.path) if newest else None,
            "what_to_do": advice,
            "ok": False,
        })
        return EXIT_FAILED
    _print_lines([
        ("Database", f"{target.display} ({target.backend})"),
        ("Schema", schema),
        ("Integrity", f"DAMAGED: {details}"),
        ("Status", "PROBLEM: the database file is damaged"),
    ])
    print()
    print(f"The database file is damaged ({details}).")
    print(advice)
    return EXIT_FAILED


def _restore_advice(
    args: argparse.Namespace,
    target: dbmod.DatabaseTarget,
    newest: restore.BackupInfo | None,
    hint: str,
) -> str:
    """What to do about a damaged file: the restore command with the newest good backup."""
    stop = ("Stop using it: close Keepwell on every desk that uses it and stop "
            "`keepwell scheduler`, then")
    if newest is not None:
        return (f"{stop} restore the newest good backup (written "
                f"{newest.written:%Y-%m-%d %H:%M}, it passes SQLite's integrity check) with\n"
                f"  keepwell{_db_option(args)} db restore {shlex.quote(str(newest.path))}\n"
                "The restore keeps a copy of the damaged file in the backups folder.")
    return (f"{stop} restore it from a backup with `keepwell db restore PATH`. No good backup "
            f"of it was found in {paths.backup_dir()}. " + (hint or "Ask IT for the newest copy."))


def _db_option(args: argparse.Namespace) -> str:
    """`--db URL` again when the command named its database so (else the same configuration
    names it for the next command too)."""
    return f" --db {shlex.quote(args.db)}" if args.db else ""


def _db_restore(args: argparse.Namespace) -> int:
    config = load_config(cli_url=args.db)
    target = dbmod.parse_url(config.database_url)
    if not target.is_sqlite or target.path is None:
        raise restore.RestoreRefused(
            f"`keepwell db restore` puts back backups of an SQLite database; {target.display} "
            "is a PostgreSQL database, whose backups (`keepwell db backup` writes pg_dump's "
            "custom format) IT restores on the server with pg_restore, with every desk and "
            "`keepwell scheduler` stopped: e.g. `pg_restore --clean --if-exists "
            "--single-transaction --dbname=DATABASE FILE.dump`. Nothing was changed.")
    source = Path(args.path).expanduser().absolute()
    database = target.path
    if sqlite_copies.is_database_file(source, database):
        raise UsageError(f"{source} is the database itself (or one of its own files); "
                         "name a backup file.")
    info = restore.inspect_backup(source)
    folder = paths.backup_dir()
    print(f"Database:  {database}")
    print(f"Backup:    {source} (schema {info.schema_version}, written "
          f"{info.written:%Y-%m-%d %H:%M})")
    print(f"The database as it is now will be kept in {folder}.")
    if not args.yes:
        if not _stdin_is_tty():
            raise UsageError("add --yes to restore without being asked (there is no terminal "
                             "to ask on); nothing was changed.")
        print("Close Keepwell on every desk that uses this database and stop "
              "`keepwell scheduler` first.")
        answer = input("Replace the database with this backup? [y/N] ").strip().lower()
        if answer not in {"y", "yes"}:
            print("Nothing was changed.")
            return EXIT_FAILED
    dbmod.close()  # no connection of this process may stay open across the restore
    restored = restore.restore_backup(source, database, folder=folder)
    print(f"Restored {database} from {source}.")
    if restored.previous is not None:
        print(f"The database as it was before is kept in {restored.previous}.")
    else:
        print("There was no database file before; nothing else to keep.")
    if info.pending:
        print(f"The backup's schema is older than this Keepwell's ({info.schema_version}): "
              "`keepwell db upgrade` brings it up to date (it takes a backup first).")
    return EXIT_OK


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _record_counts() -> dict[str, int]:
    # Read directly: a database-level diagnostic, not a use case of the office.
    from app.models import Asset, User, WorkOrder

    return {
        "users": User.select().count(),
        "assets": Asset.select().count(),
        "work_orders": WorkOrder.select().count(),
    }


def register_db(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add the `db` command group (the first entry of app.cli.main.COMMAND_GROUPS)."""
    group = add_group(commands, common, "db", "create, upgrade, back up and check the database")
    add_command(group, common, "init", _db_init, "create the Keepwell schema in an empty database")
    add_command(group, common, "upgrade", _db_upgrade,
                "back the database up, then bring its schema up to date")
    backup = add_command(group, common, "backup", _db_backup,
                         "write a consistent copy of the database (SQLite file or pg_dump)")
    backup.add_argument("path", metavar="PATH", type=file_path,
                        help="the file to write, or a folder for it")
    backup.add_argument("--overwrite", action="store_true", help="replace an existing file")
    check = add_command(group, common, "check", _db_check,
                        "report the database, its schema and integrity; exit 1 on a problem")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    restore_cmd = add_command(
        group, common, "restore", _db_restore,
        "put an SQLite backup back (keeps a copy of the database as it was in the backups "
        "folder first)")
    restore_cmd.add_argument("path", metavar="PATH", type=file_path,
                             help="the backup file to put back")
    restore_cmd.add_argument("--yes", action="store_true", help="do not ask for confirmation")
