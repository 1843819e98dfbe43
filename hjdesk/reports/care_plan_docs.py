"""Care plan documents (domain.md §7, §10 item 5): the staff copy, with the goal/intervention grid
in CAREMAP columns and the review record, and a plain-language copy for the patient to keep.

Decisions (ours):
- Without a plan id the patient's latest plan is printed: the most recently started plan that is
  not closed, else the most recent closed one.
- The patient copy leaves out the risk-management plan and the DNACPR reference: those are talked
  through in person, not handed over on paper that may be read by others on the wing. Goals that
  were discontinued and interventions that were stopped are left out too.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether

from hjdesk.clinical.care_plans import CarePlanStatus, GoalStatus, InterventionStatus
from hjdesk.reports.document import Context, Document, identifier_line
from hjdesk.reports.tables import (
    esc,
    gap,
    heading,
    key_values,
    para,
    rich,
    signature_lines,
    table,
    warning,
)
from hjdesk.reports.text import answer, day, listed, long_day, moment, words, yes_no
from hjdesk.services.care_plans import (
    CarePlanView,
    DisplayStatus,
    ReviewRow,
    latest_plan_id,
    plan_view,
)
from hjdesk.services.common import NAME_NOT_HELD
from hjdesk.services.printing import has_unsynced
from hjdesk.services.release import patient_identifiers
from hjdesk.services.worklists import CONDITION_NAMES
from hjdesk.storage.errors import InvalidInput

_CONDITIONS = {c.value: n for c, n in CONDITION_NAMES.items()}
PLAIN_TYPES = {
    "OLDER_PRISONER_FRAILTY": "staying well and independent as you get older",
    "SOCIAL_CARE": "help with everyday care and support",
    "MENTAL_HEALTH": "your mental health and wellbeing",
    "END_OF_LIFE": "your care and wishes towards the end of life",
    "NEURODIVERSITY_ADJUSTMENTS": "changes that make things easier for you",
    "SMOKING": "stopping smoking",
}
PLAIN_STATUS = {
    DisplayStatus.DRAFT: "a draft, not agreed yet",
    DisplayStatus.ACTIVE: "in use",
    DisplayStatus.REVIEW_DUE: "due to be looked at again soon",
    DisplayStatus.OVERDUE: "due to be looked at again now",
    DisplayStatus.CLOSED: "finished",
}
PLAIN_GOAL = {
    "NOT_STARTED": "not started yet",
    "IN_PROGRESS": "working on it",
    "ACHIEVED": "done",
    "PARTLY_ACHIEVED": "partly done",
    "NOT_ACHIEVED": "not done yet",
}
PLAIN_INVOLVEMENT = {
    "AGREED": "You agreed this plan with us.",
    "DECLINED_TO_SIGN": "You talked this plan through with us and chose not to sign it.",
    "UNABLE": "We could not agree this plan with you at the time; we will go through it with "
    "you when we can.",
}


def _load(ctx: Context, patient_id: str | None, plan_id: str | None) -> CarePlanView:
    if plan_id is None:
        if patient_id is None:
            raise InvalidInput("Choose the patient or the care plan.")
        plan_id = latest_plan_id(ctx.vault, patient_id)
    return plan_view(ctx.vault, plan_id, today=ctx.today)


def _plain_owner(name: str) -> str:
    """The owner as the person's own copy names them: a name this laptop does not hold (the
    previous prison's, H-37) is no name to give them."""
    return name if name and name != NAME_NOT_HELD else "your named nurse"


def _type(plan: CarePlanView) -> str:
    if plan.plan_type == "LTC":
        condition = _CONDITIONS.get(plan.ltc_condition or "", words(plan.ltc_condition))
        return f"Long-term condition: {condition}"
    return words(plan.plan_type)


