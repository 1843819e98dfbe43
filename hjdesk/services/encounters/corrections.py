"""The input for correcting a signed encounter's text, rebuilt from the entry itself.

A correction is a whole new entry (domain.md §3): `amend_encounter` checks and scores it again
like any other. When only the wording is wrong — the narrative, where it happened, consent or
capacity — the corrected entry must carry everything else the original recorded (vital signs,
questionnaires, measurements, answers, the escalation of its red flags), or the correction
would silently drop them. `correction_input` rebuilds exactly that.
"""

from __future__ import annotations

import json
from typing import Any

from hjdesk.services.encounters.forms import (
    Aq10Input,
    EncounterInput,
    EscalationInput,
    MeasurementInput,
    QuestionnairesInput,
    SixCitInput,
    VitalsInput,
)
from hjdesk.services.encounters.views import EncounterView, ObservationView, QuestionnaireView
from hjdesk.storage.errors import InvalidInput

UNREADABLE_ANSWERS = (
    "This entry's questionnaire answers are not in a form HJDesk writes, so a correction "
    "cannot carry them: mark the entry entered in error and record the encounter again."
)


def _vitals(obs: ObservationView | None) -> VitalsInput | None:
    if obs is None:
        return None
    return VitalsInput(
        resp_rate=obs.resp_rate,
        spo2=obs.spo2,
        on_oxygen=obs.on_oxygen,
        systolic_bp=obs.systolic_bp,
        pulse=obs.pulse,
        consciousness=obs.consciousness,
        temperature=obs.temperature,
        diastolic_bp=obs.diastolic_bp,
        spo2_scale=obs.spo2_scale,
        scale2_prescriber=obs.scale2_prescriber,
        scale2_prescribed_on=obs.scale2_prescribed_on,
        taken_at=obs.taken_at,
    )


def _aq10(q: QuestionnaireView) -> Aq10Input:
    override: Any = dict(q.override) if q.override else None
    if isinstance(override, dict):
        return Aq10Input(
            tuple(q.answers), override.get("offer_assessment"), override.get("reason") or None
        )
    return Aq10Input(tuple(q.answers))


def _questionnaires(found: tuple[QuestionnaireView, ...]) -> QuestionnairesInput | None:
    if not found:
        return None
    by_name = {q.instrument: q for q in found}
    six = by_name.get("SIX_CIT")
    cfs = by_name.get("CFS")
    try:
        return QuestionnairesInput(
            phq9=tuple(by_name["PHQ9"].answers) if "PHQ9" in by_name else None,
            gad7=tuple(by_name["GAD7"].answers) if "GAD7" in by_name else None,
            six_cit=SixCitInput(**six.answers["answers"]) if six is not None else None,
            aq10=_aq10(by_name["AQ10"]) if "AQ10" in by_name else None,
            cfs_level=int(cfs.answers["level"]) if cfs is not None else None,
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        # Answers of a shape no service writes (a record pulled from a device in hostile
        # hands): they cannot be carried into a correction, so none is made.
        raise InvalidInput(UNREADABLE_ANSWERS) from None


def _plain(value: Any) -> Any:
    """Answers come back as read-only mappings; the service wants plain JSON values."""
    return json.loads(json.dumps(value, default=dict))


def correction_input(
    original: EncounterView,
    *,
    narrative: str,
    place: str,
    consent_recorded: bool,
    capacity_concern: bool,
) -> EncounterInput:
    """The original entry with its wording corrected and everything it recorded kept."""
    escalation = None
    if original.escalation_action and original.escalated_to:
        escalation = EscalationInput(
            original.escalation_action, original.escalated_to, original.escalated_at
        )
    return EncounterInput(
        patient_id=original.patient_id,
        kind=original.kind,
        started_at=original.started_at,
        narrative=narrative,
        ended_at=original.ended_at,
        place=place,
        appointment_id=original.appointment_id,
        consent_recorded=consent_recorded,
        capacity_concern=capacity_concern,
        ltc_condition=original.ltc_condition,
        vitals=_vitals(original.observation),
        questionnaires=_questionnaires(original.questionnaires),
        measurements=tuple(
            MeasurementInput(m.code, m.value if m.value is not None else m.text_value or "", m.unit)
            for m in original.measurements
        ),
        data=_plain(dict(original.data)),
        escalation=escalation,
    )
