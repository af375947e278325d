"""`keepwell pm run`: the PM check from the command line. It creates the work orders that are
due now (or says what it would create, with --dry-run), acting as a planner or admin who signs
in (`--user NAME`; password from a prompt, --password-stdin or KEEPWELL_PASSWORD). The other
`pm` commands are app/cli/pm.py; the headless `keepwell scheduler` (app/cli/scheduler.py) runs
the same check every few minutes.

`pm run` exits 0 when the check ran, 1 when it ran but set schedules aside that cannot be
checked (each is named; the others were checked), and EXIT_NOT_RUN (3) when it did not run
at all because another runner kept the lease for the whole wait (that runner does the work).
"""

from __future__ import annotations

import argparse
import datetime as dt

from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    OptionError,
    Subcommands,
    UsageError,
    add_command,
    add_sign_in_options,
    open_current_database,
    print_json,
    print_table,
    sign_in_from_args,
)
from app.services.common import clean_date
from app.services.pm import run as pm_run

EXIT_NOT_RUN = 3  # `pm run`: another runner kept the lease; nothing was done
MAX_WAIT_SECONDS = 3600


class AsOfError(OptionError):
    """--as-of is not a date (named by its option, as the other `pm` commands name theirs)."""

    OPTIONS = {"as_of": "--as-of"}


def _date(name: str, text: str | None) -> dt.date | None:
    errors: dict[str, str] = {}
    day = clean_date(errors, name, text)
    if errors:
        raise AsOfError(errors)
    return day


def _pm_run(args: argparse.Namespace) -> int:
    as_of = _date("as_of", args.as_of)
    if as_of and as_of > dt.date.today() and not args.dry_run:
        raise UsageError("--as-of is after today: a real run would record occurrences as "
                         "missed before they happen. Add --dry-run to see what it would do.")
    if not 0 <= args.wait <= MAX_WAIT_SECONDS:
        raise UsageError(f"--wait must be from 0 to {MAX_WAIT_SECONDS} seconds.")
    open_current_database(args)
    actor = sign_in_from_args(args)
    result = pm_run.generate_due_work_orders(actor, as_of=as_of, dry_run=args.dry_run,
                                             wait_seconds=args.wait)
    code = (EXIT_NOT_RUN if result.not_run else
            EXIT_FAILED if result.unchecked else EXIT_OK)
    if args.json:
        print_json(pm_run.result_json(result))
        return code
    if result.not_run:
        print(result.not_run)
        return code
    print(result.summary + (" Nothing was written (dry run)." if result.dry_run else ""))
    if result.created:
        print("Would create:" if result.dry_run else "Created:")
        print_table(("NUMBER", "ASSET", "SCHEDULE", "DUE", "WHY"),
                    [(c.number or "-", c.asset_tag, c.schedule, c.due, c.why)
                     for c in result.created])
    if result.missed:
        print("Missed (its order was still open; counts against PM compliance):")
        print_table(("ASSET", "SCHEDULE", "MISSED"),
                    [(m.asset_tag, m.schedule, m.words) for m in result.missed])
    skipped = [s for s in result.skipped if not s.unchecked]
    if skipped:
        print("Skipped:")
        print_table(("ASSET", "SCHEDULE", "WHY"),
                    [(s.asset_tag, s.schedule, s.why) for s in skipped])
    if result.unchecked:
        print("Could not be checked (the others were; correct these schedules on the PM "
              "Schedules screen):")
        print_table(("ID", "ASSET", "SCHEDULE", "WHY"),
                    [(s.schedule_id, s.asset_tag, s.schedule,
                      s.why.removeprefix(pm_run.UNCHECKED)) for s in result.unchecked])
    return code


def register_pm_run(group: Subcommands, common: argparse.ArgumentParser) -> None:
    """Add `keepwell pm run` to the `pm` group (app.cli.main adds it after app/cli/pm.py's)."""
    run = add_command(group, common, "run", _pm_run,
                      "create the PM work orders that are due now (planners and admins)")
    add_sign_in_options(run)
    run.add_argument("--json", action="store_true", help="print JSON")
    run.epilog = ("Exit code 0 when the check ran; 1 when schedules had to be set aside (they "
                  "cannot be checked: each is named, the others were checked); "
                  f"{EXIT_NOT_RUN} when another runner kept the PM check busy all the time this "
                  "one waited (--wait; that runner creates what is due).")
    run.add_argument("--as-of", metavar="YYYY-MM-DD", help="check as of this day (default today)")
    run.add_argument("--dry-run", action="store_true", help="say what it would do; write nothing")
    run.add_argument("--wait", type=float, default=60, metavar="SECONDS",
                     help="while another runner is at work, wait up to this long for it "
                          "(default 60; 0: do not wait)")
