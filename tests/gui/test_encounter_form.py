"""The encounter form, driven through its widgets on the demo vault: live NEWS2 and questionnaire
scores, red flags that block signing until the escalation is recorded, drafts, and every kind
signed with its key fields (checked in the vault through the services)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from hjdesk.clinical.news2 import DEFAULT_PATHWAYS
from hjdesk.services import drafts, encounters, settings
from hjdesk.services.encounters.forms import EncounterKind
from hjdesk.services.encounters.views import patient_timeline
from hjdesk.storage.vault import Vault
from hjdesk.ui import theme
from hjdesk.ui.encounter import EncounterForm, kind_for_visit, open_encounter_dialog
from tests.conftest import PASSWORD
from tests.gui.helpers_clinic import (
    answer_items,
    answer_questions,
    fill_escalation,
    fill_vitals,
    page_context,
    pick,
    show,
    sign,
    some_patient,
    type_narrative,
)


def _form(qtbot, vault, kind=EncounterKind.CLINIC_VISIT, *, older=None, **kwargs):
    patient = some_patient(vault, older=older)
    form = EncounterForm(page_context(vault), patient.id, kind, **kwargs)
    show(qtbot, form, (1280, 800))
    return form


def _count(vault, patient_id):
    return len(patient_timeline(vault, patient_id))


def _colour(level):
    return theme.severity_colour(level).name()


# --- live NEWS2 -----------------------------------------------------------------------------

# (resp, SpO2, systolic, pulse, temperature, ACVPU, oxygen) → total, band word, sub-scores
NEWS2_CASES = [
    ((16, 97, 120, 70, "37.0", "A", False), 0, "LOW risk", "GREEN", {}),
    (
        (24, 93, 105, 115, "38.6", "A", False),
        8,
        "HIGH RISK",
        "RED",
        {"resp_rate": 2, "spo2": 2, "systolic_bp": 1, "pulse": 2, "temperature": 1},
    ),
    (
        (21, 95, 120, 95, "38.1", "A", False),
        5,
        "MEDIUM risk",
        "AMBER",
        {"resp_rate": 2, "spo2": 1, "pulse": 1, "temperature": 1},
    ),
    (
        (8, 97, 120, 70, "37.0", "A", False),
        3,
        "LOW-MEDIUM risk: red score",
        "YELLOW",
        {"resp_rate": 3},
    ),
    (
        (16, 97, 120, 70, "35.0", "V", True),
        8,
        "HIGH RISK",
        "RED",
        {"temperature": 3, "consciousness": 3, "air_or_oxygen": 2},
    ),
    (
        (12, 96, 220, 131, "39.1", "A", False),
        8,
        "HIGH RISK",
        "RED",
        {"systolic_bp": 3, "pulse": 3, "temperature": 2},
    ),
    ((20, 96, 111, 90, "36.1", "A", False), 0, "LOW risk", "GREEN", {}),
]


@pytest.mark.parametrize(("readings", "total", "band", "level", "nonzero"), NEWS2_CASES)
def test_news2_is_scored_live_with_sub_scores_and_band(
    qtbot, demo, readings, total, band, level, nonzero
):
    form = _form(qtbot, demo)
    resp, spo2, systolic, pulse, temp, acvpu, oxygen = readings
    fill_vitals(
        qtbot,
        form,
        resp_rate=resp,
        spo2=spo2,
        systolic=systolic,
        pulse=pulse,
        temp=temp,
        consciousness=acvpu,
        oxygen=oxygen,
    )
    vitals = form.vitals
    assert vitals.total.text() == f"NEWS2 total {total}"
    assert vitals.band.text().startswith(band)
    assert f"({level})" in vitals.band.text()
    assert _colour(level) in vitals.band.styleSheet()
    for key, label in vitals.scores.items():
        expected = nonzero.get(key, 0)
        assert label.text().startswith(f"score {expected}"), key
        if expected == 3:
            assert label.text() == "score 3 (red)"
            assert _colour("RED") in label.styleSheet()


def test_sub_scores_show_while_typing_and_the_total_waits_for_all_seven(qtbot, demo):
    form = _form(qtbot, demo)
    vitals = form.vitals
    qtbot.keyClicks(vitals.resp_rate, "2")
    assert vitals.scores["resp_rate"].text() == "score 3 (red)"  # 2 breaths a minute so far
    qtbot.keyClicks(vitals.resp_rate, "2")
    assert vitals.scores["resp_rate"].text() == "score 2"  # 22
    assert vitals.scores["pulse"].text() == ""  # not typed yet: no sub-score shown
    assert vitals.total.text().startswith("NEWS2 not complete: enter sp")
    assert vitals.band.text() == ""
    qtbot.keyClicks(vitals.spo2, "150")
    assert "SpO2 of 150 is not possible" in vitals.total.text()


def test_scale_2_scores_oxygen_above_target(qtbot, demo):
    form = _form(qtbot, demo)
    fill_vitals(
        qtbot,
        form,
        resp_rate=16,
        spo2=97,
        systolic=120,
        pulse=70,
        temp="37.0",
        oxygen=True,
        scale=2,
    )
    assert form.vitals.scores["spo2"].text() == "score 3 (red)"
    assert form.vitals.total.text() == "NEWS2 total 5"
    assert form.vitals.prescriber.isEnabled()


# --- questionnaires --------------------------------------------------------------------------


def test_phq9_gad7_scored_live(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.MH_SESSION)
    phq9, gad7 = form.sections["phq9"], form.sections["gad7"]
    answer_items(phq9, [1, 1, 2, 2, 1, 1, 2, 2, 0])
    assert phq9.result.text() == "PHQ-9 total 12: moderate"
    phq9.items[0].setCurrentIndex(0)  # back to blank
    assert phq9.result.text() == "PHQ-9: 8 of 9 answered (so far 11)"
    answer_items(gad7, [2, 2, 2, 1, 1, 1, 2])
    assert gad7.result.text() == "GAD-7 total 11: moderate: further evaluation recommended"
    assert form.flag_banner.isHidden()


def test_six_cit_scored_live(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.OLDER_PRISONER_REVIEW, older=True)
    six = form.sections["six_cit"]
    pick(six.year, True)  # 4
    pick(six.month, False)
    pick(six.time, False)
    pick(six.count, 1)  # 2
    pick(six.months, 0)
    assert six.result.text() == "6CIT: 5 of 6 topics recorded"
    pick(six.address, 2)  # 4
    assert six.result.text() == "6CIT total 10: significant impairment (Refer)"


# --- red flags and escalation ----------------------------------------------------------------


def test_news2_of_five_cannot_be_signed_until_the_escalation_is_recorded(qtbot, demo):
    form = _form(qtbot, demo)
    before = _count(demo, form.patient_id)
    fill_vitals(qtbot, form, resp_rate=21, spo2=95, systolic=120, pulse=95, temp="38.1")
    type_narrative(qtbot, form, "Feverish and breathless on the landing.")
    assert form.flag_banner.isVisible()
    assert "NEWS2 total of 5 or 6 (medium risk)" in form.flag_banner.text()
    assert form.escalation.isVisible()
    assert DEFAULT_PATHWAYS.medium in form.escalation.pathway.text()

    assert sign(qtbot, form) is None
    assert (
        "Record the escalation — who was told and the action taken — before signing"
        in form.message.text()
    )
    assert _count(demo, form.patient_id) == before
    qtbot.waitUntil(form.escalation.to.hasFocus)  # a keyboard user lands on what is missing

    fill_escalation(
        qtbot, form, told="Dr Raman, duty GP", action="Phoned; GP to review on the wing"
    )
    assert "Escalation recorded" in form.flag_banner.text()
    encounter_id = sign(qtbot, form)
    assert encounter_id is not None, form.message.text()
    stored = encounters.encounter_history(demo, encounter_id).current
    assert stored.red_flags == ("NEWS2_MEDIUM",)
    assert stored.escalated_to == "Dr Raman, duty GP"
    assert stored.escalation_action == "Phoned; GP to review on the wing"
    assert stored.observation is not None
    assert stored.observation.news2_total == 5
    assert stored.pathway == DEFAULT_PATHWAYS.medium
    assert _count(demo, form.patient_id) == before + 1


def test_a_single_red_parameter_needs_escalation(qtbot, demo):
    form = _form(qtbot, demo)
    fill_vitals(
        qtbot, form, resp_rate=16, spo2=97, systolic=120, pulse=70, temp="37.0", consciousness="C"
    )
    type_narrative(qtbot, form, "New confusion.")
    assert "NEWS2 red score (one parameter scored 3)" in form.flag_banner.text()
    assert sign(qtbot, form) is None
    assert "Record the escalation" in form.message.text()


def test_the_establishments_pathway_from_settings_is_shown_and_stored(qtbot, demo_home, demo):
    admin = Vault(demo_home).unlock("admin", PASSWORD)
    settings.put(admin, settings.PATHWAY_HIGH, "Code blue on the wing radio; call 999")
    admin.lock()
    form = _form(qtbot, demo)
    fill_vitals(qtbot, form, resp_rate=24, spo2=93, systolic=105, pulse=115, temp="38.6")
    assert "Code blue on the wing radio; call 999" in form.escalation.pathway.text()
    assert "Code blue on the wing radio; call 999" in form.vitals.response.text()
    type_narrative(qtbot, form, "Unwell.")
    fill_escalation(qtbot, form, told="999", action="Emergency code called")
    encounter_id = sign(qtbot, form)
    assert encounter_id is not None, form.message.text()
    assert encounters.encounter_history(demo, encounter_id).current.pathway == (
        "Code blue on the wing radio; call 999"
    )


def test_phq9_item_9_forces_escalation_whatever_the_total(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.MH_SESSION)
    phq9 = form.sections["phq9"]
    pick(phq9.items[8], 1)  # only item 9 answered so far: already a red flag
    assert "PHQ-9 item 9 above 0" in form.flag_banner.text()
    assert "RED FLAG" in phq9.flag.text()
    answer_items(phq9, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert phq9.result.text() == "PHQ-9 total 1: minimal"
    type_narrative(qtbot, form, "Low mood denied; item 9 positive.")
    assert sign(qtbot, form) is None
    assert "Record the escalation" in form.message.text()
    assert "Complete an immediate risk assessment" in form.escalation.pathway.text()
    fill_escalation(qtbot, form, told="Sam Okoro, MH in-reach", action="Risk assessment done now")
    encounter_id = sign(qtbot, form)
    assert encounter_id is not None, form.message.text()
    stored = encounters.encounter_history(demo, encounter_id).current
    assert stored.red_flags == ("PHQ9_ITEM9",)
    assert stored.prompt_acct_concern
    assert {t.kind for t in stored.tasks} == {"RISK_ASSESSMENT"}


def test_the_services_escalation_refusal_is_shown_inline(qtbot, demo, monkeypatch):
    """Were the form ever to miss a red flag, the service's refusal is a message, not a crash."""
    form = _form(qtbot, demo)
    fill_vitals(qtbot, form, resp_rate=24, spo2=93, systolic=105, pulse=115, temp="38.6")
    type_narrative(qtbot, form, "Unwell.")
    monkeypatch.setattr(form.escalation, "missing", lambda: [])
    before = _count(demo, form.patient_id)
    assert sign(qtbot, form) is None
    text = form.message.text()
    assert text.startswith("This entry cannot be signed yet:")
    assert "Red flags: NEWS2 total of 7 or more (high risk)" in text
    assert "NEWS2 pathway:" in text
    assert _count(demo, form.patient_id) == before
    assert form.sign_button.isEnabled()


