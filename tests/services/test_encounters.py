"""Signing encounters: scores, red flags and escalation, side effects, immutability, amendments
(domain.md §3-5, §7-8)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from hjdesk.clinical.news2 import DEFAULT_PATHWAYS
from hjdesk.clinical.questionnaires import PROMPT_ACCT, PROMPT_RISK_ASSESSMENT
from hjdesk.services import clinics, drafts, encounters
from hjdesk.services.encounters import views as encounter_views
from hjdesk.services.encounters.forms import (
    Aq10Input,
    EncounterInput,
    EscalationInput,
    MeasurementInput,
    QuestionnairesInput,
    SixCitInput,
    VitalsInput,
)
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import (
    AuditEvent,
    Encounter,
    Measurement,
    Observation,
    OutboxOp,
    QuestionnaireResult,
    SignedEntryImmutable,
    Task,
)
from tests.services.clinic_world import NOON, World

CALM = VitalsInput(
    resp_rate=16,
    spo2=97,
    on_oxygen=False,
    systolic_bp=128,
    diastolic_bp=78,
    pulse=72,
    consciousness="A",
    temperature=36.8,
)
# resp 22 (2) + pulse 115 (2) + temp 38.5 (1) = 5: medium risk, no single 3.
MEDIUM = replace(CALM, resp_rate=22, pulse=115, temperature=38.5)
# resp 26 (3) + spo2 93 (2) + pulse 115 (2) = 7: high risk.
HIGH = replace(CALM, resp_rate=26, spo2=93, pulse=115)
# Responds to voice: consciousness scores 3 on its own, total 3.
RED_SCORE = replace(CALM, consciousness="V")
ESCALATED = EscalationInput(action="Called the duty GP, who attended", escalated_to="Dr Raman")
NO_FALLS = {
    "fallen_last_year": False,
    "injury": False,
    "fear_of_falling": False,
    "gait_or_balance_concern": False,
}


def visit(world: World, who: str = "diabetic", **kw: object) -> EncounterInput:
    base = EncounterInput(
        patient_id=world.ids[who],
        kind="CLINIC_VISIT",
        started_at=NOON - timedelta(minutes=30),
        ended_at=NOON - timedelta(minutes=10),
        narrative="Seen on the wing. Well.",
        place="A wing treatment room",
        consent_recorded=True,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def sign(world: World, inp: EncounterInput, vault=None) -> encounters.EncounterView:
    return encounters.sign_encounter(vault or world.vault, inp, now=NOON)


def count(world: World, model: type) -> int:
    with world.vault.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def actions(world: World) -> list[str]:
    with world.vault.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


# --- a plain signed entry -------------------------------------------------------------------


def test_signing_stores_the_encounter_and_scores_all_signed_together(world: World) -> None:
    view = sign(
        world,
        visit(
            world,
            vitals=CALM,
            questionnaires=QuestionnairesInput(phq9=(1, 1, 0, 0, 0, 0, 0, 0, 0), gad7=(0,) * 7),
            measurements=(MeasurementInput("HBA1C", 52, "mmol/mol"),),
        ),
    )
    assert view.signed_at == NOON
    assert view.author_name == "Alex Morgan"
    assert view.author_role == "RN"
    assert view.observation is not None
    assert view.observation.news2_total == 0
    assert set(view.observation.subscores) == {
        "resp_rate",
        "spo2",
        "air_or_oxygen",
        "systolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    }
    assert [q.label for q in view.questionnaires] == ["GAD-7 0 minimal", "PHQ-9 2 minimal"]
    with world.vault.session() as session:
        for model in (Encounter, Observation, QuestionnaireResult, Measurement):
            rows = list(session.scalars(select(model)))
            assert rows, model
            assert {(r.signed_at, r.signed_by) for r in rows} == {
                (NOON, world.vault.actor.staff_id)
            }
        kinds = set(session.scalars(select(OutboxOp.kind)))
    assert {"encounter", "observation", "questionnaire_result", "measurement"} <= kinds
    assert actions(world)[-1] == "encounter_signed"


def test_signed_audit_holds_codes_not_identifiers(world: World) -> None:
    view = sign(world, visit(world))
    with world.vault.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "encounter_signed")
        ).one()
    assert event.patient_id == world.ids["diabetic"]
    detail = json.loads(event.detail)
    assert detail["encounter_id"] == view.id
    assert detail["kind"] == "CLINIC_VISIT"
    assert "Diabetic" not in event.detail
    assert "A1000BC" not in event.detail


def test_every_problem_is_listed_at_once(world: World) -> None:
    bad = visit(
        world,
        narrative=" ",
        ended_at=NOON - timedelta(hours=2),
        vitals=replace(CALM, spo2=101),
        measurements=(MeasurementInput("HBA1C", 7.5),),
    )
    with pytest.raises(InvalidInput) as refused:
        sign(world, bad)
    message = refused.value.message
    for words in ("narrative", "ends before it starts", "SpO2", "HbA1c"):
        assert words in message
    assert count(world, Encounter) == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "DENTAL"}, "not an encounter type"),
        ({"kind": "LTC_REVIEW"}, "long-term condition this review is for"),
        ({"ltc_condition": "GOUT"}, "not a long-term condition"),
        ({"started_at": NOON + timedelta(hours=1)}, "future"),
        ({"started_at": NOON.replace(tzinfo=None)}, "time zone"),
        ({"measurements": (MeasurementInput("HBA1C", 52, "%"),)}, "in mmol/mol"),
        ({"measurements": (MeasurementInput("PULSE_OX", 1),)}, "not a measurement"),
        ({"measurements": (MeasurementInput("FOOT_RISK", "PURPLE"),)}, "valid Foot risk"),
        ({"measurements": (MeasurementInput("BMI", "tall"),)}, "must be a number"),
        ({"vitals": replace(CALM, diastolic_bp=140)}, "diastolic"),
        ({"data": {"falls": {"fallen_last_year": True}}}, "every falls question"),
        ({"data": {"mrc_grade": 7}}, "MRC"),
        ({"data": {"oxygen_target": [92, 88]}}, "lower oxygen target"),
        ({"data": {"asthma": {"colour": "blue"}}}, "asthma review"),
        ({"data": {"lying_systolic": 140}}, "lying and the standing"),
        ({"data": {"social_care_needs": "maybe"}}, "yes or no"),
        ({"data": {"when": object()}}, "cannot be stored"),
        (
            {
                "vitals": RED_SCORE,
                "escalation": EscalationInput("Called GP", "Dr Raman", NOON.replace(tzinfo=None)),
            },
            "escalation time must carry a time zone",
        ),
        (
            {"questionnaires": QuestionnairesInput(aq10=Aq10Input((1,) * 6 + (0,) * 4, False))},
            "reason for overriding",
        ),
        ({"questionnaires": QuestionnairesInput(phq9=(1,) * 8)}, "all 9 items"),
        ({"questionnaires": QuestionnairesInput(cfs_level=10)}, "1-9"),
    ],
)
def test_form_mistakes_are_refused(world: World, change: dict, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        sign(world, visit(world, **change))
    assert count(world, Encounter) == 0


# --- red flags and escalation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("vitals", "flags", "pathway"),
    [
        (MEDIUM, ("NEWS2_MEDIUM",), DEFAULT_PATHWAYS.medium),
        (HIGH, ("NEWS2_HIGH", "NEWS2_RED_SCORE"), DEFAULT_PATHWAYS.high),
        (RED_SCORE, ("NEWS2_RED_SCORE",), DEFAULT_PATHWAYS.red_score),
    ],
)
def test_news2_red_flags_block_signing_until_an_escalation_is_recorded(
    world: World, vitals: VitalsInput, flags: tuple[str, ...], pathway: str
) -> None:
    with pytest.raises(encounters.EscalationRequired) as refused:
        sign(world, visit(world, vitals=vitals))
    assert refused.value.red_flags == flags
    assert refused.value.pathway == pathway
    assert pathway in refused.value.message
    assert count(world, Encounter) == 0
    assert count(world, Observation) == 0
    half = EscalationInput(action="Called the GP", escalated_to=" ")
    with pytest.raises(encounters.EscalationRequired):
        sign(world, visit(world, vitals=vitals, escalation=half))
    view = sign(world, visit(world, vitals=vitals, escalation=ESCALATED))
    assert view.red_flags == flags
    assert (view.escalation_action, view.escalated_to, view.escalated_at) == (
        ESCALATED.action,
        "Dr Raman",
        NOON,
    )
    assert view.pathway == pathway


def test_low_scores_need_no_escalation(world: World) -> None:
    # resp 22 scores 2: total 2, low risk.
    view = sign(world, visit(world, vitals=replace(CALM, resp_rate=22)))
    assert view.red_flags == ()
    assert view.news2_total == 2


def test_phq9_item_9_blocks_signing_and_raises_a_risk_assessment(world: World) -> None:
    phq = QuestionnairesInput(phq9=(0, 0, 0, 0, 0, 0, 0, 0, 1))  # total 1, minimal
    mh = world.as_user("mhnurse")
    inp = visit(world, kind="MH_SESSION", questionnaires=phq)
    with pytest.raises(encounters.EscalationRequired) as refused:
        sign(world, inp, mh)
    assert refused.value.red_flags == ("PHQ9_ITEM9",)
    assert "ACCT" in refused.value.message
    assert count(world, Task) == 0
    view = sign(world, replace(inp, escalation=ESCALATED), mh)
    assert view.red_flags == ("PHQ9_ITEM9",)
    assert view.prompt_acct_concern is True
    assert view.prompts == (PROMPT_RISK_ASSESSMENT, PROMPT_ACCT)
    (task,) = view.tasks
    assert task.kind == "RISK_ASSESSMENT"
    with world.vault.session() as session:
        stored = session.get(Task, task.id)
        result = session.scalars(select(QuestionnaireResult)).one()
    assert stored is not None
    assert stored.due_at == NOON
    assert PROMPT_ACCT in stored.detail
    assert (result.total, result.band, result.flagged) == (1, "minimal", True)


def test_red_flags_are_stored_on_the_signed_row(world: World) -> None:
    view = sign(world, visit(world, vitals=MEDIUM, escalation=ESCALATED))
    with world.vault.session() as session:
        row = session.get(Encounter, view.id)
    assert row is not None
    assert row.red_flags == ["NEWS2_MEDIUM"]


# --- SpO2 scale 2 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prescriber", "on", "words"),
    [
        (None, date(2025, 1, 6), "who prescribed it"),
        ("  ", date(2025, 1, 6), "who prescribed it"),
        ("Dr Raman", None, "date it was prescribed"),
        ("Dr Raman", date(2025, 12, 1), "in the future"),
    ],
)
def test_scale_2_needs_a_prescriber_and_date(
    world: World, prescriber: str | None, on: date | None, words: str
) -> None:
    vitals = replace(
        CALM, spo2=90, spo2_scale=2, scale2_prescriber=prescriber, scale2_prescribed_on=on
    )
    with pytest.raises(InvalidInput, match=words):
        sign(world, visit(world, vitals=vitals))


def test_scale_2_scores_a_prescribed_target_and_records_who_prescribed_it(world: World) -> None:
    vitals = replace(
        CALM,
        spo2=90,
        spo2_scale=2,
        scale2_prescriber="Dr Raman",
        scale2_prescribed_on=date(2025, 1, 6),
    )
    view = sign(world, visit(world, "copd_asthma", vitals=vitals))
    assert view.observation is not None
    assert view.observation.subscores["spo2"] == 0  # 90% is on target on scale 2 (3 on scale 1)
    assert view.observation.scale2_prescriber == "Dr Raman"
    assert view.observation.scale2_prescribed_on == date(2025, 1, 6)


# --- immutability and amendments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "column", "value", "original"),
    [
        (Encounter, "narrative", "Rewritten", "Seen on the wing. Well."),
        (Observation, "pulse", 140, 72),
    ],
)
def test_a_signed_entry_cannot_be_updated(
    world: World, model: type, column: str, value: object, original: object
) -> None:
    sign(world, visit(world, vitals=CALM))
    ops_before = count(world, OutboxOp)

    def edit_in_place() -> None:
        with world.vault.transaction() as session:
            row = session.scalars(select(model)).one()
            setattr(row, column, value)

    with pytest.raises(SignedEntryImmutable):
        edit_in_place()
    with world.vault.session() as session:
        row = session.scalars(select(model)).one()
        assert getattr(row, column) == original
        assert row.rev == 1
    assert count(world, OutboxOp) == ops_before


def test_amendment_chain_is_readable_and_the_original_intact(world: World) -> None:
    original = sign(world, visit(world, vitals=CALM))
    first = encounters.amend_encounter(
        world.vault,
        original.id,
        reason="Wrong place",
        corrected=visit(world, vitals=CALM, place="Cell door"),
        now=NOON,
    )
    second = encounters.amend_encounter(
        world.vault,
        first.id,
        reason="Pulse misread",
        corrected=visit(world, vitals=replace(CALM, pulse=80), place="Cell door"),
        now=NOON,
    )
    history = encounters.encounter_history(world.vault, first.id)
    assert [e.id for e in history.entries] == [original.id, first.id, second.id]
    assert history.original.place == "A wing treatment room"
    assert history.original.amends_id is None
    assert (first.amends_id, first.amendment_reason) == (original.id, "Wrong place")
    assert history.current.observation is not None
    assert history.current.observation.pulse == 80
    assert history.entered_in_error is False
    with world.vault.session() as session:
        stored = session.get(Encounter, original.id)
        assert stored is not None
        assert (stored.place, stored.rev, stored.amendment_reason) == (
            "A wing treatment room",
            1,
            None,
        )
    with pytest.raises(InvalidInput, match="amend the latest version"):
        encounters.amend_encounter(
            world.vault, original.id, reason="Again", corrected=visit(world), now=NOON
        )
    assert "encounter_amended" in actions(world)
    assert actions(world)[-1] == "view_encounter"


def test_entered_in_error_is_marked_and_ends_the_chain(world: World) -> None:
    original = sign(world, visit(world, vitals=CALM))
    marked = encounters.amend_encounter(
        world.vault, original.id, reason="Wrong patient", entered_in_error=True, now=NOON
    )
    assert marked.entered_in_error is True
    assert marked.amends_id == original.id
    assert encounters.encounter_history(world.vault, original.id).entered_in_error is True
    timeline = encounter_views.patient_timeline(world.vault, world.ids["diabetic"])
    assert [(t.is_amendment, t.superseded, t.entered_in_error) for t in timeline] == [
        (True, False, True),
        (False, True, False),
    ]
    assert timeline[0].summary == "Entered in error: Wrong patient"
    assert encounter_views.observations_series(world.vault, world.ids["diabetic"]).pulse == ()
    with pytest.raises(InvalidInput, match="entered in error"):
        encounters.amend_encounter(
            world.vault, marked.id, reason="Undo", corrected=visit(world), now=NOON
        )
    assert "encounter_entered_in_error" in actions(world)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"reason": " ", "entered_in_error": True}, "reason for the amendment"),
        ({"reason": "x"}, "Either give the corrected entry"),
        ({"reason": "x", "entered_in_error": True, "corrected": "same"}, "not both"),
        ({"reason": "x", "corrected": "other patient"}, "same patient"),
    ],
)
def test_amendment_mistakes(world: World, kwargs: dict, words: str) -> None:
    original = sign(world, visit(world))
    if kwargs.get("corrected") == "same":
        kwargs["corrected"] = visit(world)
    elif kwargs.get("corrected") == "other patient":
        kwargs["corrected"] = visit(world, "asthma")
    with pytest.raises(InvalidInput, match=words):
        encounters.amend_encounter(world.vault, original.id, now=NOON, **kwargs)


def test_a_correction_does_not_raise_the_same_task_twice(world: World) -> None:
    falls = dict(NO_FALLS, fallen_last_year=True)
    review = visit(
        world,
        "copd_asthma",
        kind="OLDER_PRISONER_REVIEW",
        questionnaires=QuestionnairesInput(cfs_level=4),
        data={"falls": falls},
    )
    original = sign(world, review)
    assert [t.kind for t in original.tasks] == ["FALLS_ASSESSMENT"]
    corrected = encounters.amend_encounter(
        world.vault,
        original.id,
        reason="Typo",
        corrected=replace(review, narrative="Fixed"),
        now=NOON,
    )
    assert corrected.tasks == ()
    assert count(world, Task) == 1


# --- side effects ---------------------------------------------------------------------------


def older_review(world: World, **data: object) -> EncounterInput:
    return visit(
        world,
        "copd_asthma",
        kind="OLDER_PRISONER_REVIEW",
        questionnaires=QuestionnairesInput(cfs_level=6),
        data={"falls": NO_FALLS, **data},
    )


@pytest.mark.parametrize("question", list(NO_FALLS))
def test_any_positive_falls_answer_raises_a_falls_assessment(world: World, question: str) -> None:
    view = sign(world, older_review(world, falls=dict(NO_FALLS, **{question: True})))
    (task,) = view.tasks
    assert task.kind == "FALLS_ASSESSMENT"


def test_no_falls_no_task_and_social_care_needs_need_a_referral(world: World) -> None:
    assert sign(world, older_review(world)).tasks == ()
    needs = sign(world, older_review(world, social_care_needs=True))
    assert [t.kind for t in needs.tasks] == ["SOCIAL_CARE_REFERRAL"]
    referred = sign(world, older_review(world, social_care_needs=True, social_care_referral=True))
    assert referred.tasks == ()


def test_older_prisoner_review_needs_frailty_and_falls(world: World) -> None:
    bare = visit(world, "copd_asthma", kind="OLDER_PRISONER_REVIEW")
    with pytest.raises(InvalidInput) as refused:
        sign(world, bare)
    assert "Clinical Frailty Scale" in refused.value.message
    assert "falls questions" in refused.value.message
    view = sign(world, older_review(world))
    (cfs,) = view.questionnaires
    assert (cfs.instrument, cfs.total, cfs.band, cfs.flagged) == (
        "CFS",
        6,
        "Living with moderate frailty",
        True,
    )


def test_news2_and_frailty_warnings_are_returned(world: World) -> None:
    view = sign(
        world,
        visit(
            world,
            vitals=replace(CALM, pregnant=True),
            questionnaires=QuestionnairesInput(cfs_level=3),
        ),
    )
    assert any("pregnancy" in w for w in view.warnings)
    assert any("aged 65 and over" in w for w in view.warnings)  # the patient is 40
    again = encounters.encounter_history(world.vault, view.id).current
    assert again.warnings == view.warnings


def test_ltc_review_findings_and_active_foot_referral(world: World) -> None:
    view = sign(
        world,
        visit(
            world,
            "diabetic_htn",
            kind="LTC_REVIEW",
            ltc_condition="diabetes",
            measurements=(
                MeasurementInput("HBA1C", 60),
                MeasurementInput("FOOT_RISK", "active"),
                MeasurementInput("SMOKING_STATUS", "ex_smoker"),
            ),
            data={"on_hypoglycaemic_drug": True, "lying_systolic": 150, "standing_systolic": 125},
        ),
    )
    assert view.ltc_condition == "DIABETES"
    text = " | ".join(view.findings)
    assert "HbA1c 60 mmol/mol, target 53: consider intensifying" in text
    assert "Foot risk ACTIVE: next foot review by 13 Mar 2025" in text
    assert "Systolic drop of 25 mmHg" in text
    (task,) = view.tasks
    assert task.kind == "FOOT_SERVICE_REFERRAL"
    assert [(m.code, m.text_value) for m in view.measurements if m.text_value] == [
        ("FOOT_RISK", "ACTIVE"),
        ("SMOKING_STATUS", "EX_SMOKER"),
    ]


def test_hypertension_review_compares_bp_with_the_target_for_age(world: World) -> None:
    view = sign(
        world,
        visit(
            world,
            "copd_asthma",  # 70: the under-80 clinic target, below 140/90
            kind="LTC_REVIEW",
            ltc_condition="HYPERTENSION",
            measurements=(
                MeasurementInput("BP_SYSTOLIC", 145),
                MeasurementInput("BP_DIASTOLIC", 85),
            ),
        ),
    )
    assert "Clinic BP 145/85: above target (below 140/90)" in view.findings


def test_copd_oxygen_target_warns_when_the_wrong_scale_is_used(world: World) -> None:
    view = sign(
        world,
        visit(
            world,
            "copd_asthma",
            kind="LTC_REVIEW",
            ltc_condition="COPD",
            vitals=CALM,
            data={"mrc_grade": 3, "oxygen_target": [88, 92], "asthma": {"smokes": False}},
        ),
    )
    assert any("NEWS2 SpO2 scale 2" in w for w in view.warnings)
    assert "Watch the patient use their inhaler and record it." in view.warnings


def test_an_aq10_override_needs_a_reason_only_when_it_changes_the_verdict(world: World) -> None:
    mh = world.as_user("mhnurse")
    positive = (1,) * 6 + (0,) * 4
    confirm = QuestionnairesInput(aq10=Aq10Input(positive, override=True))
    view = sign(world, visit(world, kind="MH_SESSION", questionnaires=confirm), mh)
    assert view.questionnaires[0].flagged is True
    overturn = QuestionnairesInput(aq10=Aq10Input(positive, override=False))
    with pytest.raises(InvalidInput, match="reason for overriding"):
        sign(world, visit(world, kind="MH_SESSION", questionnaires=overturn), mh)


def test_questionnaire_scores_are_stored_with_answers(world: World) -> None:
    mh = world.as_user("mhnurse")
    cit = SixCitInput(True, False, False, 1, 0, 2)  # 4 + 2 + 4 = 10
    aq = Aq10Input((1,) * 5 + (0,) * 5, override=True, override_reason="Strong history")
    view = sign(
        world,
        visit(world, kind="MH_SESSION", questionnaires=QuestionnairesInput(six_cit=cit, aq10=aq)),
        mh,
    )
    by = {q.instrument: q for q in view.questionnaires}
    assert (by["SIX_CIT"].total, by["SIX_CIT"].band) == (10, "significant impairment")
    assert by["SIX_CIT"].answers["subscores"]["year"] == 4
    assert (by["AQ10"].total, by["AQ10"].flagged) == (5, True)
    assert by["AQ10"].override == {"offer_assessment": True, "reason": "Strong history"}


# --- appointments, drafts, roles ------------------------------------------------------------


def seen_appointment(world: World, outcome: str = "ATTENDED") -> clinics.AppointmentView:
    view = clinics.create_session(
        world.vault, clinic_type="LTC_EPILEPSY", session_date=NOON.date(), period="PM", wings=["A"]
    )
    (appointment,) = view.appointments
    return clinics.record_outcome(world.vault, appointment.id, outcome)


def test_an_appointment_must_be_the_patients_and_seen_and_used_once(world: World) -> None:
    appointment = seen_appointment(world, "AT_COURT")
    with pytest.raises(InvalidInput, match="seen outcome"):
        sign(world, visit(world, "epilepsy", appointment_id=appointment.id))
    clinics.record_outcome(world.vault, appointment.id, "SEEN_AT_CELL_DOOR")
    with pytest.raises(InvalidInput, match="another patient"):
        sign(world, visit(world, "diabetic", appointment_id=appointment.id))
    signed = sign(world, visit(world, "epilepsy", kind="CELL_DOOR", appointment_id=appointment.id))
    assert signed.appointment_id == appointment.id
    with pytest.raises(InvalidInput, match="amend it instead"):
        sign(world, visit(world, "epilepsy", appointment_id=appointment.id))
    corrected = encounters.amend_encounter(
        world.vault,
        signed.id,
        reason="More detail",
        corrected=visit(world, "epilepsy", kind="CELL_DOOR", narrative="Seen at the door; well."),
        now=NOON,
    )
    assert corrected.appointment_id == appointment.id


def test_signing_discards_the_forms_draft(world: World) -> None:
    draft_id = drafts.save_draft(
        world.vault, "CLINIC_VISIT", {"narrative": "Seen"}, patient_id=world.ids["diabetic"]
    )
    sign(world, visit(world, draft_id=draft_id))
    assert drafts.list_drafts(world.vault) == ()
    assert "draft_discarded" in actions(world)


def test_an_hca_signs_visits_with_observations_but_not_reviews_or_questionnaires(
    world: World,
) -> None:
    hca = world.as_user("hca")
    view = sign(
        world, visit(world, vitals=CALM, measurements=(MeasurementInput("BMI", 27.5),)), hca
    )
    assert view.author_role == "HCA"
    with pytest.raises(PermissionDenied, match="registered clinician"):
        sign(world, visit(world, kind="MH_SESSION"), hca)
    with pytest.raises(PermissionDenied, match="questionnaires"):
        sign(world, visit(world, questionnaires=QuestionnairesInput(gad7=(0,) * 7)), hca)
    nurse_entry = sign(world, visit(world))
    with pytest.raises(PermissionDenied, match="entries you signed"):
        encounters.amend_encounter(hca, nurse_entry.id, reason="x", entered_in_error=True, now=NOON)
    # A registered clinician may correct an HCA's entry.
    encounters.amend_encounter(
        world.vault, view.id, reason="Typo", corrected=visit(world), now=NOON
    )


def test_admin_cannot_sign_or_amend_clinical_entries(world: World) -> None:
    admin = world.as_user("admin")
    with pytest.raises(PermissionDenied):
        sign(world, visit(world), admin)
    entry = sign(world, visit(world))
    with pytest.raises(PermissionDenied):
        encounters.amend_encounter(admin, entry.id, reason="x", entered_in_error=True, now=NOON)


# --- reading back ---------------------------------------------------------------------------


def test_timeline_is_newest_first_and_audited(world: World) -> None:
    older = sign(world, visit(world, started_at=NOON - timedelta(days=2), vitals=CALM))
    newer = sign(
        world,
        visit(
            world,
            narrative="Follow-up.\nMore lines.",
            questionnaires=QuestionnairesInput(gad7=(2,) * 7),
        ),
    )
    timeline = encounter_views.patient_timeline(world.vault, world.ids["diabetic"])
    assert [t.encounter_id for t in timeline] == [newer.id, older.id]
    assert timeline[0].summary == "Follow-up."
    assert timeline[0].questionnaire_bands == ("GAD-7 14 moderate",)
    assert timeline[1].news2_total == 0
    assert timeline[0].author_name == "Alex Morgan"
    with world.vault.session() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert (event.action, event.patient_id) == ("view_timeline", world.ids["diabetic"])


def test_observation_series_for_trend_charts(world: World) -> None:
    first = NOON - timedelta(days=30)
    sign(world, visit(world, started_at=first, vitals=replace(CALM, resp_rate=22)))
    sign(
        world,
        visit(
            world,
            vitals=replace(CALM, systolic_bp=140, diastolic_bp=None),
            measurements=(MeasurementInput("HBA1C", 61),),
        ),
    )
    series = encounter_views.observations_series(world.vault, world.ids["diabetic"])
    assert [p.value for p in series.news2_total] == [2, 0]
    assert [p.at for p in series.news2_total] == [first, NOON - timedelta(minutes=30)]
    assert [p.value for p in series.systolic_bp] == [128, 140]
    assert [p.value for p in series.diastolic_bp] == [78]
    assert [p.value for p in series.pulse] == [72, 72]
    assert [p.value for p in series.hba1c] == [61]
    assert actions(world)[-1] == "view_observations"
