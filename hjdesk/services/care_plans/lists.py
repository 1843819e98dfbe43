"""Care plan lists: a patient's plans and the plans of a wing or establishment, each row with
its derived status (OVERDUE shown red; never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hjdesk.clinical.care_plans import DEFAULT_CARE_PLAN_POLICY, CarePlanPolicy
from hjdesk.services.actions import user_action
from hjdesk.services.care_plans.reads import DisplayStatus, display_status
from hjdesk.services.common import get_or_error, local_today
from hjdesk.services.labels import days_past, display_name
from hjdesk.services.permissions import require
from hjdesk.services.staff_names import name_of, staff_names
from hjdesk.services.standing import standing
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import CarePlan, CarePlanReview, Establishment, Location, Patient, Staff
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class CarePlanListRow:
    plan_id: str
    patient_id: str
    display_name: str
    prison_number: str
    location: str
    wing: str
    plan_type: str
    ltc_condition: str | None
    title: str
    status: str
    display_status: DisplayStatus
    review_due: date | None
    last_review_date: date | None
    overdue: bool
    days_overdue: int
    owner_name: str


_ListQuery = Select[CarePlan, str, str, str, str | None, str | None, str | None, date | None]


def _list_query() -> _ListQuery:
    """Plans with their patient's label, owner's name and last signed review date."""
    last = (
        select(
            CarePlanReview.plan_id.label("plan_id"),
            func.max(CarePlanReview.review_date).label("last"),
        )
        .where(*standing(CarePlanReview))
        .group_by(CarePlanReview.plan_id)
        .subquery()
    )
    return (
        select(
            CarePlan,
            Patient.family_name,
            Patient.given_names,
            Patient.prison_number,
            Location.path,
            Location.wing,
            Staff.display_name,
            last.c.last,
        )
        .join(Patient, CarePlan.patient_id == Patient.id)
        .join(Establishment, Patient.establishment_id == Establishment.id)
        .outerjoin(Location, Patient.location_id == Location.id)
        .outerjoin(Staff, CarePlan.owner_id == Staff.id)
        .outerjoin(last, last.c.plan_id == CarePlan.id)
    )


def _list_row(
    plan: CarePlan,
    label: tuple[Any, ...],
    last_review: date | None,
    today: date,
    policy: CarePlanPolicy,
) -> CarePlanListRow:
    family, given, number, path, wing, owner_name = label
    shown = display_status(plan.status, plan.review_due, last_review, today, policy)
    overdue = shown is DisplayStatus.OVERDUE
    return CarePlanListRow(
        plan_id=plan.id,
        patient_id=plan.patient_id,
        display_name=display_name(family, given),
        prison_number=number,
        location=path or "",
        wing=wing or "",
        plan_type=plan.plan_type,
        ltc_condition=plan.ltc_condition,
        title=plan.title,
        status=plan.status,
        display_status=shown,
        review_due=plan.review_due,
        last_review_date=last_review,
        overdue=overdue,
        days_overdue=days_past(plan.review_due, today) if overdue else 0,
        owner_name=owner_name or "",
    )


def list_rows(
    session: Session,
    *,
    today: date,
    establishment: str | None = None,
    wing: str | None = None,
    patient_id: str | None = None,
    policy: CarePlanPolicy = DEFAULT_CARE_PLAN_POLICY,
) -> list[CarePlanListRow]:
    """Plans with their derived status, in one query (used by the lists and the worklists)."""
    query = _list_query()
    if patient_id is not None:
        query = query.where(CarePlan.patient_id == patient_id)
    else:
        query = query.where(Patient.on_roll.is_(True))
    if establishment:
        query = query.where(Establishment.code == establishment)
    if wing:
        query = query.where(Location.wing == wing)
    found = list(session.execute(query))
    # Owners held here come with the query; the rest (another prison's, after a transfer) by
    # the one name look-up, which finds the hub's name card or says the name is not held.
    others = staff_names(
        session, {row[0].owner_id for row in found if row[0].owner_id and row[-2] is None}
    )
    rows = [
        _list_row(plan, (*label, owner or name_of(others, plan.owner_id)), last, today, policy)
        for plan, *label, owner, last in found
    ]
    # Overdue first (longest overdue at the top), then by review date; drafts and closed last.
    rows.sort(key=lambda r: (not r.overdue, -r.days_overdue, r.review_due or date.max, r.title))
    return rows


def patient_plans(
    vault: OpenVault, patient_id: str, today: date | None = None
) -> tuple[CarePlanListRow, ...]:
    """Every plan a patient has (closed ones too); an audited view of their record."""
    with user_action(vault, "view_care_plans") as act:
        get_or_error(act.session, Patient, patient_id, "patient")
        rows = list_rows(act.session, today=today or local_today(), patient_id=patient_id)
        act.audit(patient_id=patient_id)
    return tuple(rows)


def plans_list(
    vault: OpenVault,
    *,
    establishment: str | None = None,
    wing: str | None = None,
    status: str | None = None,
    today: date | None = None,
) -> list[CarePlanListRow]:
    """Plans of people on the roll, filtered by derived status (DRAFT, ACTIVE, REVIEW_DUE,
    OVERDUE or CLOSED); with no status, every plan that is not closed."""
    require(vault.actor, "view_care_plans")
    wanted: DisplayStatus | None = None
    if status is not None:
        try:
            wanted = DisplayStatus(status.strip().upper())
        except ValueError:
            choices = ", ".join(s.value for s in DisplayStatus)
            raise InvalidInput(f"Unknown care plan status {status!r}: use {choices}.") from None
    with vault.session() as session:
        rows = list_rows(
            session, today=today or local_today(), establishment=establishment, wing=wing
        )
    if wanted is None:
        return [r for r in rows if r.display_status is not DisplayStatus.CLOSED]
    return [r for r in rows if r.display_status is wanted]
