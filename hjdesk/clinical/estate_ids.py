"""One identity per real thing on every laptop (architecture.md §5a).

Things that exist outside HJDesk — prisons, their places, prisoners, the prison system's alerts on
them, members of staff — take ids derived from their natural keys, UUIDv5 in one HJDesk namespace,
so two laptops that meet the same thing independently give it the same id. Clinical records keep
random UUIDv7 ids (`hjdesk.storage.ids.uuid7`).

The namespace is fixed for ever: changing it would give every patient a new identity.

Roll fields are mirrored from the prison system rather than edited here: each mirrored field keeps
the stamp of the roll it came from (when the roll was taken from the prison system, then when it was
imported, then the device, as fixed-width text so that comparing the text compares the stamps),
and the newest stamp wins field by field (`merge_mirrored`). The merge is commutative, associative
and idempotent, so laptops and the hub agree whatever order rolls and pulls arrive in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

# uuid5(NAMESPACE_URL, "https://hjdesk.nhs.example/estate"), written out so it can never drift.
NAMESPACE = uuid.UUID("08e7ca70-0971-5970-b34c-318d1cc4859a")

# The kinds whose ids come from natural keys.
ESTATE_KINDS = frozenset({"establishment", "location", "patient", "alert", "staff"})
# The fields mirrored from the roll, per kind: the newest roll wins each of them.
PATIENT_DETAILS = (
    "nhs_number",
    "family_name",
    "given_names",
    "family_fold",
    "given_fold",
    "date_of_birth",
    "sex",
    "reception_date",
    "expected_release_date",
)
# Where a patient is: one unit, owned by the establishment whose roll says so (see transfers).
PLACEMENT = ("establishment_id", "location_id", "on_roll", "left_at")
PLACEMENT_STAMP = "placement"
MIRRORED: dict[str, tuple[str, ...]] = {
    "patient": PATIENT_DETAILS,
    "alert": ("active", "source"),
}
STAMPS = "roll_stamps"


def _derive(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def establishment_id(code: str) -> str:
    return _derive("establishment", code.strip().upper())


def location_id(establishment_code: str, path: str) -> str:
    return _derive("location", establishment_code.strip().upper(), path.strip().upper())


def patient_id(prison_number: str) -> str:
    return _derive("patient", prison_number.strip().upper())


def alert_id(patient: str, code: str) -> str:
    """`patient` is the patient's (derived) id."""
    return _derive("alert", patient, code.strip().upper())


def staff_id(establishment_code: str, username: str) -> str:
    return _derive("staff", establishment_code.strip().upper(), username.strip().lower())


def staff_card_id(staff: str, establishment_code: str) -> str:
    """The hub's name card for a member of staff (`staff` is their derived id) at the
    establishment `establishment_code` whose records name them: one card per pair, however
    many people arrive naming them."""
    return _derive("staff-card", staff, establishment_code.strip().upper())


def local_staff_id(vault_id: str, username: str) -> str:
    """A user made before the laptop knows its establishment: unique to this vault until enrolment
    gives the establishment and the id is rewritten to `staff_id`."""
    return _derive("staff-unenrolled", vault_id, username.strip().lower())


def roll_stamp(as_of: datetime, imported_at: datetime, device_id: str) -> str:
    """Fixed-width text: comparing two stamps as text compares (as_of, imported_at, device)."""
    return "|".join(
        (
            as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            imported_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            device_id,
        )
    )


def stamp_as_of(stamp: str) -> str:
    """The as-of part of a stamp (for display), '' if none."""
    return stamp.split("|", 1)[0] if stamp else ""


def stamps_of(payload: Mapping[str, Any]) -> dict[str, str]:
    value = payload.get(STAMPS)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def merge_mirrored(
    current: Mapping[str, Any], incoming: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """`current` with each of `fields` taken from `incoming` where incoming's stamp is newer.

    Equal stamps (the same import seen twice) keep the current value; fields without a stamp on
    either side keep the current value too: a roll value never gives way to an unstamped one.
    """
    mine, theirs = stamps_of(current), stamps_of(incoming)
    out = dict(current)
    for name in fields:
        stamp = theirs.get(name, "")
        if stamp > mine.get(name, "") and name in incoming:
            out[name] = incoming[name]
            mine[name] = stamp
    out[STAMPS] = mine
    return out


def newer_placement(current: Mapping[str, Any], incoming: Mapping[str, Any]) -> bool:
    return stamps_of(incoming).get(PLACEMENT_STAMP, "") > stamps_of(current).get(
        PLACEMENT_STAMP, ""
    )


def take_placement(current: Mapping[str, Any], incoming: Mapping[str, Any]) -> dict[str, Any]:
    """`current` placed where `incoming` says, with incoming's placement stamp."""
    out = dict(current)
    for name in PLACEMENT:
        if name in incoming:
            out[name] = incoming[name]
    stamps = stamps_of(current)
    stamp = stamps_of(incoming).get(PLACEMENT_STAMP)
    if stamp:
        stamps[PLACEMENT_STAMP] = stamp
    out[STAMPS] = stamps
    return out
