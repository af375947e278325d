"""The one clock records are stamped with: naive UTC, for the models, services and screens."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Stamps are stored as naive UTC; the GUI shows them in local time."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