# --- drafts and closing -----------------------------------------------------------------------


def test_a_draft_is_saved_and_restored_and_signing_discards_it(qtbot, demo):
    form = _form(qtbot, demo)
    fill_vitals(qtbot, form, resp_rate=18, spo2=96, systolic=130, pulse=80, temp="37.2")
    qtbot.keyClicks(form.basics.place, "A wing treatment room")
    type_narrative(qtbot, form, "Half written")
    form.save_draft()
    assert form.draft_id is not None
    assert not form.dirty
    saved = drafts.list_drafts(demo, patient_id=form.patient_id)
    assert [d.form for d in saved] == ["encounter:CLINIC_VISIT"]

    again = EncounterForm(page_context(demo), form.patient_id, EncounterKind.CLINIC_VISIT)
    show(qtbot, again)
    assert again.draft_id == form.draft_id
    assert "draft" in again.draft_note.text()
    assert again.vitals.pulse.text() == "80"
    assert again.vitals.temperature.text() == "37.2"
    assert again.basics.place.text() == "A wing treatment room"
    assert again.narrative.narrative() == "Half written"
    assert again.vitals.total.text() == "NEWS2 total 0"
    assert not again.dirty
    type_narrative(qtbot, again, " and finished.")
    assert sign(qtbot, again) is not None, again.message.text()
    assert drafts.list_drafts(demo, patient_id=form.patient_id) == ()


