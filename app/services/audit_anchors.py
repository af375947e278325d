"""Proving the audit trail whole: its head held in the database, anchors held outside it, and on
PostgreSQL whether the connected role could change the trail at all.

An anchor is a copy of the head, `(events, hash)`: "when this was taken, the trail held N
events and the Nth had this hash". As each hash covers every event before it, a trail that still
has that hash at position N is, up to N, the trail the anchor saw. Desks and the scheduler keep
the newest head they saw in the user's data folder (`anchor_locally`); `keepwell audit anchor
--out FILE` writes one for an auditor to keep away from the machine.

What this cannot prove: someone able to write the database AND every anchor it is checked
against can rewrite history unnoticed (the hashes have no secret). Hence anchors kept off the
machine, and on PostgreSQL desks whose role cannot UPDATE or DELETE audit events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import peewee

from app import db, paths
from app.clock import utcnow
from app.errors import KeepwellError
from app.models import AuditEvent
from app.services import audit

log = logging.getLogger(__name__)

TITLE = "Keepwell audit anchor"
ANCHOR_FOLDER = "audit-anchors"
_KEYS = {"database": "database", "events": "events", "newest event": "event_id",
         "newest hash": "hash", "taken at": "taken_at", "taken by": "taken_by",
         "check": "check"}
_SIGN_OFF = (
    "\n"
    "Signed off by: ______________________________   Date: ______________\n"
    "\n"
    "Keep this file, or a printout of it, away from this computer and the database server.\n"
    "`keepwell audit verify --anchor FILE` checks the audit trail against it: the trail must\n"
    "still hold at least these events, the last of them with this hash.\n"
)


@dataclass(frozen=True)
class Anchor:
    database: str
    events: int
    event_id: int  # the newest event's id (0: none, or not the one the head names)
    hash: str
    taken_at: dt.datetime  # UTC
    taken_by: str
    source: str = ""  # where it was read from, for messages

    def describe(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return (f"the anchor{where} taken {self.taken_at:%Y-%m-%d %H:%M} UTC by "
                f"{self.taken_by}")


def _check(database: str, events: int, event_id: int, digest: str, taken_at: str,
           taken_by: str) -> str:
    text = "\n".join([TITLE, database, str(events), str(event_id), digest, taken_at, taken_by])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def format_anchor(anchor: Anchor, *, sign_off: bool = False) -> str:
    """The anchor as the short text a person can read, print and sign."""
    taken_at = anchor.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        TITLE,
        f"database: {anchor.database}",
        f"events: {anchor.events}",
        f"newest event: {anchor.event_id}",
        f"newest hash: {anchor.hash}",
        f"taken at: {taken_at}",
        f"taken by: {anchor.taken_by}",
        "check: " + _check(anchor.database, anchor.events, anchor.event_id, anchor.hash,
                           taken_at, anchor.taken_by),
    ]
    return "\n".join(lines) + "\n" + (_SIGN_OFF if sign_off else "")


def parse_anchor(text: str, source: str) -> Anchor:
    """Read an anchor back; refuse in words a file that is not one, or was changed since."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != TITLE:
        raise KeepwellError(f"{source} is not a Keepwell audit anchor: its first line is not "
                            f"{TITLE!r}.")
    values: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip() in _KEYS:
            values.setdefault(_KEYS[key.strip()], value.strip())
    missing = [k for k, v in _KEYS.items() if v not in values]
    if missing:
        raise KeepwellError(f"{source} is not a whole audit anchor: it has no "
                            f"{', '.join(repr(m + ':') for m in missing)} line.")
    events, event_id = _int(values["events"]), _int(values["event_id"])
    expected = _check(values["database"], events, event_id, values["hash"], values["taken_at"],
                      values["taken_by"]) if min(events, event_id) >= 0 else ""
    if values["check"] != expected:
        raise KeepwellError(f"{source} was changed or damaged after it was written: its check "
                            "line does not match the lines above it. Use an unaltered copy.")
    try:
        taken_at = dt.datetime.strptime(values["taken_at"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as exc:
        raise KeepwellError(f"{source}: 'taken at' is not a time like 2026-01-31T08:00:00Z.") \
            from exc
    return Anchor(values["database"], events, event_id, values["hash"], taken_at,
                  values["taken_by"], source)


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 19 else -1


def read_anchor_file(path: Path) -> Anchor:
    """An anchor file given to `audit verify --anchor`, refused in words if unreadable."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeepwellError(f"Cannot read the anchor file {path}: {exc.strerror or exc}.") \
            from exc
    try:
        text = raw[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeepwellError(f"{path} is not a Keepwell audit anchor: it is not text.") from exc
    return parse_anchor(text, str(path))


# --- the head, copied out -------------------------------------------------------------------


def database_name() -> str:
    """The bound database, as anchors name it: the SQLite file's full path, or PostgreSQL's
    host, port and database name (never a password)."""
    database = db.database.obj
    if db.is_sqlite():
        return str(Path(database.database).resolve())
    params = database.connect_params
    host = params.get("host") or "localhost"
    return f"postgresql://{host}:{params.get('port') or 5432}/{database.database}"


def current_anchor(taken_by: str) -> Anchor:
    """The head now, as an anchor. Raises in words if the head row is gone."""
    head = audit.read_head()
    if head is None:
        raise KeepwellError("The audit trail's head is missing from the database (someone "
                            "deleted it): there is no head to anchor. Run `keepwell audit "
                            "verify` and investigate.")
    newest = AuditEvent.select(AuditEvent.id, AuditEvent.hash).order_by(
        AuditEvent.id.desc()).limit(1).tuples().first()
    event_id = int(newest[0]) if newest and newest[1] == head.hash else 0
    return Anchor(database_name(), head.events, event_id, head.hash,
                  utcnow().replace(microsecond=0), taken_by)


def _still_holds(kept: Anchor, now: Anchor) -> bool:
    """Cheaply, without walking the trail: is the event a kept anchor names still there,
    unchanged, and the head not behind it?"""
    if kept.database != now.database or kept.events == 0:
        return True
    if kept.events > now.events:
        return False
    if not kept.event_id:
        return True  # nothing to look up cheaply: `audit verify` walks the trail
    row = AuditEvent.select(AuditEvent.hash).where(AuditEvent.id == kept.event_id).tuples().first()
    return row is not None and row[0] == kept.hash


def local_anchor_file(database: str) -> Path:
    """This user's anchor for `database`, in their data folder."""
    name = hashlib.sha256(database.encode("utf-8")).hexdigest()[:16]
    return paths.user_data_dir() / ANCHOR_FOLDER / f"{name}.txt"


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the user only (0600 whatever the umask), whole or not
    at all (a new file put in place of the old)."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, 0o600)  # the umask may have taken bits off, or an old file had more
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)
    os.replace(partial, path)


def anchor_locally(taken_by: str) -> Anchor | None:
    """Copy the head out of the database into this user's anchor for it, and log it: the desk
    calls this at sign-out and the scheduler at each tick (one small read, no query per
    write). An anchor is never lowered: a head that went back (events deleted, or the database
    restored from an older backup) leaves the older, higher anchor in place, and says so in the
    log, for `audit verify` to report. Returns the anchor written, or None. Never raises:
    a desk signing out must not fail on this."""
    try:
        anchor = current_anchor(taken_by)
        path = local_anchor_file(anchor.database)
        try:
            kept = parse_anchor(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, KeepwellError):
            kept = None
        if kept is not None and not _still_holds(kept, anchor):
            log.warning("audit trail no longer matches %s (%d events then, %d now): that anchor "
                        "is kept for `keepwell audit verify`; once IT has explained it, they "
                        "remove %s", kept.describe(), kept.events, anchor.events, path)
            return None
        folder = path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private_text(path, format_anchor(anchor))
    except (KeepwellError, OSError, peewee.PeeweeException) as exc:
        log.warning("audit head not anchored: %s", exc)
        return None
    log.info("audit head seen: %d events, newest hash %s", anchor.events, anchor.hash)
    return anchor


def local_anchors() -> list[Anchor]:
    """The anchor this user's data folder holds for the bound database (none: an empty list)."""
    path = local_anchor_file(database_name())
    if not path.exists():
        return []
    return [read_anchor_file(path)]


# --- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailReport:
    ok: bool
    lines: list[str]  # the verdict first, then one line per check, in words


def _head_findings(report: audit.ChainReport, head: audit.Head | None) -> list[str]:
    if head is None:
        return ["the head (the count of events ever written, kept beside the trail) is "
                "missing: it was deleted behind Keepwell's back"]
    if head.events > report.events == 0:
        return [f"all {head.events} events written are missing: the trail is empty (deleted "
                "behind Keepwell's back)"]
    if head.events > report.events:
        missing = head.events - report.events
        return [f"{missing} event{'s' if missing != 1 else ''} missing at the end: "
                f"{head.events} were written, the trail holds {report.events} (deleted, or "
                "the trail edited behind Keepwell's back)"]
    if head.events < report.events:
        return [f"the trail holds {report.events} events but only {head.events} were written "
                "through Keepwell: events were added behind its back, or the head was lowered"]
    if head.hash != report.newest:
        return ["the newest event is not the one the head names: the end of the trail was "
                "rewritten behind Keepwell's back"]
    return []


def _anchor_finding(report: audit.ChainReport, anchor: Anchor, here: str) -> tuple[bool, str]:
    other = "" if anchor.database == here else f", on {anchor.database}"
    if anchor.events > report.events:
        missing = anchor.events - report.events
        return False, (f"{anchor.describe()}{other} saw {anchor.events} events; the trail "
                       f"holds {report.events}: {missing} missing (deleted, or the database "
                       "was restored from an older backup)")
    if anchor.events and report.hashes.get(anchor.events) != anchor.hash:
        return False, (f"event number {anchor.events} differs from {anchor.describe()}"
                       f"{other}: the trail up to it was rewritten since")
    return True, f"matches {anchor.describe()}{other} ({anchor.events} events)"


def protection() -> tuple[bool, str] | None:
    """On PostgreSQL: can the connected role change or delete audit events? (True, words) when
    it cannot. None on SQLite, where whoever can write the file can change anything."""
    if db.is_sqlite():
        return None
    database = db.database.obj
    row = database.execute_sql(
        "SELECT current_user, has_table_privilege('audit_event', 'UPDATE'), "
        "has_table_privilege('audit_event', 'DELETE'), "
        "has_table_privilege('audit_event', 'TRUNCATE')").fetchone()
    role, can = row[0], [p for p, yes in zip(("UPDATE", "DELETE", "TRUNCATE"), row[1:],
                                             strict=True) if yes]
    if not can:
        return True, f"protection: the role {role} cannot change or delete audit events"
    return False, (f"WARNING: the role {role} can change or delete audit events "
                   f"({', '.join(can)}): desks signed in with it could rewrite the trail; "
                   "give desks a role without these rights (see the deployment guide)")


def positions(anchors: Iterable[Anchor]) -> set[int]:
    """The positions in the trail whose hashes `judge` needs (for audit.verify_chain)."""
    return {a.events for a in anchors if a.events > 0}


def judge(report: audit.ChainReport, anchors: Iterable[Anchor]) -> TrailReport:
    """Given the walk of the chain (audit.verify_chain with `positions(anchors)`), compare it
    with its head and every anchor, and say on PostgreSQL whether the connected role could
    change it: each finding in words, the verdict first."""
    anchors = list(anchors)
    head = audit.read_head()
    here = database_name()
    problems: list[str] = []
    notes: list[str] = []
    if report.ok:
        problems += _head_findings(report, head)
        for anchor in anchors:
            held, line = _anchor_finding(report, anchor, here)
            (notes if held else problems).append(line)
    if not anchors:
        notes.append("no anchor to check against: a trail rewritten and hashed afresh by "
                     "someone with write access would not show (keep anchors: "
                     "`keepwell audit anchor --out FILE`)")
    guarded = protection()
    if guarded is not None:
        notes.append(guarded[1])
    if not report.ok:
        return TrailReport(False, [f"audit chain BROKEN at event {report.broken_at}: "
                                   f"{report.reason} ({report.events} events read)", *notes])
    if problems:
        return TrailReport(False, [f"audit trail NOT WHOLE: {problems[0]}", *problems[1:],
                                   *notes])
    return TrailReport(True, [f"audit chain OK: {report.events} events", *notes])


def local_and_given(files: Iterable[Path]) -> list[Anchor]:
    """The user's own anchor for the bound database (if any) and the anchor files given."""
    found = local_anchors()
    return found + [read_anchor_file(path) for path in files]
