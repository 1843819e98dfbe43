"""Transfer/release health summary (domain.md §9, §10 item 7), built from this laptop's vault
alone so a short-notice move never waits for a network. The medicines checklist: medicines_docs.

The summary prints every section domain.md §9 lists, in its order (clinical.release.SummarySection),
and says "none recorded" rather than leaving a section out: a missing heading reads as "not
checked", an empty one as "checked, nothing there".
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hjdesk.clinical.release import AcctSummaryStatus
from hjdesk.reports.document import Context, Document, identifier_line
from hjdesk.reports.tables import (
    gap,
    heading,
    key_values,
    para,
    signature_lines,
    table,
    warning,
)
from hjdesk.reports.text import day, listed, moment, words, yes_no
from hjdesk.services.patients import NO_ALLERGIES
from hjdesk.services.release import (
    UNKNOWN_STATUS,
    KeyResult,
    PlanBrief,
    ReleasePlanView,
    ReleaseSummary,
    SummaryIdentifiers,
    release_summary,
)

ALERTS = {
    "HA": "HA: ACCT open",
    "HA1": "HA1: ACCT post-closure",
    "PEEP": "PEEP: personal emergency evacuation plan",
    "HID": "HID: hidden disability",
}
NONE = "None recorded"


def _identifier_pairs(ids: SummaryIdentifiers) -> list[tuple[str, object]]:
    nhs = ids.nhs_number or f"not known ({ids.nhs_number_missing_reason or 'no reason given'})"
    return [
        ("Name", f"{ids.family_name.upper()}, {ids.given_names}"),
        ("Date of birth", f"{day(ids.date_of_birth)} (age {ids.age})"),
        ("Sex", words(ids.sex)),
        ("Prison number", ids.prison_number),
        ("NHS number", nhs),
        ("Establishment", f"{ids.establishment_name} ({ids.establishment_code})"),
        ("Location", ids.location or "–"),
        ("Reception date", day(ids.reception_date, "–")),
        ("Expected release date", day(ids.expected_release_date, "–")),
        ("Prison alerts", listed((ALERTS.get(a, a) for a in ids.alerts), "none")),
    ]


def movement_pairs(plan: ReleasePlanView | None) -> list[tuple[str, object]]:
    if plan is None:
        return [("Movement", "No release or transfer plan recorded")]
    gp = plan.community_gp or "not recorded"
    if plan.gp_registration:
        gp += f" ({words(plan.gp_registration).lower()})"
    return [
        (
            "Movement",
            f"{words(plan.movement_type)} · expected {day(plan.expected_date, 'date not set')}",
        ),
        ("Destination", "No fixed abode" if plan.no_fixed_abode else (plan.destination or "–")),
        ("Community GP", gp),
        ("PER health information done", yes_no(plan.per_done)),
        *(
            []
            if plan.status_known
            else [("Plan status", UNKNOWN_STATUS.format(status=plan.status))]
        ),
        ("Notes", plan.notes or "–"),
    ]


def _result(result: KeyResult | None) -> str:
    if result is None:
        return "not recorded"
    if result.text_value:
        value = words(result.text_value)
    else:
        value = f"{result.value:g}" if result.value is not None else ""
    return " ".join(p for p in (value, result.unit, f"({day(result.taken_on)})") if p)


def _plan_pairs(plan: PlanBrief | None, none: str) -> list[tuple[str, object]]:
    if plan is None:
        return [("Care plan", none)]
    return [
        ("Care plan", f"{plan.title} ({words(plan.display_status.value).lower()})"),
        ("Owner · review due", f"{plan.owner_name or '–'} · {day(plan.review_due, '–')}"),
        ("Goals", listed(plan.goals, "–")),
        ("Interventions", listed(plan.interventions, "–")),
    ]


def _problems(s: ReleaseSummary) -> list[Flowable]:
    k = s.key_results
    bp = "not recorded"
    if k.blood_pressure is not None:
        dia = f"/{k.blood_pressure.diastolic:g}" if k.blood_pressure.diastolic is not None else ""
        bp = f"{k.blood_pressure.systolic:g}{dia} mmHg ({day(k.blood_pressure.taken_on)})"
    conditions: Flowable = (
        table(
            ("Condition", "Since", "Last review"),
            [
                [c.name, day(c.onset, "–"), day(c.last_review, "none recorded")]
                for c in s.conditions
            ],
            (50, 25, 25),
        )
        if s.conditions
        else para(NONE)
    )
    return [
        conditions,
        gap(2),
        key_values(
            [
                ("HbA1c", _result(k.hba1c)),
                ("Blood pressure", bp),
                ("Foot risk", _result(k.foot_risk)),
            ]
        ),
    ]


def _medicines(s: ReleaseSummary) -> list[Flowable]:
    if not s.medicines:
        return [para("No current medicines recorded.")]
    out: list[Flowable] = [
        table(
            ("Medicine", "Dose", "Class", "Critical"),
            [
                [m.name, m.dose, words(m.medicine_class) or "–", "CRITICAL" if m.critical else ""]
                for m in s.medicines
            ],
            (34, 36, 18, 12),
            flagged=[i for i, m in enumerate(s.medicines) if m.critical],
        )
    ]
    if s.critical_medicines:
        names = ", ".join(m.name for m in s.critical_medicines)
        out += [
            gap(2),
            warning(
                "Critical medicines must travel with the patient, with the time of the next "
                f"dose: {names}."
            ),
        ]
    return out


def _supply(s: ReleaseSummary) -> list[Flowable]:
    days = s.supply.days_of_medicine_supplied
    pairs = [
        ("Days of medicine supplied", "not recorded" if days is None else str(days)),
        ("FP10 given", yes_no(s.supply.fp10_given)),
    ]
    out: list[Flowable] = [key_values(pairs)]
    if s.supply.supply_ok is False:
        out += [
            gap(2),
            warning("Supply is short: at least 7 days, or an FP10, is needed (NICE QS156)."),
        ]
    return out


def _mental_health(s: ReleaseSummary) -> list[Flowable]:
    mh = s.mental_health
    pairs: list[tuple[str, object]] = [
        ("On MH in-reach caseload", yes_no(mh.on_mh_in_reach_caseload))
    ]
    pairs += _plan_pairs(mh.plan, "No mental health care plan")
    pairs += [
        ("Risk-management plan", mh.risk_management_plan or NONE.lower()),
        ("Shared with", listed(mh.shared_with, "nobody recorded")),
    ]
    return [key_values(pairs)]


def _acct(s: ReleaseSummary) -> list[Flowable]:
    a = s.acct
    status = {
        AcctSummaryStatus.OPEN: "OPEN",
        AcctSummaryStatus.POST_CLOSURE: "Post-closure",
        AcctSummaryStatus.NONE: "None",
    }[a.status]
    pairs: list[tuple[str, object]] = [("ACCT status", status)]
    if a.status is not AcctSummaryStatus.NONE:
        pairs += [
            ("Risk level", a.risk_level_name or "–"),
            ("Opened", moment(a.opened_at, "–")),
            ("Case manager", a.case_manager or "–"),
            ("Post-closure review due", day(a.post_closure_review_due, "–")),
        ]
    out: list[Flowable] = [key_values(pairs)]
    if a.status is AcctSummaryStatus.OPEN:
        out += [
            gap(2),
            warning("ACCT OPEN: the ACCT document and observations must go with the patient."),
        ]
    return out


def _outstanding(s: ReleaseSummary) -> list[Flowable]:
    appointments: Flowable = (
        table(
            ("Date", "Clinic", "Reason", "State"),
            [
                [
                    day(a.session_date),
                    words(a.clinic_type),
                    a.reason,
                    "rebook needed" if a.rebook_required else "booked",
                ]
                for a in s.outstanding_appointments
            ],
            (14, 26, 44, 16),
        )
        if s.outstanding_appointments
        else para("No outstanding appointments.")
    )
    referrals: Flowable = (
        table(
            ("Referral or task", "Kind", "Due"),
            [[r.title, words(r.kind), moment(r.due_at, "–")] for r in s.referrals],
            (56, 24, 20),
        )
        if s.referrals
        else para("No open referrals or tasks.")
    )
    return [appointments, gap(2), referrals]


def _screening(s: ReleaseSummary) -> list[Flowable]:
    if not s.screening:
        return [para(NONE)]
    return [
        table(
            ("Programme", "Date", "Outcome", "Next due"),
            [
                [words(e.programme), day(e.event_date), e.outcome, day(e.next_due, "–")]
                for e in s.screening
            ],
            (34, 18, 30, 18),
        )
    ]


def _frailty(s: ReleaseSummary) -> list[Flowable]:
    f, sc = s.frailty, s.social_care
    cfs = (
        f"Level {f.cfs_level}: {f.cfs_name} ({day(f.assessed_on)}, {words(f.source)})"
        if f
        else "not recorded"
    )
    pairs: list[tuple[str, object]] = [
        ("Clinical Frailty Scale", cfs),
        ("Last older-prisoner review", day(sc.last_older_prisoner_review, "none recorded")),
        ("Social care needs", listed(sc.needs, "none recorded")),
        ("Equipment", listed(sc.equipment, "none recorded")),
        ("Social care referral", listed(sc.referral, "none recorded")),
        ("PEEP", "Yes (prison alert)" if sc.peep else "No"),
    ]
    pairs += _plan_pairs(sc.plan, "No social care plan")
    out: list[Flowable] = [key_values(pairs)]
    if sc.needs_referral:
        out += [
            gap(2),
            warning(
                "Social care needs with no referral to the local authority (Care Act 2014 s.76)."
            ),
        ]
    return out


def _communication(s: ReleaseSummary) -> list[Flowable]:
    c = s.communication
    return [
        key_values(
            [
                ("Adjustments", listed(c.adjustments, "none recorded")),
                ("Communication needs", listed(c.needs, "none recorded")),
                ("Hidden disability (HID alert)", yes_no(c.hidden_disability)),
            ]
        )
    ]


def _end_of_life(s: ReleaseSummary) -> list[Flowable]:
    e = s.end_of_life
    return [
        key_values(
            [
                *_plan_pairs(e.plan, "No end-of-life care plan"),
                ("DNACPR", e.dnacpr_form_ref or "No DNACPR form recorded"),
            ]
        )
    ]


def _reconnect(s: ReleaseSummary) -> list[Flowable]:
    plan = s.release_plan
    window = (
        "open (within 12 weeks of release)" if plan and plan.reconnect_window_open else "not open"
    )
    return [
        key_values(
            [
                ("RECONNECT status", words(s.reconnect_status) or "not recorded"),
                ("RECONNECT window", window),
            ]
        )
    ]


def transfer_summary(ctx: Context, patient_id: str) -> Document:
    s = release_summary(ctx.vault, patient_id, today=ctx.today, now=ctx.printed_at)
    allergies: Flowable = (
        table(("Substance", "Reaction"), [[a.substance, a.reaction] for a in s.allergies], (40, 60))
        if s.allergies
        else para(NO_ALLERGIES, "warning")
    )
    plan_warnings = [
        warning(f"Release plan: {p}") for p in (s.release_plan.problems if s.release_plan else ())
    ]
    sections: list[tuple[str, list[Flowable]]] = [
        (
            "1. Identifiers and movement",
            [
                key_values(_identifier_pairs(s.identifiers)),
                gap(2),
                key_values(movement_pairs(s.release_plan)),
                *plan_warnings,
            ],
        ),
        ("2. Allergies", [allergies]),
        ("3. Problems and long-term conditions, with last key results", _problems(s)),
        ("4. Current medicines and critical medicines", _medicines(s)),
        ("5. Supply given", _supply(s)),
        ("6. Mental health care and risk plan", _mental_health(s)),
        ("7. ACCT", _acct(s)),
        ("8. Outstanding appointments and referrals", _outstanding(s)),
        ("9. Screening and immunisation", _screening(s)),
        ("10. Frailty, social care needs and equipment", _frailty(s)),
        ("11. Communication and neurodiversity adjustments", _communication(s)),
        ("12. End-of-life plan", _end_of_life(s)),
        ("13. RECONNECT", _reconnect(s)),
    ]
    story: list[Flowable] = [
        para(
            f"Produced from this laptop's record by {s.generated_by} ({s.generated_by_role}) at "
            f"{moment(s.generated_at)}.",
            "small",
        ),
    ]
    for title, parts in sections:
        story += [heading(title), *parts]
    story += [
        heading("Handed over"),
        signature_lines(("Handed over by", "Received by (name, role, service)", "Date and time")),
    ]
    return Document(
        title="Transfer/release health summary",
        story=story,
        file_stem=f"health-summary-{ctx.today:%Y-%m-%d}",
        identifiers=identifier_line(s.identifiers),
        unsynced=s.contains_unsynced,
        patient_id=patient_id,
        records={"release_plan_id": s.release_plan.id if s.release_plan else ""},
    )
