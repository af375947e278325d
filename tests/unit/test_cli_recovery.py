"""Who `keepwell user ...` and `keepwell settings ...` act as (issue 11): once the database has
an administrator, a signed-in administrator; before that (a new database) IT, to create the
first admin; and `user reset-password NAME --recovery` for the database file's owner when no
administrator can sign in. Real SQLite files, real processes for the race and the other OS
account."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import db as dbmod
from app.errors import AccountLocked, AuthenticationFailed, PermissionDenied
from app.models import AuditEvent, Setting, User
from app.permissions import it_actor
from app.services.people import auth, recovery
from tests.cli_runner import Run

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"
TESS_PASSWORD = "battery-staple-77"
ATTACKER = "Attacker-pass-123"


@pytest.fixture
def office(kw: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """ada (admin, the first account, added with no sign-in) and tess (technician, added by
    ada). KEEPWELL_PASSWORD is not set."""
    url = f"sqlite:///{(tmp_path / 'office.db').as_posix()}"
    assert kw("--db", url, "db", "init").code == 0
    first = kw("--db", url, "user", "add", "ada", "--full-name", "Ada Admin", "--role", "admin",
               "--no-force-change", "--password-stdin", stdin=PASSWORD + "\n")
    assert first.code == 0, first.err
    tess = kw("--db", url, "user", "add", "tess", "--full-name", "Tess Tech", "--role",
              "technician", "--no-force-change", "--user", "ada", "--password-stdin",
              stdin=f"{PASSWORD}\n{TESS_PASSWORD}\n")
    assert tess.code == 0, tess.err
    return url


def _rows(url: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The accounts, the settings and the audit trail: what a refused command leaves as it
    was. (A refused user's sign-in is audited and stamps their last sign-in: those are left
    out; their refusal is what is tested.)"""
    dbmod.connect(url)
    try:
        accounts = list(User.select(User.username, User.role, User.active, User.password_hash,
                                    User.must_change_password, User.locked_until, User.version)
                        .order_by(User.id).tuples())
        settings = list(Setting.select().tuples())
        events = list(AuditEvent.select().where(AuditEvent.action != "sign_in")
                      .order_by(AuditEvent.id).tuples())
        return accounts, settings, events
    finally:
        dbmod.close()


def _events(url: str, action: str) -> list[AuditEvent]:
    dbmod.connect(url)
    try:
        return list(AuditEvent.select().where(AuditEvent.action == action))
    finally:
        dbmod.close()


def _sign_in(url: str, username: str, password: str) -> auth.SignIn:
    dbmod.connect(url)
    try:
        return auth.sign_in(username, password)
    finally:
        dbmod.close()


# --- once there is an administrator ----------------------------------------------------------

ADMIN_COMMANDS = [
    ("user", "add", "mallory", "--full-name", "M", "--role", "admin", "--password-stdin"),
    ("user", "list"),
    ("user", "reset-password", "tess", "--password-stdin"),
    ("user", "unlock", "tess"),
    ("user", "deactivate", "tess"),
    ("user", "reactivate", "tess"),
    ("settings", "show"),
    ("settings", "set", "organisation_name", "Mallory Inc"),
]


@pytest.mark.parametrize("argv", ADMIN_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_without_a_sign_in_an_admin_command_is_refused_and_writes_nothing(
    kw: Run, office: str, argv: tuple[str, ...]
) -> None:
    """The issue's attack: `echo Attacker-pass-123 | keepwell user add mallory ... --role admin
    --password-stdin` created an admin for anyone who could open the file."""
    before = _rows(office)
    result = kw("--db", office, *argv, stdin=ATTACKER + "\n")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"keepwell: error: keepwell {argv[0]} {argv[1]} needs an administrator's sign-in: add "
        "--user NAME. (If no administrator can sign in, see `keepwell user reset-password "
        "--help`.)"]
    assert result.out == ""
    assert _rows(office) == before


