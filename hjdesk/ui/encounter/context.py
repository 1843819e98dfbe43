"""What an encounter form loads before it can be filled in (on a worker thread): the patient's
header, the establishment's NEWS2 pathways, the appointment, and the user's draft of this form.

Also which form a seen clinic appointment opens (`kind_for_visit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from hjdesk.clinical.attendance import ClinicType, Outcome
from hjdesk.clinical.news2 import EscalationPathways
from hjdesk.services import clinics, drafts, patients, settings
from hjdesk.services.clinics import AppointmentView
from hjdesk.services.drafts import DraftView
from hjdesk.services.encounters import HCA_KINDS, EncounterKind
from hjdesk.services.patients import PatientRow
from hjdesk.storage.vault import OpenVault

KIND_LABELS = {
    EncounterKind.CLINIC_VISIT: "Clinic visit",
    EncounterKind.CELL_DOOR: "Cell-door encounter",
    EncounterKind.MH_SESSION: "Mental health session",
    EncounterKind.OLDER_PRISONER_REVIEW: "Older prisoner review",
    EncounterKind.LTC_REVIEW: "Long-term condition review",
    EncounterKind.SECOND_STAGE_ASSESSMENT: "Second-stage health assessment",
    EncounterKind.GENERAL: "General encounter",
}
# The review a clinic exists for: its encounter is what the reviews-due worklists count as done.
CLINIC_KINDS = {
    ClinicType.LTC_DIABETES: EncounterKind.LTC_REVIEW,
    ClinicType.LTC_HYPERTENSION: EncounterKind.LTC_REVIEW,
    ClinicType.LTC_RESPIRATORY: EncounterKind.LTC_REVIEW,
    ClinicType.LTC_EPILEPSY: EncounterKind.LTC_REVIEW,
    ClinicType.OLDER_PRISONER: EncounterKind.OLDER_PRISONER_REVIEW,
    ClinicType.MH_IN_REACH: EncounterKind.MH_SESSION,
    ClinicType.SECOND_STAGE_ASSESSMENT: EncounterKind.SECOND_STAGE_ASSESSMENT,
}


def kind_for_visit(
    clinic_type: ClinicType | str, outcome: Outcome | None, role: str
) -> EncounterKind:
    """The form a seen appointment opens.

    A review clinic opens its review (an LTC review counts as done only as an LTC_REVIEW). An HCA
    cannot sign reviews, so records a clinic visit (with the LTC fields) instead; anything else is
    a clinic visit, or a cell-door encounter when seen at the door.
    """
    at_door = outcome is Outcome.SEEN_AT_CELL_DOOR
    review = CLINIC_KINDS.get(ClinicType(clinic_type))
    if review is not None and (role != "HCA" or review in HCA_KINDS):
        return review
    return EncounterKind.CELL_DOOR if at_door else EncounterKind.CLINIC_VISIT


def draft_form_name(kind: EncounterKind) -> str:
    return f"encounter:{kind.value}"


@dataclass(frozen=True, slots=True)
class Loaded:
    patient: PatientRow
    pathways: EscalationPathways
    appointment: AppointmentView | None
    draft: DraftView | None


def load(
    vault: OpenVault, patient_id: str, kind: EncounterKind, appointment_id: str | None
) -> Loaded:
    """Everything the form needs; runs on a worker thread and returns plain dataclasses."""
    patient = patients.open_patient(vault, patient_id)
    pathways = EscalationPathways(
        high=settings.get(vault, settings.PATHWAY_HIGH),
        medium=settings.get(vault, settings.PATHWAY_MEDIUM),
        red_score=settings.get(vault, settings.PATHWAY_RED),
    )
    appointment = (
        clinics.appointment_view(vault, appointment_id) if appointment_id is not None else None
    )
    mine = [
        d
        for d in drafts.list_drafts(vault, patient_id=patient_id, form=draft_form_name(kind))
        if d.context_id == appointment_id
    ]
    draft = drafts.load_draft(vault, mine[0].id) if mine else None
    return Loaded(patient, pathways, appointment, draft)
