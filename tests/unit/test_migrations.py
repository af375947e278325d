"""The schema ladder: it builds what the models declare, upgrades after a backup, and refuses
what it must not touch (a newer Keepwell's database, someone else's database) without
changing a byte of it.

`schema_snapshot` is shared with tests/integration/test_db_pg.py, which runs the same
comparison on PostgreSQL.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import sqlite3
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest
from playhouse.schema_diff import diff_models

import app.models
from app import db as dbmod
from app.errors import DatabaseUnavailable
from app.models import ALL_MODELS
from tests.conftest import LATEST_MIGRATION, SHIPPED_MIGRATIONS

INITIAL = dbmod.MIGRATIONS_DIR / "0001_initial.py"

ADD_SITE_NOTE = '''
from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("site", "note", TextField(default="")))
'''

FAILS_HALF_WAY = '''
from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("site", "note", TextField(default="")))
    db.execute_sql("UPDATE site SET note = 'touched'")
    raise RuntimeError("step 0002 failed half way")
'''


# --- schema comparison --------------------------------------------------------------------------

# The search steps (0003, 0004) add what no model declares: SQLite's full-text table (and its shadow
# tables) and PostgreSQL's text and paging indexes. test_search.py tests them working.
SEARCH_TABLES = ("work_order_fts", "asset_fts")
SEARCH_INDEXES = {"work_order_text_search", "work_order_due_date_id", "asset_text_search"}


def schema_snapshot(database: peewee.Database) -> dict[str, dict[str, Any]]:
    """Everything introspectable about Keepwell's tables, independent of column order (a column
    added by a later step comes last in the table; a fresh table has it where the model says)."""
    snapshot: dict[str, dict[str, Any]] = {}
    for table in database.get_tables():
        if table == dbmod.HISTORY_TABLE or table.startswith(SEARCH_TABLES):
            continue
        columns = {
            c.name: {
                "type": c.data_type,
                "full_type": c.full_type,
                "null": c.null,
                "primary_key": c.primary_key,
                "default": c.default,
            }
            for c in database.get_columns(table)
        }
        indexes = {
            i.name: (tuple(i.columns), bool(i.unique)) for i in database.get_indexes(table)
            if i.name not in SEARCH_INDEXES
        }
        foreign_keys = sorted(
            (fk.column, fk.dest_table, fk.dest_column, str(fk.on_delete), str(fk.on_update))
            for fk in database.get_foreign_keys(table)
        )
        snapshot[table] = {
            "columns": columns,
            "primary_key": database.get_primary_keys(table),
            "indexes": indexes,
            "foreign_keys": foreign_keys,
        }
    return snapshot


def fresh_schema(database: peewee.Database) -> None:
    """What the models declare, created directly (no ladder)."""
    with database.bind_ctx(ALL_MODELS):
        database.create_tables(ALL_MODELS)


def assert_same_schema(ladder: dict[str, Any], fresh: dict[str, Any]) -> None:
    assert sorted(ladder) == sorted(fresh), "the ladder and the models make different tables"
    for table in fresh:
        assert ladder[table] == fresh[table], f"table {table} differs"


# --- helpers ------------------------------------------------------------------------------------


def _url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def ladder_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped ladder, so a test can add steps to it."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(INITIAL, folder / INITIAL.name)
    return folder


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[peewee.Database, dbmod.DatabaseTarget]]:
    database, target = dbmod.connect(_url(tmp_path / "data" / "keepwell.db"))
    yield database, target
    dbmod.close()


def _history(database: peewee.Database) -> list[str]:
    rows = database.execute_sql(f"SELECT name FROM {dbmod.HISTORY_TABLE} ORDER BY name")
    return [name for (name,) in rows.fetchall()]


def _close_and_digest(target: dbmod.DatabaseTarget) -> str:
    """Close every connection (WAL checkpointed into the file), then fingerprint the file."""
    dbmod.close()
    assert target.path is not None
    return _digest(target.path)


# --- (a) the ladder builds what the models declare ----------------------------------------------


def test_the_ladder_builds_exactly_what_the_models_declare(tmp_path: Path) -> None:
    database, target = dbmod.connect(_url(tmp_path / "ladder.db"))
    fresh_db = peewee.SqliteDatabase(str(tmp_path / "fresh.db"), pragmas={"foreign_keys": 1})
    try:
        dbmod.initialise_schema(database, target)
        fresh_schema(fresh_db)
        ladder = schema_snapshot(database)
        assert_same_schema(ladder, schema_snapshot(fresh_db))
        assert sorted(ladder) == sorted(m._meta.table_name for m in ALL_MODELS)
        diff = diff_models(database, ALL_MODELS)
        assert not diff, f"models and ladder disagree:\n{diff}"
    finally:
        fresh_db.close()
        dbmod.close()


def test_every_model_is_in_all_models() -> None:
    """A model left out of ALL_MODELS would escape the comparison above."""

    def subclasses(cls: type) -> set[type]:
        found = set()
        for sub in cls.__subclasses__():
            found |= {sub} | subclasses(sub)
        return found

    declared = {m for m in subclasses(app.models.BaseModel) if m.__module__.startswith("app.")}
    declared.discard(app.models.VersionedModel)
    assert declared == set(ALL_MODELS)


def test_shipped_steps_do_not_import_the_models() -> None:
    """A step declares frozen copies of its tables: importing app.models would let a later model
    change silently rewrite what an old step did."""
    steps = sorted(dbmod.MIGRATIONS_DIR.glob("[0-9]*.py"))
    assert steps and steps[0].name == "0001_initial.py"
    for step in steps:
        tree = ast.parse(step.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "app" or n.startswith("app.") for n in names), step.name
        assert any(isinstance(n, ast.FunctionDef) and n.name == "up" for n in tree.body)


def test_schema_state_of_an_empty_and_an_initialised_database(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget],
) -> None:
    database, target = opened
    state = dbmod.schema_state(database)
    assert state.is_empty and not state.is_current
    assert state.pending == SHIPPED_MIGRATIONS
    assert state.version == "(none)"
    assert dbmod.initialise_schema(database, target) == list(SHIPPED_MIGRATIONS)
    state = dbmod.schema_state(database)
    assert state.is_current and not state.is_empty
    assert state.applied == SHIPPED_MIGRATIONS
    assert state.version == LATEST_MIGRATION


# --- (b) upgrading ------------------------------------------------------------------------------


def test_upgrade_backs_up_first_then_applies_the_new_step(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], ladder_dir: Path, tmp_path: Path
) -> None:
    database, target = opened
    dbmod.initialise_schema(database, target, ladder_dir)
    database.execute_sql("INSERT INTO site (code, name, version, created_at, updated_at) "
                         "VALUES ('N', 'North plant', 1, '2026-01-05', '2026-01-05')")
    (ladder_dir / "0002_site_note.py").write_text(ADD_SITE_NOTE)
    state = dbmod.schema_state(database, ladder_dir)
    assert state.pending == ("0002_site_note",) and not state.is_current

    backups = tmp_path / "backups"
    applied, copy = dbmod.upgrade_schema(database, target, backups, ladder_dir)

    assert applied == ["0002_site_note"]
    assert copy is not None and copy.parent == backups and copy.is_file()
    assert "before-upgrade-from-0001_initial" in copy.name
    # The live database has the new column and kept its data.
    assert database.execute_sql("SELECT code, name, note FROM site").fetchall() == [
        ("N", "North plant", "")
    ]
    assert _history(database) == ["0001_initial", "0002_site_note"]
    assert dbmod.schema_state(database, ladder_dir).is_current
    # The backup was taken before: a valid database with the old schema and the data.
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    with sqlite3.connect(copy) as old:
        assert old.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        columns = [row[1] for row in old.execute("PRAGMA table_info(site)")]
        assert "note" not in columns and "name" in columns
        assert old.execute("SELECT code, name FROM site").fetchall() == [("N", "North plant")]
        assert old.execute(f"SELECT name FROM {dbmod.HISTORY_TABLE}").fetchall() == [
            ("0001_initial",)
        ]
    old.close()


def test_upgrading_a_current_database_does_nothing(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], tmp_path: Path
) -> None:
    database, target = opened
    dbmod.initialise_schema(database, target)
    backups = tmp_path / "backups"
    assert dbmod.upgrade_schema(database, target, backups) == ([], None)
    assert not backups.exists()


def test_upgrading_an_empty_database_builds_it_without_a_backup(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], tmp_path: Path
) -> None:
    database, target = opened
    applied, copy = dbmod.upgrade_schema(database, target, tmp_path / "backups")
    assert applied == list(SHIPPED_MIGRATIONS) and copy is None
    assert dbmod.schema_state(database).is_current


# --- (c) a newer Keepwell's database ------------------------------------------------------------


@pytest.fixture
def newer_database(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget],
) -> tuple[dbmod.DatabaseTarget, str]:
    """A Keepwell database a newer program has upgraded past what this one knows."""
    database, target = opened
    dbmod.initialise_schema(database, target)
    database.execute_sql(
        f"INSERT INTO {dbmod.HISTORY_TABLE} (name, applied) VALUES (?, ?)",
        ("0042_meter_readings", "2027-03-01 08:00:00"),
    )
    return target, _close_and_digest(target)


def test_a_newer_schema_is_refused_in_words(
    newer_database: tuple[dbmod.DatabaseTarget, str],
) -> None:
    target, before = newer_database
    database, target = dbmod.connect(_url(target.path))  # type: ignore[arg-type]
    state = dbmod.schema_state(database)
    assert state.unknown == ("0042_meter_readings",)
    assert not state.is_current
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.refuse_unusable(state, target)
    assert caught.value.kind == DatabaseUnavailable.NEWER_SCHEMA
    assert "newer Keepwell" in caught.value.message
    assert "0042_meter_readings" in caught.value.message
    assert "update Keepwell" in caught.value.hint
    assert _close_and_digest(target) == before


@pytest.mark.parametrize("action", ["initialise", "upgrade"])
def test_a_newer_schema_is_never_initialised_or_upgraded(
    newer_database: tuple[dbmod.DatabaseTarget, str], action: str, tmp_path: Path
) -> None:
    target, before = newer_database
    database, target = dbmod.connect(_url(target.path))  # type: ignore[arg-type]
    backups = tmp_path / "backups"
    with pytest.raises(DatabaseUnavailable) as caught:
        if action == "initialise":
            dbmod.initialise_schema(database, target)
        else:
            dbmod.upgrade_schema(database, target, backups)
    assert caught.value.kind == DatabaseUnavailable.NEWER_SCHEMA
    assert not backups.exists()
    assert _close_and_digest(target) == before


# --- (d) someone else's database ----------------------------------------------------------------


@pytest.fixture
def foreign_database(tmp_path: Path) -> tuple[Path, str]:
    """An accounting package's SQLite file, made without Keepwell."""
    path = tmp_path / "ledger" / "books.db"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer TEXT, total NUMERIC)")
    conn.execute("INSERT INTO invoice (customer, total) VALUES ('ACME', 1200.50)")
    conn.commit()
    conn.close()
    return path, _digest(path)


