"""Which laptops see which records, and what happens when a patient moves (architecture.md §5).

A device's scope is its establishment's current patients (on the roll, establishment matching) and
that establishment's own records. The hub keeps two small indexes from the documents it receives —
establishment id → code, and each patient's establishment and on-roll flag — and when a patient's
establishment changes (a transfer) or they leave the roll:

- the establishment they left gets a purge instruction in the change log, and
- at the establishment they arrive at, every document of theirs is re-announced with a new change
  sequence, so devices there receive the whole history however far their cursors have moved, and
  the hub writes name cards there for the other establishments' staff that history names
  (`name_cards`, hazard H-37).

A staff document whose name or role changed refreshes the cards of that person wherever the hub
has made one (`staff_changed`), so a renamed member of staff is renamed at the other prisons too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, select, update

from hjdesk.sync.bulk import among
from hjdesk.sync.hub import name_cards, schema
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import SeqAllocator
from hjdesk.sync.protocol import AUDIT_KIND, ESTABLISHMENT_KIND, PATIENT_KIND

Placement = tuple[str | None, bool]  # (establishment record id, on roll)


def establishment_codes(conn: Connection) -> dict[str, str]:
    """Establishment record id → code, as the hub's index holds them."""
    est = schema.establishments
    return dict(conn.execute(select(est.c.id, est.c.code)).all())


def travels() -> ColumnElement[bool]:
    """Which of a patient's documents travel with them to the next establishment: all but the
    audit events (each device's own chain)."""
    return schema.documents.c.kind != AUDIT_KIND


def placed_at(placement: Placement | None, codes: Mapping[str, str]) -> str | None:
    """The code of the establishment a patient is placed at: on its roll, at a known
    establishment. None for a patient on no roll (released, or not yet placed). The one
    definition of "placed" for scope, arrivals and name cards (`card_backfill`)."""
    if placement is None or not placement[1] or placement[0] is None:
        return None
    return codes.get(placement[0])