def test_a_draft_belongs_to_its_appointment_and_kind(qtbot, demo):
    form = _form(qtbot, demo)
    type_narrative(qtbot, form, "Visit draft")
    form.save_draft()
    other = EncounterForm(page_context(demo), form.patient_id, EncounterKind.GENERAL)
    show(qtbot, other)
    assert other.draft_id is None
    assert other.narrative.narrative() == ""


@pytest.mark.parametrize(
    ("answer", "open_after", "drafts_after"),
    [
        (QMessageBox.StandardButton.Save, False, 1),
        (QMessageBox.StandardButton.Discard, False, 0),
        (QMessageBox.StandardButton.Cancel, True, 0),
    ],
)
def test_closing_with_changes_asks_to_keep_a_draft(
    qtbot, demo, monkeypatch, answer, open_after, drafts_after
):
    patient = some_patient(demo)
    dialog = open_encounter_dialog(page_context(demo), patient.id, EncounterKind.GENERAL)
    qtbot.addWidget(dialog)
    type_narrative(qtbot, dialog.form, "Unfinished note")
    asked = answer_questions(monkeypatch, answer)
    dialog.reject()  # Esc
    assert len(asked) == 1
    assert "Keep them as a draft" in asked[0]
    assert dialog.isVisible() is open_after
    assert len(drafts.list_drafts(demo, patient_id=patient.id)) == drafts_after


