"""Signing encounters, amending them, and reading an amendment chain (domain.md §3-5, §8).

`sign_encounter` checks and scores the form (encounter_rules), then writes the encounter and its
observation, questionnaire results and measurements, all signed at the same moment by the same
person, raises the tasks the rules call for, discards the form's draft and audits
"encounter_signed" — one transaction. A signed entry is never changed: `amend_encounter` writes a
new entry that points at it ("entered in error" is an amendment too).

Decisions (ours):
- ADMIN staff sign nothing. HCAs sign clinic visits, cell-door and general encounters with
  observations and measurements; reviews, assessments, MH sessions and questionnaires need a
  registered clinician.
- One standing encounter per appointment; a correction is an amendment. The appointment must be
  the patient's and have a seen outcome.
- An amendment is made to the latest entry of a chain (so a chain is a straight line), by its
  author or by a registered clinician, and never to an entry marked entered in error. A
  correction keeps the patient and the appointment. Tasks already raised by an entry of the chain
  are not raised again by its correction. Open tasks raised by the chain are withdrawn when the
  entry is marked entered in error, and when the correction no longer calls for them (a PHQ-9
  item 9 corrected to 0 no longer asks for a risk assessment): they must not travel on a
  transfer summary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from hjdesk.clinical.attendance import is_seen
from hjdesk.clinical.identifiers import age_on
from hjdesk.clinical.news2 import DEFAULT_PATHWAYS, EscalationPathways
from hjdesk.services.actions import user_action
from hjdesk.services.common import get_or_error, utc_now
from hjdesk.services.encounters.chain import chain_ids, local_day, standing_encounters
from hjdesk.services.encounters.forms import HCA_KINDS, EncounterInput, EncounterKind
from hjdesk.services.encounters.rules import EscalationRequired, parse_kind, prepare
from hjdesk.services.encounters.store import append_entry, entry_rows, store
from hjdesk.services.encounters.views import (
    EncounterView,
    Signer,
    encounter_views,
    written_view,
)
from hjdesk.services.permissions import (
    REGISTERED_CLINICIANS,
    require,
    require_own_entry_unless_registered,
)
from hjdesk.services.worklists import withdraw_tasks
from hjdesk.storage import audit, driver_sql
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models import (
    Appointment,
    Encounter,
    Patient,
    Staff,
)
from hjdesk.storage.vault import OpenVault

__all__ = [
    "EncounterHistory",
    "EncounterInput",
    "EncounterKind",
    "EncounterView",
    "EscalationRequired",
    "amend_encounter",
    "encounter_history",
    "sign_encounter",
]


def _check_role(vault: OpenVault, inp: EncounterInput) -> EncounterKind:
    require(vault.actor, "encounter_signed")
    kind = parse_kind(inp.kind)
    if vault.actor.role not in REGISTERED_CLINICIANS:
        if kind not in HCA_KINDS:
            what = kind.value.lower().replace("_", " ")
            raise PermissionDenied(
                f"Your role ({vault.actor.role}) cannot sign a {what}: ask a registered clinician."
            )
        if inp.questionnaires is not None:
            raise PermissionDenied(
                f"Your role ({vault.actor.role}) cannot record questionnaires or frailty scores."
            )
    return kind


def _check_appointment(session: Session, inp: EncounterInput, chain: list[str]) -> None:
    if inp.appointment_id is None:
        return
    appointment = get_or_error(session, Appointment, inp.appointment_id, "appointment")
    if appointment.patient_id != inp.patient_id:
        raise InvalidInput("That appointment is for another patient.")
    if appointment.outcome is None or not is_seen(appointment.outcome):
        raise InvalidInput(
            "Record a seen outcome for the appointment before signing its encounter."
        )
    others = [
        e
        for e in standing_encounters(session, appointment_ids=[appointment.id])
        if e.id not in chain
    ]
    if others:
        raise InvalidInput("An encounter is already signed for this appointment: amend it instead.")


# The patient's date of birth and the signer's name, in one statement at the start of the entry.
# Only the date of birth: loading the whole Patient (location, alerts) was a fifth of the time of
# writing an entry. The signer's name rides on the same read (a key lookup on staff) instead of a
# name kept from unlock: a rename that reached the vault since (a pull, another process) shows
# on the next entry, whatever wrote it. Compiled once and run on the session's connection's
# driver (`_first_read`; no autoflush: neither row is ever pending in this transaction): the
# ORM's statement path, then SQLAlchemy's per-statement work, were each a few per cent of an
# entry (docs/performance.md). The column's type still turns the text into a date.
# The audit chain's last link rides on it too (`audit.TAIL_SEQ`): read first thing in the
# transaction, before anything is audited in it, it is the tail the entry's events follow.
_PATIENTS, _STAFF = Patient.__table__, Staff.__table__
_BORN_AND_SIGNER = (
    select(_PATIENTS.c.date_of_birth, _STAFF.c.display_name, audit.TAIL_SEQ, audit.TAIL_HASH)
    .select_from(_PATIENTS.outerjoin(_STAFF, _STAFF.c.id == bindparam("staff_id")))
    .where(_PATIENTS.c.id == bindparam("patient_id"))
)


@cache
def _first_read(dialect: Dialect) -> tuple[str, tuple[str, ...], dict[str, Any], Any]:
    """`_BORN_AND_SIGNER` compiled once: its SQL, its parameters' order, the values it fixes
    (the LIMITs), and the date of birth's result processor (the column's type turns its text
    into a date, as the Core read did). Run on the driver (`storage.driver_sql`): the Core
    read's per-statement work was as long as the read."""
    compiled = _BORN_AND_SIGNER.compile(dialect=dialect)
    if compiled.positiontup is None:
        raise TypeError("the vault's driver takes positional parameters")
    born = _PATIENTS.c.date_of_birth.type.dialect_impl(dialect).result_processor(dialect, None)
    return str(compiled), tuple(compiled.positiontup), dict(compiled.params), born