class Scope:
    """The write side, for one push transaction: index updates, purges and re-announcements."""

    def __init__(self, conn: Connection, seqs: SeqAllocator) -> None:
        self.conn, self.seqs = conn, seqs
        self.codes: dict[str, str] = establishment_codes(conn)
        self._stored_codes = set(self.codes)
        self._code_changes: dict[str, str] = {}
        self.placements: dict[str, Placement | None] = {}
        self._stored_patients: set[str] = set()
        self._patient_changes: dict[str, Placement] = {}
        self._purges: list[dict[str, Any]] = []
        self._arrivals: list[str] = []
        # Establishment code → staff ids named by records now there (name cards, H-37).
        self._named: defaultdict[str, set[str]] = defaultdict(set)
        # Staff ids whose name or role changed in this push: their cards are refreshed.
        self._card_changes: set[str] = set()

    def prefetch(self, patient_ids: list[str]) -> None:
        """Load the placements of the patients a batch touches, in a few queries."""
        pat = schema.patients
        for start in range(0, len(patient_ids), 500):
            chunk = patient_ids[start : start + 500]
            for pid in chunk:
                self.placements.setdefault(pid, None)
            for pid, ref, on_roll in self.conn.execute(
                select(pat.c.id, pat.c.establishment_id, pat.c.on_roll).where(
                    among(self.conn, pat.c.id, chunk)
                )
            ):
                self.placements[pid] = (ref, bool(on_roll))
                self._stored_patients.add(pid)

    def _placement(self, patient_id: str) -> Placement | None:
        if patient_id not in self.placements:
            self.prefetch([patient_id])
        return self.placements[patient_id]

    def _code(self, placement: Placement | None) -> str | None:
        return placed_at(placement, self.codes)

    def observe(self, kind: str, record_id: str, payload: dict[str, Any]) -> None:
        """A document was written: keep the indexes current and note moves."""
        if kind == ESTABLISHMENT_KIND:
            code = payload.get("code")
            if isinstance(code, str) and code.isalnum() and 2 <= len(code) <= 10:
                self.codes[record_id] = code.upper()
                self._code_changes[record_id] = code.upper()
        elif kind == PATIENT_KIND:
            ref = payload.get("establishment_id")
            new: Placement = (
                ref if isinstance(ref, str) and 0 < len(ref) <= 36 else None,
                payload.get("on_roll", True) is not False,
            )
            old = self._placement(record_id)
            self.placements[record_id] = new
            self._patient_changes[record_id] = new
            if old is None:
                return
            left, arrived = self._code(old), self._code(new)
            if left == arrived:
                return
            if left is not None:
                self._purges.append(
                    {"seq": self.seqs.next(), "patient_id": record_id, "est_code": left,
                     "created_at": utcnow()}
                )  # fmt: skip
            if arrived is not None and record_id not in self._arrivals:
                self._arrivals.append(record_id)

    def observe_record(self, patient_id: str, writer_code: str, payload: dict[str, Any]) -> None:
        """A patient's record was written by a device of `writer_code`: if the patient is placed
        elsewhere (they left before that laptop heard, or its claim is pending), the staff it
        names need name cards where it will be read. The placement is already in memory."""
        code = self._code(self._placement(patient_id))
        if code is not None and code != writer_code:
            self._named[code].update(name_cards.people_of([payload]))

    def staff_changed(self, staff_id: str) -> None:
        """A staff document's name or role changed: every card of them is written again."""
        self._card_changes.add(staff_id)

    def flush(self) -> None:
        """Write the index changes, purges, then re-announce arrivals (after their documents)."""
        est = schema.establishments
        for est_id, code in self._code_changes.items():
            if est_id in self._stored_codes:
                self.conn.execute(update(est).where(est.c.id == est_id).values(code=code))
            else:
                self.conn.execute(est.insert().values(id=est_id, code=code))
        pat = schema.patients
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for patient_id, (ref, on_roll) in self._patient_changes.items():
            row = {"b_id": patient_id, "establishment_id": ref, "on_roll": on_roll}
            (updates if patient_id in self._stored_patients else inserts).append(row)
        if inserts:
            self.conn.execute(
                pat.insert().values(id=bindparam("b_id")),
                inserts,
            )
        if updates:
            self.conn.execute(update(pat).where(pat.c.id == bindparam("b_id")), updates)
        if self._purges:
            self.conn.execute(schema.purges.insert(), self._purges)
        docs = schema.documents
        people = name_cards.person_columns()
        for patient_id in self._arrivals:
            # The staff each document names come with its key, in the same query (H-37).
            keys = self.conn.execute(
                select(docs.c.kind, docs.c.id, *people)
                .where(docs.c.patient_id == patient_id, travels())
                .order_by(docs.c.change_seq)
            ).all()
            if keys:
                self.conn.execute(
                    update(docs)
                    .where(docs.c.kind == bindparam("b_kind"), docs.c.id == bindparam("b_id"))
                    .values(change_seq=bindparam("b_seq"), last_device=None),
                    [{"b_kind": k.kind, "b_id": k.id, "b_seq": self.seqs.next()} for k in keys],
                )
            there = self._code(self.placements.get(patient_id))
            if there is not None:
                self._named[there].update(name_cards.people_of(keys))
        self._write_cards()

    def _write_cards(self) -> None:
        """The cards this push calls for: for the staff its arrivals and records name, and the
        cards of staff whose name or role changed. After the history: a laptop pulling part-way
        sees the records before their names, as it would see them with no card at all."""
        if self._card_changes:
            # One card per (staff, establishment): an arrival in this push that names them too
            # joins the same write, never a second card.
            changed = sorted(self._card_changes)
            for code, people in name_cards.cards_held(
                self.conn, changed, self.codes.values()
            ).items():
                self._named[code].update(people)
        name_cards.write_cards(self.conn, self.seqs, self._named)
