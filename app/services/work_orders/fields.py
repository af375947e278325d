"""Checking what a user typed into a work order, one field at a time.

Each function takes the `errors` dict of the form being checked and adds a message under the
field's name (the rest of a sentence after the field's label, see app.errors), so every bad
field of a form is reported at once. They read the database but never write.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.models import Asset, Location, User
from app.paths import data_file
from app.permissions import ROLE_PERMISSIONS, Perm, Role
from app.services.common import clean_text, parse_decimal, places
from app.vocabulary import TASK_KINDS, WO_TYPES

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
TEXT_MAX = 500  # task text and results, labor notes, reasons
COMMENT_MAX = 5_000
UNIT_MAX = 20
MAX_TASKS = 200
MAX_HOURS = Decimal(10_000)
NOT_FINITE = ("nan", "snan", "inf", "infinity")  # numbers to Python, out of range to a planner
PRIORITIES = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
WORKING_ROLES = tuple(r.value for r in Role if Perm.WO_WORK in ROLE_PERMISSIONS[r])


@dataclass(frozen=True)
class TaskSpec:
    """One checklist item for a new order (a dict with the same keys works too)."""

    text: str
    kind: str = "check"
    required: bool = False
    unit: str = ""


def clean_choice(errors: dict[str, str], name: str, value: Any, choices: Iterable[str]) -> str:
    options = tuple(choices)
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in options:
        errors[name] = "must be one of " + ", ".join(options)
        return options[0]
    return str(text)


def clean_priority(errors: dict[str, str], value: Any) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number not in PRIORITIES:
        errors["priority"] = "must be a whole number from 1 (urgent) to 4 (low)"
        return 3
    return number


def clean_hours(
    errors: dict[str, str], name: str, value: Any, *, maximum: Decimal = MAX_HOURS,
    allow_zero: bool = True, required: bool = False,
) -> Decimal | None:
    """A number of hours with two decimals, 0 (or more than 0) up to `maximum`."""
    if value is None or value == "":
        if required:
            errors[name] = "is required"
        return None
    number = parse_decimal(value, decimal_comma=True)
    low = "0" if allow_zero else "more than 0"
    if number is None:
        not_finite = str(value).strip().lower().lstrip("+-") in NOT_FINITE
        errors[name] = f"must be from {low} to {maximum:,} hours" if not_finite else \
            "must be a number of hours"
        return None
    if number < 0 or number > maximum or (not allow_zero and number == 0):
        errors[name] = f"must be from {low} to {maximum:,} hours"
        return None
    return places(number)


def clean_id(errors: dict[str, str], name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = "must be chosen from the list"
        return None
    return value


def check_asset(errors: dict[str, str], asset_id: Any) -> Asset | None:
    asset_id = clean_id(errors, "asset", asset_id)
    if asset_id is None:
        return None
    asset = Asset.get_or_none(Asset.id == asset_id)
    if asset is None:
        errors["asset"] = "does not exist (it may have been deleted)"
    elif asset.status == "retired":
        errors["asset"] = f"{asset.tag} is retired: no new work can be raised against it"
        return None
    return asset


def check_location(errors: dict[str, str], location_id: Any) -> int | None:
    location_id = clean_id(errors, "location", location_id)
    if location_id is not None and not Location.select().where(
        Location.id == location_id
    ).exists():
        errors["location"] = "does not exist (it may have been deleted)"
        return None
    return location_id


def check_worker(errors: dict[str, str], name: str, user_id: Any) -> User | None:
    """An active account whose role may work on orders (not a requester)."""
    user_id = clean_id(errors, name, user_id)
    if user_id is None:
        return None
    user = User.get_or_none(User.id == user_id)
    if user is None:
        errors[name] = "does not exist (the account may have been deleted)"
    elif not user.active:
        errors[name] = f"{user.full_name} is deactivated and cannot be given work"
    elif user.role not in WORKING_ROLES:
        errors[name] = f"{user.full_name} is a {user.role} and may not work on orders"
    else:
        return user
    return None


def clean_tasks(errors: dict[str, str], tasks: Any) -> list[dict[str, Any]]:
    """Checklist items as dicts (text, kind, required, unit); errors under "task_<n>"."""
    if tasks is None:
        return []
    if isinstance(tasks, str | bytes | Mapping) or not isinstance(tasks, Iterable):
        errors["tasks"] = "must be a list of checklist items"
        return []
    items = list(tasks)
    if len(items) > MAX_TASKS:
        errors["tasks"] = f"has {len(items)} items; at most {MAX_TASKS} are allowed"
        return []
    cleaned = []
    for n, item in enumerate(items, 1):
        spec: Any = item
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            spec = dataclasses.asdict(item)
        if not isinstance(spec, Mapping):
            errors[f"task_{n}"] = "must give at least the text of the step"
            continue
        mine: dict[str, str] = {}
        text = clean_text(mine, "text", spec.get("text"), max_length=TEXT_MAX)
        unit = clean_text(mine, "unit", spec.get("unit", ""), max_length=UNIT_MAX, required=False)
        kind = clean_choice(mine, "kind", spec.get("kind", "check"), TASK_KINDS)
        required = spec.get("required", False)
        if not isinstance(required, bool):
            mine["required"] = "must be yes or no"
        if mine:
            errors[f"task_{n}"] = "; ".join(f"{field} {msg}" for field, msg in mine.items())
        cleaned.append(dict(position=n, text=text, kind=kind, required=bool(required),
                            unit=unit))
    return cleaned


def clean_type(errors: dict[str, str], value: Any) -> str:
    return clean_choice(errors, "type", value, WO_TYPES)


# --- failure codes -----------------------------------------------------------------------------


FAILURE_LISTS = ("problem", "cause", "remedy")


@dataclass(frozen=True)
class FailureCodes:
    """The shipped lists (code -> description), in the order of data/failure_codes.toml."""

    problem: Mapping[str, str]
    cause: Mapping[str, str]
    remedy: Mapping[str, str]

    def describe(self, kind: str, code: str) -> str:
        return dict(getattr(self, kind)).get(code, code)


@functools.cache
def failure_codes() -> FailureCodes:
    """The problem, cause and remedy lists shipped in data/failure_codes.toml (ISO 14224
    style), for the pick lists of the work-order form."""
    with data_file("failure_codes.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    return FailureCodes(**{kind: dict(raw[kind]) for kind in FAILURE_LISTS})


def clean_failure_code(errors: dict[str, str], kind: str, value: Any) -> str:
    """One code of the `kind` list ("" for none), stored upper-case."""
    name = f"failure_{kind}"
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = "must be a code from the list"
        return ""
    code = value.strip().upper()
    if code and code not in getattr(failure_codes(), kind):
        errors[name] = f"{value.strip()[:40]!r} is not in the list of {kind} codes"
        return ""
    return code