def _age_and_signer(
    vault: OpenVault, session: Session, inp: EncounterInput, when: datetime
) -> tuple[int, str | None, tuple[int, str]]:
    """The patient's age on the day of the encounter, the signer's current display name, and
    the audit chain's last link."""
    conn = session.connection()
    sql, order, fixed, born_of = _first_read(conn.dialect)
    values = {**fixed, "patient_id": inp.patient_id, "staff_id": vault.actor.staff_id}
    row = driver_sql.fetch_one(conn, sql, [values[key] for key in order])
    if row is None or row[0] is None:
        raise InvalidInput("That patient is not in this vault.")
    born: date = born_of(row[0]) if born_of is not None else row[0]
    moment = inp.started_at if inp.started_at.tzinfo is not None else when
    return age_on(born, max(local_day(moment), born)), row[1], audit.tail_of(row[2], row[3])


def _view(session: Session, encounter: Encounter) -> EncounterView:
    return encounter_views(session, [encounter])[0]


def sign_encounter(
    vault: OpenVault,
    inp: EncounterInput,
    *,
    now: datetime | None = None,
    pathways: EscalationPathways = DEFAULT_PATHWAYS,
) -> EncounterView:
    """Check, score and sign an encounter with everything recorded in it."""
    kind = _check_role(vault, inp)
    when = now or utc_now()
    with vault.transaction() as session:
        age, signer_name, tail = _age_and_signer(vault, session, inp, when)
        prepared = prepare(inp, age=age, now=when, pathways=pathways)
        _check_appointment(session, inp, [])
        stored = entry_rows(vault, session, inp, prepared, when, [])
        encounter = stored.encounter
        # Appended, not flushed: a new signed entry is only ever inserted, and the unit of work
        # was the largest part of signing one (docs/performance.md).
        append_entry(
            vault,
            session,
            stored,
            {
                "encounter_id": encounter.id,
                "kind": kind.value,
                "appointment_id": inp.appointment_id,
                "red_flags": prepared.red_flags,
                "tasks": [t.kind for t in prepared.tasks],
            },
            inp.draft_id,
            tail=tail,
        )
        signer = _signer(vault, signer_name)
        return written_view(session, encounter, stored.scores, stored.tasks, signer)


def _signer(vault: OpenVault, name: str | None) -> tuple[str, Signer] | None:
    """The unlocked user, who signs, with the name their staff row holds now (read with the
    date of birth): one staff-row read fewer per entry. The vault's copy of the name follows."""
    actor = vault.actor
    if actor.staff_id is None or name is None:
        return None
    vault.actor_name = name
    return actor.staff_id, Signer(display_name=name, role=actor.role)


def _amendable(
    vault: OpenVault, session: Session, encounter_id: str
) -> tuple[Encounter, list[str]]:
    target = get_or_error(session, Encounter, encounter_id, "encounter")
    chain = chain_ids(session, target.id)
    if chain[-1] != target.id:
        raise InvalidInput("This entry has already been amended: amend the latest version.")
    if target.entered_in_error:
        raise InvalidInput("This entry is marked entered in error: record a new encounter instead.")
    require_own_entry_unless_registered(vault.actor, target.signed_by)
    return target, chain


