"""The resource builders on their own, for cases the demo may not hold: a CFS level known only
by its day, SpO2 on scale 2 (no code confirmed: sent as text), a care plan's goals, a
Practitioner named by the hub's name card, a signer the laptop cannot name."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import MappingProxyType

from fhir.resources.R4B.observation import Observation

from hjdesk.clinical.codes import (
    ESTABLISHMENT_CODE_SYSTEM,
    HUB_NAME_CARD,
    NAME_SOURCE_SYSTEM,
    STAFF_ID_SYSTEM,
    TEXT_ONLY,
)
from hjdesk.interop import fhir_entries as entries
from hjdesk.interop import fhir_observations as obs
from hjdesk.interop.fhir_people import practitioner_resource
from hjdesk.services.care_plans import DisplayStatus
from hjdesk.services.common import NAME_NOT_HELD
from hjdesk.services.encounters.views import ObservationView, QuestionnaireView
from hjdesk.services.release.record import (
    EncounterRef,
    ScoredQuestionnaire,
    StaffRef,
    VitalSigns,
)
from hjdesk.services.release.summary_parts import FrailtyItem, PlanBrief

SUBSCORES = {
    "resp_rate": 0,
    "spo2": 2,
    "air_or_oxygen": 2,
    "systolic_bp": 0,
    "pulse": 0,
    "consciousness": 0,
    "temperature": 0,
}


def _vitals(scale: int) -> VitalSigns:
    values = ObservationView(
        taken_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        resp_rate=18,
        spo2=95,
        spo2_scale=scale,
        scale2_prescriber="Dr Patel" if scale == 2 else None,
        scale2_prescribed_on=date(2026, 11, 1) if scale == 2 else None,
        on_oxygen=True,
        systolic_bp=128,
        diastolic_bp=None,
        pulse=72,
        consciousness="A",
        temperature=36.8,
        news2_total=4,
        news2_risk="LOW",
        red_score=False,
        subscores=MappingProxyType(SUBSCORES),
    )
    return VitalSigns("rec-1", "enc-1", None, values)


def test_scale_2_sub_score_is_sent_as_text_and_scale_1_is_coded():
    for scale, coded in ((1, True), (2, False)):
        made = obs.vital_signs(_vitals(scale), obs.Subject("pat-1", None))
        news2 = made[-1]
        [spo2_part] = [
            c for c in news2.component if c.code.text == TEXT_ONLY["NEWS2_SPO2_SCALE2"]
        ] or [c for c in news2.component if c.code.coding[0].code == "1104311000000102"]
        assert bool(spo2_part.code.coding) is coded
        assert int(news2.valueQuantity.value) == sum(SUBSCORES.values())
        assert len(news2.derivedFrom) == len(made) - 1


def test_oxygen_and_missing_diastolic_are_said_plainly():
    made = obs.vital_signs(_vitals(1), obs.Subject("pat-1", None))
    texts = " ".join(o.text.div for o in made)
    assert "On oxygen" in texts
    assert "Blood pressure 128 mmHg" in texts
    [bp] = [o for o in made if o.code.coding and o.code.coding[0].code == "85354-9"]
    assert [c.code.coding[0].code for c in bp.component] == ["8480-6"]


def test_a_frailty_level_known_by_its_day_keeps_only_the_day():
    item = FrailtyItem(5, "Living with mild frailty", date(2026, 10, 2), "CFS")
    made = obs.frailty(item, obs.Subject("pat-1", None), "pat-1")
    body = json.loads(made.model_dump_json())
    assert body["effectiveDateTime"] == "2026-10-02"
    assert body["code"]["coding"][0]["code"] == "763264000"
    assert Observation.model_validate_json(made.model_dump_json()).valueQuantity.value == 5


def test_an_answer_that_is_not_a_finite_number_is_sent_without_a_value():
    """A vault may hold a PHQ-9 pulled with NaN in it before the hub refused them: the document is
    still made, that item unanswered, the others as scored."""
    answers = [1, float("nan"), 2, float("inf"), 0, 0, 0, 0, 0]
    values = QuestionnaireView("PHQ9", 3, "MINIMAL", False, answers)
    q = ScoredQuestionnaire(
        "rec-1", "enc-1", None, datetime(2026, 11, 20, 9, 30, tzinfo=UTC), values
    )
    response, total = obs.questionnaire(q, obs.Subject("pat-1", None))
    given = [i.answer[0].valueInteger if i.answer else None for i in response.item]
    assert given == [1, None, 2, None, 0, 0, 0, 0, 0]
    assert int(total.valueQuantity.value) == 3


def test_a_practitioner_named_by_a_card_is_marked_and_one_from_a_staff_row_is_not():
    """H-37: a receiver can tell a name taken from the hub's name card (another establishment's
    member of staff) from one of the exporting establishment's own staff records."""
    card = practitioner_resource(StaffRef("staff-1", "Nurse Test", "RN", True, "AAA"))
    body = json.loads(card.model_dump_json())
    assert body["meta"]["tag"] == [
        {"system": NAME_SOURCE_SYSTEM, "code": HUB_NAME_CARD.code, "display": HUB_NAME_CARD.display}
    ]
    assert body["identifier"] == [
        {
            "system": STAFF_ID_SYSTEM,
            "value": "staff-1",
            "assigner": {
                "identifier": {"system": ESTABLISHMENT_CODE_SYSTEM, "value": "AAA"},
                "display": "AAA",
            },
        }
    ]
    assert "Nurse Test (RN, AAA)" in body["text"]["div"]
    own = json.loads(
        practitioner_resource(StaffRef("staff-2", "Nurse Own", "RN")).model_dump_json()
    )
    assert "tag" not in own["meta"]
    assert "identifier" not in own
    # A card without an establishment (from a hub in hostile hands) is still marked, and says so.
    bare = json.loads(
        practitioner_resource(StaffRef("staff-3", "Nurse Test", "", True, "")).model_dump_json()
    )
    assert bare["meta"]["tag"][0]["code"] == HUB_NAME_CARD.code
    assert bare["identifier"][0]["assigner"] == {"display": "an establishment not recorded"}
    assert "qualification" not in bare


def test_an_entry_whose_signer_the_laptop_cannot_name_refers_to_nobody():
    """A signer with neither a staff row nor a card has no Practitioner in the document, so the
    Encounter and the CarePlan name no one rather than refer to a resource that is not there."""
    seen = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    made = entries.encounter(
        EncounterRef("enc-1", "CLINIC_VISIT", "Wing A", seen, None, "staff-x"),
        "pat-1",
        "org-1",
        None,
    )
    assert made.participant is None
    plan = PlanBrief(
        plan_id="plan-1",
        plan_type="MENTAL_HEALTH",
        ltc_condition=None,
        title="Low mood",
        display_status=DisplayStatus.ACTIVE,
        owner_name=NAME_NOT_HELD,
        start_date=None,
        review_due=None,
        goals=(),
        interventions=(),
        shared_with=(),
        risk_management_plan=None,
        dnacpr_form_ref=None,
        needs_social_care_referral=False,
        data=MappingProxyType({}),
    )
    assert entries.care_plan(plan, "pat-1", None).author is None
