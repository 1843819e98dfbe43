"""Signed encounters (domain.md §3-5, §8): checking, scoring, storing, amending, reading.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.encounters.chain import local_day, standing_encounters, superseded_ids
from hjdesk.services.encounters.corrections import correction_input
from hjdesk.services.encounters.forms import (
    HCA_KINDS,
    MEASUREMENTS,
    Aq10Input,
    EncounterInput,
    EncounterKind,
    EscalationInput,
    MeasurementInput,
    QuestionnairesInput,
    SixCitInput,
    VitalsInput,
)
from hjdesk.services.encounters.rules import (
    NEWS2_HIGH,
    NEWS2_MEDIUM,
    NEWS2_RED_SCORE,
    PHQ9_ITEM9,
    RED_FLAG_TEXT,
    EscalationRequired,
    parse_kind,
)
from hjdesk.services.encounters.signing import (
    EncounterHistory,
    amend_encounter,
    encounter_history,
    sign_encounter,
)
from hjdesk.services.encounters.views import (
    INSTRUMENT_NAMES,
    EncounterView,
    ObservationSeries,
    ObservationView,
    QuestionnaireView,
    SeriesPoint,
    TimelineItem,
    observation_view,
    observations_series,
    patient_timeline,
    questionnaire_view,
    results_unsynced,
    standing_with_results,
)

__all__ = [
    "HCA_KINDS",
    "INSTRUMENT_NAMES",
    "MEASUREMENTS",
    "NEWS2_HIGH",
    "NEWS2_MEDIUM",
    "NEWS2_RED_SCORE",
    "PHQ9_ITEM9",
    "RED_FLAG_TEXT",
    "Aq10Input",
    "EncounterHistory",
    "EncounterInput",
    "EncounterKind",
    "EncounterView",
    "EscalationInput",
    "EscalationRequired",
    "MeasurementInput",
    "ObservationSeries",
    "ObservationView",
    "QuestionnaireView",
    "QuestionnairesInput",
    "SeriesPoint",
    "SixCitInput",
    "TimelineItem",
    "VitalsInput",
    "amend_encounter",
    "correction_input",
    "encounter_history",
    "local_day",
    "observation_view",
    "observations_series",
    "parse_kind",
    "patient_timeline",
    "questionnaire_view",
    "results_unsynced",
    "sign_encounter",
    "standing_encounters",
    "standing_with_results",
    "superseded_ids",
]
