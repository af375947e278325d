"""A finished PM check as the GUI receives it, and the check in words: one line for the status
bar, and why a check failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.errors import KeepwellError
from app.services import database
from app.services.pm.run import RunResult
from ui.common.errors import describe


@dataclass(frozen=True)
class PmCheckReport:
    """A finished check, as the GUI receives it."""

    result: RunResult
    requested: bool  # asked for by the user ("Run PM check now", a preview): show it to them
    at: dt.datetime  # local time it finished


def failure_words(exc: BaseException) -> str:
    """Why a check failed, in the words a user reads."""
    if isinstance(exc, KeepwellError):
        return describe(exc)
    if database.is_database_error(exc):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"The database did not answer ({first}). Keepwell will try again."
    return (f"An unexpected problem stopped it ({type(exc).__name__}). "
            "Keepwell will try again; details are in the log.")


def status_words(report: PmCheckReport) -> str:
    """One line for the status bar: "PM check 14:05: created 3 orders"."""
    result = report.result
    what = "PM preview" if result.dry_run else "PM check"
    head = f"{what} {report.at:%H:%M}"
    if result.not_run:
        return f"{head}: another desk is running it"
    n = len(result.created)
    if n == 0:
        done = "nothing due"
    else:
        verb = "would create" if result.dry_run else "created"
        done = f"{verb} {n} order{'s' if n != 1 else ''}"
    if result.missed:
        done += f", {len(result.missed)} missed"
    return f"{head}: {done}"
