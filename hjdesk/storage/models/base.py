"""The declarative base and the mixin every synced record shares (architecture.md §4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hjdesk.storage.ids import uuid7
from hjdesk.storage.models.column_types import hold_members

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; a naive value is a bug and refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, an aware datetime goes to its stored text in one step: the same text as
        `process_bind_param` followed by SQLite's DATETIME processor, which cost three times as
        much (a first sync of a million records binds several million of them;
        docs/performance.md, "First sync: fifth session"). Anything else (None, a naive value,
        not a datetime) takes the composed path and its errors, as before."""
        composed = super().bind_processor(dialect)
        impl = self.impl_instance.dialect_impl(dialect)
        if composed is None or getattr(impl, "_storage_format", None) != _SQLITE_FORMAT:
            return composed
        text = _SQLITE_TEXT

        def process(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is not None:
                if value.utcoffset():
                    value = value.astimezone(UTC)
                return text % (
                    value.year,
                    value.month,
                    value.day,
                    value.hour,
                    value.minute,
                    value.second,
                    value.microsecond,
                )
            return composed(value)

        return process


# SQLite's DATETIME stores this text unless told otherwise (its private `_storage_format`); the
# one-step path above is used only while it does, and writes the same text positionally. Spelled
# out rather than read from the class at import: were an upgrade of SQLAlchemy to rename or
# change it, the composed path would be taken (the same text, slower; a test says so) instead
# of the import failing.
_SQLITE_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_SQLITE_TEXT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


# Marks a column holding a member of staff's id (who wrote, signed, contributed, owns, leads,
# recorded): the hub reads these fields of an arriving person's records to know whose names
# their next prison needs (name cards, hazard H-37; `sync.payloads.staff_fields`).
NAMES_STAFF: dict[str, Any] = {"names_staff": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


event.listen(Base, "mapper_configured", hold_members, propagate=True)


class Synced:
    """Columns of every record that travels between laptop and hub.

    `rev` counts edits; an edit is based on `rev` and writes `rev + 1` (the outbox hook does it).
    `hlc` orders entries for display only.
    """

    __sync_kind__: str = ""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    rev: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    hlc: Mapped[str] = mapped_column(String(24), default="", nullable=False)
    origin_device: Mapped[str] = mapped_column(String(36), default="", nullable=False)
    author_id: Mapped[str | None] = mapped_column(String(36), nullable=True, info=NAMES_STAFF)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    def sync_patient_id(self) -> str | None:
        """The patient this record belongs to, for sync scope and purge; None if none."""
        value = getattr(self, "patient_id", None)
        return value if isinstance(value, str) else None

    def sync_payload(self) -> dict[str, Any]:
        """Every column as JSON-ready values: the outbox carries the full row."""
        from hjdesk.storage.serialise import row_payload

        return row_payload(self)
