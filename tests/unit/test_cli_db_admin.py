"""`keepwell db restore`, `db check` on a damaged file and `db backup`'s refusals, on real SQLite
files, in-process and as the real entry point in a subprocess (a terminal for the question)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app import paths
from app.cli import main as cli
from app.services import backups
from app.services.people import auth
from tests.cli_runner import Run

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"


def _url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _usernames(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT username FROM user ORDER BY username")]
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def _damage(path: Path, first_page: int, pages: int) -> None:
    """Overwrite whole pages in the middle of the file with garbage, as a failing disk or a
    stray write would. Only while no connection to the file is open."""
    noise = random.Random(first_page).randbytes(4096 * pages)
    with path.open("r+b") as fh:
        fh.seek(4096 * first_page)
        fh.write(noise)


def _page_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()


def _copy(source: Path, dest: Path) -> Path:
    """A copy through SQLite's backup API (never a file copy of a database)."""
    reader, writer = sqlite3.connect(source), sqlite3.connect(dest)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()
    return dest


def _daily_backup(path: Path) -> Path:
    database, _target = dbmod.connect(_url(path))
    try:
        made = backups.daily_backup_if_due(database)
    finally:
        dbmod.close()
    assert made is not None
    return made


def _keepwell(*argv: str) -> subprocess.CompletedProcess[str]:
    """The real entry point, no display, as IT would run it from a shell."""
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "ui.main", *argv], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def plant(kw: Run, tmp_path: Path) -> Path:
    """An initialised database with one admin, ada."""
    path = tmp_path / "plant.db"
    assert kw("--db", _url(path), "db", "init").code == 0
    _add_user(kw, path, "ada", "admin")
    return path


