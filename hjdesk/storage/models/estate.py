"""Laptop-only tables of the estate: id aliases, transfers seen from here, NHS-number link flags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.storage.models.base import Base, UtcDateTime


class IdAlias(Base):
    """An id this vault once used, and the estate-wide id that replaced it.

    Audit events are never rewritten (their hashes cover the ids), so an event made before the
    rewrite names the old id; this table translates it.
    """

    __tablename__ = "id_aliases"

    old_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    new_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class TransferNotice(Base):
    """A transfer the hub is holding: this laptop's patient leaving, or one arriving whose history
    is still at the office. Replaced whole at every sync."""

    __tablename__ = "transfer_notices"

    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hub_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(10))  # "arriving" or "leaving"
    from_code: Mapped[str] = mapped_column(String(10))
    to_code: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RollLinkFlag(Base):
    """A new prison number whose NHS number is another patient's: for a person to check and link.

    Never merged automatically: one NHS number on two prison numbers may be a returning prisoner
    with a new number, or a typing error in either record.
    """

    __tablename__ = "roll_link_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    other_patient_id: Mapped[str] = mapped_column(String(36))
    flagged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_by: Mapped[str | None] = mapped_column(String(40))
