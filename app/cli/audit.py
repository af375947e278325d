"""`keepwell audit ...`: checking the audit trail, run by IT with access to the database (as
IT, named after the OS account)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Subcommands,
    add_command,
    add_group,
    file_path,
    it,
    note,
    open_current_database,
)
from app.errors import KeepwellError
from app.services import audit, audit_anchors, health

VERIFY_HELP = """\
Proves the audit trail: every event links by hash to the one before it (an event edited, or
deleted from the middle, breaks the chain); the trail still holds as many events as were ever
written (the head kept beside it, which deleting events does not lower: catches events cut off
the end, or all of them); and it matches every anchor it can read: this user's own (desks and
the scheduler keep the newest head they saw in the user's data folder) and each --anchor FILE
(written by `keepwell audit anchor --out FILE`). On PostgreSQL it also says whether the
connected role could change or delete audit events.

What it cannot prove: someone with full write access to the database AND to every anchor
it is checked against could rewrite history and hash it afresh unnoticed (the hashes have no
secret). Without an anchor, such a rewrite does not show. So the office writes an anchor
regularly (`keepwell audit anchor --out FILE`) and keeps it off this machine (printed and
signed, or on another system), and on PostgreSQL signs desks in with a role that cannot
UPDATE or DELETE audit events.

Exit status: 0 when every check held, 1 when one did not."""

ANCHOR_HELP = """\
Writes the audit trail's head now (how many events, the newest one's hash, when, which
database, who) as a short text to keep away from this machine: printed and signed, or on
another system. `keepwell audit verify --anchor FILE` checks the trail against it later: any
event deleted, or the history before it rewritten, shows. The file is readable by you only."""


def _audit_verify(args: argparse.Namespace) -> int:
    open_current_database(args)
    # A damaged file can hide events from the walk (a page of them unreadable as rows): the
    # chain of what is left would verify. SQLite's quick check first (raises in words).
    damaged = health.quick_check()
    if damaged is not None:
        raise damaged
    anchors = audit_anchors.local_and_given(Path(p) for p in args.anchor or ())
    report = audit.verify_chain(it(), positions=audit_anchors.positions(anchors))
    verdict = audit_anchors.judge(report, anchors)
    print("\n".join(verdict.lines))
    return EXIT_OK if verdict.ok else EXIT_FAILED


def _audit_anchor(args: argparse.Namespace) -> int:
    open_current_database(args)
    out = Path(args.out)
    if out.exists() and not args.force:
        raise KeepwellError(f"{out} exists: an anchor is never written over. Choose another "
                            "file, or add --force.")
    anchor = audit_anchors.current_anchor(it().username)
    try:
        audit_anchors.write_private_text(out, audit_anchors.format_anchor(anchor, sign_off=True))
    except OSError as exc:
        raise KeepwellError(f"Cannot write the anchor to {out}: {exc.strerror or exc}.") from exc
    print(f"Anchor written to {out}: {anchor.events} events, newest hash {anchor.hash}.")
    note("Keep it away from this machine: `keepwell audit verify --anchor FILE` checks against it.")
    return EXIT_OK


def register_audit(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add the `audit` group (an entry of app.cli.main.COMMAND_GROUPS, after admin's)."""
    group = add_group(commands, common, "audit", "check the audit trail")
    verify = add_command(group, common, "verify", _audit_verify,
                         "prove the audit trail whole and unchanged; exit 1 if not")
    verify.description = VERIFY_HELP
    verify.formatter_class = argparse.RawDescriptionHelpFormatter
    verify.add_argument("--anchor", action="append", metavar="FILE", type=file_path,
                        help="also check against this anchor file (repeatable)")
    anchor = add_command(group, common, "anchor", _audit_anchor,
                         "write the audit trail's head to a file to keep off this machine")
    anchor.description = ANCHOR_HELP
    anchor.formatter_class = argparse.RawDescriptionHelpFormatter
    anchor.add_argument("--out", required=True, metavar="FILE", type=file_path,
                        help="the file to write (refused if it exists, unless --force)")
    anchor.add_argument("--force", action="store_true", help="write over an existing FILE")
