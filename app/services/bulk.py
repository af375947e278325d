"""Many rows in and out fast.

- In: the DB-API cursor's executemany, with each column's default and conversion taken from
  the model (peewee's insert_many spends most of its time building the statement text for
  every row).
- Out: rows straight from the cursor, converting only the values the database does not give
  as Python wants them (SQLite's dates are text, its decimals floats); peewee converts every
  value of every row, which costs more than the query when a PM check reads thousands.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import namedtuple
from collections.abc import Callable, Sequence
from decimal import Decimal
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


Convert = Callable[[Any], Any]


def _date(value: Any) -> Any:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _datetime(value: Any) -> Any:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _decimal(value: Any) -> Any:
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def _bool(value: Any) -> Any:
    return value if value is None else bool(value)


def _converter(node: Any) -> Convert | None:
    """What a selected column's raw value needs (None: nothing), by the field behind it."""
    while isinstance(node, peewee.Alias):
        node = node.node
    if isinstance(node, peewee.ForeignKeyField):
        return None
    if isinstance(node, peewee.DateTimeField):
        return _datetime
    if isinstance(node, peewee.DateField):
        return _date
    if isinstance(node, peewee.DecimalField):
        return _decimal
    if isinstance(node, peewee.BooleanField):
        return _bool
    return None


@functools.lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]) -> Any:
    return namedtuple("Row", names)  # type: ignore[misc]  # the names come from the query


def read_rows(query: Any) -> list[Any]:
    """The rows of a select as named tuples (named as peewee's namedtuples() names them), with
    dates, timestamps, decimals and booleans of model fields converted and nothing else."""
    database = db.database.obj
    cursor = database.execute(query)
    names = tuple(_column_name(d[0]) for d in cursor.description)
    row_type = _row_type(names)
    converters = [(i, c) for i, c in enumerate(_converter(n) for n in query._returning)
                  if c is not None]
    rows = cursor.fetchall()
    if not converters:
        return [row_type._make(r) for r in rows]
    out = []
    for r in rows:
        values = list(r)
        for i, convert in converters:
            value = values[i]
            if value is not None:
                values[i] = convert(value)
        out.append(row_type._make(values))
    return out


def _column_name(name: str) -> str:
    """A cursor's column name as a tuple field: `"t1"."id"` -> id."""
    return name.rsplit(".", 1)[-1].strip('"')
