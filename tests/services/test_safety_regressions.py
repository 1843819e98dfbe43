"""Regressions for the clinical safety defects of issue 12: each was reproduced through the
service functions, and each test here failed on the code before its fix. What leaves the laptop
(the transfer summary, printed) is checked as printed where the defect reached paper.

The hazard log (docs/clinical-safety/hazard-log.md) names these tests as the proof of its
controls.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.services import acct
from hjdesk.services.clinics.outcomes import record_outcome
from hjdesk.services.clinics.reports import daily_exceptions
from hjdesk.services.clinics.sessions import add_to_session, close_session, create_session
from hjdesk.services.common import local_today
from hjdesk.services.encounters.chain import local_day
from hjdesk.services.encounters.forms import EscalationInput, QuestionnairesInput, VitalsInput
from hjdesk.services.encounters.signing import encounter_history
from hjdesk.services.patients.record import patient_reviews
from hjdesk.services.release.summary import release_summary
from hjdesk.services.worklists.reviews_due import overdue_reviews
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import AuditEvent, Staff, Task
from tests.reports.conftest import pdf_text
from tests.services.care_world import (  # noqa: F401
    NOW,
    TODAY,
    World,
    add_encounter,
    at_noon,
    care_template_fixture,
    measured,
    move,
    world_fixture,
)
from tests.services.task_pull import pull_task_status, stored_task

ITEM9 = (1, 1, 1, 1, 1, 1, 1, 1, 1)
NO_ITEM9 = (1, 1, 1, 1, 1, 1, 1, 1, 0)
ESCALATED = EscalationInput("Risk assessment started on the wing", "MH in-reach duty worker")


def _printed_summary(world: World, pid: str) -> str:
    report = render_report(
        world.vault, ReportRequest("transfer-summary", patient_id=pid), now=NOW, today=TODAY
    )
    return pdf_text(report.data).text


# -- 1. social care needs and equipment reach the summary -----------------------------------


def test_older_prisoner_review_needs_and_equipment_reach_the_summary(world: World) -> None:
    pid = world.patient(dob=date(1956, 2, 2))
    add_encounter(
        world.vault,
        pid,
        "OLDER_PRISONER_REVIEW",
        date(2025, 3, 1),
        data={
            "cfs_level": 6,
            "social_care_needs": True,
            "social_care_referral": False,
            "mobility_equipment": "Walking frame; shower chair",
        },
    )
    s = release_summary(world.vault, pid, today=TODAY, now=NOW)
    assert s.social_care.needs == ("Social care needs identified at the older prisoner review",)
    assert s.social_care.equipment == ("Walking frame", "shower chair")
    assert s.social_care.referral == ()
    assert s.social_care.needs_referral
    assert s.frailty is not None
    assert (s.frailty.cfs_level, s.frailty.source) == (6, "OLDER_PRISONER_REVIEW")
    printed = _printed_summary(world, pid)
    assert "Walking frame" in printed
    assert "shower chair" in printed
    assert "Social care needs with no referral to the local authority" in printed


# -- 2. tasks of an entry withdrawn do not travel ---------------------------------------------


def _phq9_session(world: World, pid: str, items: tuple[int, ...]) -> str:
    return add_encounter(
        world.vault,
        pid,
        "MH_SESSION",
        date(2025, 3, 10),
        questionnaires=QuestionnairesInput(phq9=items),
        escalation=ESCALATED,
    )


def _task_status(world: World, pid: str, kind: str) -> list[str]:
    with world.vault.session() as session:
        return list(
            session.scalars(select(Task.status).where(Task.patient_id == pid, Task.kind == kind))
        )


def test_entered_in_error_withdraws_its_tasks_from_worklists_and_the_summary(
    world: World,
) -> None:
    pid = world.patient()
    wrong = _phq9_session(world, pid, ITEM9)
    assert [r.kind for r in release_summary(world.vault, pid, today=TODAY).referrals] == [
        "RISK_ASSESSMENT"
    ]
    add_encounter(
        world.vault, pid, "MH_SESSION", date(2025, 3, 10), amends_id=wrong, entered_in_error=True
    )
    assert _task_status(world, pid, "RISK_ASSESSMENT") == ["WITHDRAWN"]
    assert release_summary(world.vault, pid, today=TODAY).referrals == ()
    assert "Immediate risk assessment" not in _printed_summary(world, pid)
    with world.vault.session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == pid)
        ).all()
    assert "task_withdrawn" in actions


def test_a_correction_withdraws_only_the_tasks_it_no_longer_calls_for(world: World) -> None:
    pid = world.patient()
    first = _phq9_session(world, pid, ITEM9)
    kept = add_encounter(
        world.vault,
        pid,
        "MH_SESSION",
        date(2025, 3, 10),
        amends_id=first,
        questionnaires=QuestionnairesInput(phq9=ITEM9),
        escalation=ESCALATED,
    )
    assert _task_status(world, pid, "RISK_ASSESSMENT") == ["OPEN"]  # still called for
    add_encounter(
        world.vault,
        pid,
        "MH_SESSION",
        date(2025, 3, 10),
        amends_id=kept,
        questionnaires=QuestionnairesInput(phq9=NO_ITEM9),
    )
    assert _task_status(world, pid, "RISK_ASSESSMENT") == ["WITHDRAWN"]


@pytest.mark.parametrize("how", ["marked entered in error", "corrected"])
def test_withdrawing_an_entrys_tasks_withdraws_one_of_a_status_this_version_does_not_know(
    world: World, how: str
) -> None:
    """A newer laptop put the entry's task in a status this version does not know (H-40): the
    entry no longer standing withdraws it like an open task, the note and the audit keeping the
    status it had, and it leaves the transfer summary."""
    pid = world.patient()
    wrong = _phq9_session(world, pid, ITEM9)
    (task_id,) = _task_ids(world, pid, "RISK_ASSESSMENT")
    pull_task_status(world.vault, task_id, "SNOOZED")
    assert [r.task_id for r in release_summary(world.vault, pid, today=TODAY).referrals] == [
        task_id
    ]
    if how == "marked entered in error":
        add_encounter(world.vault, pid, "MH_SESSION", date(2025, 3, 10), amends_id=wrong,
                      entered_in_error=True)  # fmt: skip
    else:
        add_encounter(world.vault, pid, "MH_SESSION", date(2025, 3, 10), amends_id=wrong,
                      questionnaires=QuestionnairesInput(phq9=NO_ITEM9))  # fmt: skip
    task = stored_task(world.vault, task_id)
    assert task.status == "WITHDRAWN"
    (note,) = [line for line in task.detail.splitlines() if line.startswith("Withdrawn ")]
    assert f"(its status was 'SNOOZED'): the entry that raised it was {how}" in note
    with world.vault.session() as session:
        (withdrawn,) = [
            json.loads(d)
            for d in session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "task_withdrawn")
            )
        ]
    assert (withdrawn["task_id"], withdrawn["previous_status"]) == (task_id, "SNOOZED")
    assert release_summary(world.vault, pid, today=TODAY).referrals == ()


def test_withdrawing_an_entrys_tasks_leaves_one_another_laptop_closed(world: World) -> None:
    pid = world.patient()
    wrong = _phq9_session(world, pid, ITEM9)
    (task_id,) = _task_ids(world, pid, "RISK_ASSESSMENT")
    pull_task_status(world.vault, task_id, "DONE")
    add_encounter(
        world.vault, pid, "MH_SESSION", date(2025, 3, 10), amends_id=wrong, entered_in_error=True
    )
    task = stored_task(world.vault, task_id)
    assert task.status == "DONE"
    assert "Withdrawn " not in task.detail


def _task_ids(world: World, pid: str, kind: str) -> list[str]:
    with world.vault.session() as session:
        return list(
            session.scalars(select(Task.id).where(Task.patient_id == pid, Task.kind == kind))
        )


# -- 3-6. ACCT health input -------------------------------------------------------------------

OPENED = NOW - timedelta(days=5)


def _open_acct(world: World, pid: str, opened: datetime = OPENED) -> acct.AcctCaseView:
    return acct.open_case(
        world.vault,
        pid,
        opened_at=opened,
        concern_summary="Ligature found in cell",
        risk_level="RAISED",
        case_manager="SO Patel",
        now=NOW,
    )


def _event(view: acct.AcctCaseView, kind: str) -> acct.AcctEventView:
    return next(e for e in view.events if e.event_type == kind)


def _flags(view: acct.AcctCaseView) -> list[tuple[str, str, str]]:
    return [(f.code.value, f.event_type.value, f.severity.value) for f in view.flags]


def test_attendance_cannot_be_given_before_the_review_happens(world: World) -> None:
    view = _open_acct(world, world.patient(), opened=NOW - timedelta(hours=2))
    first = _event(view, "CASE_REVIEW_FIRST")
    assert first.scheduled_at == NOW + timedelta(hours=22)
    with pytest.raises(InvalidInput, match="has not taken place yet"):
        acct.add_contribution(
            world.vault,
            first.id,
            contribution_type="ATTENDED_IN_PERSON",
            team="PRIMARY_CARE",
            summary="Will attend",
            now=NOW,
        )
    # Planned is what it is; a written contribution can be sent ahead of the review.
    acct.add_contribution(
        world.vault, first.id, contribution_type="ATTENDED_IN_PERSON", team="PRIMARY_CARE",
        summary="", planned=True, now=NOW,
    )  # fmt: skip
    held = acct.record_event_held(
        world.vault, first.id, held_at=NOW + timedelta(hours=20), chair="SO Patel",
        now=NOW + timedelta(hours=21),
    )  # fmt: skip
    # The plan alone never suppresses the HIGH flag once the review is held.
    assert _flags(held) == [("ACCT_NO_HEALTH_INPUT", "CASE_REVIEW_FIRST", "HIGH")]


def test_mh_in_reach_flag_follows_the_caseload_at_the_time_of_the_review(world: World) -> None:
    pid = world.patient()
    mh = world.as_user("mhnurse")
    acct.set_caseload(mh, pid, "MH_IN_REACH", True, today=date(2025, 3, 1))
    view = _open_acct(world, pid)
    first = _event(view, "CASE_REVIEW_FIRST")
    acct.record_event_held(world.vault, first.id, held_at=OPENED + timedelta(hours=20),
                           chair="SO", now=NOW)  # fmt: skip
    acct.add_contribution(world.vault, first.id, contribution_type="ATTENDED_IN_PERSON",
                          team="PRIMARY_CARE", summary="Low mood", now=NOW)  # fmt: skip
    mh_gap = [("ACCT_NO_MH_INPUT", "CASE_REVIEW_FIRST", "MEDIUM")]
    assert _flags(acct.case_view(world.vault, view.id, NOW)) == mh_gap
    # Discharged from the caseload afterwards: the past gap stays, in the record and the audit.
    acct.set_caseload(mh, pid, "MH_IN_REACH", False, today=date(2025, 3, 11))
    assert _flags(acct.case_view(world.vault, view.id, NOW)) == mh_gap
    audit = acct.audit_report(world.vault)
    assert [(f.code, f.case_id) for f in audit.flags] == [("ACCT_NO_MH_INPUT", view.id)]


def test_joining_the_caseload_later_creates_no_flag_for_old_reviews(world: World) -> None:
    pid = world.patient()
    view = _open_acct(world, pid)
    first = _event(view, "CASE_REVIEW_FIRST")
    acct.record_event_held(world.vault, first.id, held_at=OPENED + timedelta(hours=20),
                           chair="SO", now=NOW)  # fmt: skip
    acct.add_contribution(world.vault, first.id, contribution_type="ATTENDED_IN_PERSON",
                          team="PRIMARY_CARE", summary="Low mood", now=NOW)  # fmt: skip
    acct.set_caseload(world.as_user("mhnurse"), pid, "MH_IN_REACH", True, today=TODAY)
    after = acct.case_view(world.vault, view.id, NOW)
    assert after.on_mh_caseload
    assert _flags(after) == []


def test_closing_an_acct_keeps_an_overdue_first_review_as_a_high_gap(world: World) -> None:
    view = _open_acct(world, world.patient())  # first review due 4 days ago, never held
    closed = acct.close_case(world.vault, view.id, held_at=NOW - timedelta(hours=1),
                             chair="SO Patel", now=NOW)  # fmt: skip
    first = _event(closed, "CASE_REVIEW_FIRST")
    assert first.scheduled_at == OPENED + timedelta(hours=24)
    assert ("ACCT_NO_HEALTH_INPUT", "CASE_REVIEW_FIRST", "HIGH") in _flags(closed)
    missed = next(f for f in closed.flags if f.event_type.value == "CASE_REVIEW_FIRST")
    assert "not recorded as held" in missed.message
    assert ("CASE_REVIEW_FIRST", "HIGH") in {
        (f.event_type, f.severity) for f in acct.audit_report(world.vault).flags
    }
    assert not first.input_late  # flagged, no longer waited for


def test_monthly_review_percentage_counts_a_review_never_held(world: World) -> None:
    """A first case review past its time and never held (case still open) counts as a review
    without health input: before, only held reviews counted, so the month read 0%."""
    held_case = _open_acct(world, world.patient())
    first = _event(held_case, "CASE_REVIEW_FIRST")
    acct.record_event_held(world.vault, first.id, held_at=OPENED + timedelta(hours=20),
                           chair="SO", now=NOW)  # fmt: skip
    acct.add_contribution(world.vault, first.id, contribution_type="ATTENDED_IN_PERSON",
                          team="PRIMARY_CARE", summary="Low mood", now=NOW)  # fmt: skip
    never_held = _open_acct(world, world.patient())  # first review due 4 days ago
    assert never_held.status == "OPEN"
    assert _event(never_held, "CASE_REVIEW_FIRST").held_at is None
    (month,) = acct.audit_report(world.vault).months
    assert (month.year, month.month) == (2025, 3)
    counts = (month.case_reviews, month.case_reviews_not_held, month.case_reviews_without_input)
    assert counts == (2, 1, 1)
    assert month.case_reviews_without_input_pct == 50.0
    printed = render_report(world.vault, ReportRequest("acct-audit"), now=NOW, today=TODAY)
    text = pdf_text(printed.data)
    assert text.has("of which not held")
    assert text.has("50%")


def test_post_closure_review_input_can_be_written_up_once_the_acct_has_ended(
    world: World,
) -> None:
    view = _open_acct(world, world.patient(), opened=NOW - timedelta(days=10))
    closed = acct.close_case(world.vault, view.id, held_at=NOW - timedelta(days=9),
                             chair="SO", now=NOW)  # fmt: skip
    review = _event(closed, "POST_CLOSURE_REVIEW")
    assert review.scheduled_at == NOW - timedelta(days=2)
    ended = acct.record_event_held(world.vault, review.id, held_at=review.scheduled_at,
                                   chair="SO", now=NOW)  # fmt: skip
    assert ended.status == "CLOSED"
    assert ("ACCT_NO_HEALTH_INPUT", "POST_CLOSURE_REVIEW", "MEDIUM") in _flags(ended)
    acct.add_contribution(world.vault, review.id, contribution_type="ATTENDED_IN_PERSON",
                          team="PRIMARY_CARE", summary="Settled; engaging", now=NOW)  # fmt: skip
    after = acct.case_view(world.vault, view.id, NOW)
    assert ("ACCT_NO_HEALTH_INPUT", "POST_CLOSURE_REVIEW", "MEDIUM") not in _flags(after)
    # Nothing can be planned for an ACCT that has ended.
    with pytest.raises(InvalidInput, match="closed"):
        acct.add_contribution(world.vault, review.id, contribution_type="ATTENDED_IN_PERSON",
                              team="PRIMARY_CARE", summary="", planned=True, now=NOW)  # fmt: skip


# -- 7. a second-stage assessment never done stays visible ------------------------------------


def test_second_stage_never_done_stays_overdue_after_the_look_back(world: World) -> None:
    pid = world.patient(reception=TODAY - timedelta(days=120))
    report = overdue_reviews(world.vault, today=TODAY)
    (row,) = [r for r in report.second_stage_long_overdue if r.patient_id == pid]
    assert (row.overdue, row.days_overdue) == (True, 113)
    assert patient_reviews(world.vault, pid, today=TODAY).second_stage_status == "OVERDUE"
    printed = render_report(world.vault, ReportRequest("overdue"), now=NOW, today=TODAY)
    text = pdf_text(printed.data)
    assert text.has("Second-stage assessments long overdue")
    assert text.has(row.prison_number)
    # Done at last: it leaves the list.
    add_encounter(world.vault, pid, "SECOND_STAGE_ASSESSMENT", TODAY)
    assert not overdue_reviews(world.vault, today=TODAY).second_stage_long_overdue


# -- the escalation time, and the day ---------------------------------------------------------

SICK = VitalsInput(
    resp_rate=26, spo2=90, on_oxygen=False, systolic_bp=88, pulse=135, consciousness="A",
    temperature=39.5, diastolic_bp=60,
)  # fmt: skip


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (at_noon(TODAY) + timedelta(days=365), "cannot be in the future"),
        (at_noon(TODAY) - timedelta(hours=3), "before the encounter began"),
    ],
)
def test_escalation_time_is_checked(world: World, at: datetime, message: str) -> None:
    pid = world.patient()
    escalation = EscalationInput("999 called; emergency code", "Ambulance control", at)
    with pytest.raises(InvalidInput, match=message):
        add_encounter(world.vault, pid, "CELL_DOOR", TODAY, vitals=SICK, escalation=escalation)
    fine = EscalationInput("999 called", "Ambulance control", at_noon(TODAY) + timedelta(minutes=5))
    add_encounter(world.vault, pid, "CELL_DOOR", TODAY, vitals=SICK, escalation=fine)


def test_local_today_is_the_london_day_whatever_the_laptop_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        # 23:30 UTC on 30 June is 00:30 BST on 1 July in London, and 13:30 on 1 July in Kiribati;
        # 10:30 UTC on 30 June is 00:30 on 1 July in Kiribati but still 30 June in London.
        assert local_today(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == date(2025, 7, 1)
        assert local_today(datetime(2025, 6, 30, 10, 30, tzinfo=UTC)) == date(2025, 6, 30)
        assert local_today() == datetime.now(ZoneInfo("Europe/London")).date()
        assert local_day(datetime(2025, 6, 30, 10, 30, tzinfo=UTC)) == date(2025, 6, 30)
    finally:
        monkeypatch.undo()
        time.tzset()


# -- the last blood pressure includes NEWS2 observations -------------------------------------

WELL = VitalsInput(
    resp_rate=16, spo2=97, on_oxygen=False, systolic_bp=168, pulse=72, consciousness="A",
    temperature=36.8, diastolic_bp=96,
)  # fmt: skip


def _clinic_bp(world: World, pid: str, day: date, systolic: int, diastolic: int) -> None:
    bp = (measured("BP_SYSTOLIC", systolic), measured("BP_DIASTOLIC", diastolic))
    add_encounter(
        world.vault, pid, "LTC_REVIEW", day, ltc_condition="HYPERTENSION", measurements=bp
    )


def test_summary_last_bp_includes_bp_taken_with_news2_observations(world: World) -> None:
    pid = world.patient()
    _clinic_bp(world, pid, date(2025, 1, 10), 150, 90)
    add_encounter(world.vault, pid, "CELL_DOOR", date(2025, 3, 1), vitals=WELL)
    bp = release_summary(world.vault, pid, today=TODAY, now=NOW).key_results.blood_pressure
    assert bp is not None
    assert (bp.systolic, bp.diastolic, bp.taken_on) == (168, 96, date(2025, 3, 1))
    # An older observation does not hide a newer clinic reading.
    _clinic_bp(world, pid, date(2025, 3, 5), 138, 82)
    bp = release_summary(world.vault, pid, today=TODAY, now=NOW).key_results.blood_pressure
    assert bp is not None
    assert (bp.systolic, bp.diastolic) == (138, 82)


# -- the exception report counts the wing at the appointment ----------------------------------


def test_exception_report_uses_the_wing_at_the_appointment(world: World) -> None:
    pid = world.patient(location="A-1-001")
    world.patient(location="B-2-001")  # B wing exists on the roll
    clinic = create_session(world.vault, clinic_type="GENERAL_NURSE", session_date=TODAY,
                            period="AM", wings=["A", "B"])  # fmt: skip
    booked = [a for a in clinic.appointments if a.patient_id == pid]
    appointment_id = booked[0].id if booked else add_to_session(
        world.vault, clinic.id, pid, "Dressing").id  # fmt: skip
    record_outcome(world.vault, appointment_id, "NOT_UNLOCKED", reason="Staff shortage", now=NOW)
    move(world, pid, "B-2-005")  # moved to B wing afterwards
    report = daily_exceptions(world.vault, TODAY)
    assert [e.wing for e in report.exceptions] == ["A"]
    assert [w.wing for w in report.wings] == ["A"]


# -- closing a clinic never records the patient's choice for a whole list ---------------------


def test_closing_a_clinic_cannot_record_patient_choice_for_everyone_left(world: World) -> None:
    for _ in range(3):
        world.patient(location="A-1-001")
    clinic = create_session(world.vault, clinic_type="GENERAL_NURSE", session_date=TODAY,
                            period="AM", wings=["A"])  # fmt: skip
    if not clinic.appointments:
        for pid in [world.patient(location="A-1-002") for _ in range(2)]:
            add_to_session(world.vault, clinic.id, pid, "Dressing")
    for outcome in ("DNA_PATIENT_CHOSE", "AT_COURT", "IN_HOSPITAL"):
        with pytest.raises(InvalidInput, match="one patient at a time"):
            close_session(world.vault, clinic.id, remaining_outcome=outcome, reason="Not seen")
    with pytest.raises(InvalidInput, match="Give the reason"):
        close_session(world.vault, clinic.id, remaining_outcome="NOT_UNLOCKED")
    closed = close_session(world.vault, clinic.id, remaining_outcome="NOT_UNLOCKED",
                           reason="No officers on the wing")  # fmt: skip
    assert {(a.outcome, a.attribution) for a in closed.appointments} == {("NOT_UNLOCKED", "PRISON")}


# -- who signed, as they were when they signed ------------------------------------------------


def test_an_entry_keeps_the_signers_role_at_signing(world: World) -> None:
    pid = world.patient()
    signed = add_encounter(world.vault, pid, "CELL_DOOR", TODAY, vitals=WELL)
    view = _open_acct(world, pid)
    first = _event(view, "CASE_REVIEW_FIRST")
    acct.add_contribution(world.vault, first.id, contribution_type="WRITTEN_CONTRIBUTION",
                          team="PRIMARY_CARE", summary="Settled", now=NOW)  # fmt: skip
    # Later the nurse becomes an advanced nurse practitioner (an administrator's change to the
    # staff record, which no clinical service makes).
    with world.vault.transaction() as session:
        staff = session.get(Staff, world.staff_id("nurse"))
        assert staff is not None
        staff.role = "ANP"
    assert encounter_history(world.vault, signed).current.author_role == "RN"
    (given,) = _event(acct.case_view(world.vault, view.id, NOW), "CASE_REVIEW_FIRST").contributions
    assert given.signed_role == "RN"
    sheet = render_report(world.vault, ReportRequest("acct-contribution", event_id=first.id),
                          now=NOW, today=TODAY)  # fmt: skip
    assert pdf_text(sheet.data).has("RN · Primary care")
