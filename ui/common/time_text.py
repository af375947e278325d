"""Times as the screens show them: stored in UTC, shown in the desk's own time zone."""

from __future__ import annotations

import datetime as dt


def local_time(utc: dt.datetime | None) -> str:
    if utc is None:
        return ""
    return f"{utc.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"