def test_closing_without_changes_does_not_ask(qtbot, demo, monkeypatch):
    dialog = open_encounter_dialog(page_context(demo), some_patient(demo).id, EncounterKind.GENERAL)
    qtbot.addWidget(dialog)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Save)
    dialog.form.close_button.click()
    assert asked == []
    assert not dialog.isVisible()


# --- every kind signs with its key fields -----------------------------------------------------


def _sign_ok(qtbot, demo, form):
    encounter_id = sign(qtbot, form)
    assert encounter_id is not None, form.message.text()
    return encounters.encounter_history(demo, encounter_id).current


def test_cell_door_with_observations(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.CELL_DOOR)
    fill_vitals(
        qtbot, form, resp_rate=14, spo2=98, systolic=118, pulse=64, temp="36.8", diastolic=76
    )
    qtbot.keyClicks(form.basics.place, "Cell door A-1-001")
    form.basics.consent.setChecked(True)
    type_narrative(qtbot, form, "Seen at the door; well.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.kind is EncounterKind.CELL_DOOR
    assert stored.place == "Cell door A-1-001"
    assert stored.consent_recorded
    assert stored.observation is not None
    assert (stored.observation.news2_total, stored.observation.diastolic_bp) == (0, 76)


def test_general_needs_a_narrative(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.GENERAL)
    assert sign(qtbot, form) is None
    assert "Write the clinical note (narrative) before signing." in form.message.text()
    type_narrative(qtbot, form, "Telephone advice.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.narrative == "Telephone advice."
    assert stored.observation is None


def test_half_filled_observations_are_refused_by_name(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.GENERAL)
    qtbot.keyClicks(form.vitals.pulse, "70")
    type_narrative(qtbot, form, "Note.")
    assert sign(qtbot, form) is None
    assert (
        "Observations: enter every NEWS2 reading (missing respiration rate" in form.message.text()
    )


def test_mh_session(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.MH_SESSION)
    answer_items(form.sections["phq9"], [1, 1, 1, 1, 1, 1, 1, 1, 0])
    answer_items(form.sections["gad7"], [0, 1, 0, 1, 0, 1, 0])
    mh = form.sections["mh"]
    qtbot.keyClicks(mh.texts["risk_formulation"], "Low current risk; protective factors: family.")
    qtbot.keyClicks(mh.texts["crisis_plan"], "Listener scheme; MH in-reach duty line.")
    qtbot.keyClicks(mh.texts["sharing_decisions"], "Agreed to share with the case manager.")
    type_narrative(qtbot, form, "Session held in the MH room.")
    stored = _sign_ok(qtbot, demo, form)
    assert {q.instrument: q.total for q in stored.questionnaires} == {"PHQ9": 8, "GAD7": 3}
    assert stored.data["risk_formulation"].startswith("Low current risk")
    assert stored.data["crisis_plan"].startswith("Listener")
    assert stored.data["sharing_decisions"].startswith("Agreed")


def test_aq10_is_recorded_from_the_form(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.SECOND_STAGE_ASSESSMENT)
    aq10 = form.sections["aq10"]
    for combo, value in zip(aq10.items[:5], [1, 1, 1, 0, 1], strict=True):
        pick(combo, value)
    assert aq10.result.text() == "AQ-10: 5 of 10 items scored"
    type_narrative(qtbot, form, "Second-stage assessment on the wing.")
    assert sign(qtbot, form) is None
    assert "AQ-10: score every item (missing item 6, 7, 8, 9, 10)" in form.message.text()
    for combo, value in zip(aq10.items[5:], [1, 1, 0, 0, 0], strict=True):
        pick(combo, value)
    assert aq10.result.text() == "AQ-10 total 6: offer a comprehensive autism assessment"
    # An override that changes the verdict needs its reason (the service says so).
    pick(aq10.override, False)
    assert "clinician override" in aq10.result.text()
    assert sign(qtbot, form) is None
    assert "reason for overriding the AQ-10" in form.message.text()
    pick(aq10.override, None)
    stored = _sign_ok(qtbot, demo, form)
    (result,) = [q for q in stored.questionnaires if q.instrument == "AQ10"]
    assert (result.total, result.flagged) == (6, True)


def test_older_prisoner_review(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.OLDER_PRISONER_REVIEW, older=True)
    type_narrative(qtbot, form, "Annual review.")
    assert sign(qtbot, form) is None
    message = form.message.text()
    assert "Choose the Clinical Frailty Scale level." in message
    assert "Answer every falls question (yes or no)." in message
    pick(form.sections["cfs"].level, 6)
    falls = form.sections["falls"]
    for key, combo in falls.questions.items():
        pick(combo, key == "fear_of_falling")
    assert "multifactorial falls assessment" in falls.result.text()
    older = form.sections["older"]
    qtbot.keyClicks(older.texts["continence"], "Continent")
    qtbot.keyClicks(older.texts["mobility_equipment"], "Uses a stick")
    pick(older.needs, True)
    pick(older.referral, False)
    six = form.sections["six_cit"]
    for combo, value in (
        (six.year, False),
        (six.month, False),
        (six.time, True),
        (six.count, 0),
        (six.months, 1),
        (six.address, 0),
    ):
        pick(combo, value)
    stored = _sign_ok(qtbot, demo, form)
    scores = {q.instrument: (q.total, q.band) for q in stored.questionnaires}
    assert scores["CFS"] == (6, "Living with moderate frailty")
    assert scores["SIX_CIT"] == (5, "normal")
    assert stored.data["falls"]["fear_of_falling"] is True
    assert stored.data["continence"] == "Continent"
    assert {t.kind for t in stored.tasks} == {"FALLS_ASSESSMENT", "SOCIAL_CARE_REFERRAL"}


def test_ltc_review_needs_its_condition(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.LTC_REVIEW)
    type_narrative(qtbot, form, "Review.")
    assert sign(qtbot, form) is None
    assert "Choose the long-term condition this review is for." in form.message.text()


def test_diabetes_review_from_a_diabetes_clinic(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.LTC_REVIEW, clinic_type="LTC_DIABETES")
    ltc = form.sections["ltc"]
    assert ltc.condition.value() == "DIABETES"
    page = ltc.pages["DIABETES"]
    qtbot.keyClicks(page.numbers["HBA1C"], "62")
    pick(page.hypo, True)
    assert "HbA1c 62 mmol/mol, target 53: consider intensifying" in page.result.text()
    for code, value in (("BP_SYSTOLIC", "132"), ("BP_DIASTOLIC", "84"), ("BMI", "31.5")):
        qtbot.keyClicks(page.numbers[code], value)
    pick(page.foot, "ACTIVE")
    pick(page.smoking, "EX_SMOKER")
    assert "refer to the foot service" in page.result.text()
    assert page.recorded() == 5
    type_narrative(qtbot, form, "Diabetes review.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.kind is EncounterKind.LTC_REVIEW
    assert stored.ltc_condition == "DIABETES"
    values = {m.code: m.value if m.value is not None else m.text_value for m in stored.measurements}
    assert values == {
        "HBA1C": 62.0,
        "BP_SYSTOLIC": 132.0,
        "BP_DIASTOLIC": 84.0,
        "BMI": 31.5,
        "FOOT_RISK": "ACTIVE",
        "SMOKING_STATUS": "EX_SMOKER",
    }
    assert stored.data["on_hypoglycaemic_drug"] is True
    assert {t.kind for t in stored.tasks} == {"FOOT_SERVICE_REFERRAL"}


def test_hypertension_review(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.LTC_REVIEW, clinic_type="LTC_HYPERTENSION", older=False)
    page = form.sections["ltc"].pages["HYPERTENSION"]
    for field, value in (
        (page.systolic, "152"),
        (page.diastolic, "88"),
        (page.lying, "150"),
        (page.standing, "126"),
    ):
        qtbot.keyClicks(field, value)
    assert "Clinic BP 152/88: ABOVE target (below 140/90" in page.result.text()
    assert "Systolic drop of 24 mmHg: review medicines." in page.result.text()
    type_narrative(qtbot, form, "BP review.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.data["lying_systolic"] == 150
    assert any("Systolic drop of 24 mmHg" in f for f in stored.findings)


def test_respiratory_clinic_offers_asthma_and_copd(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.LTC_REVIEW, clinic_type="LTC_RESPIRATORY")
    ltc = form.sections["ltc"]
    assert ltc.condition.value() is None
    pick(ltc.condition, "ASTHMA")
    asthma = ltc.pages["ASTHMA"]
    qtbot.keyClicks(asthma.reliever, "2")
    pick(asthma.yes_no["inhaler_technique_observed_ok"], True)
    assert "Still to record:" in asthma.result.text()
    type_narrative(qtbot, form, "Asthma review.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.ltc_condition == "ASTHMA"
    assert stored.data["asthma"]["reliever_uses_per_week"] == 2
    assert "Record asthma attacks in the last 12 months." in stored.warnings


def test_copd_review(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.LTC_REVIEW, clinic_type="LTC_RESPIRATORY")
    ltc = form.sections["ltc"]
    pick(ltc.condition, "COPD")
    copd = ltc.pages["COPD"]
    pick(copd.mrc, 3)
    qtbot.keyClicks(copd.o2_low, "88")
    qtbot.keyClicks(copd.o2_high, "92")
    assert copd.result.text() == "Oxygen target 88-92%: use NEWS2 SpO2 scale 2."
    qtbot.keyClicks(copd.exacerbations, "2")
    type_narrative(qtbot, form, "COPD review.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.data["mrc_grade"] == 3
    assert stored.data["oxygen_target"] == [88, 92]
    assert stored.data["ltc"]["exacerbations"] == 2


def test_epilepsy_review(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.LTC_REVIEW, clinic_type="LTC_EPILEPSY")
    page = form.sections["ltc"].pages["EPILEPSY"]
    qtbot.keyClicks(page.fields["seizure_types"], "Focal to bilateral tonic-clonic")
    pick(page.fields["sudep_discussed"], True)
    pick(page.fields["critical_medicines_checked"], True)
    type_narrative(qtbot, form, "Epilepsy review.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.ltc_condition == "EPILEPSY"
    assert stored.data["ltc"] == {
        "seizure_types": "Focal to bilateral tonic-clonic",
        "sudep_discussed": True,
        "critical_medicines_checked": True,
    }


def test_second_stage_assessment(qtbot, demo):
    form = _form(qtbot, demo, EncounterKind.SECOND_STAGE_ASSESSMENT)
    section = form.sections["second_stage"]
    # The free text is the note's; the summary lists only the Medicines tab's entries (H-39).
    assert "Medicines tab" in section.texts["medicines"].placeholderText()
    qtbot.keyClicks(section.texts["physical_health"], "Asthma; no other conditions")
    qtbot.keyClicks(section.texts["follow_up"], "Asthma review booked")
    pick(section.smoking, "SMOKER")
    qtbot.keyClicks(section.weight_kg, "82.5")
    type_narrative(qtbot, form, "Second-stage assessment done.")
    stored = _sign_ok(qtbot, demo, form)
    assert stored.kind is EncounterKind.SECOND_STAGE_ASSESSMENT
    assert stored.data["physical_health"].startswith("Asthma")
    values = {m.code: m.value if m.value is not None else m.text_value for m in stored.measurements}
    assert values == {"SMOKING_STATUS": "SMOKER", "WEIGHT": 82.5}


def test_an_hca_cannot_sign_a_review_and_is_told_why(qtbot, demo_home):
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        form = _form(qtbot, hca, EncounterKind.LTC_REVIEW, clinic_type="LTC_DIABETES")
        type_narrative(qtbot, form, "Review.")
        assert sign(qtbot, form) is None
        assert "Your role (HCA) cannot sign a ltc review" in form.message.text()
    finally:
        hca.lock()


# --- header, privacy, and which form a clinic opens --------------------------------------------


def test_the_header_follows_the_privacy_switch(qtbot, demo):
    patient = some_patient(demo)
    context = page_context(demo)
    form = EncounterForm(context, patient.id, EncounterKind.GENERAL)
    show(qtbot, form)
    assert patient.display_name in form.patient_line.text()
    assert patient.prison_number in form.patient_line.text()
    context.privacy.set_masked(True)
    assert patient.display_name not in form.patient_line.text()
    assert patient.prison_number not in form.patient_line.text()


@pytest.mark.parametrize(
    ("clinic", "outcome", "role", "kind"),
    [
        ("LTC_DIABETES", "ATTENDED", "RN", EncounterKind.LTC_REVIEW),
        ("LTC_DIABETES", "ATTENDED", "HCA", EncounterKind.CLINIC_VISIT),
        ("LTC_DIABETES", "SEEN_AT_CELL_DOOR", "HCA", EncounterKind.CELL_DOOR),
        ("OLDER_PRISONER", "ATTENDED", "RN", EncounterKind.OLDER_PRISONER_REVIEW),
        ("MH_IN_REACH", "SEEN_ELSEWHERE", "RMN", EncounterKind.MH_SESSION),
        ("SECOND_STAGE_ASSESSMENT", "ATTENDED", "RN", EncounterKind.SECOND_STAGE_ASSESSMENT),
        ("GENERAL_NURSE", "ATTENDED", "RN", EncounterKind.CLINIC_VISIT),
        ("GENERAL_NURSE", "SEEN_AT_CELL_DOOR", "RN", EncounterKind.CELL_DOOR),
    ],
)
def test_which_form_a_seen_appointment_opens(clinic, outcome, role, kind):
    from hjdesk.clinical.attendance import Outcome

    assert kind_for_visit(clinic, Outcome(outcome), role) is kind


def test_enter_in_a_field_never_signs_or_saves(qtbot, demo):
    patient = some_patient(demo)
    dialog = open_encounter_dialog(page_context(demo), patient.id, EncounterKind.GENERAL)
    qtbot.addWidget(dialog)
    form = dialog.form
    fill_vitals(qtbot, form, resp_rate=16, spo2=97, systolic=120, pulse=70, temp="37.0")
    type_narrative(qtbot, form, "Complete note.")
    before = _count(demo, patient.id)
    qtbot.keyClick(form.vitals.temperature, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert _count(demo, patient.id) == before
    assert form.draft_id is None