def _add_user(kw: Run, path: Path, username: str, role: str) -> None:
    # ada, the first admin, needs no sign-in; she adds the others (stdin: her password, then
    # theirs)
    by_ada = () if username == "ada" else ("--user", "ada")
    result = kw("--db", _url(path), "user", "add", username, "--full-name", username.title(),
                "--role", role, "--no-force-change", *by_ada, "--password-stdin",
                stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.code == 0, result.err


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo plant (the database a new user tries first), made once for this module."""
    folder = tmp_path_factory.mktemp("demo-template")
    path = folder / "plant.db"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            patch.setenv(name, str(folder / name.lower()))
        patch.setattr(auth, "BCRYPT_ROUNDS", 4)
        assert cli.main(["--db", _url(path), "demo"]) == 0
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler.get_name() == "keepwell-file":
                root.removeHandler(handler)
                handler.close()
    yield path


@pytest.fixture
def demo_plant(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "plant.db"
    shutil.copyfile(demo_template, path)  # no connection to either file is open
    return path


# --- db restore ----------------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_database_as_it_was(
    kw: Run, plant: Path
) -> None:
    backup = _daily_backup(plant)
    _add_user(kw, plant, "bob", "planner")  # written after the backup
    assert _usernames(plant) == ["ada", "bob"]

    result = kw("--db", _url(plant), "db", "restore", str(backup), "--yes")
    assert result.code == 0, result.err
    assert f"Restored {plant} from {backup}." in result.out
    kept = [p for p in paths.backup_dir().iterdir() if p.name.startswith("plant-before-restore-")]
    assert len(kept) == 1
    assert f"The database as it was before is kept in {kept[0]}." in result.out

    assert _usernames(plant) == ["ada"]  # bob was written after the backup: gone
    assert _usernames(kept[0]) == ["ada", "bob"]  # and kept in the copy made first
    assert _integrity(kept[0]) == "ok"
    assert kw("--db", _url(plant), "db", "check").code == 0
    assert kw("--db", _url(plant), "audit", "verify").code == 0
    listed = kw("--db", _url(plant), "user", "list", "--json", "--user", "ada",
                "--password-stdin", stdin=PASSWORD)
    assert [u["username"] for u in json.loads(listed.out)] == ["ada"]


def _older_keepwell_database(path: Path, tmp_path: Path) -> None:
    ladder = tmp_path / "older-ladder"
    ladder.mkdir()
    for step in sorted(dbmod.MIGRATIONS_DIR.glob("[0-9]*.py"))[:-1]:
        shutil.copy(step, ladder / step.name)
    database, target = dbmod.connect(_url(path))
    try:
        dbmod.initialise_schema(database, target, ladder)
    finally:
        dbmod.close()


def test_a_backup_from_an_older_keepwell_is_restored_and_needs_the_upgrade(
    kw: Run, plant: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older.db"
    _older_keepwell_database(older, tmp_path)
    result = kw("--db", _url(plant), "db", "restore", str(older), "--yes")
    assert result.code == 0, result.err
    assert "`keepwell db upgrade`" in result.out
    assert kw("--db", _url(plant), "db", "upgrade").code == 0
    assert kw("--db", _url(plant), "db", "check").code == 0


def test_restore_into_a_database_file_that_is_gone_creates_it(
    kw: Run, plant: Path, tmp_path: Path
) -> None:
    backup = _daily_backup(plant)
    missing = tmp_path / "new" / "plant.db"
    result = kw("--db", _url(missing), "db", "restore", str(backup), "--yes")
    assert result.code == 0, result.err
    assert "There was no database file before" in result.out
    assert _usernames(missing) == ["ada"]


def _newer_keepwell_backup(plant: Path, tmp_path: Path) -> Path:
    path = _copy(plant, tmp_path / "newer.db")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO schema_migration (name, applied) "
                     "VALUES ('9999_from_the_future', '2099-01-01 00:00:00')")
    conn.close()
    return path


def _foreign_database(tmp_path: Path) -> Path:
    path = tmp_path / "recipes.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE recipe (name TEXT)")
    conn.close()
    return path


def _empty_database(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    return path


def _damaged_backup(plant: Path, tmp_path: Path) -> Path:
    path = _copy(plant, tmp_path / "damaged-copy.db")
    _damage(path, _page_count(path) // 2, 6)
    return path


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("this is a shopping list, not a database\n" * 200)
    return path


@pytest.mark.parametrize("make_source, words", [
    (lambda plant, tmp: tmp / "nowhere.db", "There is no file"),
    (lambda plant, tmp: tmp, "is not a file"),
    (lambda plant, tmp: _text_file(tmp), "is not an SQLite database"),
    (lambda plant, tmp: _damaged_backup(plant, tmp), "is damaged"),
    (lambda plant, tmp: _foreign_database(tmp), "not a Keepwell backup"),
    (lambda plant, tmp: _empty_database(tmp), "holds no Keepwell data"),
    (lambda plant, tmp: _newer_keepwell_backup(plant, tmp), "written by a newer Keepwell"),
], ids=["missing", "folder", "text", "damaged", "foreign", "empty", "newer"])
def test_restore_refuses_what_is_not_a_good_keepwell_backup(
    kw: Run, plant: Path, tmp_path: Path, make_source, words: str
) -> None:
    source = make_source(plant, tmp_path)
    before = _sha(plant)
    result = kw("--db", _url(plant), "db", "restore", str(source), "--yes")
    assert result.code == 1
    assert words in result.err
    assert result.err.count("keepwell: error:") == 1
    assert _sha(plant) == before
    assert not paths.backup_dir().exists()  # no copy of the database made for nothing


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_restore_refuses_the_database_s_own_files(kw: Run, plant: Path, suffix: str) -> None:
    before = _sha(plant)
    result = kw("--db", _url(plant), "db", "restore", f"{plant}{suffix}", "--yes")
    assert result.code == 2
    assert "is the database itself" in result.err
    assert _sha(plant) == before


def test_restore_refuses_a_postgresql_database_and_says_how_it_is_done(
    kw: Run, plant: Path
) -> None:
    backup = _daily_backup(plant)
    result = kw("--db", "postgresql://keepwell@db.plant.local/keepwell", "db", "restore",
                str(backup), "--yes")
    assert result.code == 1
    assert "is a PostgreSQL database" in result.err
    assert "pg_restore" in result.err and "Nothing was changed" in result.err


def test_restore_without_yes_and_no_terminal_changes_nothing(kw: Run, plant: Path) -> None:
    backup = _daily_backup(plant)
    _add_user(kw, plant, "bob", "planner")
    before = _sha(plant)
    result = kw("--db", _url(plant), "db", "restore", str(backup))
    assert result.code == 2 and "--yes" in result.err
    assert _sha(plant) == before
    assert _usernames(plant) == ["ada", "bob"]


def _restore_on_a_terminal(plant: Path, backup: Path, answer: str) -> tuple[int, str]:
    """`keepwell db restore` on a real terminal (a pty), answering its question."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ui.main", "--db", _url(plant), "db",
                             "restore", str(backup)],
                            cwd=REPO, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    screen = b""
    answered = False
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the program closed the terminal: it has finished
                break
            if not chunk:
                break
            screen += chunk
            if not answered and b"[y/N]" in screen:
                os.write(master, answer.encode() + b"\n")
                answered = True
        return proc.wait(timeout=120), screen.decode(errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_restore_asks_on_a_terminal_and_no_changes_nothing(kw: Run, plant: Path) -> None:
    backup = _daily_backup(plant)
    _add_user(kw, plant, "bob", "planner")

    code, screen = _restore_on_a_terminal(plant, backup, "n")
    assert code == 1, screen
    assert "Close Keepwell on every desk" in screen and "Nothing was changed." in screen
    assert _usernames(plant) == ["ada", "bob"]

    code, screen = _restore_on_a_terminal(plant, backup, "y")
    assert code == 0, screen
    assert "Restored" in screen
    assert _usernames(plant) == ["ada"]


_HOLDER = """
import sys
from app import db as dbmod
from app.models import User
dbmod.connect(sys.argv[1])
print(User.select().count(), flush=True)
sys.stdin.readline()
print(User.select().count(), flush=True)
dbmod.close()
"""


def test_restore_is_refused_while_another_program_has_the_database_open(
    kw: Run, plant: Path
) -> None:
    backup = _daily_backup(plant)
    _add_user(kw, plant, "bob", "planner")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, _url(plant)], cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "2"  # open, reading, WAL mode
        result = kw("--db", _url(plant), "db", "restore", str(backup), "--yes")
        assert result.code == 1
        assert "is in use by another program" in result.err
        assert "Nothing was changed" in result.err
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "2"  # it read on, undisturbed
    finally:
        holder.communicate(timeout=60)
    assert holder.returncode == 0
    assert _usernames(plant) == ["ada", "bob"]
    assert not list(paths.backup_dir().glob("plant-before-restore-*"))
    assert kw("--db", _url(plant), "db", "restore", str(backup), "--yes").code == 0
    assert _usernames(plant) == ["ada"]


