"""`keepwell asset|meter|request ...`: in-process through `app.cli.main.main`, and once as a
subprocess. Every refusal is one line on stderr with exit code 1, and writes nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import db as dbmod
from app.cli import common
from app.cli import main as cli
from app.models import Asset, AuditEvent, MeterReading, WorkRequest
from tests.cli_runner import Result, Run

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"


@pytest.fixture
def kw(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str,
       cli_state: None) -> Run:
    """Run `keepwell --db URL ARGS...` in-process on a new database (SQLite here, PostgreSQL in
    tests/integration) with users ada (admin), pat (planner), tess (technician) and rita
    (requester), all with PASSWORD."""
    url = db_url

    def run(*argv: str, stdin: str | None = None) -> Result:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(["--db", url, *argv])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    monkeypatch.setenv(common.ENV_PASSWORD, PASSWORD)
    assert run("db", "init").code == 0
    for name, role in (("ada", "admin"), ("pat", "planner"), ("tess", "technician"),
                       ("rita", "requester")):
        # ada, the first admin, needs no sign-in; she adds the others (her password from
        # KEEPWELL_PASSWORD, theirs from stdin)
        by_ada = () if name == "ada" else ("--user", "ada", "--password-stdin")
        result = run("user", "add", name, "--full-name", name.title(), "--role", role,
                     "--no-force-change", *by_ada, stdin=PASSWORD)
        assert result.code == 0, result.err
    run.url = url  # type: ignore[attr-defined]
    return run


def _errors(result: Result) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("keepwell: error:")]


def _counts(run: Run) -> tuple[int, ...]:
    dbmod.connect(run.url)  # type: ignore[attr-defined]
    try:
        changes = AuditEvent.select().where(AuditEvent.entity != "user")  # not the sign-ins
        return (*(m.select().count() for m in (Asset, MeterReading, WorkRequest)),
                changes.count())
    finally:
        dbmod.close()


def test_add_list_and_show_assets(kw: Run) -> None:
    result = kw("asset", "add", "p-101", "--name", "Boiler feed pump", "--category", "Pumps",
                "--criticality", "a", "--install-date", "2020-03-01", "--cost", "1200.5",
                "--manufacturer", "KSB", "--user", "pat")
    assert result.code == 0, result.err
    assert result.out.strip() == "Added asset P-101 (Boiler feed pump)."
    assert kw("asset", "add", "M-101", "--name", "Motor", "--parent", "p-101",
              "--user", "ada").code == 0
    listing = kw("asset", "list", "--json", "--user", "rita")
    rows = json.loads(listing.out)
    assert [(r["tag"], r["parent_tag"]) for r in rows] == [("M-101", "P-101"), ("P-101", "")]
    table = kw("asset", "list", "--search", "boiler", "--user", "tess")
    assert "P-101" in table.out and "M-101" not in table.out
    assert kw("asset", "list", "--status", "down", "--user", "tess").out.strip() == \
        "No assets match."
    shown = json.loads(kw("asset", "show", "p-101", "--json", "--user", "rita").out)
    assert shown["cost"] == "1200.50" and shown["install_date"] == "2020-03-01"
    assert shown["criticality"] == "A" and shown["child_count"] == 1
    text = kw("asset", "show", "P-101", "--user", "rita").out
    assert "Boiler feed pump" in text and "0 open, 0 past" in text


def test_assets_in_a_location_by_code(kw: Run) -> None:
    from app.permissions import Actor, Role
    from app.services.assets import locations

    dbmod.connect(kw.url)  # type: ignore[attr-defined]
    ada = Actor(1, "ada", "Ada", Role.ADMIN)
    site = locations.add_site(ada, "RBP", "Plant")
    hall = locations.add_location(ada, site.id, None, "HALL", "Hall")
    locations.add_location(ada, site.id, hall.id, "BAY-1", "Bay 1")
    dbmod.close()
    assert kw("asset", "add", "P-1", "--name", "Pump", "--location", "bay-1",
              "--user", "pat").code == 0
    assert kw("asset", "add", "P-2", "--name", "Pump", "--user", "pat").code == 0
    rows = json.loads(kw("asset", "list", "--location", "RBP:HALL", "--json",
                         "--user", "pat").out)
    assert [r["tag"] for r in rows] == ["P-1"]
    result = kw("asset", "add", "P-3", "--name", "Pump", "--location", "NOPE", "--user", "pat")
    assert result.code == 1 and _errors(result) == [
        "keepwell: error: There is no location 'NOPE'."]


@pytest.mark.parametrize("argv, words", [
    (["asset", "add", "P 1", "--name", "x" * 121], ["Tag may hold only", "Name is 121"]),
    (["asset", "add", "P 1", "--name", "x"], ["Tag may hold only"]),
    (["asset", "add", "P-1", "--name", "x" * 121], ["Name is 121 characters long"]),
    (["asset", "add", "P-1", "--name", "x", "--criticality", "Z"],
     ["Criticality must be one of A, B, C."]),
    (["asset", "add", "P-1", "--name", "x", "--status", "broken"], ["Status must be one of"]),
    (["asset", "add", "P-1", "--name", "x", "--install-date", "1999-01-01"],
     ["Install date must be between 2000-01-01 and 2100-12-31."]),
    (["asset", "add", "P-1", "--name", "x", "--install-date", "yesterday"],
     ["Install date must be a date written YYYY-MM-DD"]),
    (["asset", "add", "P-1", "--name", "x", "--install-date", "2022-01-01",
      "--warranty-end", "2021-01-01"], ["Warranty end cannot be before the install date"]),
    (["asset", "add", "P-1", "--name", "x", "--cost", "-5"], ["Cost cannot be negative."]),
    (["asset", "add", "P-1", "--name", "x", "--cost", "ten"], ["Cost must be a number"]),
    (["asset", "add", "P-1", "--name", "x", "--parent", "NOPE"],
     ["There is no asset with tag 'NOPE'."]),
    (["asset", "show", "NOPE"], ["There is no asset with tag 'NOPE'."]),
    (["asset", "list", "--status", "gone"], ["Status must be one of"]),
    (["asset", "list", "--limit", "0"], ["Limit must be between"]),
    (["meter", "read", "NOPE", "Run hours", "1"], ["There is no asset with tag 'NOPE'."]),
    (["request", "file", "--title", "x" * 201], ["Title is 201 characters long"]),
    (["request", "file", "--title", "Leak", "--priority", "9"], ["Priority must be 1"]),
    (["request", "file", "--title", "Leak", "--asset", "NOPE"], ["There is no asset"]),
    (["request", "list", "--status", "open"], ["Status must be one of new, approved"]),
])
def test_bad_input_is_one_line_exit_1_and_writes_nothing(kw: Run, argv: list[str],
                                                         words: list[str]) -> None:
    before = _counts(kw)
    result = kw(*argv, "--user", "ada")
    assert result.code == 1
    [line] = _errors(result)
    for word in words:
        assert word in line
    assert _counts(kw) == before


def test_sql_fragments_are_stored_literally(kw: Run) -> None:
    nasty = "Pump'); DROP TABLE asset;-- \"x\""
    assert kw("asset", "add", "P-1", "--name", nasty, "--notes", nasty, "--user", "ada").code == 0
    shown = json.loads(kw("asset", "show", "P-1", "--json", "--user", "ada").out)
    assert shown["name"] == nasty and shown["notes"] == nasty
    assert kw("request", "file", "--title", nasty, "--user", "rita").code == 0
    assert json.loads(kw("request", "list", "--json", "--user", "rita").out)[0]["title"] == nasty


def test_permissions_and_sign_in_are_enforced(kw: Run) -> None:
    refused = kw("asset", "add", "P-1", "--name", "Pump", "--user", "tess")
    assert refused.code == 1 and "may not do this" in refused.err
    wrong = kw("asset", "list", "--user", "ada", "--password-stdin", stdin="wrong-password\n")
    assert wrong.code == 1 and "Unknown user or wrong password." in wrong.err
    assert kw("asset", "list").code == 2  # --user is required


def test_meter_readings_follow_the_cumulative_rule(kw: Run) -> None:
    assert kw("asset", "add", "P-1", "--name", "Pump", "--user", "ada").code == 0
    assert kw("meter", "add", "P-1", "Run hours", "--unit", "h", "--user", "pat").code == 0
    first = kw("meter", "read", "p-1", "run hours", "100", "--user", "tess")
    assert first.code == 0 and first.out.strip() == "Recorded 100 h on P-1 Run hours."
    lower = kw("meter", "read", "P-1", "Run hours", "90", "--user", "tess")
    assert lower.code == 1 and "Reading cannot be below the last reading, 100.00 h" in lower.err
    replaced = kw("meter", "read", "P-1", "Run hours", "2", "--replacement", "--json",
                  "--user", "tess")
    assert replaced.code == 0 and json.loads(replaced.out)["replacement"] is True
    missing = kw("meter", "read", "P-1", "Strokes", "1", "--user", "tess")
    assert missing.code == 1 and "its meters are Run hours" in missing.err
    refused = kw("meter", "read", "P-1", "Run hours", "5", "--user", "rita")
    assert refused.code == 1 and "may not do this" in refused.err
    shown = kw("asset", "show", "P-1", "--user", "rita").out
    assert "Meter Run hours: 2 h" in shown


def test_requests_filed_and_listed_per_person(kw: Run) -> None:
    assert kw("asset", "add", "P-1", "--name", "Pump", "--user", "ada").code == 0
    filed = kw("request", "file", "--title", "Leak", "--asset", "p-1", "--priority", "2",
               "--description", "drips", "--user", "rita")
    assert filed.code == 0 and filed.out.startswith("Filed WR-")
    assert kw("request", "file", "--title", "Fan", "--user", "tess").code == 0
    mine = json.loads(kw("request", "list", "--json", "--user", "rita").out)
    assert [(r["title"], r["asset_tag"], r["priority"]) for r in mine] == [("Leak", "P-1", 2)]
    everyone = json.loads(kw("request", "list", "--json", "--user", "pat").out)
    assert [r["title"] for r in everyone] == ["Fan", "Leak"]
    table = kw("request", "list", "--user", "pat").out
    assert "NUMBER" in table and "Leak" in table
    assert kw("request", "list", "--mine", "--user", "pat").out.strip() == "No work requests."


def test_the_real_entry_point_in_a_subprocess(db_url: str) -> None:
    url = db_url
    env = {**os.environ, "KEEPWELL_PASSWORD": PASSWORD, "QT_QPA_PLATFORM": "offscreen"}

    def keepwell(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ui.main", "--db", url, *argv], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=120)

    assert keepwell("db", "init").returncode == 0
    added = keepwell("user", "add", "ada", "--full-name", "Ada", "--role", "admin",
                     "--no-force-change")
    assert added.returncode == 0, added.stderr
    assert keepwell("asset", "add", "P-1", "--name", "Pump", "--user", "ada").returncode == 0
    listed = keepwell("asset", "list", "--json", "--user", "ada")
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["tag"] == "P-1"
    bad = keepwell("asset", "add", "P-1", "--name", "Again", "--user", "ada")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        "keepwell: error: Tag 'P-1' is already used by another asset."]
