"""The narrative of each section of the FHIR summary: the same facts, in the same words, as the
printed summary (hjdesk.reports.release_docs), as plain lines the Composition escapes into xhtml.

A section with nothing recorded says so ("None recorded"), as the printed copy does: a missing
heading reads as "not checked", an empty one as "checked, nothing there".
"""

from __future__ import annotations

from hjdesk.clinical.release import AcctSummaryStatus
from hjdesk.reports.release_docs import ALERTS, NONE, movement_pairs
from hjdesk.reports.text import day, listed, moment, words, yes_no
from hjdesk.services.patients import NO_ALLERGIES
from hjdesk.services.release import CodedEntries, KeyResult, PlanBrief, ReleaseSummary

# The printed summary's headings, in its order (clinical.release.SummarySection).
TITLES = (
    "1. Identifiers and movement",
    "2. Allergies",
    "3. Problems and long-term conditions, with last key results",
    "4. Current medicines and critical medicines",
    "5. Supply given",
    "6. Mental health care and risk plan",
    "7. ACCT",
    "8. Outstanding appointments and referrals",
    "9. Screening and immunisation",
    "10. Frailty, social care needs and equipment",
    "11. Communication and neurodiversity adjustments",
    "12. End-of-life plan",
    "13. RECONNECT",
)


def alert(code: str) -> str:
    return ALERTS.get(code, code)


def _pairs(pairs: list[tuple[str, object]]) -> list[str]:
    return [f"{label}: {value}" for label, value in pairs]


def _plan(plan: PlanBrief | None, none: str) -> list[str]:
    if plan is None:
        return [f"Care plan: {none}"]
    return [
        f"Care plan: {plan.title} ({words(plan.display_status.value).lower()})",
        f"Owner · review due: {plan.owner_name or '–'} · {day(plan.review_due, '–')}",
        f"Goals: {listed(plan.goals, '–')}",
        f"Interventions: {listed(plan.interventions, '–')}",
    ]


def identifiers(s: ReleaseSummary) -> list[str]:
    i = s.identifiers
    nhs = i.nhs_number or f"not known ({i.nhs_number_missing_reason or 'no reason given'})"
    lines = [
        f"Name: {i.family_name.upper()}, {i.given_names}",
        f"Date of birth: {day(i.date_of_birth)} (age {i.age})",
        f"Sex: {words(i.sex)}",
        f"Prison number: {i.prison_number}",
        f"NHS number: {nhs}",
        f"Establishment: {i.establishment_name} ({i.establishment_code})",
        f"Reception date: {day(i.reception_date, '–')}",
        f"Expected release date: {day(i.expected_release_date, '–')}",
        f"Prison alerts: {listed((alert(a) for a in i.alerts), 'none')}",
    ]
    lines += _pairs(movement_pairs(s.release_plan))
    lines += [f"Release plan: {p}" for p in (s.release_plan.problems if s.release_plan else ())]
    return lines


def allergies(s: ReleaseSummary) -> list[str]:
    if not s.allergies:
        return [NO_ALLERGIES]
    return [f"{a.substance}: {a.reaction or 'reaction not recorded'}" for a in s.allergies]


def _result(result: KeyResult | None) -> str:
    if result is None:
        return "not recorded"
    value = (
        words(result.text_value)
        if result.text_value
        else (f"{result.value:g}" if result.value is not None else "")
    )
    return " ".join(p for p in (value, result.unit, f"({day(result.taken_on)})") if p)


def problems(s: ReleaseSummary, coded: CodedEntries) -> list[str]:
    k = s.key_results
    lines = [
        f"{c.name}: since {day(c.onset, '–')}; last review {day(c.last_review, 'none recorded')}"
        for c in s.conditions
    ] or [f"Conditions: {NONE}"]
    bp = "not recorded"
    if k.blood_pressure is not None:
        dia = f"/{k.blood_pressure.diastolic:g}" if k.blood_pressure.diastolic is not None else ""
        bp = f"{k.blood_pressure.systolic:g}{dia} mmHg ({day(k.blood_pressure.taken_on)})"
    lines += [
        f"HbA1c: {_result(k.hba1c)}",
        f"Blood pressure: {bp}",
        f"Foot risk: {_result(k.foot_risk)}",
    ]
    if coded.vitals is not None:
        v = coded.vitals.values
        lines.append(
            f"Latest observations ({moment(v.taken_at)}): NEWS2 {v.news2_total} "
            f"({words(v.news2_risk).lower()})"
        )
    return lines


