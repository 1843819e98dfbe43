"""New rows made without an attribute event per value: the rows a signed entry writes.

`Encounter(**values)` runs SQLAlchemy's instrumented `set` for every keyword (the change-tracking
bookkeeping, the listeners, the modified flag): 34 µs for an encounter's eighteen values against
2 µs to fill the instance's dictionary, and an entry makes a row of each of three or more kinds
(docs/performance.md, "One entry: rows filled, one read fewer, …"). A new row is only ever
inserted (`storage.append`) or added to a session and flushed, and both read the instance's
dictionary, so nothing downstream needs those events; what the events *do* to a value is done
here too:

- an unknown keyword is a TypeError, as the declarative constructor makes it;
- an enum column's text becomes its member (`column_types.hold_members`, the one `set`
  listener these models have), with the same ValueError for a text that is not a member.

`tests/storage/test_new_rows.py` checks that every mapped model still has no other listener a
fill would skip, and that a filled row and a constructed one hold the same values and the same
payload; `tests/services/test_encounter_append.py` compares the rows and ops an entry stores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Enum, inspect
from sqlalchemy.orm import Mapper, configure_mappers

from hjdesk.storage.models.column_types import member_of

T = TypeVar("T")

_Converts = tuple[tuple[str, Callable[[Any], Any]], ...]


_Plan = tuple[frozenset[str], _Converts, Callable[[], Any]]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """The class's column attribute keys, its enum converters, and its instance maker."""
    configure_mappers()  # an unconfigured mapper's attributes cannot be read (idempotent)
    mapper: Mapper[Any] = inspect(cls)
    converts = tuple(
        (attr.key, member_of(attr.columns[0].type))
        for attr in mapper.column_attrs
        if isinstance(attr.columns[0].type, Enum) and attr.columns[0].type.enum_class is not None
    )
    keys = frozenset(attr.key for attr in mapper.column_attrs)
    plan = _PLANS[cls] = (keys, converts, mapper.class_manager.new_instance)
    return plan


def new_row(cls: type[T], **values: Any) -> T:
    """A new (transient) `cls` holding `values`, as `cls(**values)` would hold them."""
    keys, converts, make = _PLANS.get(cls) or _plan(cls)
    unknown = values.keys() - keys
    if unknown:
        raise TypeError(f"{sorted(unknown)[0]!r} is an invalid keyword argument for {cls.__name__}")
    for key, convert in converts:
        if key in values:
            values[key] = convert(values[key])
    row: T = make()
    row.__dict__.update(values)
    return row
