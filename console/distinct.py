"""Distinct values of a column by walking its index, one step per value.

``SELECT DISTINCT key FROM tags WHERE account = ...`` reads every row of the account
(500,000 tags: hundreds of milliseconds, per keystroke). A recursive query that asks
the index for the next value after the previous one (a "loose index scan") costs one
index probe per distinct value instead. The index must lead with the ``where``
columns, then ``column``.
"""

from collections.abc import Mapping

from django.db import connection
from django.db.models import Model


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def distinct_values(
    model: type[Model],
    column: str,
    where: Mapping[str, object],
    *,
    prefix: str = "",
    skip_empty: bool = False,
    limit: int,
) -> list[str]:
    """Up to ``limit`` distinct values of ``column`` among the rows matching ``where``
    (equality on columns), in the database's order, starting with ``prefix`` (any
    case)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    col = quote(model._meta.get_field(column).column)
    conditions = " AND ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in where)
    params = list(where.values())
    # Only the model's own (quoted) table and column names are written into the SQL;
    # every value is a parameter.
    first = f"SELECT {col} FROM {table} WHERE {conditions} ORDER BY {col} LIMIT 1"  # noqa: S608
    step = f"SELECT {col} FROM {table} WHERE {conditions} AND {col} > walk.v ORDER BY {col} LIMIT 1"  # noqa: S608
    found = ["v IS NOT NULL"]
    found_params: list[object] = []
    if skip_empty:
        found.append("v <> ''")
    if prefix:
        found.append("UPPER(v) LIKE UPPER(%s) ESCAPE '\\'")
        found_params.append(_like_prefix(prefix))
    walk = f"SELECT ({first}) UNION ALL SELECT ({step}) FROM walk WHERE walk.v IS NOT NULL"  # noqa: S608
    sql = f"WITH RECURSIVE walk(v) AS ({walk}) SELECT v FROM walk WHERE {' AND '.join(found)} LIMIT %s"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, *found_params, limit])
        return [row[0] for row in cursor.fetchall()]