@pytest.mark.parametrize("argv", ADMIN_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_user_who_is_not_an_administrator_is_refused(
    kw: Run, office: str, argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEEPWELL_PASSWORD", TESS_PASSWORD)
    before = _rows(office)
    result = kw("--db", office, *argv, "--user", "tess", stdin=ATTACKER + "\n")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"keepwell: error: tess is a technician account: keepwell {argv[0]} {argv[1]} is for "
        "administrators."]
    assert _rows(office) == before


def test_a_wrong_admin_password_is_refused(kw: Run, office: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEPWELL_PASSWORD", ATTACKER)
    result = kw("--db", office, "user", "add", "mallory", "--full-name", "M", "--role", "admin",
                "--user", "ada", "--password-stdin", stdin=ATTACKER + "\n")
    assert result.code == 1 and "wrong password" in result.err
    assert [u[0] for u in _rows(office)[0]] == ["ada", "tess"]


def test_a_signed_in_admin_manages_users_and_settings_as_herself(
    kw: Run, office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KEEPWELL_PASSWORD is the signed-in admin's; the new password comes from stdin."""
    monkeypatch.setenv("KEEPWELL_PASSWORD", PASSWORD)
    as_ada = ("--user", "ada")
    added = kw("--db", office, "user", "add", "pat", "--full-name", "Pat Planner", "--role",
               "planner", *as_ada, "--password-stdin", stdin="planner-pass-1\n")
    assert added.code == 0, added.err
    assert _sign_in(office, "pat", "planner-pass-1").must_change_password is True
    listed = json.loads(kw("--db", office, "user", "list", "--json", *as_ada).out)
    assert sorted(u["username"] for u in listed) == ["ada", "pat", "tess"]
    assert kw("--db", office, "settings", "set", "organisation_name", "Acme", *as_ada).code == 0
    shown = json.loads(kw("--db", office, "settings", "show", "--json", *as_ada).out)
    assert shown["organisation_name"] == "Acme"
    assert kw("--db", office, "user", "deactivate", "tess", *as_ada).code == 0
    dbmod.connect(office)
    try:
        actors = {e.action: e.actor for e in AuditEvent.select()
                  if e.entity in ("user", "setting", "settings") and e.action != "sign_in"}
    finally:
        dbmod.close()
    assert actors["deactivated"] == "ada"  # the admin, not it:<OS user>
    assert actors["created"] == "ada"  # pat (the last account created)


def test_the_prompt_asks_the_admin_once_and_the_new_password_twice(
    kw: Run, office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import common

    asked: list[str] = []
    replies = iter([PASSWORD, "planner-pass-1", "planner-pass-1"])

    def answer(prompt: str = "") -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(common, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(common.getpass, "getpass", answer)
    result = kw("--db", office, "user", "add", "pat", "--full-name", "Pat", "--role", "planner",
                "--user", "ada")
    assert result.code == 0, result.err
    assert asked == ["Keepwell password for ada: ", "Password for the new user pat: ",
                     "Repeat the password: "]


# --- a new database: the first administrator ------------------------------------------------


def test_the_first_account_must_be_an_administrator(kw: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"
    assert kw("--db", url, "db", "init").code == 0
    before = _rows(url)
    tech = kw("--db", url, "user", "add", "tess", "--full-name", "Tess", "--role", "technician",
              "--password-stdin", stdin=TESS_PASSWORD + "\n")
    assert tech.code == 1
    assert tech.err.splitlines() == [
        "keepwell: error: This database has no administrator yet: its first account must be "
        "one (--role admin), who then adds the others."]
    assert _rows(url) == before
    admin = kw("--db", url, "user", "add", "ada", "--full-name", "Ada", "--role", "admin",
               "--password-stdin", stdin=PASSWORD + "\n")
    assert admin.code == 0, admin.err
    [created] = _events(url, "created")
    assert created.actor.startswith("it:")  # IT, named after the OS account


def _keepwell(*argv: str, stdin: str = "", env: dict[str, str] | None = None,
              **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *argv], cwd=REPO, env=env or dict(os.environ),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        **popen)  # type: ignore[call-overload]


def test_two_first_admins_at_once_make_one(kw: Run, tmp_path: Path) -> None:
    """Two processes, each adding "the first admin" (production bcrypt, so both hash before
    either writes): one is created, the other is told to sign in."""
    url = f"sqlite:///{(tmp_path / 'race.db').as_posix()}"
    assert kw("--db", url, "db", "init").code == 0
    procs = [_keepwell("--db", url, "user", "add", name, "--full-name", name.title(), "--role",
                       "admin", "--password-stdin")
             for name in ("ada", "ben")]
    results = [proc.communicate(PASSWORD + "\n", timeout=120) for proc in procs]
    codes = sorted(proc.returncode for proc in procs)
    assert codes == [0, 1], results
    refusal = next(err for (_out, err), proc in zip(results, procs, strict=True)
                   if proc.returncode == 1)
    assert "already has an administrator: sign in as one with --user NAME" in refusal
    assert len(_rows(url)[0]) == 1


# --- recovery --------------------------------------------------------------------------------


def _lock_out(url: str, username: str) -> None:
    dbmod.connect(url)
    try:
        for _ in range(auth.LOCKOUT_FAILURES):
            with pytest.raises((AuthenticationFailed, AccountLocked)):
                auth.sign_in(username, "wrong password!")
        with pytest.raises(AccountLocked):
            auth.sign_in(username, PASSWORD)
    finally:
        dbmod.close()


def test_recovery_by_the_file_owner_resets_audits_and_forces_a_change(
    kw: Run, office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lock_out(office, "ada")  # the only admin cannot sign in
    result = kw("--db", office, "user", "reset-password", "ada", "--recovery",
                "--password-stdin", stdin="recovered-pass-1\n")
    assert result.code == 0, result.err
    assert "Recovery: set a temporary password for ada" in result.out
    assert "recovered-pass-1" not in result.out + result.err
    [event] = _events(office, recovery.RECOVERY_EVENT)
    os_user = event.actor.removeprefix("it:")
    assert event.actor.startswith("it:") and json.loads(event.changes)["os_user"] == [None, os_user]
    signed = _sign_in(office, "ada", "recovered-pass-1")  # the lockout is lifted
    assert signed.must_change_password is True
    monkeypatch.setenv("KEEPWELL_PASSWORD", "recovered-pass-1")
    held = kw("--db", office, "user", "list", "--user", "ada")
    assert held.code == 1 and "must choose a new password first" in held.err
    dbmod.connect(office)
    try:
        auth.change_own_password(signed.actor, "recovered-pass-1", "ada-chose-this-1")
    finally:
        dbmod.close()
    monkeypatch.setenv("KEEPWELL_PASSWORD", "ada-chose-this-1")
    assert kw("--db", office, "user", "list", "--user", "ada").code == 0
    assert kw("--db", office, "audit", "verify").code == 0


def test_recovery_reads_the_new_password_only_from_stdin_or_a_prompt(
    kw: Run, office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import common

    monkeypatch.setenv("KEEPWELL_PASSWORD", "recovered-pass-1")  # someone's sign-in, not this
    monkeypatch.setattr(common, "_stdin_is_tty", lambda: False)
    before = _rows(office)
    result = kw("--db", office, "user", "reset-password", "ada", "--recovery")
    assert result.code == 2
    assert "no password given: pipe it with --password-stdin" in result.err
    assert "KEEPWELL_PASSWORD" not in result.err
    assert _rows(office) == before


@pytest.mark.parametrize("argv, code, words", [
    (("ada", "--recovery", "--user", "ada"), 2, "--recovery is for when no administrator can "
                                                "sign in: leave out --user."),
    (("ghost", "--recovery"), 1, "There is no user 'ghost'"),
    (("ada", "--recovery"), 1, "Temporary password must be"),
])
def test_recovery_refusals_write_nothing(kw: Run, office: str, argv: tuple[str, ...],
                                         code: int, words: str) -> None:
    before = _rows(office)
    result = kw("--db", office, "user", "reset-password", *argv, "--password-stdin",
                stdin="short\n")
    assert result.code == code and words in result.err, result.err
    assert _rows(office) == before


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another OS account can reach (pytest's own are the test account's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="keepwell-recovery-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


NOBODY = 65534


def test_recovery_is_refused_to_an_account_that_does_not_own_the_file(
    kw: Run, shared_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another OS account that can open (even write) the database file is not its owner: the
    recovery is refused before any password is read, and nothing is written.

    As root, the command runs as `nobody` (the process's effective user switched for the
    call, and back) on a file made writable to all. Without root, the test account's own
    file made read-only is refused as not writable (root may write any file, so that case
    needs an ordinary account)."""
    path = shared_folder / "office.db"
    url = f"sqlite:///{path.as_posix()}"
    assert kw("--db", url, "db", "init").code == 0
    assert kw("--db", url, "user", "add", "ada", "--full-name", "Ada", "--role", "admin",
              "--password-stdin", stdin=PASSWORD + "\n").code == 0
    before = _rows(url)
    if os.geteuid() == 0:
        path.chmod(0o666)
        home = shared_folder / "home"  # nobody's own folders for config and logs
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
            monkeypatch.setenv(name, str(home / name.lower()))
        os.seteuid(NOBODY)
        try:
            result = kw("--db", url, "user", "reset-password", "ada", "--recovery",
                        "--password-stdin", stdin=ATTACKER + "\n")
        finally:
            os.seteuid(0)
        assert result.code == 1
        assert result.err.splitlines() == [
            f"keepwell: error: Recovery refused: the database file {path} belongs to another "
            "account; only its owner can recover an account."]
    else:
        path.chmod(0o444)
        try:
            result = kw("--db", url, "user", "reset-password", "ada", "--recovery",
                        "--password-stdin", stdin=ATTACKER + "\n")
        finally:
            path.chmod(0o600)
        assert result.code == 1
        assert f"the database file {path} is not writable by this account" in result.err
    assert result.out == ""
    assert _rows(url) == before


def test_the_recovery_service_checks_the_owner_itself(shared_folder: Path, db_url: str) -> None:
    """Not only the command: the service refuses too, whoever calls it."""
    path = shared_folder / "office.db"
    database, target = dbmod.connect(f"sqlite:///{path.as_posix()}")
    try:
        dbmod.initialise_schema(database, target)
        if os.geteuid() == 0:
            path.chmod(0o666)  # nobody may write it, but it is root's file
            os.seteuid(NOBODY)
        else:
            path.chmod(0o444)
        try:
            assert recovery.database_owner_problem() is not None
            with pytest.raises(PermissionDenied, match="Recovery refused: the database file"):
                recovery.recovery_reset_password(it_actor("tester"), 1, ATTACKER)
        finally:
            if os.geteuid() != os.getuid():
                os.seteuid(0)
    finally:
        dbmod.close()