# --- db backup refuses the database's own files --------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_db_backup_refuses_the_database_and_its_wal_shm_journal(
    kw: Run, plant: Path, suffix: str
) -> None:
    """While another connection holds the database (its WAL full of a write not yet copied into
    the file), a backup aimed at the database's own files is refused and they stay whole."""
    holder = sqlite3.connect(plant, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("UPDATE user SET full_name = 'Ada Lovelace' WHERE username = 'ada'")
        target = Path(f"{plant}{suffix}")
        result = kw("--db", _url(plant), "db", "backup", str(target), "--overwrite")
        assert result.code == 2
        assert "is the database itself or one of its own files" in result.err
        assert not list(plant.parent.glob("*.partial"))
        assert holder.execute("SELECT full_name FROM user").fetchone() == ("Ada Lovelace",)
        assert holder.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        holder.close()
    assert _integrity(plant) == "ok"


def test_db_backup_refuses_a_link_to_the_database(kw: Run, plant: Path, tmp_path: Path) -> None:
    link = tmp_path / "elsewhere" / "copy.db"
    link.parent.mkdir()
    link.symlink_to(plant)
    before = _sha(plant)
    result = kw("--db", _url(plant), "db", "backup", str(link), "--overwrite")
    assert result.code == 2 and "is the database itself" in result.err
    assert _sha(plant) == before


# --- db check on a damaged file ------------------------------------------------------------------


def test_db_check_reports_a_damaged_file_in_words_and_the_backup_to_restore(
    demo_plant: Path, tmp_path: Path
) -> None:
    good = _daily_backup(demo_plant)
    # A newer copy that is itself damaged is passed over.
    worse = _copy(good, paths.backup_dir() / "plant-20990101-000000.db")
    _damage(worse, _page_count(worse) // 2, 20)
    os.utime(worse, (good.stat().st_mtime + 60, good.stat().st_mtime + 60))
    # Pages in the middle of the real file, overwritten while no connection is open.
    _damage(demo_plant, _page_count(demo_plant) // 2, 20)

    check = _keepwell("--db", _url(demo_plant), "db", "check")
    assert check.returncode == 1
    assert "The database file is damaged (" in check.stdout
    assert "Stop using it" in check.stdout
    command = f"keepwell --db {shlex.quote(_url(demo_plant))} db restore {shlex.quote(str(good))}"
    assert command in check.stdout
    assert "unexpected" not in check.stdout + check.stderr

    as_json = json.loads(_keepwell("--db", _url(demo_plant), "db", "check", "--json").stdout)
    assert as_json["ok"] is False
    assert as_json["newest_good_backup"] == str(good)
    assert "damaged" in as_json["integrity"]

    restore = _keepwell("--db", _url(demo_plant), "db", "restore", str(good), "--yes")
    assert restore.returncode == 0, restore.stderr
    assert _keepwell("--db", _url(demo_plant), "db", "check").returncode == 0
    kept = list(paths.backup_dir().glob("plant-before-restore-*.db"))
    assert len(kept) == 1 and _integrity(kept[0]) != "ok"  # the damaged file, kept as it was


def test_db_check_on_a_damaged_file_without_backups_says_so(demo_plant: Path) -> None:
    _damage(demo_plant, _page_count(demo_plant) // 2, 20)
    check = _keepwell("--db", _url(demo_plant), "db", "check")
    assert check.returncode == 1
    assert "The database file is damaged (" in check.stdout
    assert f"No good backup of it was found in {paths.backup_dir()}" in check.stdout


def test_db_check_on_a_file_sqlite_cannot_read_names_the_backup_to_restore(
    kw: Run, plant: Path
) -> None:
    good = _daily_backup(plant)
    plant.write_bytes(b"garbage where the database was\n" * 400)  # no connection is open
    check = kw("--db", _url(plant), "db", "check")
    assert check.code == 1
    assert check.err.count("keepwell: error:") == 1
    assert f"db restore {shlex.quote(str(good))}" in check.err
