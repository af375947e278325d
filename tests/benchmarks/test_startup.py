"""Start-up figures (not in the default run; `make bench`).

- process start -> login dialog painted, against a bare PySide6 QMainWindow painted, same run;
  target <= 1.5x.
- sign-in accepted -> Work Orders table painted on the demo database, without bcrypt's own time.

Times are measured from the parent: spawn to the child's report line (interpreter start-up and
imports included), median of several runs, alternating so both see the same machine load.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import db as dbmod
from app.services.demo import plant

DRIVER = Path(__file__).with_name("startup_driver.py")
ROOT = Path(__file__).resolve().parents[2]
RUNS = 7


def _run(*args: str) -> tuple[float, dict[str, float]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(DRIVER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    events: dict[str, float] = {}
    shown_at = None
    assert proc.stdout is not None
    for line in proc.stdout:
        name, value = line.split()
        events[name] = float(value)
        if name == "shown" and shown_at is None:
            shown_at = time.perf_counter() - started
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert shown_at is not None
    return shown_at, events


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("bench") / "demo.db"
    url = f"sqlite:///{path}"
    database, target = dbmod.connect(url)
    dbmod.initialise_schema(database, target)
    plant.create_demo_plant()
    dbmod.close()
    return url


def test_startup_to_login_against_bare_window(demo_url):
    _run("bare")  # warm the file cache for both
    _run("keepwell", demo_url)
    bare, keepwell, ready = [], [], []
    for _ in range(RUNS):
        bare.append(_run("bare")[0])
        shown, events = _run("keepwell", demo_url)
        keepwell.append(shown)
        ready.append(shown + events["ready"] - events["shown"])
    b, k, r = (statistics.median(x) for x in (bare, keepwell, ready))
    print(f"\n| measure | median of {RUNS} | ratio |")
    print("|---|---|---|")
    print(f"| bare QMainWindow painted | {b * 1000:.0f} ms | 1.00x |")
    print(f"| Keepwell login dialog painted | {k * 1000:.0f} ms | {k / b:.2f}x (target <= 1.5x) |")
    print(f"| ... database open, Sign in enabled | {r * 1000:.0f} ms | {r / b:.2f}x |")


def test_sign_in_to_work_orders_painted(demo_url):
    admin = next(a for a in plant.DEMO_ACCOUNTS if a[2] == "admin")
    samples = []
    for _ in range(5):
        _shown, events = _run("login", demo_url, admin[0], admin[3])
        total = events["table_painted"] - events["sign_in_clicked"]
        samples.append((total, events["bcrypt"]))
    total = statistics.median(s[0] for s in samples)
    crypt = statistics.median(s[1] for s in samples)
    print(f"\n| sign-in clicked -> Work Orders painted (demo db) | {total * 1000:.0f} ms |")
    print(f"| of which bcrypt (cost 12) | {crypt * 1000:.0f} ms |")
    print(f"| without bcrypt | {(total - crypt) * 1000:.0f} ms |")
