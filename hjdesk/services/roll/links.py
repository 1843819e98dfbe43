"""NHS numbers to check: a new prison number whose NHS number is another patient's (§5a).

The roll import flags them and never merges: one NHS number on two prison numbers may be a
returning prisoner given a new number, or a typing error in either record. A person checks the two
records (Admin → Roll) and marks the flag checked; linking records is a decision for the prison
system and the clinical record, not something HJDesk guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from hjdesk.services.actions import user_action
from hjdesk.services.permissions import require
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Patient, RollLinkFlag
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class LinkFlag:
    id: int
    prison_number: str
    other_prison_number: str
    nhs_number: str
    flagged_at: datetime


def open_link_flags(vault: OpenVault) -> list[LinkFlag]:
    """Flags not yet checked, oldest first (both patients still on this laptop)."""
    require(vault.actor, "import_roll")
    other = aliased(Patient)
    with vault.session() as session:
        rows = session.execute(
            select(RollLinkFlag, Patient.prison_number, other.prison_number, Patient.nhs_number)
            .join(Patient, Patient.id == RollLinkFlag.patient_id)
            .join(other, other.id == RollLinkFlag.other_patient_id)
            .where(RollLinkFlag.checked_at.is_(None))
            .order_by(RollLinkFlag.id)
        ).all()
    return [
        LinkFlag(flag.id, number, other_number, nhs or "", flag.flagged_at)
        for flag, number, other_number, nhs in rows
    ]


def mark_checked(vault: OpenVault, flag_id: int) -> None:
    """A person has looked at both records; the flag leaves the list (and the audit says who)."""
    with user_action(vault, "import_roll") as act:
        flag = act.session.get(RollLinkFlag, flag_id)
        if flag is None or flag.checked_at is not None:
            raise InvalidInput("That NHS-number flag is no longer open.")
        flag.checked_at = act.clock
        flag.checked_by = act.actor.username
        act.audit(
            kind="roll_link_checked",
            patient_id=flag.patient_id,
            detail={"other_patient_id": flag.other_patient_id},
        )
