"""Who may own a care plan: the choices the plan form offers (domain.md §7, "an owner").

Only active registered clinicians (not HCAs, not ADMIN staff) may own a plan; offering exactly
those means the form cannot pick an owner the activation rules would then refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hjdesk.services.permissions import REGISTERED_CLINICIANS, require
from hjdesk.storage.models import Staff
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class OwnerChoice:
    staff_id: str
    display_name: str
    role: str


def owner_choices(vault: OpenVault) -> tuple[OwnerChoice, ...]:
    """Active registered clinicians, by name."""
    require(vault.actor, "view_care_plans")
    query = (
        select(Staff.id, Staff.display_name, Staff.role)
        .where(Staff.active.is_(True), Staff.role.in_(sorted(REGISTERED_CLINICIANS)))
        .order_by(Staff.display_name, Staff.id)
    )
    with vault.session() as session:
        return tuple(OwnerChoice(*row) for row in session.execute(query))
