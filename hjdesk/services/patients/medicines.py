"""A patient's allergies and current medicines (domain.md §9: the transfer/release summary and
the medicines-on-release checklist print them).

Until now only the demo wrote these rows, so on a real laptop the summary's allergy section
could only ever say "None recorded" and the checklist listed nothing, whatever the nurse knew.
Here a registered clinician records them, as they learn them (reception, a wing clinic, the
pharmacy's list), and marks one no longer current rather than deleting it: a record that went
to another prison must not lose what it said.

Decisions (ours):
- Registered clinicians only: an allergy or a medicine list is what the next prison relies on,
  and a healthcare assistant does not reconcile medicines.
- One current allergy per substance (compared without case or spaces): a second would print the
  same substance twice with two reactions. Change the reaction by ending the old entry and
  recording the new one, so both stay on the record.
- Whether a medicine is critical (must travel with the patient) follows the clinical rule
  `ltc.is_critical_medicine`: a critical class always counts; the flag adds medicines outside
  those classes.
- An end is an edit of a record other laptops hold: it is based on the revision the user saw
  (`base_rev`), and refused, never merged, if someone changed it since.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hjdesk.clinical.ltc import is_critical_medicine
from hjdesk.services.actions import UserAction, user_action
from hjdesk.services.common import patient_or_error
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Allergy, Medicine
from hjdesk.storage.vault import OpenVault

# Medicine classes offered by the form, with the words shown for them. The stored class is free
# text (a pharmacy list may use others); the critical ones are those the LTC policy names.
MEDICINE_CLASSES: tuple[tuple[str, str], ...] = (
    ("ANTI_SEIZURE", "Anti-seizure (critical)"),
    ("INSULIN", "Insulin (critical)"),
    ("PARKINSONS", "Parkinson's (critical)"),
    ("ANTICOAGULANT", "Anticoagulant"),
    ("ANTIPSYCHOTIC", "Antipsychotic"),
    ("SSRI", "Antidepressant (SSRI)"),
    ("OPIOID_SUBSTITUTION", "Opioid substitution"),
    ("BIGUANIDE", "Biguanide (metformin)"),
    ("SULFONYLUREA", "Sulfonylurea"),
    ("ACE_INHIBITOR", "ACE inhibitor"),
    ("CALCIUM_CHANNEL_BLOCKER", "Calcium channel blocker"),
    ("SABA", "Reliever inhaler (SABA)"),
    ("ICS", "Preventer inhaler (ICS)"),
    ("LAMA", "LAMA inhaler"),
    ("PPI", "Proton pump inhibitor"),
)

# What a record with no current allergy says, on screen and on paper: never "no known
# allergies", which only the patient (asked) can tell.
NO_ALLERGIES = "None recorded. This is not 'no known allergies': ask the patient."

SUBSTANCE_MAX, REACTION_MAX = 120, 200
NAME_MAX, DOSE_MAX, CLASS_MAX = 120, 120, 30


@dataclass(frozen=True, slots=True)
class AllergyView:
    id: str
    patient_id: str
    substance: str
    reaction: str
    active: bool
    rev: int


@dataclass(frozen=True, slots=True)
class MedicineView:
    id: str
    patient_id: str
    name: str
    dose: str
    medicine_class: str | None
    flagged_critical: bool
    critical: bool  # flagged, or of a critical class: what the checklist and summary print
    active: bool
    rev: int


@dataclass(frozen=True, slots=True)
class MedicinesView:
    """Current entries first (allergies by substance, medicines by name), then ended ones."""

    patient_id: str
    allergies: tuple[AllergyView, ...]
    medicines: tuple[MedicineView, ...]


def allergy_view(row: Allergy) -> AllergyView:
    return AllergyView(
        id=row.id,
        patient_id=row.patient_id,
        substance=row.substance,
        reaction=row.reaction or "",
        active=bool(row.active),
        rev=row.rev,
    )


def medicine_view(row: Medicine) -> MedicineView:
    return MedicineView(
        id=row.id,
        patient_id=row.patient_id,
        name=row.name,
        dose=row.dose or "",
        medicine_class=row.medicine_class,
        flagged_critical=bool(row.critical),
        critical=is_critical_medicine(row.medicine_class, flagged_critical=bool(row.critical)),
        active=bool(row.active),
        rev=row.rev,
    )


def _same_substance(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _text(value: str, what: str, most: int, problems: list[str], *, required: bool) -> str:
    text = " ".join(value.split())
    if required and not text:
        problems.append(f"Give the {what}.")
    elif len(text) > most:
        problems.append(f"The {what} has at most {most} characters.")
    return text


def record_allergy(
    vault: OpenVault, patient_id: str, substance: str, reaction: str = ""
) -> AllergyView:
    """Record a current allergy or intolerance: the substance, and the reaction if known."""
    with user_action(vault, "allergy_recorded") as act:
        name = _text(substance, "substance", SUBSTANCE_MAX, act.problems, required=True)
        what = _text(reaction, "reaction", REACTION_MAX, act.problems, required=False)
        act.check()
        patient_or_error(act.session, patient_id)
        current = act.session.scalars(
            select(Allergy.substance).where(
                Allergy.patient_id == patient_id, Allergy.active.is_(True)
            )
        ).all()
        if any(_same_substance(name, s) for s in current):
            raise InvalidInput(
                f"{name} is already recorded as a current allergy for this patient. To change "
                "its reaction, mark that entry no longer current and record it again."
            )
        row = Allergy(patient_id=patient_id, substance=name, reaction=what, active=True)
        act.session.add(row)
        act.session.flush()
        act.audit(patient_id=patient_id, detail={"allergy_id": row.id})
        return allergy_view(row)


def record_medicine(
    vault: OpenVault,
    patient_id: str,
    name: str,
    dose: str = "",
    medicine_class: str | None = None,
    *,
    critical: bool = False,
) -> MedicineView:
    """Record a current medicine: name, dose and directions, class, and whether it is critical
    beyond its class (it must travel with the patient)."""
    with user_action(vault, "medicine_recorded") as act:
        medicine = _text(name, "medicine's name", NAME_MAX, act.problems, required=True)
        directions = _text(dose, "dose", DOSE_MAX, act.problems, required=False)
        cls = _text(medicine_class or "", "class", CLASS_MAX, act.problems, required=False)
        act.check()
        patient_or_error(act.session, patient_id)
        row = Medicine(
            patient_id=patient_id,
            name=medicine,
            dose=directions,
            medicine_class=cls.upper().replace(" ", "_") or None,
            critical=critical,
            active=True,
        )
        act.session.add(row)
        act.session.flush()
        act.audit(patient_id=patient_id, detail={"medicine_id": row.id})
        return medicine_view(row)


def _end(act: UserAction, row: Allergy | Medicine, key: str) -> None:
    if not row.active:
        raise InvalidInput("That entry is already marked no longer current.")
    row.active = False
    act.session.flush()
    act.audit(patient_id=row.patient_id, detail={key: row.id})


def end_allergy(vault: OpenVault, allergy_id: str, *, base_rev: int) -> AllergyView:
    """Mark an allergy no longer current (recorded in error, or ruled out): kept, not deleted."""
    with user_action(vault, "allergy_ended") as act:
        row = act.get(Allergy, allergy_id, "allergy", base_rev=base_rev)
        _end(act, row, "allergy_id")
        return allergy_view(row)


def stop_medicine(vault: OpenVault, medicine_id: str, *, base_rev: int) -> MedicineView:
    """Mark a medicine no longer taken: it leaves the summary's and checklist's current list."""
    with user_action(vault, "medicine_stopped") as act:
        row = act.get(Medicine, medicine_id, "medicine", base_rev=base_rev)
        _end(act, row, "medicine_id")
        return medicine_view(row)


def medicines_and_allergies(vault: OpenVault, patient_id: str) -> MedicinesView:
    """The patient's allergies and medicines, current first; viewing is audited."""
    with user_action(vault, "view_patient") as act:
        patient_or_error(act.session, patient_id)
        allergies = act.session.scalars(
            select(Allergy)
            .where(Allergy.patient_id == patient_id)
            .order_by(Allergy.active.desc(), Allergy.substance, Allergy.id)
        ).all()
        medicines = act.session.scalars(
            select(Medicine)
            .where(Medicine.patient_id == patient_id)
            .order_by(Medicine.active.desc(), Medicine.name, Medicine.id)
        ).all()
        act.audit(kind="view_medicines", patient_id=patient_id)
        return MedicinesView(
            patient_id=patient_id,
            allergies=tuple(allergy_view(a) for a in allergies),
            medicines=tuple(medicine_view(m) for m in medicines),
        )
