"""Who the summary is about and who wrote it: Patient (UK Core, NHS number with its verification
status), Organization (the establishment) and Practitioners (authors and signers), including
the previous prison's staff, named by the hub's name cards and marked as such (H-37).

The cell location is deliberately not sent: it is a prison security matter, and the receiving
service needs the establishment, not the landing.
"""

from __future__ import annotations

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner, PractitionerQualification
from fhir.resources.R4B.reference import Reference

from hjdesk.clinical.codes import (
    ESTABLISHMENT_CODE_SYSTEM,
    HUB_NAME_CARD,
    NHS_NUMBER_PRESENT_NOT_TRACED,
    NHS_NUMBER_SYSTEM,
    NHS_NUMBER_VERIFICATION_EXTENSION,
    PRISON_NUMBER_SYSTEM,
    STAFF_ID_SYSTEM,
)
from hjdesk.interop.fhir_common import (
    coding,
    derived_id,
    meta,
    narrative,
    ref,
    text_concept,
)
from hjdesk.reports.text import day
from hjdesk.services.release import StaffRef, SummaryIdentifiers
from hjdesk.services.staff_names import card_label

GENDER = {"M": "male", "F": "female"}  # NK (not known) and NS (not stated) → unknown


def organization_id(ids: SummaryIdentifiers) -> str:
    return derived_id("establishment", ids.establishment_code)


def patient_resource(ids: SummaryIdentifiers) -> Patient:
    identifiers: list[Identifier] = []
    if ids.nhs_number:
        status = Extension(
            url=NHS_NUMBER_VERIFICATION_EXTENSION,
            valueCodeableConcept=CodeableConcept(coding=[coding(NHS_NUMBER_PRESENT_NOT_TRACED)]),
        )
        identifiers.append(
            Identifier(
                system=NHS_NUMBER_SYSTEM,
                value=ids.nhs_number.replace(" ", ""),
                extension=[status],
            )
        )
    identifiers.append(Identifier(system=PRISON_NUMBER_SYSTEM, value=ids.prison_number))
    nhs = ids.nhs_number or f"not known ({ids.nhs_number_missing_reason or 'no reason given'})"
    return Patient(
        id=ids.patient_id,
        meta=meta("Patient"),
        text=narrative(
            [
                f"{ids.family_name.upper()}, {ids.given_names}",
                f"Born {day(ids.date_of_birth)}",
                f"NHS number {nhs}",
                f"Prison number {ids.prison_number}",
            ]
        ),
        identifier=identifiers,
        name=[
            HumanName(
                use="official",
                family=ids.family_name,
                given=list[str | None](ids.given_names.split()) or None,
                text=ids.display_name,
            )
        ],
        gender=GENDER.get(ids.sex, "unknown"),
        birthDate=ids.date_of_birth,
        managingOrganization=ref(organization_id(ids), ids.establishment_name or None),
    )


def organization_resource(ids: SummaryIdentifiers) -> Organization:
    name = ids.establishment_name or ids.establishment_code
    return Organization(
        id=organization_id(ids),
        meta=meta("Organization"),
        text=narrative([f"{name} ({ids.establishment_code})"]),
        identifier=[Identifier(system=ESTABLISHMENT_CODE_SYSTEM, value=ids.establishment_code)],
        name=name,
    )


def practitioner_resource(staff: StaffRef) -> Practitioner:
    """A member of staff the document names. One named by the hub's name card (another
    establishment's staff, after a transfer: H-37) is marked so a receiver can tell: the tag
    `hub-name-card`, and their HJDesk staff id assigned by the establishment the card names."""
    if not staff.from_card:
        return Practitioner(
            id=staff.id,
            meta=meta("Practitioner"),
            text=narrative([f"{staff.name} ({staff.role})"]),
            name=[HumanName(text=staff.name)],
            qualification=_qualification(staff),
        )
    where = staff.establishment or "an establishment not recorded"
    tagged = Meta(profile=meta("Practitioner").profile, tag=[coding(HUB_NAME_CARD)])
    assigner = Reference(
        identifier=Identifier(system=ESTABLISHMENT_CODE_SYSTEM, value=staff.establishment)
        if staff.establishment
        else None,
        display=where,
    )
    return Practitioner(
        id=staff.id,
        meta=tagged,
        text=narrative(
            [
                card_label(staff.name, staff.role, staff.establishment),
                f"Named from the hub's name card: a member of staff of {where}, not of the "
                "establishment that produced this document.",
            ]
        ),
        identifier=[Identifier(system=STAFF_ID_SYSTEM, value=staff.id, assigner=assigner)],
        name=[HumanName(text=staff.name)],
        qualification=_qualification(staff),
    )


def _qualification(staff: StaffRef) -> list[PractitionerQualification] | None:
    return [PractitionerQualification(code=text_concept(staff.role))] if staff.role else None
