"""Wing clinics: sessions and appointments (domain.md §5). Both are mutable records with revs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.storage.models.base import Base, Synced, UtcDateTime


class ClinicSession(Synced, Base):
    __tablename__ = "clinic_sessions"
    __sync_kind__ = "clinic_session"

    establishment_id: Mapped[str] = mapped_column(ForeignKey("establishments.id"), index=True)
    clinic_type: Mapped[str] = mapped_column(String(30))
    session_date: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[str] = mapped_column(String(2))
    wings: Mapped[str] = mapped_column(String(200))  # ';'-separated wing or wing-landing paths
    clinicians: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of staff ids
    facilitating_officer: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default="PLANNED")


class Appointment(Synced, Base):
    """One patient on a session's list; ends with exactly one outcome."""

    __tablename__ = "appointments"
    __sync_kind__ = "appointment"

    session_id: Mapped[str] = mapped_column(ForeignKey("clinic_sessions.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    ltc_condition: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(30), index=True)
    attribution: Mapped[str | None] = mapped_column(String(12))
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome_by: Mapped[str | None] = mapped_column(String(36))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    risks_explained: Mapped[bool | None] = mapped_column(Boolean)
    capacity_concern: Mapped[bool | None] = mapped_column(Boolean)
    witness_name: Mapped[str | None] = mapped_column(String(120))
    # Where the patient was (location path) when booked, then when the outcome was recorded: the
    # exception report counts the appointment against that wing, not wherever they are today.
    location: Mapped[str | None] = mapped_column(String(60))
    rebook_required: Mapped[bool] = mapped_column(Boolean, default=False)
