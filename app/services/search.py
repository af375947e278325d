"""The global search box: a work-order number, an asset tag, or words.

A number typed or scanned in full finds its order at once (`exact_work_order`, for Enter). Words
are looked up in full-text indexes (SQLite FTS5, PostgreSQL GIN over a text vector), each word
as a prefix, all words required: assets by tag prefix or words of their tag, name, maker or
model, orders by words of their number, title or description, newest first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import peewee

from app import db
from app.models import Asset, WorkOrder
from app.permissions import Actor, Perm
from app.services.registry import query
from app.services.work_orders.listing import STATUS_LABELS

MAX_HITS = 50
MAX_ASSET_HITS = 10
MAX_WORDS = 8
WORD = re.compile(r"\w+", re.UNICODE)
NUMBER = re.compile(r"^\s*(?:WO-?)?(?:(\d{4})-)?0*(\d{1,9})\s*$", re.IGNORECASE)
PG_VECTOR = "to_tsvector('keepwell_search', number || ' ' || title || ' ' || description)"
PG_ASSET_VECTOR = ("to_tsvector('keepwell_search', "
                   "tag || ' ' || name || ' ' || manufacturer || ' ' || model)")


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  # "work_order" or "asset"
    id: int
    label: str  # WO-2026-000123 / PMP-0001
    text: str  # the title or name
    detail: str  # status, or location


def _words(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text or "")][:MAX_WORDS]


def _number_candidates(text: str) -> list[str]:
    """The order numbers `text` can mean: WO-2026-000123 itself, or 123 / 2026-123 in the
    recent years (numbers are per year)."""
    cleaned = (text or "").strip().upper()
    match = NUMBER.match(cleaned)
    if not match:
        return [cleaned] if cleaned else []
    year, serial = match.groups()
    years = [int(year)] if year else list(range(dt.date.today().year, 1999, -1))
    return [f"WO-{y}-{int(serial):06d}" for y in years]


def find_work_order_ids(text: str) -> list[int]:
    """The orders `text` names by number: WO-2026-000123 or 2026-123 names one; a bare 123
    names that serial in every year it exists, newest year first."""
    candidates = _number_candidates(text)
    if not candidates:
        return []
    rows: Any = WorkOrder.select(WorkOrder.id, WorkOrder.number).where(
        WorkOrder.number.in_(candidates)).tuples()
    found = {number: wo_id for wo_id, number in rows}
    return [found[c] for c in candidates if c in found]


def find_work_order_id(text: str) -> int | None:
    """The one order `text` names by number, or None (no such order, or a bare serial that
    exists in several years: the user then picks from the hits)."""
    ids = find_work_order_ids(text)
    return ids[0] if len(ids) == 1 else None


def _matches(words: list[str], id_column: Any, fts_table: str, pg_vector: str) -> Any:
    """A condition: every word (as a prefix) is in the record's indexed text."""
    if db.is_sqlite():
        terms = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        ids = peewee.SQL(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ?", (terms,))
        return id_column.in_(peewee.NodeList((ids,), parens=True))
    tsquery = " & ".join(f"{w}:*" for w in words)  # words are \w+ only: nothing to escape
    return peewee.SQL(f"{pg_vector} @@ to_tsquery('keepwell_search', %s)", (tsquery,))


@query(Perm.WO_VIEW)
def exact_work_order(actor: Actor, text: str) -> int | None:
    """The id of the order whose number was typed or scanned (what Enter opens), or None."""
    return find_work_order_id(text)


@query(Perm.WO_VIEW)
def global_search(actor: Actor, text: str, limit: int = MAX_HITS) -> list[SearchHit]:
    """What the search box offers for `text`: the order with that number first, assets whose
    tag starts with it or whose name contains it, then orders containing every word (newest
    first); at most `limit` hits. Blank text finds nothing."""
    words = _words(text)
    if not words:
        return []
    limit = max(1, min(int(limit), MAX_HITS))
    hits: list[SearchHit] = []
    numbered = find_work_order_ids(text)[:5]
    if numbered:
        found = {h.id: h for h in _orders(WorkOrder.id.in_(numbered), len(numbered))}
        hits += [found[i] for i in numbered if i in found]  # newest year first
    hits += _assets(text, words, min(MAX_ASSET_HITS, limit))
    room = limit - len(hits)
    if room > 0:
        condition = _matches(words, WorkOrder.id, "work_order_fts", PG_VECTOR)
        if numbered:
            condition &= WorkOrder.id.not_in(numbered)
        hits += _orders(condition, room)
    return hits[:limit]


def _assets(text: str, words: list[str], limit: int) -> list[SearchHit]:
    """Assets whose tag starts with the text or that have every word in their tag, name, maker
    or model, by tag. Two lookups merged here: asked as one query with an OR and an ORDER BY,
    PostgreSQL walks the tag index computing every asset's text vector on the way."""
    columns = (Asset.id, Asset.tag, Asset.name, Asset.status)
    tag = (text or "").strip().upper()
    # Tags are stored in capitals; comparing the first letters needs no LIKE escaping and no
    # collation that sorts a prefix range the way the code expects.
    by_tag: Any = (Asset.select(*columns)
                   .where(peewee.fn.SUBSTR(Asset.tag, 1, len(tag)) == tag)
                   .order_by(Asset.tag).limit(limit).tuples())
    by_words: Any = (Asset.select(*columns)
                     .where(_matches(words, Asset.id, "asset_fts", PG_ASSET_VECTOR))
                     .limit(MAX_HITS).tuples())
    found = {row[0]: row for row in [*by_tag, *by_words]}
    rows = sorted(found.values(), key=lambda row: row[1])[:limit]
    return [SearchHit("asset", i, t, n, s.replace("_", " ").capitalize()) for i, t, n, s in rows]


def _orders(condition: Any, limit: int) -> list[SearchHit]:
    rows: Any = (
        WorkOrder.select(WorkOrder.id, WorkOrder.number, WorkOrder.title, WorkOrder.status)
        .where(condition)
        .order_by(WorkOrder.id.desc())
        .limit(limit)
        .tuples()
    )
    return [SearchHit("work_order", i, n, t, STATUS_LABELS.get(s, s)) for i, n, t, s in rows]
