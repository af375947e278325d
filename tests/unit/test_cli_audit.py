"""`keepwell audit verify` and `keepwell audit anchor`, against a database changed behind
Keepwell's back the way a tamperer would: plain SQL through sqlite3 (or psycopg on PostgreSQL,
where tests/integration/test_audit_pg.py runs these again), never through the models."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
from pathlib import Path

import pytest

from app import db as dbmod
from app.services import audit_anchors
from tests.cli_runner import Run

PASSWORD = "correct-horse-42"
GENESIS = "0" * 64


def raw(url: str, sql: str, *params: object) -> list[tuple]:
    """One statement, committed, on a connection of its own (not Keepwell's)."""
    target = dbmod.parse_url(url)
    if target.is_sqlite:
        import sqlite3

        conn = sqlite3.connect(str(target.path))
        try:
            rows = conn.execute(sql, params).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url) as pg:
        cursor = pg.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def rehash_all(url: str) -> None:
    """Recompute every hash and the head, as a tamperer who read services/audit.py would."""
    prev = GENESIS
    rows = raw(url, "SELECT id, at, actor, actor_id, entity, entity_id, action, changes "
                    "FROM audit_event ORDER BY id")
    for event_id, at, actor, actor_id, entity, entity_id, action, changes in rows:
        at = dt.datetime.fromisoformat(at) if isinstance(at, str) else at  # SQLite: text
        payload = json.dumps([prev, at.isoformat(), actor, actor_id, entity, entity_id, action,
                              changes], sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        raw(url, "UPDATE audit_event SET prev_hash = ?, hash = ? WHERE id = ?",
            prev, digest, event_id)
        prev = digest
    raw(url, "UPDATE audit_head SET events = ?, hash = ?", len(rows), prev)


@pytest.fixture
def office(kw: Run, db_url: str) -> str:
    """An initialised database with an admin and a few audited changes."""
    assert kw("--db", db_url, "db", "init").code == 0
    added = kw("--db", db_url, "user", "add", "ada", "--full-name", "Ada Admin", "--role",
               "admin", "--no-force-change", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.code == 0, added.err
    for name in ("tess", "pete", "ralf"):
        made = kw("--db", db_url, "user", "add", name, "--full-name", name.title(), "--role",
                  "technician", "--password-stdin", "--user", "ada",
                  stdin=f"{PASSWORD}\na-good-password-1\n")
        assert made.code == 0, made.err
    return db_url


def events(url: str) -> int:
    return int(raw(url, "SELECT count(*) FROM audit_event")[0][0])


def verify(kw: Run, url: str, *anchors: Path):
    return kw("--db", url, "audit", "verify", *[a for p in anchors for a in ("--anchor", str(p))])


def test_a_whole_trail_verifies_and_says_what_it_cannot_prove(kw: Run, office: str) -> None:
    result = verify(kw, office)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"audit chain OK: {events(office)} events"
    assert lines[1].startswith("no anchor to check against: a trail rewritten and hashed afresh")


def test_the_anchor_file_is_private_signed_off_and_never_written_over(
    kw: Run, office: str, tmp_path: Path
) -> None:
    out = tmp_path / "anchor.txt"
    made = kw("--db", office, "audit", "anchor", "--out", str(out))
    assert made.code == 0, made.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    head = raw(office, "SELECT events, hash FROM audit_head")[0]
    assert f"events: {head[0]}\n" in text and f"newest hash: {head[1]}\n" in text
    assert "taken by: it:" in text and "Signed off by:" in text
    again = kw("--db", office, "audit", "anchor", "--out", str(out))
    assert again.code == 1 and "never written over" in again.err
    assert out.read_text() == text
    checked = verify(kw, office, out)
    assert checked.code == 0, checked.out
    assert f"matches the anchor ({out}) taken " in checked.out


def test_deleting_the_newest_events_is_detected(kw: Run, office: str, tmp_path: Path) -> None:
    total = events(office)
    raw(office, "DELETE FROM audit_event WHERE id IN "
                "(SELECT id FROM audit_event ORDER BY id DESC LIMIT 2)")
    result = verify(kw, office)
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        f"audit trail NOT WHOLE: 2 events missing at the end: {total} were written, the trail "
        f"holds {total - 2} (deleted, or the trail edited behind Keepwell's back)")


def test_deleting_every_event_is_detected(kw: Run, office: str, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.txt"
    assert kw("--db", office, "audit", "anchor", "--out", str(anchor)).code == 0
    total = events(office)
    raw(office, "DELETE FROM audit_event")
    result = verify(kw, office)
    assert result.code == 1
    assert f"all {total} events written are missing: the trail is empty" in result.out
    # The head reset as well: the database alone looks new; the auditor's anchor does not.
    raw(office, "UPDATE audit_head SET events = 0, hash = ?", GENESIS)
    assert verify(kw, office).code == 0
    result = verify(kw, office, anchor)
    assert result.code == 1
    assert f"saw {total} events; the trail holds 0: {total} missing" in result.out


def test_editing_one_event_is_detected(kw: Run, office: str) -> None:
    second = raw(office, "SELECT id FROM audit_event ORDER BY id LIMIT 1 OFFSET 1")[0][0]
    raw(office, "UPDATE audit_event SET actor = 'mallory' WHERE id = ?", second)
    result = verify(kw, office)
    assert result.code == 1
    assert result.out.splitlines()[0].startswith(
        f"audit chain BROKEN at event {second}: its content was changed after it was written")


def test_editing_and_rehashing_is_caught_only_by_an_anchor(
    kw: Run, office: str, tmp_path: Path
) -> None:
    anchor = tmp_path / "anchor.txt"
    assert kw("--db", office, "audit", "anchor", "--out", str(anchor)).code == 0
    raw(office, "UPDATE audit_event SET actor = 'mallory' WHERE id = "
                "(SELECT min(id) FROM audit_event)")
    rehash_all(office)
    blind = verify(kw, office)  # the known limit: without an anchor, nothing shows
    assert blind.code == 0 and "no anchor to check against" in blind.out
    caught = verify(kw, office, anchor)
    assert caught.code == 1
    assert f"event number {events(office)} differs from the anchor ({anchor})" in caught.out


def test_the_local_anchor_of_a_desk_is_checked_without_being_named(
    kw: Run, office: str
) -> None:
    """What a desk at sign-out or the scheduler at a tick leaves in the user's data folder."""
    dbmod.connect(office)
    try:
        assert audit_anchors.anchor_locally("tess") is not None
    finally:
        dbmod.close()
    assert "matches the anchor" in verify(kw, office).out
    raw(office, "UPDATE audit_event SET actor = 'mallory' WHERE id = "
                "(SELECT min(id) FROM audit_event)")
    rehash_all(office)
    result = verify(kw, office)
    assert result.code == 1 and "differs from the anchor" in result.out


def test_a_bad_anchor_file_is_refused_in_words(kw: Run, office: str, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.txt"
    assert kw("--db", office, "audit", "anchor", "--out", str(anchor)).code == 0
    anchor.write_text(anchor.read_text().replace("events: ", "events: 1"))
    result = verify(kw, office, anchor)
    assert result.code == 1
    assert "was changed or damaged after it was written" in result.err
    result = verify(kw, office, tmp_path / "missing.txt")
    assert result.code == 1 and "Cannot read the anchor file" in result.err


def test_verify_help_says_what_it_cannot_prove(kw: Run) -> None:
    result = kw("audit", "verify", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert ("someone with full write access to the database AND to every anchor it is checked "
            "against could rewrite history") in text
    assert "keeps it off this machine" in text
    assert "cannot UPDATE or DELETE audit events" in text
