"""Demo care plans of every type, with goals, interventions and reviews.

Most are ACTIVE, some REVIEW_DUE (inside the 14-day window), some overdue by date (stored as
REVIEW_DUE: OVERDUE is derived, never stored), a few DRAFT and CLOSED. Live and closed plans pass
the activation rules of `clinical.care_plans`; stored statuses are what `status_on` gives today;
each continuing review set the review date the plan now carries.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from hjdesk.clinical import care_plans as rules
from hjdesk.demo.context import Batch, DemoContext, DemoPatient, at, new_id, signed
from hjdesk.storage.models import CarePlan, CarePlanGoal, CarePlanIntervention, CarePlanReview

T = rules.CarePlanType
# type → (title, issue, goal, measure, action, responsible, frequency)
TEXT = {
    T.LTC: (
        "{cond} care plan",
        "{cond} needs regular review",
        "Condition well controlled",
        "Results at target at the next review",
        "Review results and medicines",
        "RN",
        "Every 3 months",
    ),
    T.OLDER_PRISONER_FRAILTY: (
        "Frailty and falls plan",
        "Frailty; at risk of falls",
        "Stays mobile and free of falls",
        "No falls reported",
        "Walking aid checked; OT review",
        "OT",
        "Monthly",
    ),
    T.SOCIAL_CARE: (
        "Social care support",
        "Needs help with washing and dressing",
        "Personal care needs met daily",
        "Care log complete",
        "Local authority care package in place",
        "SOCIAL_WORKER",
        "Daily",
    ),
    T.MENTAL_HEALTH: (
        "Mental health care plan",
        "Low mood and anxiety",
        "Mood improving; engaging with activities",
        "PHQ-9 falling",
        "Fortnightly MH in-reach session",
        "RMN",
        "Fortnightly",
    ),
    T.END_OF_LIFE: (
        "End of life care plan",
        "Advanced illness",
        "Comfortable and supported",
        "Symptoms controlled",
        "Palliative care team visits",
        "GP",
        "Weekly",
    ),
    T.NEURODIVERSITY_ADJUSTMENTS: (
        "Reasonable adjustments",
        "Difficulty with written letters",
        "Understands appointments",
        "No missed appointments",
        "Appointments explained in person",
        "RN",
        "Each appointment",
    ),
    T.SMOKING: (
        "Stop smoking plan",
        "Smokes 15 a day",
        "Smoke-free",
        "CO reading under 10 ppm",
        "Nicotine replacement and weekly support",
        "RN",
        "Weekly",
    ),
}
STATES = {"DRAFT": 8, "ACTIVE": 58, "REVIEW_DUE": 12, "OVERDUE": 14, "CLOSED": 8}
OWNER = {T.MENTAL_HEALTH: "mhnurse", T.END_OF_LIFE: "gp"}


def _types(ctx: DemoContext, rng: random.Random, p: DemoPatient, eol: set[str]) -> list[T]:
    age, kinds = ctx.age(p), []
    if p.conditions and rng.random() < 0.35:
        kinds.append(T.LTC)
    if age >= 50 and rng.random() < 0.25:
        kinds.append(T.OLDER_PRISONER_FRAILTY)
    if p.id in ctx.mh and rng.random() < 0.7:
        kinds.append(T.MENTAL_HEALTH)
    if age >= 50 and rng.random() < (0.4 if "PEEP" in p.alerts else 0.03):
        kinds.append(T.SOCIAL_CARE)
    if p.id in eol:
        kinds.append(T.END_OF_LIFE)
    if "HID" in p.alerts and rng.random() < 0.3:
        kinds.append(T.NEURODIVERSITY_ADJUSTMENTS)
    if rng.random() < 0.02:
        kinds.append(T.SMOKING)
    return kinds


def _dates(ctx: DemoContext, rng: random.Random, state: str) -> tuple[date, date | None]:
    """Start date and review date for a plan in `state`."""
    today = ctx.today
    review = {
        "ACTIVE": today + timedelta(days=rng.randint(15, 120)),
        "REVIEW_DUE": today + timedelta(days=rng.randint(0, 14)),
        "OVERDUE": today - timedelta(days=rng.randint(1, 45)),
        "CLOSED": None,
        "DRAFT": today + timedelta(days=rng.randint(30, 90)) if rng.random() < 0.5 else None,
    }[state]
    start = today - timedelta(days=rng.randint(40, 300))
    if review is not None and review - start < timedelta(days=30):
        start = review - timedelta(days=rng.randint(30, 120))
    return start, review


MH_RISK_PLAN = "Crisis plan agreed: contact MH in-reach; ACCT if self-harm thoughts return"


def _type_fields(kind: T, start: date) -> dict[str, object]:
    """What a plan type needs beyond the common fields (QS163, Dying Well, Care Act s.76)."""
    referral = {"referred_on": start.isoformat(), "local_authority": "Demoshire County Council"}
    return {
        "shared_with": ["GP", "Offender manager"] if kind is T.MENTAL_HEALTH else [],
        "risk_management_plan": MH_RISK_PLAN if kind is T.MENTAL_HEALTH else None,
        "dnacpr_form_ref": "DNACPR form DF-0142 (signed)" if kind is T.END_OF_LIFE else None,
        "data": (
            {"social_care_needs": True, "social_care_referral": referral}
            if kind is T.SOCIAL_CARE
            else {}
        ),
    }


def _grid(plan: CarePlan, kind: T, cond: str, owner: str, batch: Batch) -> None:
    """One CAREMAP row each: the goal and the intervention."""
    _, issue, goal, measure, action, who, frequency = TEXT[kind]
    common = {"plan_id": plan.id, "patient_id": plan.patient_id, "author_id": owner}
    batch.add(
        1,
        CarePlanGoal(
            **common,
            issue=issue.format(cond=cond),
            goal=goal,
            measure=measure,
            target_date=plan.review_due,
            status="IN_PROGRESS",
        ),
    )
    batch.add(
        1,
        CarePlanIntervention(
            **common,
            action=action,
            responsible=who,
            frequency=frequency,
            due=plan.review_due,
            status="IN_PROGRESS",
        ),
    )


def _plan(ctx: DemoContext, rng: random.Random, p: DemoPatient, kind: T, batch: Batch) -> None:
    state = rng.choices(list(STATES), weights=list(STATES.values()))[0]
    start, review = _dates(ctx, rng, state)
    owner = ctx.staff[OWNER.get(kind, "nurse")]
    condition = p.conditions[0][1] if kind is T.LTC and p.conditions else None
    involvement = rng.choices(list(rules.PatientInvolvement), weights=[80, 12, 8])[0]
    plan = CarePlan(
        id=new_id(),
        patient_id=p.id,
        plan_type=kind,
        ltc_condition=condition,
        title=TEXT[kind][0].format(cond=(condition or "").title()),
        status="DRAFT" if state == "DRAFT" else "ACTIVE",
        owner_id=owner,
        start_date=start,
        review_due=review,
        copy_given=rng.random() < 0.7,
        patient_involvement=None if state == "DRAFT" else involvement,
        author_id=owner,
        **_type_fields(kind, start),
    )
    batch.add(0, plan)
    _grid(plan, kind, (condition or "").title(), owner, batch)
    if state != "DRAFT":
        _check_complete(plan)
        _lifecycle(ctx, rng, plan, state, batch)


def _check_complete(plan: CarePlan) -> None:
    """A plan that was ever active passed activation (a closed one had a review date then)."""
    assert plan.start_date is not None
    shared = ("GP", "Offender manager") if plan.plan_type == T.MENTAL_HEALTH else ()
    problems = rules.activation_problems(
        rules.CarePlanInput(
            plan_type=T(plan.plan_type),
            owner_id=plan.owner_id,
            start_date=plan.start_date,
            review_due=plan.review_due or plan.start_date + timedelta(days=28),
            patient_involvement=rules.PatientInvolvement(plan.patient_involvement)
            if plan.patient_involvement
            else None,
            goal_count=1,
            intervention_count=1,
            ltc_condition=plan.ltc_condition,
            risk_management_plan=plan.risk_management_plan,
            shared_with=shared,
            dnacpr_form_ref=plan.dnacpr_form_ref,
        )
    )
    assert not problems, problems


def _review(
    plan: CarePlan, day: date, decision: rules.ReviewDecision, owner: str, next_due: date | None
) -> CarePlanReview:
    return CarePlanReview(
        plan_id=plan.id,
        patient_id=plan.patient_id,
        review_date=day,
        attendees=["Patient", "Named nurse"],
        outcome="Plan reviewed with the patient",
        changes="" if decision is rules.ReviewDecision.CONTINUE else "Plan closed",
        decision=decision,
        next_review_due=next_due,
        **signed(at(day, 15), owner),
    )


def _lifecycle(
    ctx: DemoContext, rng: random.Random, plan: CarePlan, state: str, batch: Batch
) -> None:
    assert plan.start_date is not None
    assert plan.owner_id is not None
    today, live = ctx.today, rules.CarePlanStatus.ACTIVE
    if state == "CLOSED":
        closed_on = today - timedelta(days=rng.randint(5, 120))
        closed_on = max(closed_on, plan.start_date + timedelta(days=7))
        reason = rng.choice(
            [
                rules.ClosedReason.GOALS_MET,
                rules.ClosedReason.SUPERSEDED,
                rules.ClosedReason.DECLINED_BY_PATIENT,
            ]
        )
        result = rules.apply_review(
            live, closed_on, rules.ReviewDecision.CLOSE, closed_reason=reason
        )
        plan.status, plan.closed_reason = result.status, reason
        plan.closed_on, plan.review_due = result.closed_on, None
        batch.add(1, _review(plan, closed_on, rules.ReviewDecision.CLOSE, plan.owner_id, None))
        return
    assert plan.review_due is not None
    plan.status = rules.status_on(live, plan.review_due, today)
    earlier = plan.start_date + timedelta(days=rng.randint(14, 28))
    if rng.random() < 0.5 and earlier < min(today, plan.review_due):
        rules.apply_review(
            live, earlier, rules.ReviewDecision.CONTINUE, next_review_due=plan.review_due
        )
        batch.add(
            1, _review(plan, earlier, rules.ReviewDecision.CONTINUE, plan.owner_id, plan.review_due)
        )


def care_plans(ctx: DemoContext) -> Iterator[Batch]:
    rng, batch = ctx.rng(50), Batch()
    elderly = sorted((p for p in ctx.patients if ctx.age(p) >= 70), key=lambda p: p.prison_number)
    eol = {p.id for p in elderly[: max(1, len(ctx.patients) // 1000)]}
    for p in ctx.patients:
        for kind in _types(ctx, rng, p, eol):
            _plan(ctx, rng, p, kind, batch)
        if len(batch.layers[0]) > 5_000:
            yield batch
            batch = Batch()
    yield batch