def _unsynced(ctx: Context, plan: CarePlanView) -> bool:
    ids = [plan.id, *(g.id for g in plan.goals), *(i.id for i in plan.interventions)]
    ids += [r.id for r in plan.reviews]
    return has_unsynced(ctx.vault, record_ids=ids)


def _status(plan: CarePlanView) -> str:
    text = words(plan.display_status.value)
    if plan.overdue:
        text += f" (review {plan.days_overdue} days overdue)"
    return text


def _review_block(review: ReviewRow) -> Flowable:
    pairs: list[tuple[str, object]] = [
        ("Review date", day(review.review_date)),
        ("Attendees", listed(review.attendees, "–")),
        ("Outcome", review.outcome or "–"),
        ("Changes made", review.changes or "none"),
        ("Decision", words(review.decision)),
        ("Next review due", day(review.next_review_due, "–")),
        ("Signed", f"{review.signed_by_name}, {moment(review.signed_at)}"),
    ]
    if review.amends_id is not None:
        # The superseded review is not printed: it stays, marked, in the record and audit.
        pairs.append(
            (
                "Correction",
                f"Replaces an earlier record of this review. Reason: {review.amendment_reason}",
            )
        )
    return KeepTogether([key_values(pairs, (1, 3)), gap(2)])


def staff_copy(ctx: Context, patient_id: str | None, plan_id: str | None) -> Document:
    plan = _load(ctx, patient_id, plan_id)
    ids = patient_identifiers(ctx.vault, plan.patient_id, ctx.today)
    pairs: list[tuple[str, object]] = [
        ("Type", _type(plan)),
        ("Status", _status(plan)),
        ("Owner", plan.owner_name or "not set"),
        ("Start date", day(plan.start_date, "–")),
        ("Review due", day(plan.review_due, "–")),
        ("Last review", day(plan.last_review_date, "none yet")),
        ("Patient involvement", words(plan.patient_involvement) or "not recorded"),
        ("Copy given to patient", yes_no(plan.copy_given)),
        ("Shared with", listed(plan.shared_with, "nobody recorded")),
    ]
    if plan.plan_type == "MENTAL_HEALTH":
        pairs.append(("Risk-management plan", plan.risk_management_plan or "not recorded"))
    if plan.plan_type == "END_OF_LIFE":
        pairs.append(("DNACPR form", plan.dnacpr_form_ref or "none recorded"))
    if plan.status == CarePlanStatus.CLOSED:
        pairs.append(("Closed", f"{day(plan.closed_on, '–')}: {words(plan.closed_reason)}"))
    story: list[Flowable] = [para(plan.title, "h1"), key_values(pairs)]
    if plan.overdue:
        story += [gap(2), warning(f"OVERDUE: review was due {day(plan.review_due)}.")]
    if plan.needs_social_care_referral:
        story += [
            gap(2),
            warning(
                "Social care needs are recorded with no referral to the local "
                "authority (Care Act 2014 s.76)."
            ),
        ]
    if plan.activation_problems:
        story += [
            heading("Still needed before this draft can be used"),
            para("\n".join(f"• {p}" for p in plan.activation_problems)),
        ]
    if plan.data:
        story += [
            heading("Details"),
            key_values([(words(str(k)), answer(v)) for k, v in plan.data.items()]),
        ]
    story += [
        heading("Goals"),
        table(
            ("Issue", "Goal", "Measure", "Target date", "Status"),
            [
                [g.issue, g.goal, g.measure, day(g.target_date, "–"), words(g.status)]
                for g in plan.goals
            ],
            (21, 33, 29, 14, 15),
        )
        if plan.goals
        else para("No goals recorded."),
        heading("Interventions"),
        table(
            ("Action", "By whom", "How often", "Due", "Status"),
            [
                [i.action, i.responsible, i.frequency, day(i.due, "–"), words(i.status)]
                for i in plan.interventions
            ],
            (40, 20, 21, 14, 15),
        )
        if plan.interventions
        else para("No interventions recorded."),
        heading(f"Review record ({len(plan.reviews)})"),
    ]
    story += [_review_block(r) for r in plan.reviews] or [para("No review recorded yet.")]
    story += [
        heading("Signatures"),
        signature_lines(("Staff signature", "Name and role", "Patient signature", "Date")),
    ]
    return Document(
        title="Care plan (staff copy)",
        story=story,
        file_stem=f"care-plan-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(ids),
        subtitle=f"{_type(plan)} · {_status(plan)}",
        unsynced=_unsynced(ctx, plan),
        patient_id=plan.patient_id,
        records={"plan_id": plan.id},
    )


