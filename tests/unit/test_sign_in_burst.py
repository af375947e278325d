"""Parallel guessing from many processes (issue 11): at most 5 guesses are checked per lock window,
and the right password is refused while the account is locked.

Each guess is a real `keepwell --db URL wo list --user hvac` process with KEEPWELL_PASSWORD set,
as an attacker would start them. The processes first import everything, say "ready", and then
wait on a line on their standard input; the test sends it to all of them at once, so the guesses
reach the database together. The account's hash has the production cost (12, ~250 ms a check),
which is the window parallel guesses used to slip through.

Runs on SQLite here and on PostgreSQL through tests/integration/test_sign_in_burst_pg.py.
This file is also the guessing process: `python -m tests.unit.test_sign_in_burst URL NAME`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import bcrypt

from app.cli.common import ENV_PASSWORD
from app.clock import utcnow
from app.models import AuditEvent, User
from app.permissions import Role
from app.services.people import auth
from tests.conftest import TEST_PASSWORD

REPO = Path(__file__).resolve().parents[2]
WRONG_GUESSES = 20
PRODUCTION_COST = 12


def guess(url: str, name: str) -> int:
    """One guessing process: ready, wait for the go, then sign in through the command line."""
    from app.cli import main as cli

    print("ready", flush=True)
    sys.stdin.readline()
    return cli.main(["--db", url, "wo", "list", "--user", name])


def burst(url: str, tries: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """Start one process per (username, password), release them together; each one's exit code
    and standard error."""
    procs = []
    for name, password in tries:
        env = dict(os.environ, **{ENV_PASSWORD: password})
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "tests.unit.test_sign_in_burst", url, name], cwd=REPO,
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line == "ready\n", (line, proc.stderr.read() if proc.stderr else "")
        for proc in procs:  # the go: every process is waiting on it already
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            _out, err = proc.communicate(timeout=180)
            results.append((proc.returncode, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def events_on(user_id: int, after: int) -> list[AuditEvent]:
    return list(AuditEvent.select()
                .where((AuditEvent.entity == "user") & (AuditEvent.entity_id == str(user_id))
                       & (AuditEvent.id > after))
                .order_by(AuditEvent.id))


def last_event_id() -> int:
    return AuditEvent.select().order_by(AuditEvent.id.desc()).first().id


def test_twenty_parallel_guesses_check_at_most_five_and_the_right_password_waits(
        db_url, db, admin, make_user):
    hvac = make_user(Role.TECHNICIAN, "hvac")
    costly = bcrypt.hashpw(TEST_PASSWORD.encode(), bcrypt.gensalt(PRODUCTION_COST)).decode()
    User.update(password_hash=costly).where(User.id == hvac.user_id).execute()
    words = auth.AuthenticationFailed(auth.LOCKOUT_FAILURES, auth.LOCKOUT_MINUTES).message
    refusal = f"keepwell: error: {words}\n"
    wrong = [("hvac", f"wrong-{i}") for i in range(1, WRONG_GUESSES + 1)]

    # Burst 1, on an open account: 20 wrong passwords and the right one, all at once.
    before = last_event_id()
    first = burst(db_url, [*wrong, ("hvac", TEST_PASSWORD)])
    events = events_on(hvac.user_id, before)
    tries = [json.loads(e.changes)["failed_attempts"][1] for e in events
             if e.action == "sign_in_failed"]
    signed_in = sum(e.action == "sign_in" for e in events)
    right_code = first[-1][0]
    print(f"\nburst on an open account: {len(tries)} of {WRONG_GUESSES} wrong guesses checked, "
          f"the right password {'signed in' if right_code == 0 else 'refused'}")
    assert signed_in == (right_code == 0)
    # The right password may have taken one of the first five tries (then it signs in and the
    # count starts again, as after any sign-in); otherwise it came after the lock and was
    # refused. Either way each try of a window is taken once, and the burst ends locked.
    windows = 1 + signed_in
    assert len(tries) <= auth.LOCKOUT_FAILURES * windows
    assert all(n <= windows for n in Counter(tries).values()), tries
    assert set(tries) <= set(range(1, auth.LOCKOUT_FAILURES + 1))
    assert sum(e.action == "locked" for e in events) == 1
    assert [code for code, _err in first[:-1]] == [1] * WRONG_GUESSES
    assert {err for code, err in first if code != 0} == {refusal}
    locked_until = User.get_by_id(hvac.user_id).locked_until
    assert locked_until is not None and locked_until > utcnow()

    # Burst 2, on the locked account: nothing is checked, the right password is refused, and an
    # unknown name reads exactly the same.
    before = last_event_id()
    second = burst(db_url, [*wrong, ("hvac", TEST_PASSWORD), ("nobody", TEST_PASSWORD)])
    assert events_on(hvac.user_id, before) == []
    assert AuditEvent.select().where(AuditEvent.id > before).count() == 0
    assert second == [(1, refusal)] * (WRONG_GUESSES + 2)
    assert User.get_by_id(hvac.user_id).locked_until == locked_until
    print(f"burst on the locked account: 0 of {WRONG_GUESSES} checked, the right password refused")


if __name__ == "__main__":
    sys.exit(guess(sys.argv[1], sys.argv[2]))
