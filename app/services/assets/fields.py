"""Checking what a user typed into the asset form, one field at a time.

Each cleaner adds a message under the field's name to the form's `errors` dict (the rest of a
sentence after the field's label, see app.errors), so every bad field is reported at once.
Text is stored as typed (trimmed): quotes and SQL fragments are just text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from app.services.common import clean_date, clean_text, parse_decimal, places, text_problem

CRITICALITIES = ("A", "B", "C")
ASSET_STATUSES = ("in_service", "down", "retired")
STATUS_LABELS = {"in_service": "In service", "down": "Down", "retired": "Retired"}
EARLIEST_INSTALL = dt.date(2000, 1, 1)

MAX_AMOUNT = Decimal("999999999999.99")  # the column holds 14 digits, 2 after the point
# Tags and codes go on labels and barcodes: letters, digits and a few separators, no spaces.
CODE_RE = re.compile(r"^\w[\w./#-]*$")


def clean_code(errors: dict[str, str], name: str, value: Any, *, max_length: int) -> str:
    """A tag or code: trimmed and upper-cased, no spaces."""
    text = clean_text(errors, name, value, max_length=max_length).upper()
    if name not in errors and not CODE_RE.match(text):
        errors[name] = ("may hold only letters, digits and . / # - _ (no spaces), "
                        "starting with a letter or digit")
    return text


def clean_money(errors: dict[str, str], name: str, value: Any,
                *, negative: bool = False) -> Decimal | None:
    """An amount with at most 2 decimals, ≥ 0 unless `negative`; "" or None is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = parse_decimal(value)
    if amount is None:
        shown = value.strip()[:40] if isinstance(value, str) else ""
        errors[name] = f"must be a number, not {shown!r}" if shown.isprintable() and not (
            text_problem(shown)) and shown.lower() not in ("nan", "inf", "infinity") \
            else "must be a number"
    elif amount < 0 and not negative:
        errors[name] = "cannot be negative"
    elif abs(amount) > MAX_AMOUNT:
        errors[name] = f"must be at most {MAX_AMOUNT:,}" + (" either way" if negative else "")
    elif amount != amount.quantize(Decimal("0.01")):
        errors[name] = "may have at most 2 decimal places"
    else:
        return places(amount)
    return None


def cents(value: Any) -> Decimal | None:
    """A stored amount as Decimal with 2 places (SQLite may hand back 12.5 for 12.50)."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def clean_choice(errors: dict[str, str], name: str, value: Any, choices: tuple[str, ...],
                 *, upper: bool = False) -> str:
    text = value.strip().replace(" ", "_") if isinstance(value, str) else ""
    text = text.upper() if upper else text.lower()
    if text not in choices:
        errors[name] = "must be one of " + ", ".join(choices)
    return text


def clean_id(errors: dict[str, str], name: str, value: Any) -> int | None:
    """An optional record id: None, or a positive whole number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors[name] = "must be chosen from the list"
        return None
    return value


def _text(name: str, max_length: int, required: bool = False) -> Callable[..., Any]:
    return lambda errors, value: clean_text(errors, name, value, max_length=max_length,
                                            required=required)


ASSET_FIELDS: dict[str, Callable[[dict[str, str], Any], Any]] = {
    "tag": lambda errors, value: clean_code(errors, "tag", value, max_length=40),
    "name": _text("name", 120, required=True),
    "category": _text("category", 60),
    "criticality": lambda e, v: clean_choice(e, "criticality", v, CRITICALITIES, upper=True),
    "status": lambda e, v: clean_choice(e, "status", v, ASSET_STATUSES),
    "manufacturer": _text("manufacturer", 80),
    "model": _text("model", 80),
    "serial": _text("serial", 80),
    "install_date": lambda e, v: clean_date(e, "install_date", v, EARLIEST_INSTALL),
    "cost": lambda e, v: clean_money(e, "cost", v),
    "warranty_end": lambda e, v: clean_date(e, "warranty_end", v, EARLIEST_INSTALL),
    "parent_id": lambda e, v: clean_id(e, "parent_id", v),
    "location_id": lambda e, v: clean_id(e, "location_id", v),
    "notes": _text("notes", 20_000),
}


def clean_asset_fields(errors: dict[str, str], given: Mapping[str, Any]) -> dict[str, Any]:
    """Each given field cleaned by its own rule (the cross-field checks come after)."""
    return {name: ASSET_FIELDS[name](errors, value) for name, value in given.items()}


def check_asset_dates(errors: dict[str, str], install: dt.date | None,
                      warranty_end: dt.date | None) -> None:
    if "install_date" in errors or "warranty_end" in errors:
        return
    if install is not None and warranty_end is not None and warranty_end < install:
        errors["warranty_end"] = f"cannot be before the install date ({install:%Y-%m-%d})"
