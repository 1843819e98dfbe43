"""Laptop-only tables of the estate: id aliases, transfers seen from here, NHS-number link flags,
and the hub's name cards for other establishments' staff."""

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


# The fields a name card carries (its hub document's payload, exactly): nothing that says what
# the person may do, and nothing of their login.
NAME_CARD_FIELDS = ("staff_id", "name", "role", "establishment")


class StaffNameCard(Base):
    """Who another establishment's member of staff is, as the hub describes them: made by the hub
    for the staff whom the records of a person arriving here name (hazard H-37), so those records
    show who wrote or signed them and where to ask.

    Read-only here: stored only from a pull, never queued in the outbox, never a staff row. It
    gives no authority (authority lives in staff rows and key slots): nobody signs in as a card,
    and nothing checks a role against one."""

    __tablename__ = "staff_name_cards"

    staff_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    establishment: Mapped[str] = mapped_column(String(10))
    # The hub's document: its id and rev, so a pull stores a card only when it is newer.
    card_id: Mapped[str] = mapped_column(String(36))
    rev: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
