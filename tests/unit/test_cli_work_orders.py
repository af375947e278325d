"""`keepwell wo ...` in-process on SQLite, and once through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import db as dbmod
from app.models import Asset, User, WorkOrder
from app.services.people import auth
from tests.cli_runner import Result, Run

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"


@pytest.fixture
def cli_plant(kw: Run, db_url: str) -> str:
    """A database with ada (admin), pat (planner), tess (technician) and one pump."""
    assert kw("--db", db_url, "db", "init").code == 0
    for name, role in (("ada", "admin"), ("pat", "planner"), ("tess", "technician")):
        # ada, the first admin, needs no sign-in; the others are added by her (stdin: her
        # password, then theirs)
        by_ada = () if name == "ada" else ("--user", "ada")
        result = kw("--db", db_url, "user", "add", name, "--full-name", f"{name.title()} X",
                    "--role", role, "--no-force-change", *by_ada, "--password-stdin",
                    stdin=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.code == 0, result.err
    dbmod.connect(db_url)
    Asset.create(tag="PMP-0001", name="Feed pump")
    dbmod.close()
    return db_url


def wo(kw: Run, url: str, user: str, *argv: str) -> Result:
    return kw("--db", url, "wo", *argv, "--user", user, "--password-stdin", stdin=PASSWORD)


def test_create_list_show_and_move_an_order_to_sign_off(kw: Run, cli_plant: str) -> None:
    made = wo(kw, cli_plant, "pat", "create", "--title", "Seal leaking 'x'; --", "--asset",
              "pmp-0001", "--priority", "2", "--due", "2026-05-04", "--assignee", "tess")
    assert made.code == 0, made.err
    number = made.out.split()[1].rstrip(":")
    assert number.startswith("WO-") and "Seal leaking 'x'; --" in made.out

    listed = wo(kw, cli_plant, "tess", "list", "--json")
    assert listed.code == 0, listed.err
    (row,) = json.loads(listed.out)
    assert (row["number"], row["asset_tag"], row["priority"], row["due_date"]) == (
        number, "PMP-0001", 2, "2026-05-04")
    table = wo(kw, cli_plant, "tess", "list", "--status", "assigned", "--sort", "number",
               "--desc")  # choosing who does it assigned the order
    assert number in table.out and "NUMBER" in table.out
    none = wo(kw, cli_plant, "tess", "list", "--status", "closed", "--limit", "5")
    assert none.code == 0 and "No work orders match." in none.out

    for user, status, extra in (("tess", "in_progress", ()), ("tess", "completed", ())):
        moved = wo(kw, cli_plant, user, "transition", number, status, *extra)
        assert moved.code == 0, moved.err
    shown = json.loads(wo(kw, cli_plant, "pat", "show", number.lower(), "--json").out)
    assert shown["status"] == "completed" and shown["assignee_name"] == "Tess X"
    assert [entry["to_status"] for entry in shown["log"]] == [
        "assigned", "in_progress", "completed"]

    # A corrective order needs failure codes before sign-off; a planner may not sign at all.
    refused = wo(kw, cli_plant, "pat", "transition", number, "closed")
    assert refused.code == 1 and "may not move an order from completed to closed" in refused.err
    missing = wo(kw, cli_plant, "ada", "transition", number, "closed")
    assert missing.code == 1 and "Problem code is required to sign off" in missing.err
    dbmod.connect(cli_plant)
    WorkOrder.update(failure_problem="LEAK", failure_cause="WEAR",
                     failure_remedy="REPLACE").execute()
    dbmod.close()
    closed = wo(kw, cli_plant, "ada", "transition", number, "closed")
    assert closed.code == 0, closed.err
    shown = json.loads(wo(kw, cli_plant, "ada", "show", number, "--json").out)
    assert (shown["signature_name"], shown["signature_meaning"]) == (
        "Ada X", "Reviewed and approved")
    plain = wo(kw, cli_plant, "ada", "show", number)
    assert "Status:" in plain.out and "Closed" in plain.out


@pytest.mark.parametrize("argv, words", [
    (("create", "--title", "x" * 201), "Title is 201 characters long"),
    (("create", "--title", "Fix", "--asset", "NOPE-1"), "Asset 'NOPE-1' is not the tag"),
    (("create", "--title", "Fix", "--assignee", "nobody"), "Assignee 'nobody' is not a user"),
    (("create", "--title", "Fix", "--due", "2026-02-30"),
     "Due date 2026-02-30 is not a day of the calendar"),
    (("create", "--title", "Fix", "--due", "2200-01-01"), "Due date must be between"),
    (("create", "--title", "Fix", "--priority", "9"), "Priority must be a whole number"),
    (("show", "WO-1999-000001"), "There is no work order WO-1999-000001."),
    (("transition", "WO-1999-000001", "assigned"), "There is no work order"),
])
def test_bad_input_is_one_line_and_exit_1_with_nothing_written(
        kw: Run, cli_plant: str, argv: tuple[str, ...], words: str) -> None:
    result = wo(kw, cli_plant, "pat", *argv)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("keepwell: error:")]
    assert len(errors) == 1 and words in errors[0], result.err
    dbmod.connect(cli_plant)
    assert WorkOrder.select().count() == 0
    dbmod.close()


def test_permissions_and_sign_in_are_those_of_the_services(kw: Run, cli_plant: str) -> None:
    tech = wo(kw, cli_plant, "tess", "create", "--title", "Fix")
    assert tech.code == 1 and "Technician accounts may not do this" in tech.err
    wrong = kw("--db", cli_plant, "wo", "list", "--user", "pat", "--password-stdin",
               stdin="wrong password")
    assert wrong.code == 1 and "Unknown user or wrong password." in wrong.err
    usage = wo(kw, cli_plant, "pat", "transition", "WO-1", "finished")
    assert usage.code == 2
    limit = wo(kw, cli_plant, "pat", "list", "--limit", "0")
    assert limit.code == 2 and "--limit must be from 1 to 1000" in limit.err


def test_a_wrong_reason_or_state_is_refused(kw: Run, cli_plant: str) -> None:
    number = wo(kw, cli_plant, "pat", "create", "--title", "Fix").out.split()[1].rstrip(":")
    no_reason = wo(kw, cli_plant, "pat", "transition", number, "cancelled")
    assert no_reason.code == 1 and "Reason is required" in no_reason.err
    bad = wo(kw, cli_plant, "pat", "transition", number, "completed")
    assert bad.code == 1 and "it cannot go to completed" in bad.err
    done = wo(kw, cli_plant, "pat", "transition", number, "cancelled", "--reason", "Duplicate")
    assert done.code == 0 and "is now cancelled" in done.out
    dbmod.connect(cli_plant)
    assert User.select().count() == 3
    dbmod.close()


def test_the_entry_point_in_a_subprocess(kw: Run, cli_plant: str) -> None:
    env = dict(os.environ, KEEPWELL_DATABASE_URL=cli_plant, KEEPWELL_PASSWORD=PASSWORD)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    command = [sys.executable, "-m", "ui.main"]
    args = ["wo", "create", "--title", "From a script", "--user", "pat"]
    made = subprocess.run([*command, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    listed = subprocess.run([*command, "wo", "list", "--json", "--user", "pat"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert [r["title"] for r in json.loads(listed.stdout)] == ["From a script"]
    bad = subprocess.run([*command, "wo", "show", "WO-1", "--user", "pat"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("keepwell: error: There is no work order WO-1.")
    assert auth.BCRYPT_ROUNDS == 4  # the subprocess used the real cost; this one the test cost


def test_list_filters(kw: Run, cli_plant: str) -> None:
    for title, extra in (("Seal", ("--asset", "PMP-0001", "--assignee", "tess", "--due",
                                   "2020-01-10", "--priority", "1")),
                         ("Belt", ("--type", "inspection", "--due", "2099-03-01"))):
        assert wo(kw, cli_plant, "pat", "create", "--title", title, *extra).code == 0

    def titles(*argv: str) -> list[str]:
        result = wo(kw, cli_plant, "pat", "list", "--json", *argv)
        assert result.code == 0, result.err
        return sorted(row["title"] for row in json.loads(result.out))

    assert titles("--asset", "pmp-0001") == ["Seal"]
    assert titles("--assignee", "tess") == ["Seal"]
    assert titles("--unassigned") == ["Belt"]
    assert titles("--type", "inspection", "--type", "corrective") == ["Belt", "Seal"]
    assert titles("--priority", "1") == ["Seal"]
    assert titles("--due-from", "2099-01-01") == ["Belt"]
    assert titles("--due-to", "2020-12-31", "--current") == ["Seal"]
    assert titles("--overdue") == ["Seal"]
    bad = wo(kw, cli_plant, "pat", "list", "--due-from", "2099-01-01", "--due-to", "2020-01-01")
    assert bad.code == 1 and "is after the end of the range" in bad.err
    assert wo(kw, cli_plant, "pat", "list", "--priority", "x").code == 1
    unknown = wo(kw, cli_plant, "pat", "list", "--asset", "NOPE-9")
    assert unknown.code == 1 and "'NOPE-9' is not the tag" in unknown.err
