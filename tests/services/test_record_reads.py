"""Reads the patient record needs (ACCT cases, assessments, conditions and reviews due), and the
correction input rebuilt from a signed entry. Each read is an audited view."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hjdesk.clinical.dates import add_months
from hjdesk.services import encounters
from hjdesk.services.acct.cases import open_case
from hjdesk.services.encounters.corrections import correction_input
from hjdesk.services.encounters.forms import (
    Aq10Input,
    EncounterInput,
    EscalationInput,
    MeasurementInput,
    QuestionnairesInput,
    SixCitInput,
    VitalsInput,
)
from hjdesk.services.patients.record import (
    CORRECTED,
    ENTERED_IN_ERROR,
    STANDS,
    patient_acct_cases,
    patient_assessments,
    patient_reviews,
)
from hjdesk.storage.models import AuditEvent
from tests.services.clinic_world import DAY, NOON, World

LATER = NOON + timedelta(hours=1)
MEDIUM = VitalsInput(
    resp_rate=22,
    spo2=97,
    on_oxygen=False,
    systolic_bp=128,
    diastolic_bp=78,
    pulse=115,
    consciousness="A",
    temperature=38.5,
)


def audits(world: World, action: str, patient_id: str) -> int:
    with world.vault.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.patient_id == patient_id)
        )


def entry(world: World, who: str, **kw: object) -> EncounterInput:
    base = EncounterInput(
        patient_id=world.ids[who],
        kind="MH_SESSION",
        started_at=NOON - timedelta(minutes=40),
        ended_at=NOON - timedelta(minutes=10),
        narrative="Seen on the wing.",
        place="A wing interview room",
        consent_recorded=True,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


# --- conditions and reviews -------------------------------------------------------------------


def test_never_reviewed_conditions_are_due_from_reception(world: World) -> None:
    view = patient_reviews(world.vault, world.ids["diabetic_htn"], today=DAY)
    assert [c.code for c in view.conditions] == ["DIABETES", "HYPERTENSION"]
    for c in view.conditions:
        assert c.last_review is None
        assert c.next_due == view.reception_date  # onset unknown: due from reception
        assert c.overdue
    assert len(view.care_processes) == 9
    assert {p.status.state.value for p in view.care_processes} == {"NOT_RECORDED"}
    assert audits(world, "view_reviews", world.ids["diabetic_htn"]) == 1


def test_a_signed_ltc_review_sets_the_next_due_date(world: World) -> None:
    review = entry(
        world,
        "diabetic",
        kind="LTC_REVIEW",
        ltc_condition="DIABETES",
        measurements=(MeasurementInput("HBA1C", 52, "mmol/mol"),),
        data={"on_hypoglycaemic_drug": False},
    )
    encounters.sign_encounter(world.vault, review, now=NOON)
    view = patient_reviews(world.vault, world.ids["diabetic"], today=DAY)
    (diabetes,) = view.conditions
    assert diabetes.last_review == DAY
    assert diabetes.next_due == add_months(DAY, 12)
    assert not diabetes.overdue
    hba1c = next(p for p in view.care_processes if p.status.process.value == "HBA1C")
    assert hba1c.status.last_done == DAY
    assert hba1c.status.state.value == "UP_TO_DATE"


@pytest.mark.parametrize(
    ("who", "status", "due_days"),
    [("new_arrival", "DUE", 4), ("overdue", "OVERDUE", -13), ("long_ago", "OVERDUE", -193)],
)
def test_second_stage_status(world: World, who: str, status: str, due_days: int) -> None:
    view = patient_reviews(world.vault, world.ids[who], today=DAY)
    assert view.second_stage_status == status
    assert view.second_stage_due == DAY + timedelta(days=due_days)


def test_older_prisoner_review_from_the_fiftieth_birthday(world: World) -> None:
    assert (
        patient_reviews(world.vault, world.ids["fifty_today"], today=DAY).older_prisoner_review_due
        == DAY
    )
    assert (
        patient_reviews(
            world.vault, world.ids["fifty_tomorrow"], today=DAY
        ).older_prisoner_review_due
        is None
    )


# --- assessments ------------------------------------------------------------------------------


def test_assessments_say_how_their_entry_stands(world: World) -> None:
    patient = world.ids["asthma"]
    signed = encounters.sign_encounter(
        world.vault,
        entry(
            world, "asthma", questionnaires=QuestionnairesInput(phq9=(1,) * 8 + (0,), gad7=(2,) * 7)
        ),
        now=NOON,
    )
    rows = patient_assessments(world.vault, patient)
    assert [(r.name, r.total, r.standing) for r in rows] == [
        ("GAD-7", 14, STANDS),
        ("PHQ-9", 8, STANDS),
    ]
    assert rows[0].flagged  # GAD-7 of 10 or more: further evaluation
    assert rows[0].author_name == "Alex Morgan"
    fixed = encounters.amend_encounter(
        world.vault,
        signed.id,
        reason="wrong room",
        corrected=replace(
            correction_input(
                signed, narrative="Seen.", place="B", consent_recorded=True, capacity_concern=False
            )
        ),
        now=LATER,
    )
    encounters.amend_encounter(
        world.vault, fixed.id, reason="wrong patient", entered_in_error=True, now=LATER
    )
    standing = {
        (r.encounter_id, r.name): r.standing for r in patient_assessments(world.vault, patient)
    }
    assert standing[(signed.id, "PHQ-9")] == CORRECTED
    assert standing[(fixed.id, "PHQ-9")] == ENTERED_IN_ERROR
    assert audits(world, "view_assessments", patient) == 2


# --- ACCT -------------------------------------------------------------------------------------


def test_patient_acct_cases_lists_every_case_and_is_audited(world: World) -> None:
    patient = world.ids["epilepsy"]
    assert patient_acct_cases(world.vault, patient, now=NOON) == ()
    opened = open_case(
        world.vault,
        patient,
        opened_at=NOON - timedelta(hours=3),
        concern_summary="Found with a ligature",
        risk_level="HIGH",
        now=NOON,
    )
    cases = patient_acct_cases(world.vault, patient, now=NOON)
    assert [c.id for c in cases] == [opened.id]
    assert [e.event_type for e in cases[0].events] == [e.event_type for e in opened.events]
    assert patient_acct_cases(world.vault, world.ids["asthma"], now=NOON) == ()
    assert audits(world, "view_acct", patient) == 2


# --- corrections keep what the entry recorded -------------------------------------------------


def test_correction_input_keeps_everything_recorded(world: World) -> None:
    full = entry(
        world,
        "fifty_today",
        kind="OLDER_PRISONER_REVIEW",
        vitals=MEDIUM,
        questionnaires=QuestionnairesInput(
            phq9=(0,) * 8 + (1,),
            six_cit=SixCitInput(True, False, False, 1, 0, 2),
            aq10=Aq10Input((1,) * 5 + (0,) * 5, override=True, override_reason="Clinician view"),
            cfs_level=5,
        ),
        measurements=(
            MeasurementInput("FOOT_RISK", "MODERATE"),
            MeasurementInput("BMI", 24.5, "kg/m2"),
        ),
        data={
            "falls": {
                "fallen_last_year": True,
                "injury": False,
                "fear_of_falling": False,
                "gait_or_balance_concern": False,
            },
            "vision": "glasses",
        },
        escalation=EscalationInput("Called the duty GP", "Dr Raman"),
    )
    original = encounters.sign_encounter(world.vault, full, now=NOON)
    corrected = correction_input(
        original,
        narrative="Reviewed at the cell door.",
        place="A-1-009",
        consent_recorded=True,
        capacity_concern=True,
    )
    amended = encounters.amend_encounter(
        world.vault,
        original.id,
        reason="narrative was for another visit",
        corrected=corrected,
        now=LATER,
    )
    assert amended.narrative == "Reviewed at the cell door."
    assert amended.capacity_concern
    assert amended.observation is not None
    assert original.observation is not None
    assert dict(amended.observation.subscores) == dict(original.observation.subscores)
    assert amended.observation.taken_at == original.observation.taken_at
    assert [(q.instrument, q.total, q.band) for q in amended.questionnaires] == [
        (q.instrument, q.total, q.band) for q in original.questionnaires
    ]
    assert [(m.code, m.value, m.text_value) for m in amended.measurements] == [
        (m.code, m.value, m.text_value) for m in original.measurements
    ]
    assert dict(amended.data) == dict(original.data)
    assert (amended.escalation_action, amended.escalated_to) == ("Called the duty GP", "Dr Raman")
    assert amended.red_flags == original.red_flags