@pytest.mark.parametrize("action", ["check", "initialise", "upgrade"])
def test_a_foreign_database_is_refused_and_left_untouched(
    foreign_database: tuple[Path, str], action: str, tmp_path: Path
) -> None:
    path, before = foreign_database
    database, target = dbmod.connect(_url(path))
    backups = tmp_path / "backups"
    with pytest.raises(DatabaseUnavailable) as caught:
        if action == "check":
            dbmod.refuse_unusable(dbmod.schema_state(database), target)
        elif action == "initialise":
            dbmod.initialise_schema(database, target)
        else:
            dbmod.upgrade_schema(database, target, backups)
    assert caught.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert "invoice" in caught.value.message
    assert "untouched" in caught.value.hint
    assert not backups.exists()
    assert _close_and_digest(target) == before
    assert _files(path.parent) == ["books.db"]


# --- (e) initialising twice ---------------------------------------------------------------------


def test_initialising_an_initialised_database_is_refused(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget],
) -> None:
    database, target = opened
    dbmod.initialise_schema(database, target)
    database.execute_sql("INSERT INTO setting (key, value, updated_at) VALUES ('k', '1', '')")
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.initialise_schema(database, target)
    assert "already initialised" in caught.value.message
    assert "keepwell db upgrade" in caught.value.hint
    assert _history(database) == list(SHIPPED_MIGRATIONS)
    assert database.execute_sql("SELECT key FROM setting").fetchall() == [("k",)]


