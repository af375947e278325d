"""Helpers shared by services: optimistic-locked updates and input checks."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee

from app import db
from app.clock import utcnow
from app.errors import ConflictError, NotFound, ValidationError
from app.models import AuditEvent, VersionedModel
from app.vocabulary import ATTACHMENT_MAX_BYTES


def lock_rows(query: Any) -> Any:
    """`query` as SELECT ... FOR UPDATE on PostgreSQL, so a check-then-write cannot race another
    desk; on SQLite the write transaction (BEGIN IMMEDIATE) already keeps writers apart."""
    return query if db.is_sqlite() else query.for_update()


def get_or_not_found(model: type[peewee.Model], pk: int, what: str) -> Any:
    obj = model.get_or_none(model._meta.primary_key == pk)
    if obj is None:
        raise NotFound(f"{what} {pk} does not exist (it may have been deleted).")
    return obj


def last_change_by(entity: str, entity_id: object) -> str:
    event = (
        AuditEvent.select(AuditEvent.actor, AuditEvent.at)
        .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == str(entity_id)))
        .order_by(AuditEvent.id.desc())
        .first()
    )
    if event is None:
        return "another desk"
    return f"{event.actor} at {event.at:%H:%M} UTC"


ENTITY_WORDS = {"work_order": "work order", "pm_schedule": "PM schedule",
                "work_request": "work request"}


def _words(entity: str) -> str:
    return ENTITY_WORDS.get(entity, entity.replace("_", " "))


def versioned_update(
    obj: VersionedModel, expected_version: int | None, entity: str, **fields: Any
) -> dict[str, list[Any]]:
    """Write `fields` if the row is still at `expected_version` (None: at the version `obj` was
    read with). Zero rows updated means someone else saved first: ConflictError, nothing written.
    Returns the changed fields as {field: [old, new]}."""
    model = type(obj)
    version = obj.version if expected_version is None else expected_version
    changes = {k: [getattr(obj, k), v] for k, v in fields.items() if getattr(obj, k) != v}
    if not changes:
        return {}
    values = {getattr(model, k): v for k, v in fields.items()}
    values[model.version] = version + 1
    values[model.updated_at] = utcnow()
    count = model.update(values).where((model.id == obj.id) & (model.version == version)).execute()
    if count == 0:
        theirs = model.get_or_none(model.id == obj.id)
        if theirs is None:
            raise NotFound(f"{_words(entity).capitalize()} {obj.id} was deleted by someone else.")
        secret = {"password_hash"}
        raise ConflictError(
            f"This {_words(entity)} was changed by {last_change_by(entity, obj.id)}: "
            "reload to see their changes, then make yours again.",
            mine={k: v for k, v in fields.items() if k not in secret},
            theirs={k: v for k, v in theirs.__data__.items() if k not in secret},
        )
    for k, v in fields.items():
        setattr(obj, k, v)
    obj.version = version + 1
    return changes


# Characters that reorder the text after them when it is shown (bidirectional embeddings,
# overrides and isolates): "invoice\u202eexe.pdf" prints as "invoicefdp.exe". Right-to-left
# letters (Arabic, Hebrew) show right to left without them; the marks U+200E/U+200F stay allowed.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Lone surrogates: bytes of a command line that are not UTF-8 arrive as U+DC80..U+DCFF.
SURROGATES = re.compile("[\ud800-\udfff]")
# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: one line.
ONE_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Text of several lines (descriptions, notes, comments) keeps newlines and tabs.
LINES_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MULTILINE_FROM = 1000  # text fields this long are the multi-line ones (see clean_text)


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What makes `value` unfit to store and show as text, in words after the field's name
    (None: nothing). Never quotes `value`: it may not even be printable."""
    found = SURROGATES.search(value)
    if found:
        code = ord(found.group())
        byte = f" (the byte 0x{code - 0xDC00:02X})" if 0xDC80 <= code <= 0xDCFF else ""
        return (f"is not valid text (UTF-8): character {found.start() + 1} cannot be "
                f"read{byte}")
    found = BIDI_CONTROLS.search(value)
    if found:
        return (f"contains an invisible direction control (U+{ord(found.group()):04X}, "
                f"character {found.start() + 1}), which can make text show as something it is "
                "not; right-to-left letters need none")
    found = (LINES_CONTROLS if multiline else ONE_LINE_CONTROLS).search(value)
    if found:
        char = found.group()
        where = f"U+{ord(char):04X}, character {found.start() + 1}"
        if char in "\n\r\u2028\u2029" and not multiline:
            return f"must be one line: it contains a line break ({where})"
        if char == "\t" and not multiline:
            return f"must be one line of text: it contains a tab ({where})"
        return f"contains control characters ({where}); only printable text can be stored"
    return None


