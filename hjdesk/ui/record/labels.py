"""Words the record shows for codes (encounter kinds, red flags)."""

from __future__ import annotations

from hjdesk.services.encounters import RED_FLAG_TEXT, EncounterKind

KIND_LABELS: dict[EncounterKind, str] = {
    EncounterKind.CLINIC_VISIT: "Clinic visit",
    EncounterKind.CELL_DOOR: "Cell-door visit",
    EncounterKind.MH_SESSION: "MH in-reach session",
    EncounterKind.OLDER_PRISONER_REVIEW: "Older prisoner review",
    EncounterKind.LTC_REVIEW: "LTC review",
    EncounterKind.SECOND_STAGE_ASSESSMENT: "Second-stage assessment",
    EncounterKind.GENERAL: "General entry",
}


def kind_label(kind: EncounterKind | str) -> str:
    try:
        return KIND_LABELS[EncounterKind(kind)]
    except ValueError:
        return str(kind)


def red_flag_text(code: str) -> str:
    return RED_FLAG_TEXT.get(code, code)
