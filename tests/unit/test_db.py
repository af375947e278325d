"""The database layer on real SQLite files: URLs, opening, pragmas, transactions, backups."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from app import db as dbmod
from app.errors import DatabaseUnavailable
from app.models import Setting
from tests.conftest import SHIPPED_MIGRATIONS


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[peewee.Database, dbmod.DatabaseTarget]]:
    database, target = dbmod.connect(_url(tmp_path / "keepwell.db"))
    yield database, target
    dbmod.close()


# --- parse_url ----------------------------------------------------------------------------------


def test_sqlite_url_with_an_absolute_path() -> None:
    target = dbmod.parse_url("sqlite:///srv/maint/keepwell.db")
    assert target.is_sqlite
    assert target.path == Path("/srv/maint/keepwell.db")
    assert target.display == "/srv/maint/keepwell.db"


def test_sqlite_url_built_from_a_posix_path_names_that_file(tmp_path: Path) -> None:
    """`sqlite:///` + an absolute path (what the default and the tests build) is that file."""
    target = dbmod.parse_url(_url(tmp_path / "keepwell.db"))
    assert target.path is not None
    assert target.path.resolve() == (tmp_path / "keepwell.db").resolve()
    assert target.display == str(tmp_path / "keepwell.db")  # not "//tmp/..."


def test_sqlite_url_with_a_windows_drive() -> None:
    target = dbmod.parse_url("sqlite:///C:/Users/ada/Keepwell/keepwell.db")
    assert target.path is not None
    assert target.path.as_posix() == "C:/Users/ada/Keepwell/keepwell.db"


def test_postgresql_url_with_every_part() -> None:
    target = dbmod.parse_url(
        "postgresql://maint%40plant:s3cr%2Ft@db.plant.local:6543/keepwell"
        "?sslmode=require&application_name=desk7"
    )
    assert target.backend == "postgresql"
    assert not target.is_sqlite
    assert target.user == "maint@plant"
    assert target.password == "s3cr/t"
    assert target.host == "db.plant.local"
    assert target.port == 6543
    assert target.dbname == "keepwell"
    assert dict(target.params) == {"sslmode": "require", "application_name": "desk7"}


def test_postgres_scheme_alias_and_defaults() -> None:
    target = dbmod.parse_url("postgres:///keepwell")
    assert target.backend == "postgresql"
    assert (target.host, target.port, target.user, target.password) == ("", None, "", None)
    assert target.display == "localhost/keepwell"


def test_password_never_shown() -> None:
    target = dbmod.parse_url("postgresql://maint:hunter2-secret@db:5432/keepwell")
    assert target.display == "maint@db:5432/keepwell"
    assert "hunter2" not in target.display
    assert "hunter2" not in repr(target)
    assert "hunter2" not in str(target)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "not a database URL"),
        ("keepwell.db", "not a database URL"),
        ("mysql://root@db/keepwell", "Unknown database type 'mysql'"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql://maint@db:5432/", "names no database"),
        ("postgresql://maint@db:5432", "names no database"),
        ("postgresql://maint@db:port/keepwell", "Bad port"),
        ("postgresql://maint@db:99999/keepwell", "Bad port"),
    ],
)
def test_bad_urls_are_refused_in_words(url: str, words: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.parse_url(url)
    assert caught.value.kind == DatabaseUnavailable.BAD_URL
    assert words in caught.value.message


def test_a_bad_url_message_does_not_echo_a_password() -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.parse_url("mysql://root:hunter2@db/keepwell")
    assert "hunter2" not in caught.value.message + caught.value.hint


# --- connect ------------------------------------------------------------------------------------


def test_connect_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "keepwell.db"
    database, target = dbmod.connect(_url(path))
    try:
        assert path.is_file()
        assert dbmod.database.obj is database
        assert dbmod.is_sqlite()
        assert target.path is not None and target.path.resolve() == path.resolve()
    finally:
        dbmod.close()
    assert database.is_closed()


def test_a_damaged_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "keepwell.db"
    path.write_bytes(b"PK\x03\x04 this is a zip file, not a database" + bytes(range(256)) * 8)
    before = _digest(path)
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(_url(path))
    assert caught.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert "untouched" in caught.value.hint
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keepwell.db"]  # no -wal, no -journal


def test_a_truncated_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """The header is right but the rest is missing: SQLite itself must report it."""
    path = tmp_path / "keepwell.db"
    good = sqlite3.connect(path)
    good.execute("CREATE TABLE t (x)")
    good.commit()
    good.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * 60)
    before = _digest(path)
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(_url(path))
    assert caught.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert _digest(path) == before


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "keepwell.db"
    folder.mkdir()
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(_url(folder))
    assert caught.value.kind == DatabaseUnavailable.NOT_A_DATABASE
    assert "folder" in caught.value.message


def test_a_folder_that_cannot_be_created(tmp_path: Path) -> None:
    # A file where the folder should be: refused even for root, unlike a permission test.
    blocker = tmp_path / "share"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(_url(blocker / "keepwell" / "keepwell.db"))
    assert caught.value.kind == DatabaseUnavailable.UNREACHABLE
    assert "Cannot create the folder" in caught.value.message
    assert blocker.read_text() == "not a folder"


def _pragma(database: peewee.Database, name: str) -> object:
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


def test_pragmas_for_a_local_file(opened: tuple[peewee.Database, dbmod.DatabaseTarget]) -> None:
    database, _target = opened
    assert _pragma(database, "foreign_keys") == 1
    assert _pragma(database, "journal_mode") == "wal"
    assert _pragma(database, "busy_timeout") >= 5000  # type: ignore[operator]


def test_pragmas_for_a_file_on_a_network_share(tmp_path: Path) -> None:
    database, _target = dbmod.connect(_url(tmp_path / "keepwell.db"), journal_mode="delete")
    try:
        assert _pragma(database, "journal_mode") == "delete"
        assert _pragma(database, "foreign_keys") == 1
        assert _pragma(database, "synchronous") == 2  # FULL: no WAL to protect the file
    finally:
        dbmod.close()


def test_foreign_keys_are_enforced(db: dbmod.DatabaseTarget) -> None:
    from app.models import Location

    with pytest.raises(peewee.IntegrityError):
        Location.create(site=9999, code="X", name="nowhere")


def test_each_thread_gets_its_own_connection_with_the_pragmas(
    opened: tuple[peewee.Database, dbmod.DatabaseTarget],
) -> None:
    import threading

    database, _target = opened
    seen: dict[str, object] = {}

    def worker() -> None:
        seen["foreign_keys"] = _pragma(database, "foreign_keys")
        seen["connection"] = id(database.connection())
        database.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["foreign_keys"] == 1
    assert seen["connection"] != id(database.connection())


# --- transactions -------------------------------------------------------------------------------


def _other_writer(path: Path) -> sqlite3.Connection:
    """A second desk, as a plain sqlite3 connection that never waits for a lock."""
    return sqlite3.connect(path, timeout=0, isolation_level=None)


def test_write_transaction_takes_the_write_lock_at_begin(db: dbmod.DatabaseTarget) -> None:
    """BEGIN IMMEDIATE: the lock is held from the start, even before the first write, so two
    writers never both hold a read lock and deadlock on the upgrade."""
    assert db.path is not None
    other = _other_writer(db.path)
    try:
        with dbmod.write_transaction():
            Setting.select().count()  # a read only
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once committed
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_plain_transaction_would_not_take_the_lock(db: dbmod.DatabaseTarget) -> None:
    """The control for the test above: a deferred BEGIN leaves the other writer free."""
    assert db.path is not None
    other = _other_writer(db.path)
    try:
        with dbmod.database.atomic():
            Setting.select().count()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_failed_transaction_writes_nothing(db: dbmod.DatabaseTarget) -> None:
    assert db.path is not None
    with pytest.raises(RuntimeError, match="half way"):
        with dbmod.write_transaction():
            Setting.create(key="organisation_name", value='"Plant"')
            Setting.create(key="wo_prefix", value='"WO"')
            raise RuntimeError("half way")
    assert Setting.select().count() == 0
    other = sqlite3.connect(db.path)
    try:
        assert other.execute("SELECT count(*) FROM setting").fetchone() == (0,)
    finally:
        other.close()


def test_a_committed_transaction_is_seen_by_another_connection(db: dbmod.DatabaseTarget) -> None:
    assert db.path is not None
    with dbmod.write_transaction():
        Setting.create(key="organisation_name", value='"Plant"')
    other = sqlite3.connect(db.path)
    try:
        assert other.execute("SELECT key FROM setting").fetchall() == [("organisation_name",)]
    finally:
        other.close()


def test_a_nested_write_transaction_is_a_savepoint(db: dbmod.DatabaseTarget) -> None:
    with dbmod.write_transaction():
        Setting.create(key="kept", value="1")
        with pytest.raises(RuntimeError):
            with dbmod.write_transaction():
                Setting.create(key="dropped", value="2")
                raise RuntimeError("inner step failed")
    assert [s.key for s in Setting.select()] == ["kept"]


# --- backup -------------------------------------------------------------------------------------


def test_backup_is_a_consistent_standalone_copy(db: dbmod.DatabaseTarget, tmp_path: Path) -> None:
    """Committed rows still in the WAL are in the copy; another desk's uncommitted ones are not."""
    assert db.path is not None
    for n in range(50):
        Setting.create(key=f"k{n}", value=str(n))
    other = _other_writer(db.path)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO setting (key, value, updated_at) VALUES ('uncommitted', '1', '')")
    try:
        dest = dbmod.backup(dbmod.database.obj, db, tmp_path / "backups" / "copy.db")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert dest == tmp_path / "backups" / "copy.db"
    assert not Path(f"{dest}-wal").exists()
    copy = sqlite3.connect(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        keys = {k for (k,) in copy.execute("SELECT key FROM setting")}
        assert keys == {f"k{n}" for n in range(50)}
        history = copy.execute("SELECT count(*) FROM schema_migration").fetchone()
        assert history == (len(SHIPPED_MIGRATIONS),)
    finally:
        copy.close()
    # The live database is still usable after the backup.
    assert Setting.select().count() == 50


def test_a_backup_opens_as_a_keepwell_database(db: dbmod.DatabaseTarget, tmp_path: Path) -> None:
    dest = dbmod.backup(dbmod.database.obj, db, tmp_path / "copy.db")
    dbmod.close()
    database, target = dbmod.connect(_url(dest))
    try:
        assert dbmod.schema_state(database).is_current
    finally:
        dbmod.close()