def _plain_about(plan: CarePlanView) -> str:
    if plan.plan_type == "LTC":
        name = _CONDITIONS.get(plan.ltc_condition or "", words(plan.ltc_condition)).lower()
        name = "COPD" if name == "copd" else name
        return f"looking after your {name}"
    return PLAIN_TYPES.get(plan.plan_type, words(plan.plan_type).lower())


def patient_copy(ctx: Context, patient_id: str | None, plan_id: str | None) -> Document:
    plan = _load(ctx, patient_id, plan_id)
    ids = patient_identifiers(ctx.vault, plan.patient_id, ctx.today)
    goals = [g for g in plan.goals if g.status != GoalStatus.DISCONTINUED]
    actions = [i for i in plan.interventions if i.status != InterventionStatus.STOPPED]
    story: list[Flowable] = [
        para(plan.title, "plain_h"),
        rich(
            f"This plan is about <b>{esc(_plain_about(plan))}</b>. "
            f"It is {esc(PLAIN_STATUS[plan.display_status])}.",
            "plain",
        ),
        rich(
            f"The person looking after this plan is <b>{esc(_plain_owner(plan.owner_name))}</b>.",
            "plain",
        ),
        para("What we will work on together", "plain_h"),
    ]
    for number, g in enumerate(goals, start=1):
        lines = [
            f"<b>{number}. What matters:</b> {esc(g.issue)}",
            f"<b>What we are aiming for:</b> {esc(g.goal)}",
            f"<b>How we will know:</b> {esc(g.measure)}",
        ]
        if g.target_date:
            so_far = PLAIN_GOAL.get(g.status, words(g.status))
            lines.append(f"<b>By:</b> {long_day(g.target_date)} · <b>So far:</b> {esc(so_far)}")
        story.append(KeepTogether([rich("<br/>".join(lines), "plain"), gap(2)]))
    if not goals:
        story.append(para("We have not written down any goals yet.", "plain"))
    story.append(para("What will happen", "plain_h"))
    for i in actions:
        who = f" <b>Who:</b> {esc(i.responsible)}." if i.responsible else ""
        when = f" <b>How often:</b> {esc(i.frequency)}." if i.frequency else ""
        story.append(rich(f"• {esc(i.action)}.{who}{when}", "plain"))
    if not actions:
        story.append(para("Nothing is planned yet.", "plain"))
    story.append(para("Looking at this plan again", "plain_h"))
    if plan.review_due:
        story.append(
            rich(
                f"We will look at this plan with you again by <b>{long_day(plan.review_due)}</b>. "
                "You can ask for it to be looked at sooner at any time.",
                "plain",
            )
        )
    story += [
        para("If things change", "plain_h"),
        para(
            "If you feel unwell, or something in this plan stops working for you, tell any "
            "healthcare staff, or ask an officer to contact healthcare.",
            "plain",
        ),
        para(PLAIN_INVOLVEMENT.get(plan.patient_involvement or "", ""), "plain"),
        gap(4),
        signature_lines(("Your signature", "Date", "Staff signature")),
    ]
    return Document(
        title="Your care plan",
        story=story,
        file_stem=f"care-plan-patient-copy-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(ids),
        unsynced=_unsynced(ctx, plan),
        patient_id=plan.patient_id,
        records={"plan_id": plan.id, "copy": "patient"},
    )
