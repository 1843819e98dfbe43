"""Healthcare's mirror of ACCT cases, their events and health contributions (domain.md §6)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.clinical.acct import (
    AcctEventType,
    AcctRiskLevel,
    AcctSource,
    AcctStatus,
    ContributionType,
    Team,
)
from hjdesk.storage.models.base import NAMES_STAFF, Base, Synced, UtcDateTime
from hjdesk.storage.models.column_types import enum_type
from hjdesk.storage.models.signed import Signed


class AcctCase(Synced, Base):
    __tablename__ = "acct_cases"
    __sync_kind__ = "acct_case"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    concern_summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AcctStatus] = mapped_column(
        enum_type(AcctStatus, 14, "status"), default=AcctStatus.OPEN, index=True
    )
    risk_level: Mapped[AcctRiskLevel] = mapped_column(
        enum_type(AcctRiskLevel, 12, "risk_level"), default=AcctRiskLevel.RAISED
    )
    case_manager: Mapped[str] = mapped_column(String(120), default="")
    observation_plan: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    post_closure_review_due: Mapped[date | None] = mapped_column(Date)
    source: Mapped[AcctSource] = mapped_column(
        enum_type(AcctSource, 10, "source"), default=AcctSource.MANUAL
    )


class AcctEvent(Synced, Base):
    __tablename__ = "acct_events"
    __sync_kind__ = "acct_event"

    case_id: Mapped[str] = mapped_column(ForeignKey("acct_cases.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    event_type: Mapped[AcctEventType] = mapped_column(enum_type(AcctEventType, 30, "event_type"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    chair: Mapped[str] = mapped_column(String(120), default="")


class AcctContribution(Signed, Synced, Base):
    """Healthcare's input to one ACCT event: risk-relevant summary only; the full note stays in
    the clinical record (`clinical_note_id`). Safety-critical: carries a 'needed by' time."""

    __tablename__ = "acct_contributions"
    __sync_kind__ = "acct_contribution"

    event_id: Mapped[str] = mapped_column(ForeignKey("acct_events.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("acct_cases.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    contributor_id: Mapped[str] = mapped_column(String(36), info=NAMES_STAFF)
    team: Mapped[Team] = mapped_column(enum_type(Team, 20, "team"))
    contribution_type: Mapped[ContributionType] = mapped_column(
        enum_type(ContributionType, 40, "contribution_type")
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    clinical_note_id: Mapped[str | None] = mapped_column(ForeignKey("encounters.id"))
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    needed_by: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # A correction or "entered in error" is a new signed row pointing at the one it amends.
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("acct_contributions.id"), index=True)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)
