"""How a record names the member of staff who wrote, signed, contributed to or owns it: the one
look-up every screen and printed document uses (hazard H-37).

A staff row on this laptop names its own prison's staff. After a transfer, a person's records
also name the previous prison's staff, whose rows stay with that prison; for them the hub sends a
name card (`StaffNameCard`: name, role, establishment), and the name is shown with where it comes
from — "Nurse Test (RN, AAA)" — so a reader knows the entry was written elsewhere and whom to
ask. A card is only a name: nothing here grants or checks authority with it. With neither (a
record from before the hub made cards, or a hub or laptop from before them), the record says
the name is not held (`NAME_NOT_HELD`), never "unknown".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.common import NAME_NOT_HELD
from hjdesk.storage.models import Staff, StaffNameCard


@dataclass(frozen=True, slots=True)
class StaffName:
    """A member of staff as a record shows them.

    `display_name` is the name as shown: a staff row's own, or a card's with its role and
    establishment. `role` is their present role ("" when not known); `held` says a staff row of
    this laptop named them (False: the hub's card of another establishment's staff)."""

    display_name: str
    role: str
    team: str
    held: bool
    establishment: str = ""
    name: str = ""  # the name alone, without a card's role and establishment

    def signed_as(self, role: str) -> tuple[str, str]:
        """(name, role) for a signed entry, whose role at signing is shown beside the name: a
        card's name carries that role with its establishment, "Nurse Test (RN, AAA)", and the
        role part is then empty, so no screen or printout says the role twice."""
        if self.held:
            return self.display_name, role or self.role
        return card_label(self.name, role or self.role, self.establishment), ""


def card_label(name: str, role: str, establishment: str) -> str:
    """A card's name with where it comes from: "Nurse Test (RN, AAA)"."""
    where = ", ".join(part for part in (role, establishment) if part)
    return f"{name} ({where})" if where else name


def staff_names(session: Session, ids: Iterable[str | None]) -> dict[str, StaffName]:
    """The staff ids' names: a staff row's where this laptop holds one, else the hub's name card;
    an id with neither is left out (callers show `NAME_NOT_HELD`, or `name_of` does)."""
    wanted = sorted({i for i in ids if i})
    found: dict[str, StaffName] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for s in session.scalars(select(Staff).where(Staff.id.in_(chunk))):
            found[s.id] = StaffName(
                s.display_name, s.role, s.team or "", held=True, name=s.display_name
            )
        missing = [i for i in chunk if i not in found]
        if not missing:
            continue
        for card in session.scalars(
            select(StaffNameCard).where(StaffNameCard.staff_id.in_(missing))
        ):
            found[card.staff_id] = StaffName(
                card_label(card.name, card.role, card.establishment),
                card.role,
                "",
                held=False,
                establishment=card.establishment,
                name=card.name,
            )
    return found


def name_of(names: dict[str, StaffName], staff_id: str | None, *, nobody: str = "") -> str:
    """How a record names `staff_id`: `nobody` when it names no one, `NAME_NOT_HELD` when this
    laptop holds neither their staff row nor a card."""
    if not staff_id:
        return nobody
    found = names.get(staff_id)
    return found.display_name if found is not None else NAME_NOT_HELD
