"""Sign-in timing of unknown against known users (issue 11; not in the default run, `make bench`).

What an attacker measures: every `keepwell` command is a new process, so every attempt is the
first of its process. Each try here is a fresh process that connects, signs in once with a wrong
password and reports how long `auth.sign_in` took (the parent also times the whole process).
Tries alternate between an unknown name, a real account (wrong password, account open) and the
same account locked, so all three see the same machine load. Production cost (bcrypt 12).
Target: medians within 10 %. A figure, printed; never asserted (wall-clock time depends on the
machine).

This file is also the trying process: `python -m tests.benchmarks.test_sign_in_timing URL NAME`.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.models import User
from app.permissions import Role

ROOT = Path(__file__).resolve().parents[2]
TRIES = 50


def one_try(url: str, name: str) -> None:
    """The trying process: one wrong-password sign-in, its time in seconds on stdout."""
    from app import db
    from app.errors import AuthenticationFailed
    from app.services.people import auth

    db.connect(url)
    started = time.perf_counter()
    try:
        auth.sign_in(name, "wrong-password-1")
    except AuthenticationFailed:
        pass
    print(time.perf_counter() - started)
    db.close()


def _run(url: str, name: str) -> tuple[float, float]:
    """(sign-in seconds inside the process, whole process seconds)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.test_sign_in_timing", url,
                           name], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=120, check=True)
    return float(done.stdout), time.perf_counter() - started


@pytest.mark.real_bcrypt
def test_unknown_and_known_users_take_as_long(db_url, db, admin, make_user):
    hvac = make_user(Role.TECHNICIAN, "hvac")
    assert User.get_by_id(hvac.user_id).password_hash.startswith("$2b$12$")
    kinds = ("unknown user", "known user, wrong password", "known user, locked")
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    on_hvac = User.id == hvac.user_id
    locked = User.update(failed_attempts=0, locked_until=dt.datetime(2100, 1, 1)).where(on_hvac)
    opened = User.update(failed_attempts=0, locked_until=None).where(on_hvac)
    _run(db_url, "nobody")  # warm the file cache
    for _ in range(TRIES):
        times[kinds[0]].append(_run(db_url, "nobody"))
        opened.execute()
        times[kinds[1]].append(_run(db_url, "hvac"))
        locked.execute()
        times[kinds[2]].append(_run(db_url, "hvac"))
    inside = {kind: statistics.median(t[0] for t in times[kind]) for kind in kinds}
    whole = {kind: statistics.median(t[1] for t in times[kind]) for kind in kinds}
    base = inside[kinds[1]]
    print(f"\n| {TRIES} tries each, first attempt of a process | sign_in median | ratio to "
          "known | whole process median |")
    print("|---|---|---|---|")
    for kind in kinds:
        print(f"| {kind} | {inside[kind] * 1000:.1f} ms | {inside[kind] / base:.3f} | "
              f"{whole[kind] * 1000:.0f} ms |")


if __name__ == "__main__":
    one_try(sys.argv[1], sys.argv[2])
