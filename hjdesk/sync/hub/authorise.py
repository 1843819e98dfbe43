"""What a device may write: the hub's rules for every pushed op (architecture.md §5a).

A device token is a credential a thief or a hostile insider may hold, so nothing a device sends is
trusted because it sent it. Each op is checked against the hub's own state *before* it is applied:

- shape: the payload is a valid record of its kind (`hjdesk.sync.payloads`);
- links: the op's patient is the payload's patient;
- scope: the record is in the device's establishment before and after the change (a patient of
  its establishment; an establishment-level record of its establishment). A patient moved between
  establishments is a transfer, which only a roll import may claim (`claim_transfer`); while
  its claim is pending, the claiming establishment's laptops may write the patient's records;
- write-once: a signed entry or an audit event is never changed; a device pushes only its own
  audit chain;
- authority: authors and signers are staff of the device's establishment; a staff row's role and
  active state are never changed by another device; a revoked device writes only what it created;
- hub-made: a name card (`name_cards`) is the hub's alone; no device writes one.

A broken rule is a `Refusal` naming the op and the rule; the batch is refused with 422 (see
`push.py`) and the refusal is recorded so the laptop can set the op aside and carry on.
`origin_device` is stamped by the hub, never taken from the payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Select, select
from sqlalchemy.engine import RowMapping

from hjdesk.clinical import estate_ids
from hjdesk.sync import payloads
from hjdesk.sync.bulk import among
from hjdesk.sync.hub import schema, transfers
from hjdesk.sync.hub.name_cards import STAFF_KIND
from hjdesk.sync.hub.scope import Scope
from hjdesk.sync.protocol import (
    AUDIT_KIND,
    ESTABLISHMENT_KIND,
    PATIENT_KIND,
    ConflictInfo,
    Refused,
    WireOp,
)

# Fields of a staff row that say what a person may do: never taken from another device.
STAFF_AUTHORITY_FIELDS = ("role", "active")
# Who wrote or signed a record: each must be staff of the writing device's establishment.
PERSON_FIELDS = (("author_id", "author-not-staff"), ("signed_by", "signer-not-staff"))


class HubDoc(Protocol):
    """The hub's current version of a document (push.py's `_Doc`)."""

    kind: str
    id: str
    rev: int
    patient_id: str | None
    est_code: str | None
    est_ref: str | None
    payload: dict[str, Any]
    origin_device: str


@dataclass(frozen=True, slots=True)
class Refusal:
    op_id: str
    seq: int
    kind: str
    record_id: str
    rule: str
    reason: str

    def wire(self) -> Refused:
        return Refused(
            op_id=self.op_id, seq=self.seq, kind=self.kind, record_id=self.record_id,
            rule=self.rule, reason=self.reason,
        )  # fmt: skip


class Authority:
    """The rules for one device's push, over the batch's documents and scope indexes."""

    def __init__(
        self,
        conn: Connection,
        device: RowMapping,
        docs: dict[tuple[str, str], Any],
        scope: Scope,
    ) -> None:
        self.conn, self.docs, self.scope = conn, docs, scope
        self.me: str = device["id"]
        self.code: str = device["establishment"]
        self.revoked = device["revoked_at"] is not None
        self._staff_codes: dict[str, str | None] = {}
        self._left_here: dict[str, bool] = {}
        # Patients with a claim of this establishment pending at the hub, among those the batch
        # names: read once per batch, when the first op needs it (`claimed_here`), not per op,
        # then kept as the batch's own ops change the claims (`claims_changed`).
        self._batch_patients: list[str] = []
        self._pending_here: set[str] = set()
        self._pending_known: set[str] = set()

    def prefetch(self, ops: list[WireOp]) -> None:
        """The establishments of every staff member the batch names as author or signer."""
        people = sorted(
            {
                value
                for op in ops
                for name, _ in PERSON_FIELDS
                if isinstance(value := op.payload.get(name), str)
            }
        )
        patient_ids = sorted(
            {op.patient_id for op in ops if op.patient_id}
            | {op.record_id for op in ops if op.kind == PATIENT_KIND}
        )
        self.scope.prefetch(patient_ids)
        self._batch_patients = patient_ids
        docs = schema.documents
        for start in range(0, len(people), 500):
            chunk = people[start : start + 500]
            for person in chunk:
                self._staff_codes.setdefault(person, None)
            for staff_id, code in self.conn.execute(
                select(docs.c.id, docs.c.est_code).where(
                    docs.c.kind == STAFF_KIND, among(self.conn, docs.c.id, chunk)
                )
            ):
                self._staff_codes[staff_id] = code

    def _prefetch_claims(self, patient_ids: list[str]) -> None:
        """Which of these patients this establishment has a pending claim on, in a few queries."""
        table = schema.transfers
        for start in range(0, len(patient_ids), 500):
            chunk = patient_ids[start : start + 500]
            self._pending_known.update(chunk)
            self._pending_here.update(
                self.conn.execute(
                    select(table.c.patient_id).where(
                        among(self.conn, table.c.patient_id, chunk),
                        table.c.status == transfers.PENDING,
                        table.c.to_code == self.code,
                    )
                ).scalars()
            )

    def claims_changed(self, changes: Iterable[transfers.ClaimChange]) -> None:
        """Claims an applied op of this batch created, renewed or decided
        (`transfers.settle_patient` reports every one): later ops are checked against the claims
        as they now stand at the hub, exactly as a query per op would see them. The one place the
        prefetched claims change, whatever kind of op changed them."""
        for change in changes:
            if change.to_code != self.code:
                continue
            # At most one claim per patient and establishment is pending (`transfers._record`).
            if change.status == transfers.PENDING:
                self._pending_here.add(change.patient_id)
            else:
                self._pending_here.discard(change.patient_id)
            self._pending_known.add(change.patient_id)

    # -- the rules ----------------------------------------------------------------------------
    def check(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        """Why `op` may not change `doc` (None: a new record), or None when it may.

        Stamps the payload's `origin_device` first: the hub's record of who created it."""
        why = payloads.problem(op.kind, op.record_id, op.payload)
        if why is not None:
            return self._refuse(op, "payload-invalid", why)
        if op.kind in payloads.HUB_MADE_KINDS:
            # A name card says who another prison's staff member is: believed because the hub
            # made it from its own staff records, so one from a device would be a forged name.
            return self._refuse(
                op, "hub-made-only", f"'{op.kind}' records are made by the hub, never by a device"
            )
        op.payload["origin_device"] = self.me if doc is None else doc.origin_device
        if op.kind == AUDIT_KIND:
            return self._audit(op, doc)
        for rule in (self._links, self._revoked, self._signed, self._scope, self._staff_row,
                     self._people):  # fmt: skip
            found = rule(op, doc)
            if found is not None:
                return found
        return None

    def _refuse(self, op: WireOp, rule: str, reason: str) -> Refusal:
        return Refusal(op.op_id, op.seq, op.kind, op.record_id, rule, reason)

    @staticmethod
    def _unchanged(op: WireOp, doc: HubDoc | None) -> bool:
        return doc is not None and {**doc.payload, **op.payload} == doc.payload

    def _audit(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if op.payload.get("device_id") != self.me:
            return self._refuse(op, "audit-own-chain", "a device pushes only its own audit chain")
        if op.base_rev is not None or (doc is not None and not self._unchanged(op, doc)):
            return self._refuse(
                op, "audit-write-once", "an audit event is never changed once written"
            )
        return None

    def _links(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if op.kind == PATIENT_KIND:
            expected: Any = op.record_id
        elif payloads.has_patient(op.kind):
            expected = op.payload.get("patient_id")
        else:
            expected = None
        if op.patient_id != expected:
            return self._refuse(
                op, "patient-link", "the op's patient is not the patient its record belongs to"
            )
        return None

    def _revoked(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if self.revoked and doc is not None and doc.origin_device != self.me:
            return self._refuse(
                op, "revoked-own-records-only",
                "this device's access was revoked: it may upload only records it created",
            )  # fmt: skip
        return None

    def _signed(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if (
            doc is not None
            and payloads.is_signed_kind(op.kind)
            and doc.payload.get("signed_at") is not None
            and not self._unchanged(op, doc)
        ):
            return self._refuse(
                op, "signed-write-once",
                "a signed entry is never changed: record an amendment instead",
            )  # fmt: skip
        return None

    def _staff_row(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if op.kind != STAFF_KIND or doc is None or doc.origin_device == self.me:
            return None
        for name in STAFF_AUTHORITY_FIELDS:
            if name in op.payload and op.payload[name] != doc.payload.get(name):
                return self._refuse(
                    op, "staff-authority-not-synced",
                    f"a staff member's {name} is set on their own laptop, never by another device",
                )  # fmt: skip
        return None

    def _people(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        for name, rule in PERSON_FIELDS:
            person = op.payload.get(name)
            if person is None or (doc is not None and doc.payload.get(name) == person):
                continue
            if self._staff_code(person) != self.code:
                return self._refuse(op, rule, f"'{name}' is not a member of staff of {self.code}")
        return None

    def _staff_code(self, staff_id: Any) -> str | None:
        if not isinstance(staff_id, str):
            return None
        written = self.docs.get((STAFF_KIND, staff_id))
        if written is not None:
            return written.est_code  # type: ignore[no-any-return]
        if self._staff_codes.get(staff_id) is None:
            docs, aliases = schema.documents, schema.id_aliases
            # An id from before estate-wide ids (migration h0002) names the staff row that
            # replaced it.
            current = self.conn.execute(
                select(aliases.c.new_id).where(aliases.c.old_id == staff_id)
            ).scalar_one_or_none()
            self._staff_codes[staff_id] = self.conn.execute(
                select(docs.c.est_code).where(
                    docs.c.kind == STAFF_KIND, docs.c.id == (current or staff_id)
                )
            ).scalar_one_or_none()
        return self._staff_codes[staff_id]

    # -- scope ----------------------------------------------------------------------------------
    def _scope(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if op.kind == ESTABLISHMENT_KIND:
            return self._establishment(op, doc)
        if op.kind == PATIENT_KIND:
            return self._patient(op, doc)
        if doc is not None and not self._may_write(doc.patient_id, self._doc_code(doc), doc):
            return self._refuse(op, "scope-before", "the record is not in this device's scope")
        if not self._may_write(op.patient_id, self._payload_code(op), doc):
            return self._refuse(
                op, "scope-after", "the change would put the record outside this device's scope"
            )
        return None

    def _establishment(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        if doc is not None and doc.est_code != self.code:
            return self._refuse(
                op, "scope-before", "this establishment record belongs to another establishment"
            )
        if op.payload.get("code") != self.code:
            return self._refuse(
                op, "establishment-own-only",
                f"a device of {self.code} may write only its own establishment's record",
            )  # fmt: skip
        return None

    def _patient(self, op: WireOp, doc: HubDoc | None) -> Refusal | None:
        after = self._code_of_establishment(op.payload.get("establishment_id"))
        placement = self._placement(op.record_id)
        if placement is None:  # a patient new to the hub
            if after != self.code:
                return self._refuse(
                    op, "scope-after", "the patient would belong to another establishment"
                )
            return None
        before = self._code_of_establishment(placement[0])
        if before == self.code and after == self.code:
            return None
        if before != after:
            return self.claim_transfer(op, doc, before, after)
        return self._refuse(op, "scope-before", "the patient is in another establishment")

    def claim_transfer(
        self, op: WireOp, doc: HubDoc | None, before: str | None, after: str | None
    ) -> Refusal | None:
        """`op` would move a patient from establishment `before` to `after` (either may be None:
        on no known establishment).

        Moving a patient is never an ordinary edit (architecture.md §5a, "transfers"). Allowed:
        - a roll claim into this device's establishment (`transfers.is_roll_claim`); push.py then
          settles it, pending or effective (`transfers.settle_patient`);
        - while this establishment's claim is pending, its laptops' later word on the patient
          (their roll again, or dropping them, which cancels the claim; an edit): the hub keeps
          the placement until the claim takes effect;
        - after a patient left this establishment, a laptop that had not heard saying they are off
          its roll (the same roll imported on every laptop of the prison), changing nothing else.
        Every other move is refused, and nobody moves."""
        if doc is not None and after == self.code:
            # Once applied, settle_patient records the claim (or, for a drop, cancels this
            # prison's) and reports it to `claims_changed` before the batch's next op.
            if transfers.is_roll_claim(doc.payload, op.payload, self.code):
                return None
            if self.claimed_here(op.record_id):
                return None
            if self._late_word_of_origin(op, doc):
                return None
        return self._refuse(
            op, "transfer-only-by-roll-claim",
            f"moving a patient from {before or 'no establishment'} to "
            f"{after or 'no establishment'} is a transfer: only a roll import may claim one",
        )  # fmt: skip

    def _late_word_of_origin(self, op: WireOp, doc: HubDoc) -> bool:
        """An op of the patient's previous establishment that only says they are off its roll:
        it moves nobody (transfers.settle_patient) and may change none of their details."""
        if op.payload.get("on_roll") is not False or not self._left_from_here(op.record_id):
            return False
        details = estate_ids.PATIENT_DETAILS
        merged = estate_ids.merge_mirrored(doc.payload, op.payload, details)
        return all(merged.get(name) == doc.payload.get(name) for name in details)

    def claimed_here(self, patient_id: str) -> bool:
        """Whether this device's establishment has a claim on the patient pending at the hub (as
        the batch's earlier ops left it): its laptops may then write the patient's records before
        the claim takes effect, so care given on arrival reaches the office."""
        if patient_id not in self._pending_known:
            # Most batches never ask (their patients are placed here): the first that does reads
            # the claims on all the batch's patients at once.
            wanted = [p for p in self._batch_patients if p not in self._pending_known]
            self._prefetch_claims(wanted if patient_id in wanted else [patient_id])
        return patient_id in self._pending_here

    def _may_write(self, patient_id: str | None, code: str | None, doc: HubDoc | None) -> bool:
        if patient_id is None:
            return code == self.code
        placement = self._placement(patient_id)
        if placement is None:
            return False
        if self._code_of_establishment(placement[0]) == self.code:
            return True
        if self.claimed_here(patient_id):
            return True
        # A patient who left this establishment: work written here before the laptop heard
        # still reaches the office (new records, or this device's own), so nothing is lost.
        return self._left_from_here(patient_id) and (doc is None or doc.origin_device == self.me)

    def _placement(self, patient_id: str) -> tuple[str | None, bool] | None:
        if patient_id not in self.scope.placements:
            self.scope.prefetch([patient_id])
        return self.scope.placements.get(patient_id)

    def _code_of_establishment(self, ref: Any) -> str | None:
        return self.scope.codes.get(ref) if isinstance(ref, str) else None

    def _doc_code(self, doc: HubDoc) -> str | None:
        return doc.est_code or self._code_of_establishment(doc.est_ref)

    def _payload_code(self, op: WireOp) -> str | None:
        ref = op.payload.get("establishment_id")
        return self.code if ref is None else self._code_of_establishment(ref)

    def _left_from_here(self, patient_id: str) -> bool:
        if patient_id not in self._left_here:
            found = self.conn.execute(purged_here(patient_id, self.code)).first()
            self._left_here[patient_id] = found is not None
        return self._left_here[patient_id]


def purged_here(patient_id: str, code: str) -> Select[tuple[int]]:
    """Any purge of the patient recorded for the prison `code`: one probe of
    `ix_purges_patient_id_est_code`, whatever the length of the prison's history."""
    purges = schema.purges
    return (
        select(purges.c.seq)
        .where(purges.c.patient_id == patient_id, purges.c.est_code == code)
        .limit(1)
    )


