"""The medicines-on-release checklist (domain.md §9, printed output 7): each current medicine with
its critical flag, the supply given (days or FP10, QS156 statement 5) and the checks to tick.

Critical medicines (flagged, or of a critical class such as anti-seizure medicines, by
clinical.ltc.is_critical_medicine) get extra checks: they travel with the patient and the next dose
time is written down (HSSIB: an epilepsy medicine omitted after transfer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hjdesk.clinical.release import DEFAULT_RELEASE_POLICY, ReleasePolicy
from hjdesk.services.actions import user_action
from hjdesk.services.common import get_or_error, local_today, utc_now
from hjdesk.services.release import summary_parts as parts
from hjdesk.services.release.plans import ReleasePlanView, current_release_plan, plan_view_of
from hjdesk.services.release.summary import (
    AllergyItem,
    SummaryIdentifiers,
    allergies,
    author,
    has_unsynced,
    identifiers,
)
from hjdesk.services.release.summary_parts import MedicineItem
from hjdesk.storage.models import Patient
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    medicine: MedicineItem
    supply_days: int | None
    fp10_given: bool
    checks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MedicinesChecklist:
    identifiers: SummaryIdentifiers
    allergies: tuple[AllergyItem, ...]
    release_plan: ReleasePlanView | None
    items: tuple[ChecklistItem, ...]
    general_checks: tuple[str, ...]
    contains_unsynced: bool
    generated_at: datetime
    generated_by: str


# What the checklist prints: the patient's identifiers, allergies, medicines and release plan.
# Only these waiting for the hub mark it "unsynced": an ACCT note or a clinic visit still in the
# outbox changes nothing on this page, and a mark that is there for no reason teaches the reader
# to pass over it.
CHECKLIST_KINDS = frozenset({"patient", "allergy", "medicine", "release_plan"})


def _medicine_checks(medicine: MedicineItem, policy: ReleasePolicy) -> tuple[str, ...]:
    checks = [
        f"At least {policy.minimum_supply_days} days supplied, or included on the FP10",
        "Label, dose and directions match the current prescription",
        "Patient told how and when to take it",
    ]
    if medicine.critical:
        checks += [
            "CRITICAL: travels with the patient (not in stored property)",
            "CRITICAL: time of the next dose written on the handover",
        ]
    return tuple(checks)


def _general_checks(plan: ReleasePlanView | None, policy: ReleasePolicy) -> tuple[str, ...]:
    checks = [
        "Allergies written on the handover",
        "Community GP or receiving healthcare told of current medicines",
    ]
    if plan is not None and plan.movement_type in policy.per_required_for:
        checks.append("Health information on the Person Escort Record (PER) completed")
    if plan is None or plan.movement_type in policy.community_checks_for:
        checks.append(f"{policy.minimum_supply_days} days of medicines, or an FP10, given")
    return tuple(checks)


def medicines_on_release_checklist(
    vault: OpenVault,
    patient_id: str,
    *,
    today: date | None = None,
    now: datetime | None = None,
    policy: ReleasePolicy = DEFAULT_RELEASE_POLICY,
) -> MedicinesChecklist:
    """Each current medicine with its critical flag, the supply and the checks to tick."""
    day = today or local_today()
    with user_action(vault, "view_release_medicines") as act:
        patient = get_or_error(act.session, Patient, patient_id, "patient")
        release = current_release_plan(act.session, patient.id)
        plan = plan_view_of(release, day, policy) if release is not None else None
        items = tuple(
            ChecklistItem(
                m,
                plan.days_of_medicine_supplied if plan else None,
                plan.fp10_given if plan else False,
                _medicine_checks(m, policy),
            )
            for m in parts.medicines(act.session, patient.id)
        )
        checklist = MedicinesChecklist(
            identifiers=identifiers(act.session, patient, day),
            allergies=allergies(act.session, patient.id),
            release_plan=plan,
            items=items,
            general_checks=_general_checks(plan, policy),
            contains_unsynced=has_unsynced(act.session, patient.id, CHECKLIST_KINDS),
            generated_at=now or utc_now(),
            generated_by=author(act.session, vault)[0],
        )
        act.audit(kind="view_medicines_checklist", patient_id=patient.id)
    return checklist
