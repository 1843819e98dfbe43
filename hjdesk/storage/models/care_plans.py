"""Care plans with their CAREMAP-style goals and interventions, and reviews (domain.md §7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.clinical.care_plans import (
    CarePlanStatus,
    CarePlanType,
    ClosedReason,
    GoalStatus,
    InterventionStatus,
    PatientInvolvement,
    ReviewDecision,
)
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.storage.models.base import NAMES_STAFF, Base, Synced
from hjdesk.storage.models.column_types import JsonText, enum_type
from hjdesk.storage.models.signed import Signed


class CarePlan(Synced, Base):
    __tablename__ = "care_plans"
    __sync_kind__ = "care_plan"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    plan_type: Mapped[CarePlanType] = mapped_column(enum_type(CarePlanType, 40, "plan_type"))
    ltc_condition: Mapped[LtcCondition | None] = mapped_column(
        enum_type(LtcCondition, 30, "ltc_condition")
    )
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[CarePlanStatus] = mapped_column(
        enum_type(CarePlanStatus, 12, "status"), default=CarePlanStatus.DRAFT, index=True
    )
    owner_id: Mapped[str | None] = mapped_column(String(36), info=NAMES_STAFF)
    start_date: Mapped[date | None] = mapped_column(Date)
    review_due: Mapped[date | None] = mapped_column(Date, index=True)
    patient_involvement: Mapped[PatientInvolvement | None] = mapped_column(
        enum_type(PatientInvolvement, 20, "patient_involvement")
    )
    copy_given: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_with: Mapped[list[str]] = mapped_column(JsonText, default=list)  # services
    risk_management_plan: Mapped[str | None] = mapped_column(Text)
    dnacpr_form_ref: Mapped[str | None] = mapped_column(String(120))
    closed_reason: Mapped[ClosedReason | None] = mapped_column(
        enum_type(ClosedReason, 30, "closed_reason")
    )
    closed_on: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JsonText, default=dict)


class CarePlanGoal(Synced, Base):
    __tablename__ = "care_plan_goals"
    __sync_kind__ = "care_plan_goal"

    plan_id: Mapped[str] = mapped_column(ForeignKey("care_plans.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    issue: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[GoalStatus] = mapped_column(
        enum_type(GoalStatus, 20, "status"), default=GoalStatus.NOT_STARTED
    )


class CarePlanIntervention(Synced, Base):
    __tablename__ = "care_plan_interventions"
    __sync_kind__ = "care_plan_intervention"

    plan_id: Mapped[str] = mapped_column(ForeignKey("care_plans.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(120))
    frequency: Mapped[str] = mapped_column(String(120), default="")
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[InterventionStatus] = mapped_column(
        enum_type(InterventionStatus, 20, "status"), default=InterventionStatus.PLANNED
    )


class CarePlanReview(Signed, Synced, Base):
    __tablename__ = "care_plan_reviews"
    __sync_kind__ = "care_plan_review"

    plan_id: Mapped[str] = mapped_column(ForeignKey("care_plans.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    review_date: Mapped[date] = mapped_column(Date)
    attendees: Mapped[list[str]] = mapped_column(JsonText, default=list)
    outcome: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[ReviewDecision] = mapped_column(enum_type(ReviewDecision, 20, "decision"))
    next_review_due: Mapped[date | None] = mapped_column(Date)
    # A correction or "entered in error" is a new signed row pointing at the one it amends.
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("care_plan_reviews.id"), index=True)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)
