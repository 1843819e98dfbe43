"""The prison roll: establishments, locations, patients, alerts and staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hjdesk.storage.models.base import Base, Synced, UtcDateTime


class Establishment(Synced, Base):
    __tablename__ = "establishments"
    __sync_kind__ = "establishment"

    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")


class Location(Synced, Base):
    """A place in an establishment; `path` is its segments joined by '-', any depth."""

    __tablename__ = "locations"
    __sync_kind__ = "location"
    __table_args__ = (UniqueConstraint("establishment_id", "path"),)

    establishment_id: Mapped[str] = mapped_column(ForeignKey("establishments.id"))
    path: Mapped[str] = mapped_column(String(60))
    wing: Mapped[str] = mapped_column(String(20), index=True)
    depth: Mapped[int] = mapped_column(Integer)


# What Today's per-person worklists read of everyone on the roll, in one covering index: the
# rows themselves are many times wider, and at 100,000 people the table outgrows SQLite's page
# cache, so each visit decrypted it again (docs/performance.md).
WORKLIST_COLUMNS = (
    "on_roll",
    "id",
    "reception_date",
    "date_of_birth",
    "location_id",
    "establishment_id",
    "prison_number",
    "family_name",
    "given_names",
)


class Patient(Synced, Base):
    """A person on the roll. The id derives from the prison number (estate_ids.patient_id), the same
    on every laptop; the NHS number is an attribute (two prison numbers with one NHS number are
    flagged for a person to link, never merged)."""

    __tablename__ = "patients"
    __sync_kind__ = "patient"
    __table_args__ = (
        Index("ix_patients_family_fold", "establishment_id", "family_fold"),
        Index("ix_patients_given_fold", "establishment_id", "given_fold"),
        # Today's second-stage list: the last few weeks' receptions (migration 0007).
        Index("ix_patients_reception_date", "reception_date"),
        # Today's per-person lists read these columns from the index alone (migration 0010).
        Index("ix_patients_worklists", *WORKLIST_COLUMNS),
    )

    prison_number: Mapped[str] = mapped_column(String(7), index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    nhs_number_missing_reason: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(100))
    given_names: Mapped[str] = mapped_column(String(150))
    # Case- and accent-folded copies make prefix search an index range scan.
    family_fold: Mapped[str] = mapped_column(String(100))
    given_fold: Mapped[str] = mapped_column(String(150))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(12))
    establishment_id: Mapped[str] = mapped_column(ForeignKey("establishments.id"))
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id"))
    reception_date: Mapped[date | None] = mapped_column(Date)
    expected_release_date: Mapped[date | None] = mapped_column(Date)
    on_roll: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Which roll each mirrored field came from (hjdesk.clinical.estate_ids): newest wins.
    roll_stamps: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)

    location: Mapped[Location | None] = relationship(lazy="joined")

    def sync_patient_id(self) -> str | None:
        return self.id

    alerts: Mapped[list[Alert]] = relationship(
        back_populates="patient", lazy="selectin", order_by="Alert.code"
    )


class Alert(Synced, Base):
    """An alert mirrored from the prison system (read-only here): HA, HA1, PEEP, HID, …"""

    __tablename__ = "alerts"
    __sync_kind__ = "alert"
    __table_args__ = (UniqueConstraint("patient_id", "code"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20), default="roll")
    roll_stamps: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)

    patient: Mapped[Patient] = relationship(back_populates="alerts")


class Staff(Synced, Base):
    """A member of staff. Login secrets live in key slots, never here."""

    __tablename__ = "staff"
    __sync_kind__ = "staff"

    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
