"""The sections of the transfer/release health summary (domain.md §9), each read with one query.

Each loader takes a session and a patient id and returns plain frozen values; the summary module
puts them together. Only entries that still stand count (signed, not amended, not entered in
error), as on every worklist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical.acct import AcctRiskLevel, AcctStatus, risk_level_name
from hjdesk.clinical.care_plans import CarePlanStatus, CarePlanType
from hjdesk.clinical.frailty import cfs_level
from hjdesk.clinical.ltc import is_critical_medicine
from hjdesk.clinical.release import AcctSummaryStatus, acct_summary_status
from hjdesk.services.care_plans import DisplayStatus, display_status, needs_referral
from hjdesk.services.labels import local_date
from hjdesk.services.staff_names import name_of, staff_names
from hjdesk.services.standing import standing
from hjdesk.services.worklists import (
    KNOWN_STATUSES,
    LTC_REVIEW,
    OLDER_PRISONER_REVIEW,
    not_closed,
    standing_where,
    unknown_status_note,
    voided_encounters,
)
from hjdesk.storage.models import (
    AcctCase,
    Appointment,
    CarePlan,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanReview,
    ClinicSession,
    Encounter,
    Measurement,
    Medicine,
    Observation,
    QuestionnaireResult,
    ScreeningEvent,
    Task,
)

LIVE = (CarePlanStatus.ACTIVE, CarePlanStatus.REVIEW_DUE)


@dataclass(frozen=True, slots=True)
class KeyResult:
    code: str
    value: float | None
    text_value: str | None
    unit: str
    taken_on: date


@dataclass(frozen=True, slots=True)
class BloodPressure:
    systolic: float
    diastolic: float | None
    taken_on: date


@dataclass(frozen=True, slots=True)
class KeyResults:
    hba1c: KeyResult | None
    blood_pressure: BloodPressure | None
    foot_risk: KeyResult | None


@dataclass(frozen=True, slots=True)
class MedicineItem:
    id: str
    name: str
    dose: str
    medicine_class: str | None
    critical: bool


@dataclass(frozen=True, slots=True)
class PlanBrief:
    """A care plan as the summary shows it: what it is for, who owns it, what it does."""

    plan_id: str
    plan_type: str
    ltc_condition: str | None
    title: str
    display_status: DisplayStatus
    owner_name: str
    start_date: date | None
    review_due: date | None
    goals: tuple[str, ...]
    interventions: tuple[str, ...]
    shared_with: tuple[str, ...]
    risk_management_plan: str | None
    dnacpr_form_ref: str | None
    needs_social_care_referral: bool
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AcctSummary:
    status: AcctSummaryStatus
    risk_level: str | None
    risk_level_name: str | None
    opened_at: datetime | None
    case_manager: str
    post_closure_review_due: date | None


@dataclass(frozen=True, slots=True)
class AppointmentItem:
    appointment_id: str
    session_date: date
    clinic_type: str
    reason: str
    outcome: str | None
    rebook_required: bool


@dataclass(frozen=True, slots=True)
class ReferralItem:
    task_id: str
    kind: str
    title: str
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScreeningItem:
    programme: str
    event_date: date
    outcome: str
    next_due: date | None


@dataclass(frozen=True, slots=True)
class FrailtyItem:
    cfs_level: int
    cfs_name: str
    assessed_on: date
    source: str  # "CFS" (questionnaire) or OLDER_PRISONER_REVIEW


def last_ltc_reviews(session: Session, patient_id: str) -> dict[str, date]:
    query = select(Encounter.ltc_condition, Encounter.started_at).where(
        Encounter.patient_id == patient_id, *standing_where(LTC_REVIEW)
    )
    latest: dict[str, date] = {}
    for condition, started in session.execute(query):
        day = local_date(started)
        if condition and day > latest.get(condition, date.min):
            latest[condition] = day
    return latest


def key_results(session: Session, patient_id: str) -> KeyResults:
    """The latest HbA1c, blood pressure and foot risk (signed measurements that still stand)."""
    query = (
        select(Measurement)
        .where(
            Measurement.patient_id == patient_id,
            Measurement.code.in_(["HBA1C", "BP_SYSTOLIC", "BP_DIASTOLIC", "FOOT_RISK"]),
            Measurement.signed_at.is_not(None),
            Measurement.encounter_id.is_(None)
            | Measurement.encounter_id.not_in(voided_encounters()),
        )
        .order_by(Measurement.taken_at.desc())
    )
    latest: dict[str, Measurement] = {}
    diastolic_at: dict[tuple[str | None, datetime], float] = {}
    for m in session.scalars(query):
        latest.setdefault(m.code, m)
        if m.code == "BP_DIASTOLIC" and m.value is not None:
            diastolic_at[(m.encounter_id, m.taken_at)] = m.value

    def result(code: str) -> KeyResult | None:
        m = latest.get(code)
        if m is None:
            return None
        return KeyResult(code, m.value, m.text_value, m.unit, local_date(m.taken_at))

    readings: list[tuple[datetime, BloodPressure]] = []
    systolic = latest.get("BP_SYSTOLIC")
    if systolic is not None and systolic.value is not None:
        # The diastolic taken with this systolic (same encounter and time), never another day's.
        paired = diastolic_at.get((systolic.encounter_id, systolic.taken_at))
        reading = BloodPressure(systolic.value, paired, local_date(systolic.taken_at))
        readings.append((systolic.taken_at, reading))
    observed = _observed_bp(session, patient_id)
    if observed is not None:
        readings.append(observed)
    bp = max(readings, key=lambda r: r[0])[1] if readings else None
    return KeyResults(result("HBA1C"), bp, result("FOOT_RISK"))


def _observed_bp(session: Session, patient_id: str) -> tuple[datetime, BloodPressure] | None:
    """The latest blood pressure taken with a set of NEWS2 observations that still stands."""
    found = session.execute(
        select(Observation.taken_at, Observation.systolic_bp, Observation.diastolic_bp)
        .where(
            Observation.patient_id == patient_id,
            Observation.signed_at.is_not(None),
            Observation.encounter_id.is_(None)
            | Observation.encounter_id.not_in(voided_encounters()),
        )
        .order_by(Observation.taken_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    taken, systolic, diastolic = found
    lower = None if diastolic is None else float(diastolic)
    return taken, BloodPressure(float(systolic), lower, local_date(taken))


def medicines(session: Session, patient_id: str) -> tuple[MedicineItem, ...]:
    query = (
        select(Medicine)
        .where(Medicine.patient_id == patient_id, Medicine.active.is_(True))
        .order_by(Medicine.name)
    )
    return tuple(
        MedicineItem(
            m.id,
            m.name,
            m.dose,
            m.medicine_class,
            is_critical_medicine(m.medicine_class, flagged_critical=m.critical),
        )
        for m in session.scalars(query)
    )


def live_plans(session: Session, patient_id: str, today: date) -> list[PlanBrief]:
    """Active plans (drafts are not agreed, closed ones are history), newest first."""
    plans = list(
        session.scalars(
            select(CarePlan)
            .where(CarePlan.patient_id == patient_id, CarePlan.status.in_(LIVE))
            .order_by(CarePlan.start_date.desc())
        )
    )
    ids = [p.id for p in plans]
    goals: dict[str, list[str]] = {i: [] for i in ids}
    actions: dict[str, list[str]] = {i: [] for i in ids}
    for g in session.scalars(
        select(CarePlanGoal).where(CarePlanGoal.plan_id.in_(ids)).order_by(CarePlanGoal.position)
    ):
        goals[g.plan_id].append(f"{g.issue}: {g.goal}")
    for i in session.scalars(
        select(CarePlanIntervention)
        .where(CarePlanIntervention.plan_id.in_(ids))
        .order_by(CarePlanIntervention.position)
    ):
        actions[i.plan_id].append(
            f"{i.action} ({i.responsible}, {i.frequency})".replace(", )", ")")
        )
    last: dict[str, date] = {}
    for plan_id, reviewed in session.execute(
        select(CarePlanReview.plan_id, func.max(CarePlanReview.review_date))
        .where(CarePlanReview.plan_id.in_(ids), *standing(CarePlanReview))
        .group_by(CarePlanReview.plan_id)
    ):
        last[plan_id] = reviewed
    owners = staff_names(session, (p.owner_id for p in plans))
    return [
        _brief(p, goals[p.id], actions[p.id], name_of(owners, p.owner_id), last, today)
        for p in plans
    ]


def _brief(
    plan: CarePlan,
    goals: list[str],
    actions: list[str],
    owner: str,
    last: dict[str, date],
    today: date,
) -> PlanBrief:
    data = plan.data or {}
    return PlanBrief(
        plan_id=plan.id,
        plan_type=plan.plan_type,
        ltc_condition=plan.ltc_condition,
        title=plan.title,
        display_status=display_status(plan.status, plan.review_due, last.get(plan.id), today),
        owner_name=owner,
        start_date=plan.start_date,
        review_due=plan.review_due,
        goals=tuple(goals),
        interventions=tuple(actions),
        shared_with=tuple(plan.shared_with or []),
        risk_management_plan=plan.risk_management_plan,
        dnacpr_form_ref=plan.dnacpr_form_ref,
        needs_social_care_referral=needs_referral(plan.plan_type, data),
        data=MappingProxyType(dict(data)),
    )


def plan_of(plans: list[PlanBrief], plan_type: CarePlanType) -> PlanBrief | None:
    return next((p for p in plans if p.plan_type == plan_type), None)


def acct(session: Session, patient_id: str) -> AcctSummary:
    """The open case first, then a post-closure one, else none (closed cases are history)."""
    cases = list(session.scalars(select(AcctCase).where(AcctCase.patient_id == patient_id)))
    rank = {AcctStatus.OPEN.value: 0, AcctStatus.POST_CLOSURE.value: 1}
    live = sorted(
        (c for c in cases if c.status in rank), key=lambda c: (rank[c.status], c.opened_at)
    )
    if not live:
        return AcctSummary(AcctSummaryStatus.NONE, None, None, None, "", None)
    case = live[0]
    known = {r.value for r in AcctRiskLevel}
    level = AcctRiskLevel(case.risk_level) if case.risk_level in known else None
    return AcctSummary(
        acct_summary_status(case.status),
        case.risk_level,
        risk_level_name(level) if level is not None else case.risk_level,
        case.opened_at,
        case.case_manager,
        case.post_closure_review_due,
    )


def outstanding_appointments(
    session: Session, patient_id: str, today: date
) -> tuple[AppointmentItem, ...]:
    """Booked and not yet held, or needing a rebook that has not been booked since."""
    query = (
        select(Appointment, ClinicSession)
        .join(ClinicSession, Appointment.session_id == ClinicSession.id)
        .where(Appointment.patient_id == patient_id)
        .order_by(ClinicSession.session_date)
    )
    rows = [(a, c) for a, c in session.execute(query)]
    items: list[AppointmentItem] = []
    for appointment, clinic in rows:
        pending = appointment.outcome is None and (
            clinic.session_date >= today or clinic.status != "CLOSED"
        )
        rebooked = any(
            other.clinic_type == clinic.clinic_type and other.session_date > clinic.session_date
            for _, other in rows
        )
        if pending or (appointment.rebook_required and not rebooked):
            items.append(
                AppointmentItem(
                    appointment.id,
                    clinic.session_date,
                    clinic.clinic_type,
                    appointment.reason,
                    appointment.outcome,
                    appointment.rebook_required,
                )
            )
    return tuple(items)


def referrals(session: Session, patient_id: str) -> tuple[ReferralItem, ...]:
    """The person's tasks not done or withdrawn; one with a status this version does not know
    (a newer laptop's) is listed saying so, never left out (H-40)."""
    query = select(Task).where(Task.patient_id == patient_id, not_closed()).order_by(Task.due_at)
    return tuple(ReferralItem(t.id, t.kind, _titled(t), t.due_at) for t in session.scalars(query))


def _titled(task: Task) -> str:
    if task.status in KNOWN_STATUSES:
        return task.title
    return f"{task.title} ({unknown_status_note(task.status)})"


def screening(session: Session, patient_id: str) -> tuple[ScreeningItem, ...]:
    """The latest signed event of each screening or immunisation programme."""
    query = (
        select(ScreeningEvent)
        .where(ScreeningEvent.patient_id == patient_id, *standing(ScreeningEvent))
        .order_by(ScreeningEvent.event_date.desc())
    )
    latest: dict[str, ScreeningEvent] = {}
    for event in session.scalars(query):
        latest.setdefault(event.programme, event)
    return tuple(
        ScreeningItem(e.programme, e.event_date, e.outcome, e.next_due)
        for e in sorted(latest.values(), key=lambda e: e.programme)
    )


REVIEW_NEEDS = "Social care needs identified at the older prisoner review"
REVIEW_REFERRAL = "Referral made at the older prisoner review"


def _split(text: object) -> list[str]:
    """Free text listing several things ("Walking frame; shower chair") as separate items."""
    if not isinstance(text, str):
        return list(texts(text))
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def review_answers(stored: object) -> dict[str, Any]:
    """An older-prisoner review's answers in the summary's terms.

    The encounter service stores `{"answers": …, "derived": …}` with yes/no answers for social
    care needs and referral and free-text mobility equipment; the summary lists needs, referral
    and equipment as lines, so yes becomes a line saying where it was identified and the
    equipment text is split into items."""
    data = stored if isinstance(stored, dict) else {}
    answers = data.get("answers", data)
    if not isinstance(answers, dict):
        return {}
    out: dict[str, Any] = {}
    needs = answers.get("social_care_needs")
    out["social_care_needs"] = [REVIEW_NEEDS] if needs is True else list(texts(needs or None))
    referral = answers.get("social_care_referral")
    out["social_care_referral"] = (
        [REVIEW_REFERRAL] if referral is True else list(texts(referral or None))
    )
    out["equipment"] = [
        item for key in ("mobility_equipment", "equipment") for item in _split(answers.get(key))
    ]
    return out


def older_prisoner_review(session: Session, patient_id: str) -> tuple[date, dict[str, Any]] | None:
    """The latest standing older-prisoner review: its day and its answers (`review_answers`)."""
    found = session.execute(
        select(Encounter.started_at, Encounter.data)
        .where(Encounter.patient_id == patient_id, *standing_where(OLDER_PRISONER_REVIEW))
        .order_by(Encounter.started_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    return local_date(found[0]), review_answers(found[1] or {})


def frailty(session: Session, patient_id: str) -> FrailtyItem | None:
    """The latest standing CFS level. An older-prisoner review stores its CFS level as a CFS
    result of its encounter, so this covers reviews and stand-alone scores alike; `source` says
    which it came from."""
    found = session.execute(
        select(
            QuestionnaireResult.total,
            QuestionnaireResult.taken_at,
            QuestionnaireResult.encounter_id,
        )
        .where(
            QuestionnaireResult.patient_id == patient_id,
            QuestionnaireResult.instrument == "CFS",
            QuestionnaireResult.signed_at.is_not(None),
            QuestionnaireResult.encounter_id.not_in(voided_encounters()),
        )
        .order_by(QuestionnaireResult.taken_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    kind = session.scalar(select(Encounter.kind).where(Encounter.id == found[2]))
    source = OLDER_PRISONER_REVIEW if kind == OLDER_PRISONER_REVIEW else "CFS"
    try:
        named = cfs_level(int(found[0]))
    except ValueError:
        return None
    return FrailtyItem(named.level, named.name, local_date(found[1]), source)


def texts(value: object) -> tuple[str, ...]:
    """Form answers as display lines: text, a list of texts, or yes/no (yes → 'Yes')."""
    if value is None or value is False:
        return ()
    if value is True:
        return ("Yes",)
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return (str(value),)