def _entered_in_error(
    vault: OpenVault, target: Encounter, reason: str, when: datetime
) -> Encounter:
    return Encounter(
        id=uuid7(),
        patient_id=target.patient_id,
        appointment_id=target.appointment_id,
        kind=target.kind,
        ltc_condition=target.ltc_condition,
        place=target.place,
        started_at=target.started_at,
        ended_at=target.ended_at,
        narrative="",
        data={"answers": {}, "derived": {}},
        amends_id=target.id,
        amendment_reason=reason,
        entered_in_error=True,
        signed_at=when,
        signed_by=vault.actor.staff_id,
    )


def _correct(
    vault: OpenVault,
    session: Session,
    target: Encounter,
    chain: list[str],
    corrected: EncounterInput,
    reason: str,
    when: datetime,
    pathways: EscalationPathways,
) -> tuple[Encounter, set[str]]:
    """Sign the corrected entry: same patient, same appointment, every rule checked again.
    Returns it with the task kinds it calls for."""
    _check_role(vault, corrected)
    if corrected.patient_id != target.patient_id:
        raise InvalidInput(
            "A correction stays with the same patient: mark this entry entered in error "
            "and record the encounter for the right patient."
        )
    if corrected.appointment_id not in (None, target.appointment_id):
        raise InvalidInput("A correction keeps the appointment of the entry it amends.")
    inp = replace(corrected, appointment_id=target.appointment_id)
    age, _, _ = _age_and_signer(vault, session, inp, when)
    prepared = prepare(inp, age=age, now=when, pathways=pathways)
    _check_appointment(session, inp, chain)
    stored = store(vault, session, inp, prepared, when, chain, target, reason)
    return stored, {t.kind for t in prepared.tasks}


def _how(corrected: EncounterInput | None) -> str:
    return "marked entered in error" if corrected is None else "corrected"


def amend_encounter(
    vault: OpenVault,
    encounter_id: str,
    *,
    reason: str,
    corrected: EncounterInput | None = None,
    entered_in_error: bool = False,
    now: datetime | None = None,
    pathways: EscalationPathways = DEFAULT_PATHWAYS,
) -> EncounterView:
    """Correct a signed encounter, or mark it entered in error, with a new signed entry."""
    with user_action(vault, "encounter_amended", now=now) as act:
        if not reason.strip():
            raise InvalidInput("Give the reason for the amendment.")
        if (corrected is None) == (not entered_in_error):
            raise InvalidInput(
                "Either give the corrected entry or mark the entry entered in error (not both)."
            )
        session, when = act.session, act.now
        target, chain = _amendable(vault, session, encounter_id)
        if corrected is None:
            encounter = _entered_in_error(vault, target, reason.strip(), when)
            session.add(encounter)
            kind, still_raised = "encounter_entered_in_error", set[str]()
        else:
            encounter, still_raised = _correct(
                vault, session, target, chain, corrected, reason.strip(), when, pathways
            )
            kind = "encounter_amended"
        session.flush()
        withdraw_tasks(
            vault,
            session,
            chain,
            why=f"the entry that raised it was {_how(corrected)} ({reason.strip()})",
            when=when,
            keep_kinds=still_raised,
        )
        act.audit(
            kind=kind,
            patient_id=target.patient_id,
            detail={"encounter_id": encounter.id, "amends_id": target.id},
        )
        return _view(session, encounter)


@dataclass(frozen=True, slots=True)
class EncounterHistory:
    """An encounter's chain, original first; `current` is what the record now says."""

    entries: tuple[EncounterView, ...]

    @property
    def original(self) -> EncounterView:
        return self.entries[0]

    @property
    def current(self) -> EncounterView:
        return self.entries[-1]

    @property
    def entered_in_error(self) -> bool:
        return self.current.entered_in_error


def encounter_history(vault: OpenVault, encounter_id: str) -> EncounterHistory:
    """The original entry and every amendment of it, in order; viewing it is audited."""
    with user_action(vault, "view_patient") as act:
        act.get(Encounter, encounter_id, "encounter")
        ids = chain_ids(act.session, encounter_id)
        rows = [act.get(Encounter, i, "encounter") for i in ids]
        history = EncounterHistory(entries=tuple(encounter_views(act.session, rows)))
        act.audit(
            kind="view_encounter",
            patient_id=rows[0].patient_id,
            detail={"encounter_id": encounter_id},
        )
    return history
