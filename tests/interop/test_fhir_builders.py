"""The resource builders on their own, for cases the demo may not hold: a CFS level known only
by its day, SpO2 on scale 2 (no code confirmed: sent as text), a care plan's goals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import MappingProxyType

from fhir.resources.R4B.observation import Observation

from hjdesk.clinical.codes import TEXT_ONLY
from hjdesk.interop import fhir_observations as obs
from hjdesk.services.encounters.views import ObservationView, QuestionnaireView
from hjdesk.services.release.record import ScoredQuestionnaire, VitalSigns
from hjdesk.services.release.summary_parts import FrailtyItem

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