def visible_conflicts(
    conn: Connection, device: RowMapping, found: list[ConflictInfo]
) -> list[ConflictInfo]:
    """The conflicts a device may read: none once revoked, and only records still in its scope
    (a conflict reply never carries the hub's version of a record outside it)."""
    if device["revoked_at"] is not None or not found:
        return []
    code = device["establishment"]
    est, pat, docs = schema.establishments, schema.patients, schema.documents
    here = set(conn.execute(select(est.c.id).where(est.c.code == code)).scalars())
    patient_ids = sorted({c.patient_id for c in found if c.patient_id})
    mine: set[str] = set()
    for start in range(0, len(patient_ids), 500):
        chunk = patient_ids[start : start + 500]
        mine.update(
            pid
            for pid, ref in conn.execute(
                select(pat.c.id, pat.c.establishment_id).where(among(conn, pat.c.id, chunk))
            )
            if ref in here
        )
    visible = []
    for conflict in found:
        if conflict.patient_id is not None:
            if conflict.patient_id in mine:
                visible.append(conflict)
            continue
        row = conn.execute(
            select(docs.c.est_code, docs.c.est_ref).where(
                docs.c.kind == conflict.kind, docs.c.id == conflict.record_id
            )
        ).first()
        if row is not None and (row.est_code == code or row.est_ref in here):
            visible.append(conflict)
    return visible
