"""The rest of a patient's record: medicines, allergies, screening, tasks, release plans, and the
in-reach caseload."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.clinical.acct import Team
from hjdesk.clinical.release import GpRegistrationStatus, MovementType, ReconnectStatus
from hjdesk.storage.models.base import NAMES_STAFF, Base, Synced, UtcDateTime
from hjdesk.storage.models.column_types import enum_type
from hjdesk.storage.models.signed import Signed


class Medicine(Synced, Base):
    __tablename__ = "medicines"
    __sync_kind__ = "medicine"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    dose: Mapped[str] = mapped_column(String(120), default="")
    medicine_class: Mapped[str | None] = mapped_column(String(30))
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Allergy(Synced, Base):
    __tablename__ = "allergies"
    __sync_kind__ = "allergy"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    substance: Mapped[str] = mapped_column(String(120))
    reaction: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ScreeningEvent(Signed, Synced, Base):
    """A screening or immunisation: programme, date, outcome, batch, next due (domain.md §8)."""

    __tablename__ = "screening_events"
    __sync_kind__ = "screening_event"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    programme: Mapped[str] = mapped_column(String(40))
    event_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(60))
    batch: Mapped[str | None] = mapped_column(String(60))
    next_due: Mapped[date | None] = mapped_column(Date)
    # A correction or "entered in error" is a new signed row pointing at the one it amends.
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("screening_events.id"), index=True)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)


class Task(Synced, Base):
    """Work the rules raise: find the first ACCT review time, a refusal review, a falls
    assessment, a social care referral…"""

    __tablename__ = "tasks"
    __sync_kind__ = "task"

    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10), default="OPEN", index=True)
    source_id: Mapped[str | None] = mapped_column(String(36))


class ReleasePlan(Synced, Base):
    """Transfer or release planning (domain.md §9)."""

    __tablename__ = "release_plans"
    __sync_kind__ = "release_plan"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    movement_type: Mapped[MovementType] = mapped_column(
        enum_type(MovementType, 12, "movement_type")
    )
    expected_date: Mapped[date | None] = mapped_column(Date)
    destination: Mapped[str] = mapped_column(String(200), default="")
    no_fixed_abode: Mapped[bool] = mapped_column(Boolean, default=False)
    community_gp: Mapped[str] = mapped_column(String(200), default="")
    gp_registration: Mapped[GpRegistrationStatus | None] = mapped_column(
        enum_type(GpRegistrationStatus, 20, "gp_registration")
    )
    reconnect_status: Mapped[ReconnectStatus | None] = mapped_column(
        enum_type(ReconnectStatus, 20, "reconnect_status")
    )
    days_of_medicine_supplied: Mapped[int | None] = mapped_column(Integer)
    fp10_given: Mapped[bool] = mapped_column(Boolean, default=False)
    per_done: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="OPEN")


class CaseloadMembership(Synced, Base):
    """A patient on a team's caseload (e.g. MH in-reach), which changes the ACCT input rule."""

    __tablename__ = "caseload_memberships"
    __sync_kind__ = "caseload_membership"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    team: Mapped[Team] = mapped_column(enum_type(Team, 20, "team"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    lead_id: Mapped[str | None] = mapped_column(String(36), info=NAMES_STAFF)
