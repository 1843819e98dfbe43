"""Wing clinics: sessions and appointments (domain.md §5). Both are mutable records with revs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.clinical.attendance import (
    Attribution,
    ClinicType,
    Outcome,
    RegimePeriod,
    SessionStatus,
)
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.storage.models.base import NAMES_STAFF, Base, Synced, UtcDateTime
from hjdesk.storage.models.column_types import JsonText, enum_type


class ClinicSession(Synced, Base):
    __tablename__ = "clinic_sessions"
    __sync_kind__ = "clinic_session"

    establishment_id: Mapped[str] = mapped_column(ForeignKey("establishments.id"), index=True)
    clinic_type: Mapped[ClinicType] = mapped_column(enum_type(ClinicType, 30, "clinic_type"))
    session_date: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[RegimePeriod] = mapped_column(enum_type(RegimePeriod, 2, "period"))
    wings: Mapped[str] = mapped_column(String(200))  # ';'-separated wing or wing-landing paths
    clinicians: Mapped[list[str]] = mapped_column(JsonText, default=list)  # staff ids
    facilitating_officer: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, 12, "status"), default=SessionStatus.PLANNED
    )


class Appointment(Synced, Base):
    """One patient on a session's list; ends with exactly one outcome."""

    __tablename__ = "appointments"
    __sync_kind__ = "appointment"

    session_id: Mapped[str] = mapped_column(ForeignKey("clinic_sessions.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    ltc_condition: Mapped[LtcCondition | None] = mapped_column(
        enum_type(LtcCondition, 30, "ltc_condition")
    )
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, 30, "outcome"), index=True)
    attribution: Mapped[Attribution | None] = mapped_column(
        enum_type(Attribution, 12, "attribution")
    )
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome_by: Mapped[str | None] = mapped_column(String(36), info=NAMES_STAFF)
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    risks_explained: Mapped[bool | None] = mapped_column(Boolean)
    capacity_concern: Mapped[bool | None] = mapped_column(Boolean)
    witness_name: Mapped[str | None] = mapped_column(String(120))
    # Where the patient was (location path) when booked, then when the outcome was recorded: the
    # exception report counts the appointment against that wing, not wherever they are today.
    location: Mapped[str | None] = mapped_column(String(60))
    rebook_required: Mapped[bool] = mapped_column(Boolean, default=False)
