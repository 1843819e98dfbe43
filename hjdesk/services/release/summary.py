"""The transfer/release health summary (domain.md §9); the medicines checklist is in
`release_medicines`.

A read model holding every section domain.md §9 lists, built from the vault alone (no network), in
one session with one query per section, so it is ready at once when a move comes at short notice.
Producing it is an audited view. `contains_unsynced` says whether any of the patient's records
still wait in the outbox (the printed copy must say so); audit events are not clinical entries and
do not count.

Decisions (ours, where domain.md is silent):
- Care plans shown are the active ones (ACTIVE or REVIEW_DUE); drafts are not agreed plans.
- Social care needs and equipment come from the latest older-prisoner review's answers (read
  from the shape the encounter service stores, `release_summary_parts.review_answers`) and from
  an active SOCIAL_CARE plan's details (`social_care_needs`, `social_care_referral`,
  `equipment` in `CarePlan.data`).
- Communication needs: the active NEURODIVERSITY_ADJUSTMENTS plan's interventions are the
  adjustments; `communication_needs` in its details adds anything else; the HID alert is shown.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.care_plans import CarePlanType, social_care_referral_needed
from hjdesk.clinical.identifiers import age_on, format_nhs_number
from hjdesk.clinical.release import DEFAULT_RELEASE_POLICY, ReleasePolicy
from hjdesk.services.actions import user_action
from hjdesk.services.care_plans import (
    COMMUNICATION_NEEDS,
    EQUIPMENT,
    SOCIAL_CARE_NEEDS,
    SOCIAL_CARE_REFERRAL,
)
from hjdesk.services.common import get_or_error, local_today, utc_now
from hjdesk.services.labels import display_name
from hjdesk.services.permissions import require
from hjdesk.services.printing import waits_for_hub
from hjdesk.services.release import summary_parts as parts
from hjdesk.services.release.plans import ReleasePlanView, current_release_plan, plan_view_of
from hjdesk.services.release.summary_parts import (
    AcctSummary,
    AppointmentItem,
    FrailtyItem,
    KeyResults,
    MedicineItem,
    PlanBrief,
    ReferralItem,
    ScreeningItem,
)
from hjdesk.services.worklists import CONDITION_NAMES
from hjdesk.storage.models import (
    Allergy,
    CaseloadMembership,
    Condition,
    Establishment,
    Location,
    OutboxOp,
    Patient,
    Staff,
)
from hjdesk.storage.vault import OpenVault

MH_TEAM = "MH_IN_REACH"


@dataclass(frozen=True, slots=True)
class SummaryIdentifiers:
    patient_id: str
    display_name: str
    family_name: str
    given_names: str
    date_of_birth: date
    age: int
    sex: str
    prison_number: str
    nhs_number: str | None  # formatted "943 476 5919"
    nhs_number_missing_reason: str | None
    establishment_code: str
    establishment_name: str
    location: str
    reception_date: date | None
    expected_release_date: date | None
    alerts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllergyItem:
    substance: str
    reaction: str


@dataclass(frozen=True, slots=True)
class ConditionItem:
    code: str
    name: str
    onset: date | None
    last_review: date | None


@dataclass(frozen=True, slots=True)
class SupplyGiven:
    days_of_medicine_supplied: int | None
    fp10_given: bool
    supply_ok: bool | None  # None until recorded


@dataclass(frozen=True, slots=True)
class MentalHealthSummary:
    plan: PlanBrief | None
    risk_management_plan: str | None
    shared_with: tuple[str, ...]
    on_mh_in_reach_caseload: bool


@dataclass(frozen=True, slots=True)
class SocialCareSummary:
    needs: tuple[str, ...]
    equipment: tuple[str, ...]
    referral: tuple[str, ...]
    needs_referral: bool
    plan: PlanBrief | None
    last_older_prisoner_review: date | None
    peep: bool


@dataclass(frozen=True, slots=True)
class CommunicationSummary:
    adjustments: tuple[str, ...]
    needs: tuple[str, ...]
    plan: PlanBrief | None
    hidden_disability: bool


@dataclass(frozen=True, slots=True)
class EndOfLifeSummary:
    plan: PlanBrief | None
    dnacpr_form_ref: str | None


@dataclass(frozen=True, slots=True)
class ReleaseSummary:
    identifiers: SummaryIdentifiers
    allergies: tuple[AllergyItem, ...]  # empty: none recorded (not "no known allergies")
    conditions: tuple[ConditionItem, ...]
    key_results: KeyResults
    medicines: tuple[MedicineItem, ...]
    supply: SupplyGiven
    release_plan: ReleasePlanView | None
    mental_health: MentalHealthSummary
    acct: AcctSummary
    outstanding_appointments: tuple[AppointmentItem, ...]
    referrals: tuple[ReferralItem, ...]
    screening: tuple[ScreeningItem, ...]
    frailty: FrailtyItem | None
    social_care: SocialCareSummary
    communication: CommunicationSummary
    end_of_life: EndOfLifeSummary
    reconnect_status: str | None
    contains_unsynced: bool
    generated_at: datetime
    generated_by: str
    generated_by_role: str

    @property
    def critical_medicines(self) -> tuple[MedicineItem, ...]:
        return tuple(m for m in self.medicines if m.critical)


def identifiers(session: Session, patient: Patient, today: date) -> SummaryIdentifiers:
    establishment = session.get(Establishment, patient.establishment_id)
    location = session.get(Location, patient.location_id) if patient.location_id else None
    return SummaryIdentifiers(
        patient_id=patient.id,
        display_name=display_name(patient.family_name, patient.given_names),
        family_name=patient.family_name,
        given_names=patient.given_names,
        date_of_birth=patient.date_of_birth,
        age=age_on(patient.date_of_birth, max(today, patient.date_of_birth)),
        sex=patient.sex,
        prison_number=patient.prison_number,
        nhs_number=format_nhs_number(patient.nhs_number) if patient.nhs_number else None,
        nhs_number_missing_reason=patient.nhs_number_missing_reason,
        establishment_code=establishment.code if establishment else "",
        establishment_name=establishment.name if establishment else "",
        location=location.path if location else "",
        reception_date=patient.reception_date,
        expected_release_date=patient.expected_release_date,
        alerts=tuple(a.code for a in patient.alerts if a.active),
    )


def allergies(session: Session, patient_id: str) -> tuple[AllergyItem, ...]:
    query = select(Allergy).where(Allergy.patient_id == patient_id, Allergy.active.is_(True))
    return tuple(AllergyItem(a.substance, a.reaction) for a in session.scalars(query))


def _conditions(session: Session, patient_id: str) -> tuple[ConditionItem, ...]:
    reviews = parts.last_ltc_reviews(session, patient_id)
    query = (
        select(Condition)
        .where(Condition.patient_id == patient_id, Condition.active.is_(True))
        .order_by(Condition.code)
    )
    names = {c.value: n for c, n in CONDITION_NAMES.items()}
    return tuple(
        ConditionItem(c.code, names.get(c.code, c.code), c.onset, reviews.get(c.code))
        for c in session.scalars(query)
    )


def has_unsynced(session: Session, patient_id: str, kinds: Collection[str] | None = None) -> bool:
    """Any of the patient's records still waiting for the hub's receipt (audit excluded); with
    `kinds`, only records of those kinds (what a narrower document prints)."""
    narrower = () if kinds is None else (OutboxOp.kind.in_(sorted(kinds)),)
    return waits_for_hub(session, OutboxOp.patient_id == patient_id, *narrower)


def _mental_health(
    session: Session, patient_id: str, plans: list[PlanBrief], today: date
) -> MentalHealthSummary:
    plan = parts.plan_of(plans, CarePlanType.MENTAL_HEALTH)
    memberships = session.scalars(
        select(CaseloadMembership).where(
            CaseloadMembership.patient_id == patient_id, CaseloadMembership.team == MH_TEAM
        )
    )
    on_caseload = any(
        m.started_on <= today and (m.ended_on is None or m.ended_on > today) for m in memberships
    )
    return MentalHealthSummary(
        plan,
        plan.risk_management_plan if plan else None,
        plan.shared_with if plan else (),
        on_caseload,
    )


def _social_care(
    plans: list[PlanBrief],
    review: tuple[date, dict[str, object]] | None,
    alerts: tuple[str, ...],
) -> SocialCareSummary:
    plan = parts.plan_of(plans, CarePlanType.SOCIAL_CARE)
    sources = [dict(plan.data)] if plan else []
    if review is not None:
        sources.append(review[1])
    needs = tuple(dict.fromkeys(t for s in sources for t in parts.texts(s.get(SOCIAL_CARE_NEEDS))))
    equipment = tuple(
        dict.fromkeys(
            t
            for s in sources
            for key in (EQUIPMENT, "mobility_equipment")
            for t in parts.texts(s.get(key))
        )
    )
    referral = tuple(
        dict.fromkeys(t for s in sources for t in parts.texts(s.get(SOCIAL_CARE_REFERRAL)))
    )
    return SocialCareSummary(
        needs=needs,
        equipment=equipment,
        referral=referral,
        needs_referral=social_care_referral_needed(
            plan_type=CarePlanType.SOCIAL_CARE if plan else None,
            needs_identified=bool(needs),
            referral_made=bool(referral),
        ),
        plan=plan,
        last_older_prisoner_review=review[0] if review else None,
        peep="PEEP" in alerts,
    )


def _communication(plans: list[PlanBrief], alerts: tuple[str, ...]) -> CommunicationSummary:
    plan = parts.plan_of(plans, CarePlanType.NEURODIVERSITY_ADJUSTMENTS)
    return CommunicationSummary(
        adjustments=plan.interventions if plan else (),
        needs=parts.texts(plan.data.get(COMMUNICATION_NEEDS)) if plan else (),
        plan=plan,
        hidden_disability="HID" in alerts,
    )


def build_summary(
    session: Session,
    patient_id: str,
    *,
    today: date,
    now: datetime,
    generated_by: tuple[str, str],
    policy: ReleasePolicy = DEFAULT_RELEASE_POLICY,
) -> ReleaseSummary:
    patient = get_or_error(session, Patient, patient_id, "patient")
    ids = identifiers(session, patient, today)
    plans = parts.live_plans(session, patient.id, today)
    release = current_release_plan(session, patient.id)
    plan_view = plan_view_of(release, today, policy) if release is not None else None
    review = parts.older_prisoner_review(session, patient.id)
    end_of_life = parts.plan_of(plans, CarePlanType.END_OF_LIFE)
    return ReleaseSummary(
        identifiers=ids,
        allergies=allergies(session, patient.id),
        conditions=_conditions(session, patient.id),
        key_results=parts.key_results(session, patient.id),
        medicines=parts.medicines(session, patient.id),
        supply=SupplyGiven(
            plan_view.days_of_medicine_supplied if plan_view else None,
            plan_view.fp10_given if plan_view else False,
            plan_view.supply_ok if plan_view else None,
        ),
        release_plan=plan_view,
        mental_health=_mental_health(session, patient.id, plans, today),
        acct=parts.acct(session, patient.id),
        outstanding_appointments=parts.outstanding_appointments(session, patient.id, today),
        referrals=parts.referrals(session, patient.id),
        screening=parts.screening(session, patient.id),
        frailty=parts.frailty(session, patient.id),
        social_care=_social_care(plans, review, ids.alerts),
        communication=_communication(plans, ids.alerts),
        end_of_life=EndOfLifeSummary(
            end_of_life, end_of_life.dnacpr_form_ref if end_of_life else None
        ),
        reconnect_status=plan_view.reconnect_status if plan_view else None,
        contains_unsynced=has_unsynced(session, patient.id),
        generated_at=now,
        generated_by=generated_by[0],
        generated_by_role=generated_by[1],
    )


def author(session: Session, vault: OpenVault) -> tuple[str, str]:
    staff = session.get(Staff, vault.actor.staff_id) if vault.actor.staff_id else None
    return (staff.display_name if staff else vault.actor.username), vault.actor.role


def release_summary(
    vault: OpenVault,
    patient_id: str,
    *,
    today: date | None = None,
    now: datetime | None = None,
    policy: ReleasePolicy = DEFAULT_RELEASE_POLICY,
) -> ReleaseSummary:
    """Everything the next service needs to know, from this laptop alone; an audited view."""
    with user_action(vault, "view_release_summary") as act:
        summary = build_summary(
            act.session,
            patient_id,
            today=today or local_today(),
            now=now or utc_now(),
            generated_by=author(act.session, vault),
            policy=policy,
        )
        act.audit(patient_id=patient_id, detail={"contains_unsynced": summary.contains_unsynced})
    return summary


__all__ = ["ReleaseSummary", "build_summary", "release_summary"]


def patient_identifiers(vault: OpenVault, patient_id: str, today: date) -> SummaryIdentifiers:
    """The identifiers every page of a one-patient printout repeats."""
    require(vault.actor, "view_patient")
    with vault.session() as session:
        patient = get_or_error(session, Patient, patient_id, "patient")
        return identifiers(session, patient, today)
