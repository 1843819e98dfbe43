"""Which sections each kind of encounter has, in the order they are filled in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from hjdesk.clinical.ltc import LtcCondition
from hjdesk.services.encounters import EncounterKind
from hjdesk.ui.encounter.escalation import EscalationSection
from hjdesk.ui.encounter.ltc import CLINIC_CONDITIONS, LtcSection
from hjdesk.ui.encounter.questionnaires import (
    Aq10Section,
    CfsSection,
    Gad7Section,
    Phq9Section,
    SixCitSection,
)
from hjdesk.ui.encounter.sections import (
    BasicsSection,
    FallsSection,
    MentalHealthSection,
    NarrativeSection,
    OlderPrisonerSection,
    SecondStageSection,
)
from hjdesk.ui.encounter.vitals import VitalsSection
from hjdesk.ui.widgets.fields import Section

AQ10_KINDS = frozenset({EncounterKind.MH_SESSION, EncounterKind.SECOND_STAGE_ASSESSMENT})


def build_sections(kind: EncounterKind, clinic_type: str | None) -> dict[str, Section]:
    """The sections of a kind of encounter, in the order they are filled in."""
    out: dict[str, Section] = {"basics": BasicsSection()}
    clinic_ltc = CLINIC_CONDITIONS.get(clinic_type or "")
    visit = kind in (EncounterKind.CLINIC_VISIT, EncounterKind.CELL_DOOR, EncounterKind.GENERAL)
    if visit:
        # At a visit the observations come first; in a review they follow its own questions.
        out["vitals"] = VitalsSection()
    if kind is EncounterKind.MH_SESSION:
        out |= {"phq9": Phq9Section(), "gad7": Gad7Section(), "mh": MentalHealthSection()}
    elif kind is EncounterKind.OLDER_PRISONER_REVIEW:
        out |= {
            "cfs": CfsSection(required=True),
            "falls": FallsSection(),
            "older": OlderPrisonerSection(),
            "six_cit": SixCitSection(),
        }
    elif kind is EncounterKind.LTC_REVIEW:
        out["ltc"] = LtcSection(choices=clinic_ltc or tuple(LtcCondition), required=True)
    elif kind is EncounterKind.SECOND_STAGE_ASSESSMENT:
        out["second_stage"] = SecondStageSection()
    elif clinic_ltc:
        # A visit in an LTC clinic (an HCA's) still records the condition's measurements.
        out["ltc"] = LtcSection(choices=clinic_ltc, required=False)
    if kind in AQ10_KINDS or clinic_type == "NEURODIVERSITY":
        # The autism screen where neurodiversity is asked about (domain.md §4, NICE CG142).
        out["aq10"] = Aq10Section()
    if not visit:
        out["vitals"] = VitalsSection()
    out["escalation"] = EscalationSection()
    out["narrative"] = NarrativeSection()
    return out


_S = TypeVar("_S", bound=Section)


def pick(sections: Mapping[str, Section], name: str, kind: type[_S]) -> _S:
    section = sections[name]
    if not isinstance(section, kind):
        raise TypeError(f"section {name} is a {type(section).__name__}")
    return section