def medicines(s: ReleaseSummary) -> list[str]:
    if not s.medicines:
        return ["No current medicines recorded."]
    lines = [
        f"{m.name} {m.dose}".strip() + (" (CRITICAL)" if m.critical else "") for m in s.medicines
    ]
    if s.critical_medicines:
        names = ", ".join(m.name for m in s.critical_medicines)
        lines.append(
            f"Critical medicines must travel with the patient, with the time of the next dose: "
            f"{names}."
        )
    return lines


def supply(s: ReleaseSummary) -> list[str]:
    days = s.supply.days_of_medicine_supplied
    lines = [
        f"Days of medicine supplied: {'not recorded' if days is None else days}",
        f"FP10 given: {yes_no(s.supply.fp10_given)}",
    ]
    if s.supply.supply_ok is False:
        lines.append("Supply is short: at least 7 days, or an FP10, is needed (NICE QS156).")
    return lines


def mental_health(s: ReleaseSummary) -> list[str]:
    mh = s.mental_health
    return [
        f"On MH in-reach caseload: {yes_no(mh.on_mh_in_reach_caseload)}",
        *_plan(mh.plan, "No mental health care plan"),
        f"Risk-management plan: {mh.risk_management_plan or NONE.lower()}",
        f"Shared with: {listed(mh.shared_with, 'nobody recorded')}",
    ]


def acct(s: ReleaseSummary) -> list[str]:
    a = s.acct
    status = {
        AcctSummaryStatus.OPEN: "OPEN",
        AcctSummaryStatus.POST_CLOSURE: "Post-closure",
        AcctSummaryStatus.NONE: "None",
    }[a.status]
    lines = [f"ACCT status: {status}"]
    if a.status is not AcctSummaryStatus.NONE:
        lines += [
            f"Risk level: {a.risk_level_name or '–'}",
            f"Opened: {moment(a.opened_at, '–')}",
            f"Case manager: {a.case_manager or '–'}",
            f"Post-closure review due: {day(a.post_closure_review_due, '–')}",
        ]
    if a.status is AcctSummaryStatus.OPEN:
        lines.append("ACCT OPEN: the ACCT document and observations must go with the patient.")
    return lines


def outstanding(s: ReleaseSummary) -> list[str]:
    lines = [
        f"{day(a.session_date)} {words(a.clinic_type)}: {a.reason} "
        f"({'rebook needed' if a.rebook_required else 'booked'})"
        for a in s.outstanding_appointments
    ] or ["No outstanding appointments."]
    lines += [f"{r.title} ({words(r.kind)}; due {moment(r.due_at, '–')})" for r in s.referrals] or [
        "No open referrals or tasks."
    ]
    return lines


def screening(s: ReleaseSummary) -> list[str]:
    return [
        f"{words(e.programme)}: {e.outcome} on {day(e.event_date)}; next due {day(e.next_due, '–')}"
        for e in s.screening
    ] or [NONE]


def frailty(s: ReleaseSummary) -> list[str]:
    f, sc = s.frailty, s.social_care
    cfs = (
        f"Level {f.cfs_level}: {f.cfs_name} ({day(f.assessed_on)}, {words(f.source)})"
        if f
        else "not recorded"
    )
    lines = [
        f"Clinical Frailty Scale: {cfs}",
        f"Last older-prisoner review: {day(sc.last_older_prisoner_review, 'none recorded')}",
        f"Social care needs: {listed(sc.needs, 'none recorded')}",
        f"Equipment: {listed(sc.equipment, 'none recorded')}",
        f"Social care referral: {listed(sc.referral, 'none recorded')}",
        f"PEEP: {'Yes (prison alert)' if sc.peep else 'No'}",
        *_plan(sc.plan, "No social care plan"),
    ]
    if sc.needs_referral:
        lines.append(
            "Social care needs with no referral to the local authority (Care Act 2014 s.76)."
        )
    return lines


def communication(s: ReleaseSummary) -> list[str]:
    c = s.communication
    return [
        f"Adjustments: {listed(c.adjustments, 'none recorded')}",
        f"Communication needs: {listed(c.needs, 'none recorded')}",
        f"Hidden disability (HID alert): {yes_no(c.hidden_disability)}",
    ]


def end_of_life(s: ReleaseSummary) -> list[str]:
    e = s.end_of_life
    return [
        *_plan(e.plan, "No end-of-life care plan"),
        f"DNACPR: {e.dnacpr_form_ref or 'No DNACPR form recorded'}",
    ]


def reconnect(s: ReleaseSummary) -> list[str]:
    plan = s.release_plan
    window = (
        "open (within 12 weeks of release)" if plan and plan.reconnect_window_open else "not open"
    )
    return [
        f"RECONNECT status: {words(s.reconnect_status) or 'not recorded'}",
        f"RECONNECT window: {window}",
    ]
