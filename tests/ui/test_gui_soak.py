"""Issue 10's soak with the real program: a desk (offscreen) signs in and out again and again,
files requests and runs the PM check, while the command line (B: work orders and IT's commands,
C: requests and `keepwell scheduler --once`) uses the same embedded database. Afterwards the WAL
was never missing while the desk had a connection, every committed write is there, the file is
whole and the audit chain verifies. KEEPWELL_SOAK_SECONDS sets how long (20 s; CI 60 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import soak
from tests.unit.test_sqlite_soak import SECONDS


@pytest.mark.slow
def test_the_program_signing_in_and_out_beside_the_command_line_loses_nothing(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keepwell.db'}"
    demo = subprocess.run([*soak.keepwell_command(), "--db", url, "demo"], cwd=soak.ROOT,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    (tmp_path / soak.READY).write_text("ready")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    desk = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "tests.ui.gui_soak_desk", url,
         str(tmp_path), str(SECONDS)],
        cwd=soak.ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    clis = [soak.run_cli_loop(url, who, tmp_path, SECONDS) for who in ("B", "C")]
    reports = {}
    for name, proc in (("A", desk), ("B", clis[0]), ("C", clis[1])):
        out, _ = proc.communicate(timeout=SECONDS + 600)
        assert proc.returncode == 0, f"process {name} failed:\n{out[-3000:]}"
        reports[name] = json.loads((tmp_path / f"{name}.json").read_text())
    for name, report in reports.items():
        assert report["errors"] == [], f"{name}: {report['errors'][:5]}"
    a, b, c = (reports[k]["counts"] for k in "ABC")
    assert a["rounds"] >= 4 and a["requests"] >= 2, reports
    assert b["work_orders"] >= 2 and c["requests"] >= 2 and c["scheduler_runs"] >= 1, reports
    assert a["wal_looks"] > 10 and a.get("wal_missing", 0) == 0, a
    left = soak.check_database(url)
    assert left["found"] == {"A_requests": a["requests"], "B_work_orders": b["work_orders"],
                             "C_requests": c["requests"]}, (left, reports)
    assert left["integrity"] == "ok"
    assert left["chain_ok"], left["chain"]
