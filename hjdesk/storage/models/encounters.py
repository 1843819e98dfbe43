"""Encounters and what they record: observations (NEWS2), questionnaires, measurements, drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.clinical.ltc import LtcCondition
from hjdesk.clinical.news2 import Consciousness, News2Risk
from hjdesk.storage.models.base import Base, Synced, UtcDateTime
from hjdesk.storage.models.column_types import JsonText, enum_type
from hjdesk.storage.models.signed import Signed


class Encounter(Signed, Synced, Base):
    """One clinical contact. `kind` says which form (clinic visit, MH session, LTC review, …);
    form-specific answers live in `data` (JSON) so a new form needs no schema change."""

    __tablename__ = "encounters"
    __sync_kind__ = "encounter"
    # Today's "latest signed review of this kind for this patient (and LTC condition)": answered
    # from the index alone, without reading the encounters (docs/performance.md, migration 0007).
    __table_args__ = (
        Index(
            "ix_encounters_latest",
            "kind",
            "patient_id",
            "ltc_condition",
            "started_at",
            "signed_at",
            "entered_in_error",
            "id",
        ),
        # Corrections only: every read asks for a given id, which implies NOT NULL, and an entry
        # that corrects nothing (almost all) then writes no key here (migration 0014). Nor is
        # there an index of `kind` alone: `ix_encounters_latest` begins with it.
        Index("ix_encounters_amends_id", "amends_id", sqlite_where=text("amends_id IS NOT NULL")),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"))
    kind: Mapped[str] = mapped_column(String(40))
    ltc_condition: Mapped[LtcCondition | None] = mapped_column(
        enum_type(LtcCondition, 30, "ltc_condition")
    )
    place: Mapped[str] = mapped_column(String(60), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    narrative: Mapped[str] = mapped_column(Text, default="")
    consent_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity_concern: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JsonText, default=dict)
    # Red flags (NEWS2 medium/high or red score, PHQ-9 item 9 > 0) need an escalation to sign.
    red_flags: Mapped[list[str]] = mapped_column(JsonText, default=list)
    escalation_action: Mapped[str | None] = mapped_column(Text)
    escalated_to: Mapped[str | None] = mapped_column(String(120))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Amendments: a new encounter pointing at the one it corrects.
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("encounters.id"))
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)


class Observation(Signed, Synced, Base):
    """A set of vital signs with its NEWS2 sub-scores and total (RCP 2017)."""

    __tablename__ = "observations"
    __sync_kind__ = "observation"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    encounter_id: Mapped[str] = mapped_column(ForeignKey("encounters.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resp_rate: Mapped[int] = mapped_column(Integer)
    spo2: Mapped[int] = mapped_column(Integer)
    spo2_scale: Mapped[int] = mapped_column(Integer, default=1)
    scale2_prescriber: Mapped[str | None] = mapped_column(String(120))
    scale2_prescribed_on: Mapped[str | None] = mapped_column(String(10))
    on_oxygen: Mapped[bool] = mapped_column(Boolean)
    systolic_bp: Mapped[int] = mapped_column(Integer)
    diastolic_bp: Mapped[int | None] = mapped_column(Integer)
    pulse: Mapped[int] = mapped_column(Integer)
    consciousness: Mapped[Consciousness] = mapped_column(
        enum_type(Consciousness, 1, "consciousness")
    )
    temperature: Mapped[float] = mapped_column(Float)
    subscores: Mapped[dict[str, int]] = mapped_column(JsonText)
    news2_total: Mapped[int] = mapped_column(Integer)
    news2_risk: Mapped[News2Risk] = mapped_column(enum_type(News2Risk, 12, "news2_risk"))
    red_score: Mapped[bool] = mapped_column(Boolean)


class QuestionnaireResult(Signed, Synced, Base):
    """PHQ-9, GAD-7, 6CIT, AQ-10 or CFS: the answers, total, band and any flag."""

    __tablename__ = "questionnaire_results"
    __sync_kind__ = "questionnaire_result"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    encounter_id: Mapped[str] = mapped_column(ForeignKey("encounters.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(12), index=True)
    answers: Mapped[Any] = mapped_column(JsonText)
    total: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(40))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    override: Mapped[dict[str, Any] | None] = mapped_column(JsonText)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Measurement(Signed, Synced, Base):
    """A single result: HbA1c, blood pressure, cholesterol, BMI, foot risk… (`code` + value)."""

    __tablename__ = "measurements"
    __sync_kind__ = "measurement"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    encounter_id: Mapped[str | None] = mapped_column(ForeignKey("encounters.id"), index=True)
    code: Mapped[str] = mapped_column(String(30), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    text_value: Mapped[str | None] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(20), default="")
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Draft(Base):
    """An unsigned form in progress, autosaved in the vault (encrypted); local to this laptop."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(36), index=True)
    form: Mapped[str] = mapped_column(String(40))
    patient_id: Mapped[str | None] = mapped_column(String(36))
    context_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
