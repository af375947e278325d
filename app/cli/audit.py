"""`keepwell audit ...`: checking the audit trail, run by IT with access to the database (as
IT, named after the OS account)."""

from __future__ import annotations

import argparse

from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Subcommands,
    add_command,
    add_group,
    it,
    open_current_database,
)
from app.services import audit, health


def _audit_verify(args: argparse.Namespace) -> int:
    open_current_database(args)
    # A damaged file can hide events from the walk (a page of them unreadable as rows): the
    # chain of what is left would verify. SQLite's quick check first (raises in words).
    damaged = health.quick_check()
    if damaged is not None:
        raise damaged
    report = audit.verify_chain(it())
    if report.ok:
        print(f"audit chain OK: {report.events} events")
        return EXIT_OK
    print(f"audit chain BROKEN at event {report.broken_at}: {report.reason} "
          f"({report.events} events read)")
    return EXIT_FAILED


def register_audit(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add the `audit` group (an entry of app.cli.main.COMMAND_GROUPS, after admin's)."""
    group = add_group(commands, common, "audit", "check the audit trail")
    add_command(group, common, "verify", _audit_verify,
                "prove the hash chain of the audit trail unbroken; exit 1 if not")