# --- (f) a step that fails ----------------------------------------------------------------------


def test_a_failing_step_leaves_the_schema_as_it_was(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget], ladder_dir: Path, tmp_path: Path
) -> None:
    """Each step runs in one transaction (SQLite DDL is transactional, and the runner wraps a
    step in atomic()), so a step that fails half way leaves neither its changes nor its
    history row; fixing the step and upgrading again then works."""
    database, target = opened
    dbmod.initialise_schema(database, target, ladder_dir)
    database.execute_sql("INSERT INTO site (code, name, version, created_at, updated_at) "
                         "VALUES ('N', 'North plant', 1, '2026-01-05', '2026-01-05')")
    before = schema_snapshot(database)
    step = ladder_dir / "0002_site_note.py"
    step.write_text(FAILS_HALF_WAY)

    with pytest.raises(RuntimeError, match="failed half way"):
        dbmod.upgrade_schema(database, target, tmp_path / "backups", ladder_dir)

    assert not database.in_transaction()
    assert schema_snapshot(database) == before
    assert _history(database) == ["0001_initial"]
    assert dbmod.schema_state(database, ladder_dir).pending == ("0002_site_note",)
    assert database.execute_sql("SELECT code, name FROM site").fetchall() == [
        ("N", "North plant")
    ]
    assert len(list((tmp_path / "backups").iterdir())) == 1  # the backup was still taken

    step.write_text(textwrap.dedent(ADD_SITE_NOTE))
    applied, _copy = dbmod.upgrade_schema(database, target, tmp_path / "backups", ladder_dir)
    assert applied == ["0002_site_note"]
    assert database.execute_sql("SELECT note FROM site").fetchall() == [("",)]
