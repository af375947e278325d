"""Inserting many rows fast: the DB-API cursor's executemany, with each column's default and
conversion taken from the model (peewee's insert_many spends most of its time building the
statement text for every row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee

from app import db


def insert_rows(model: type[peewee.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts by field name; missing fields take their defaults) into `model`'s
    table, inside the caller's transaction. Ids are not returned."""
    if not rows:
        return
    meta: Any = model._meta  # type: ignore[attr-defined]
    fields = [f for f in meta.sorted_fields if not isinstance(f, peewee.AutoField)]
    database = db.database.obj
    mark = database.param  # "?" or "%s"

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    sql = (f"INSERT INTO {quote(meta.table_name)} "
           f"({', '.join(quote(f.column_name) for f in fields)}) "
           f"VALUES ({', '.join([mark] * len(fields))})")
    plain = {str, int, type(None)}  # passed as they are; others through the field's db_value
    columns = []
    for f in fields:  # column by column: comprehensions, not a loop per value
        name, default, convert = f.name, f.default, f.db_value
        if callable(default):
            column = [row[name] if name in row else default() for row in rows]
        else:
            column = [row.get(name, default) for row in rows]
        if not {type(v) for v in column} <= plain:
            column = [v if type(v) in plain else convert(v) for v in column]
        columns.append(column)
    params = list(zip(*columns, strict=True))
    database.cursor().executemany(sql, params)
