"""Signed clinical entries: once signed, never edited or deleted (domain.md §3).

A correction is a new entry that amends the old one (who, when, why); "entered in error" is an
amendment too. The guard is a mapper hook, so no session and no code path can edit a signed row.

The signer's role *at signing* is stamped on the row (`signed_role`) by a mapper hook too, so a
later change of someone's role never changes what an old entry says about who signed it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, event, inspect
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from hjdesk.storage.models.base import NAMES_STAFF, UtcDateTime
from hjdesk.storage.outbox import CONTEXT_KEY, REMOTE_KEY, DeviceContext


class SignedEntryImmutable(RuntimeError):
    """Raised when code tries to change a signed clinical entry."""


class Signed:
    """Columns of a clinical entry that is signed once and then frozen."""

    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(36), nullable=True, info=NAMES_STAFF)
    signed_role: Mapped[str | None] = mapped_column(String(20), nullable=True)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


@event.listens_for(Signed, "before_insert", propagate=True)
def _stamp_signer_role(mapper: Mapper[Any], connection: Connection, target: Signed) -> None:
    if connection.info.get(REMOTE_KEY) or target.signed_at is None or target.signed_role:
        return
    ctx = connection.info.get(CONTEXT_KEY)
    if isinstance(ctx, DeviceContext) and ctx.author_id and target.signed_by == ctx.author_id:
        target.signed_role = ctx.author_role


@event.listens_for(Signed, "before_update", propagate=True)
def _refuse_edit_after_signing(mapper: Mapper[Any], connection: Connection, target: Signed) -> None:
    if connection.info.get(REMOTE_KEY):
        return  # the hub's copy of our own signed row, or a purge: not an edit
    history = inspect(target).attrs["signed_at"].history
    was_signed = history.deleted[0] if history.deleted else (history.unchanged or [None])[0]
    if was_signed is not None:
        raise SignedEntryImmutable(
            f"{type(target).__name__} is signed and cannot be changed: record an amendment"
        )