def clean_text(
    errors: dict[str, str], name: str, value: Any, *, max_length: int, required: bool = True,
    multiline: bool | None = None,
) -> str:
    """Strip and check one text field; a problem goes into `errors` under the field's name.
    Refused: bytes that are not UTF-8, control characters and bidirectional overrides and
    isolates (they disguise text in lists and printouts). `multiline` text keeps newlines
    (Windows' CR LF becomes LF) and tabs; by default the long fields (MULTILINE_FROM characters
    or more: descriptions, notes, comments) are multi-line and the others one line."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "must be text"
        return ""
    if multiline is None:
        multiline = max_length >= MULTILINE_FROM
    value = value.strip()
    if multiline:
        value = value.replace("\r\n", "\n")
    problem = text_problem(value, multiline=multiline)
    if required and not value:
        errors[name] = "is required"
    elif len(value) > max_length:
        errors[name] = f"is {len(value)} characters long; at most {max_length} are allowed"
    elif problem:
        errors[name] = problem
    return value


MAX_NUMBER_TEXT = 40  # more than any amount a column holds, written out in full


def parse_decimal(value: Any, *, decimal_comma: bool = False) -> Decimal | None:
    """`value` (a number, or text as typed: "1,234.50", or with `decimal_comma` "2,5") as a
    finite Decimal; None when it is not one (NaN, infinity, words, text too long to be a
    number). Never raises: the caller checks the range before rounding (quantize raises for a
    number with more digits than the context holds, such as 1e30 to cents)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    if isinstance(value, str):
        text = value.strip()
        text = text.replace(",", ".") if decimal_comma else text.replace(",", "")
        if not text or len(text) > MAX_NUMBER_TEXT or text_problem(text):
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    elif isinstance(value, float):
        number = Decimal(repr(value))  # 0.1 is 0.1, not its binary neighbour
    else:
        number = Decimal(value)
    return number if number.is_finite() else None


def places(number: Decimal, digits: int = 2) -> Decimal:
    """`number` rounded to `digits` decimals; call it on a number within a column's range."""
    return number.quantize(Decimal(1).scaleb(-digits))


EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def clean_date(
    errors: dict[str, str], name: str, value: Any,
    earliest: dt.date = EARLIEST_DATE, latest: dt.date = LATEST_DATE,
) -> dt.date | None:
    """None ("" or None: no date), a date, or text as YYYY-MM-DD, between `earliest` and
    `latest`; a problem goes into `errors` under the field's name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            text = value.strip()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                errors[name] = f"{text} is not a day of the calendar"
            else:
                errors[name] = f"must be a date written YYYY-MM-DD, not {text[:40]!r}"
            return None
    if not isinstance(value, dt.date):
        errors[name] = "must be a date written YYYY-MM-DD"
        return None
    if not earliest <= value <= latest:
        errors[name] = f"must be between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d}"
        return None
    return value


MEDIA_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def clean_file(errors: dict[str, str], data: Any, media_type: Any) -> tuple[bytes, str]:
    """An attachment's content and media type: not empty, at most ATTACHMENT_MAX_BYTES (every
    desk downloads it from the shared database), a well-formed type."""
    content = b""
    if not isinstance(data, bytes | bytearray | memoryview):
        errors["file"] = "must be the file's content"
    else:
        content = bytes(data)
        if not content:
            errors["file"] = "is empty"
        elif len(content) > ATTACHMENT_MAX_BYTES:
            errors["file"] = (f"is {len(content) / 2**20:.1f} MB; at most "
                              f"{ATTACHMENT_MAX_BYTES / 2**20:.0f} MB can be stored")
    kind = ""
    if isinstance(media_type, str | type(None)):
        kind = (media_type or "application/octet-stream").strip().lower()
    if len(kind) > 100 or not MEDIA_TYPE_RE.match(kind):
        errors["media_type"] = "must be a media type such as image/jpeg"
    return content, kind


MAX_SEARCH = 200


def clean_search(text: Any, name: str = "search") -> str:
    """A search as typed, trimmed; ValidationError naming `name` for one that is not text,
    too long, or holds bytes that are not UTF-8 or control characters (nothing stored can
    match them, and PostgreSQL refuses NUL outright)."""
    errors: dict[str, str] = {}
    cleaned = clean_text(errors, name, text, max_length=MAX_SEARCH, required=False,
                         multiline=False)
    raise_if(errors)
    return cleaned


def text_search(columns: tuple[Any, ...], text: str) -> Any:
    """A WHERE condition: `text` appears in any of `columns`, ignoring case and accents' case
    (Ölpumpe = ölpumpe); % and _ are plain characters. None for a blank search."""
    text = clean_search(text)
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    sqlite = db.is_sqlite()
    cond: Any = None
    for column in columns:
        if sqlite:  # SQLite's LIKE folds ASCII only: fold both sides in Python
            lhs, op, rhs = peewee.fn.kw_casefold(column), "LIKE", pattern.casefold()
        else:
            lhs, op, rhs = column, "ILIKE", pattern
        term = peewee.NodeList(
            (lhs, peewee.SQL(op), peewee.Value(rhs), peewee.SQL("ESCAPE '\\'")))
        cond = term if cond is None else (cond | term)
    return cond


MAX_PAGE = 1000


def page_order(sort_columns: dict[str, Any], sort: str, descending: bool, id_column: Any,
               offset: int, limit: int) -> list[Any]:
    """The ORDER BY of one page sorted by `sort` (nulls last), ties broken by id so pages never
    overlap; ValidationError for an unknown column or a page out of range."""
    if sort not in sort_columns:
        raise ValidationError({"sort": f"cannot be by {sort!r}: there is no such column"})
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise ValidationError({"limit": "must be between 1 and 1,000 rows from offset 0 on"})
    column = sort_columns[sort]
    if descending:
        return [column.desc(nulls="LAST"), id_column.desc()]
    return [column.asc(nulls="LAST"), id_column.asc()]


def raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)
