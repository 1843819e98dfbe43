"""`among`: an IN list that stays one statement text on PostgreSQL. (Many-row INSERTs live in
`storage.bulk`: the laptop's own appending of a signed entry uses them too.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Connection, any_, bindparam


def among(
    conn: Connection, column: ColumnElement[Any], values: Sequence[str]
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`: one parameter, so the same
    statement text every time, instead of hundreds each rendered, cast and parsed per query."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
