"""Every printed output made from the demo vault, its text read back with pypdf: the fields the
document exists to carry, the page furniture on every page, and the data matching the services."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from hjdesk.clinical.questionnaires import PHQ9_ITEMS
from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import KINDS, ReportRequest
from hjdesk.services.acct.reports import audit_report
from hjdesk.services.acct.views import case_view
from hjdesk.services.care_plans.plans import record_review
from hjdesk.services.care_plans.reads import plan_view
from hjdesk.services.clinics.sessions import session_view
from hjdesk.services.release.medicines import medicines_on_release_checklist
from hjdesk.services.release.summary import release_summary
from hjdesk.services.worklists.reviews_due import overdue_reviews
from hjdesk.storage.errors import InvalidInput
from tests.reports.conftest import (
    contribution_patient,
    medicines_patient,
    news2_patient,
    patient_row,
    pdf_text,
    planned_session,
    questionnaire_patient,
    session_with_prison_outcomes,
    unreviewed_plan,
)

PRINTED_BY = "Printed by Alex Morgan (RN) at"


def render(vault, kind: str, **params):
    report = render_report(vault, ReportRequest(kind, **params))
    return report, pdf_text(report.data)


def assert_furniture(pdf, title: str, identifiers: tuple[str, ...] = ()) -> None:
    """Title, printed by/at and 'Page x of y' on every page; patient identifiers too."""
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        assert title in page, f"page {number} lacks the title"
        assert PRINTED_BY in page, f"page {number} lacks printed by/at"
        assert f"Page {number} of {total}" in page, f"page {number} is not numbered"
        for value in identifiers:
            assert value in page, f"page {number} lacks {value!r}"


def patient_identifiers(vault, patient_id: str) -> tuple[str, ...]:
    p = patient_row(vault, patient_id)
    return (p.prison_number, f"Born {p.date_of_birth:%d/%m/%Y}", "NHS no.", p.family_name.upper())


def test_clinic_list_names_every_booked_patient_with_reason_and_blank_outcome(shared_demo):
    view = session_view(shared_demo, planned_session(shared_demo))
    report, pdf = render(shared_demo, "clinic-list", session_id=view.id)
    assert_furniture(pdf, "Wing clinic list")
    assert view.appointments
    for a in view.appointments:
        assert pdf.has(a.name)
        assert a.prison_number in pdf.text
        assert a.location in pdf.text
        assert pdf.has(a.reason)
    assert pdf.has("Outcome")
    assert pdf.has(f"{view.session_date:%d %b %Y}")
    assert pdf.has("HA ACCT open")  # the alert legend
    assert report.patient_id is None
    assert report.records == {"session_id": view.id}


CLINICAL_WORDS = (
    "clinic", "diabetes", "diabetic", "hypertension", "asthma", "copd", "epilepsy", "respiratory",
    "ltc", "acct", "news2", "mental", "depression", "anxiety", "self-harm", "suicide", "risk",
    "older", "frailty", "review", "assessment", "second stage", "screening", "immunisation",
    "smoking", "neurodiversity", "condition", "reason", "outcome", "alert", "peep", "hid",
    "ha1", "medicine", "nurse", "mh", "dna", "refus",
)  # fmt: skip


def test_officer_unlock_list_has_names_numbers_locations_and_nothing_clinical(shared_demo):
    view = session_view(shared_demo, planned_session(shared_demo))
    assert view.clinic_type.value == "LTC_DIABETES"  # a list whose reasons would give it away
    report, pdf = render(shared_demo, "unlock-list", session_id=view.id)
    assert_furniture(pdf, "Officer unlock list")
    for a in view.appointments:
        assert pdf.has(a.name)
        assert a.prison_number in pdf.text
        assert a.location in pdf.text
    # Whole words (or word starts): "Officer" must not count as "ICE", a name as a condition.
    found = [w for w in CLINICAL_WORDS if re.search(rf"\b{re.escape(w)}", pdf.text, re.I)]
    # "HA" alone would match inside words; the alert codes are checked as whole tokens.
    tokens = set(pdf.text.replace(",", " ").split())
    found += [code for code in ("HA", "HA1", "PEEP", "HID", "50+") if code in tokens]
    assert found == [], f"clinical words on the officer's list: {found}"
    assert b"diabetes" not in report.data.lower()  # not in the metadata either


def test_session_outcomes_show_attribution_prison_exceptions_and_rebooks(shared_demo):
    view = session_view(shared_demo, session_with_prison_outcomes(shared_demo))
    _, pdf = render(shared_demo, "session-outcomes", session_id=view.id)
    assert_furniture(pdf, "Session outcomes and exceptions")
    for heading in ("Attendance by attribution", "Prison-driven non-attendance", "Rebook list"):
        assert pdf.has(heading)
    assert pdf.has(
        f"Prison: not unlocked, no escort, regime, lockdown (never a DNA) {view.attendance.prison}"
    )
    rebook = [a for a in view.appointments if a.rebook_required]
    assert rebook
    for a in view.appointments:
        assert pdf.has(a.name)
    assert pdf.has(rebook[0].outcome_reason or "")


def test_month_exception_report_is_per_wing_and_week_and_numbers_every_page(shared_demo):
    report, pdf = render(shared_demo, "session-outcomes", month=date(2026, 10, 1))
    assert report.pages > 1
    assert_furniture(pdf, "Clinic outcomes and exceptions")
    assert pdf.has("Prison-driven non-attendance per wing per week")
    assert pdf.has("Prison exceptions (no identifiers")
    _, wing_b = render(shared_demo, "session-outcomes", month=date(2026, 10, 1), wing="B")
    assert wing_b.has("Wing B, 01/10/2026 to 31/10/2026")


def test_acct_contribution_sheet_is_the_risk_summary_with_who_when_and_a_signature_line(
    shared_demo,
):
    patient_id = contribution_patient(shared_demo)
    report, pdf = render(shared_demo, "acct-contribution", patient_id=patient_id)
    assert_furniture(
        pdf, "ACCT health contribution sheet", patient_identifiers(shared_demo, patient_id)
    )
    case = case_view(shared_demo, report.records["case_id"])
    event = next(e for e in case.events if e.id == report.records["event_id"])
    assert event.contributions
    for c in event.contributions:
        assert pdf.has(c.summary)
    for field in ("Summary shared (risk-relevant only)", "Contributor", "Role and team", "Time",
                  "Signature", "Printed name", "Date and time", "Case manager"):  # fmt: skip
        assert pdf.has(field), field
    assert pdf.has(case.case_manager)
    # The full clinical note stays in the record: no narrative beyond the shared summary.
    assert not pdf.has(case.concern_summary) or not case.concern_summary


def test_acct_audit_gives_the_monthly_percentages_the_service_computes(shared_demo):
    audit = audit_report(shared_demo)
    report, pdf = render(shared_demo, "acct-audit")
    assert_furniture(pdf, "ACCT health-input audit")
    assert report.pages > 1
    assert pdf.has("Flags (")
    for m in audit.months:
        pct = m.case_reviews_without_input_pct
        line = (
            f"{date(m.year, m.month, 1):%B %Y} {m.case_reviews} {m.case_reviews_not_held} "
            f"{m.case_reviews_without_input}"
        )
        assert pdf.has(line + (f" {pct:.0f}%" if pct is not None else " –")), line
    high = [f for f in audit.flags if f.severity == "HIGH"]
    assert high
    assert pdf.has(high[0].who.display_name)
    one = audit.months[-1]
    _, month = render(shared_demo, "acct-audit", month=date(one.year, one.month, 1))
    assert month.has(f"{date(one.year, one.month, 1):%B %Y}")
    other = audit.months[0]
    assert not month.has(f"{date(other.year, other.month, 1):%B %Y} {other.case_reviews}")


def test_care_plan_staff_copy_has_grid_owner_and_review_record(demo):
    plan_id = unreviewed_plan(demo, "LTC")
    before = plan_view(demo, plan_id)
    record_review(
        demo,
        plan_id,
        review_date=before.start_date or date.today(),
        attendees=["Patient", "Named nurse Ó'Brien"],
        outcome="Reviewed at the cell door; goals still right",
        changes="Foot check moved to the next clinic",
        decision="CONTINUE",
        next_review_due=(before.review_due or date.today()) + timedelta(days=90),
    )
    report, pdf = render(demo, "care-plan", plan_id=plan_id)
    assert_furniture(pdf, "Care plan (staff copy)", patient_identifiers(demo, before.patient_id))
    plan = plan_view(demo, report.records["plan_id"])
    assert plan.reviews
    assert plan.goals
    assert plan.interventions
    assert pdf.has(plan.title)
    assert pdf.has(plan.owner_name)
    for g in plan.goals:
        assert pdf.has(g.goal)
    for i in plan.interventions:
        assert pdf.has(i.action)
    assert pdf.has(f"Review record ({len(plan.reviews)})")
    for r in plan.reviews:
        assert pdf.has(f"Review date {r.review_date:%d/%m/%Y}")
        assert pdf.has(r.signed_by_name)
    assert pdf.has("Named nurse Ó'Brien")
    assert pdf.has("Foot check moved to the next clinic")


def test_care_plan_patient_copy_is_plain_language_without_the_risk_plan(shared_demo):
    plan_id = unreviewed_plan(shared_demo, "MENTAL_HEALTH")
    plan = plan_view(shared_demo, plan_id)
    assert plan.risk_management_plan
    _, pdf = render(shared_demo, "care-plan-patient", plan_id=plan_id)
    assert_furniture(pdf, "Your care plan", patient_identifiers(shared_demo, plan.patient_id))
    for heading in ("What we will work on together", "What will happen", "If things change",
                    "Your signature"):  # fmt: skip
        assert pdf.has(heading)
    for g in plan.goals:
        assert pdf.has(g.goal)
    assert not pdf.has(plan.risk_management_plan)
    assert not pdf.has("Risk-management plan")


def test_overdue_reviews_list_every_overdue_row_over_many_numbered_pages(shared_demo):
    overdue = overdue_reviews(shared_demo)
    report, pdf = render(shared_demo, "overdue")
    assert report.pages >= 3
    assert_furniture(pdf, "Overdue reviews")
    for heading in ("Care plan reviews", "Long-term condition reviews", "Diabetes care processes",
                    "Second-stage assessments", "Older-prisoner reviews"):  # fmt: skip
        assert pdf.has(heading)
    rows = [r for r in overdue.all_rows if r.overdue]
    assert rows
    for r in rows[:40]:
        assert pdf.has(f"{r.due_date:%d/%m/%Y} OVERDUE {r.days_overdue} d {r.display_name}"), r
    _, wing = render(shared_demo, "overdue", wing="B")
    assert wing.has("Wing B")
    assert not any(f" {r.location} " in wing.text for r in rows if r.wing != "B")


SECTIONS = (
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
FIELDS = (
    "NHS number", "Date of birth", "Prison number", "HbA1c", "Blood pressure", "Foot risk",
    "Days of medicine supplied", "FP10 given", "Risk-management plan", "ACCT status",
    "Clinical Frailty Scale", "Social care needs", "Equipment", "Adjustments", "DNACPR",
    "RECONNECT status",
)  # fmt: skip


def test_transfer_summary_prints_every_section_of_domain_9(shared_demo):
    patient_id = medicines_patient(shared_demo)
    _, pdf = render(shared_demo, "transfer-summary", patient_id=patient_id)
    assert_furniture(
        pdf, "Transfer/release health summary", patient_identifiers(shared_demo, patient_id)
    )
    for heading in (*SECTIONS, *FIELDS):
        assert pdf.has(heading), heading
    summary = release_summary(shared_demo, patient_id)
    assert summary.medicines
    for m in summary.medicines:
        assert pdf.has(m.name)
    for c in summary.conditions:
        assert pdf.has(c.name)
    for a in summary.allergies:
        assert pdf.has(a.substance)
    assert pdf.has(summary.identifiers.nhs_number or "not known")


def test_medicines_checklist_lists_each_medicine_with_its_checks(shared_demo):
    patient_id = medicines_patient(shared_demo)
    _, pdf = render(shared_demo, "medicines-on-release", patient_id=patient_id)
    assert_furniture(
        pdf, "Medicines-on-release checklist", patient_identifiers(shared_demo, patient_id)
    )
    checklist = medicines_on_release_checklist(shared_demo, patient_id)
    for item in checklist.items:
        assert pdf.has(item.medicine.name)
        for check in item.checks:
            assert pdf.has(check)
    for check in checklist.general_checks:
        assert pdf.has(check)
    assert pdf.has("Checked by")


def test_questionnaire_sheet_prints_items_answers_and_totals(shared_demo):
    patient_id = questionnaire_patient(shared_demo)
    _, pdf = render(shared_demo, "questionnaires", patient_id=patient_id)
    assert_furniture(
        pdf, "Questionnaire result sheet", patient_identifiers(shared_demo, patient_id)
    )
    assert pdf.has("PHQ-9 (depression)")
    assert pdf.has(PHQ9_ITEMS[8])
    assert pdf.has("All questionnaire results")


def test_news2_record_is_a_table_of_scores_with_the_escalation(shared_demo):
    patient_id = news2_patient(shared_demo)
    _, pdf = render(shared_demo, "news2", patient_id=patient_id)
    assert_furniture(pdf, "NEWS2 observation record", patient_identifiers(shared_demo, patient_id))
    assert pdf.has("HIGH")
    assert pdf.has("Escalations (")
    assert pdf.has("call 999")  # the recorded escalation action of the demo's high score


def test_every_kind_is_buildable_and_listed():
    assert set(KINDS) == {
        "clinic-list", "unlock-list", "session-outcomes", "acct-contribution", "acct-audit",
        "care-plan", "care-plan-patient", "overdue", "transfer-summary", "medicines-on-release",
        "questionnaires", "news2",
    }  # fmt: skip
    from hjdesk.reports.build import BUILDERS

    assert set(BUILDERS) == set(KINDS)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ReportRequest("news2"), "about one patient"),
        (ReportRequest("clinic-list"), "one clinic session"),
        (ReportRequest("overdue", patient_id="x"), "does not take a patient"),
        (ReportRequest("payslips"), "Unknown report"),
    ],
)
def test_a_request_missing_what_it_needs_is_refused_plainly(shared_demo, request_, message):
    with pytest.raises(InvalidInput, match=message):
        render_report(shared_demo, request_)


def test_a_patient_without_such_an_item_gets_a_plain_message(shared_demo):
    from sqlalchemy import select

    from hjdesk.storage.models import Observation, Patient

    with shared_demo.session() as session:
        without = session.scalar(
            select(Patient.id).where(Patient.id.not_in(select(Observation.patient_id))).limit(1)
        )
    with pytest.raises(InvalidInput, match="no NEWS2 observations"):
        render_report(shared_demo, ReportRequest("news2", patient_id=without))
