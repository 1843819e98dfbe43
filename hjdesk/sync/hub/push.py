"""Apply a pushed batch in one transaction (architecture.md §5, "Push").

Idempotence: a device's ops arrive contiguously, so `devices.acked_seq` is a watermark — an op at or
below it was seen and is skipped (the `ops.op_id` primary key backs that up). A batch that starts
beyond the watermark would leave a hole, so it is refused with 409 and the seq to resend from.

Conflicts: an op applies only when its `base_rev` is the hub's current rev. Otherwise both versions
are stored in `conflicts` and the document is flagged; nothing is overwritten. While a device has
an open conflict on a record, its later edits of that record continue its own line of versions and
are conflicts too, until it sends a revision that names the conflict in `resolves`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update
from sqlalchemy.engine import RowMapping

from hjdesk.clinical import estate_ids
from hjdesk.storage.bulk import insert_many
from hjdesk.sync.bulk import among
from hjdesk.sync.hub import name_cards, refusals, schema, transfers
from hjdesk.sync.hub.audit_check import ChainChecker
from hjdesk.sync.hub.authorise import Authority, Refusal, visible_conflicts
from hjdesk.sync.hub.devices import HubRefusal, state_of
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.scope import Scope
from hjdesk.sync.hub.store import HubStore, SeqAllocator, documents_by_key
from hjdesk.sync.protocol import (
    AUDIT_KIND,
    PATIENT_KIND,
    ConflictInfo,
    PushReply,
    PushRequest,
    WireOp,
    op_id,
)

_CODE = re.compile(r"^[A-Z0-9]{2,10}$")


class SeqGap(HubRefusal):
    def __init__(self, expected: int) -> None:
        super().__init__(
            f"Ops before seq {expected} have not reached the hub: send from there.", 409
        )
        self.expected = expected


@dataclass(slots=True)
class _Doc:
    kind: str
    id: str
    rev: int
    patient_id: str | None
    est_code: str | None
    est_ref: str | None
    payload: dict[str, Any]
    hlc: str
    origin_device: str
    last_device: str | None
    updated_at: datetime
    conflict: bool
    change_seq: int
    new: bool = False
    dirty: bool = False


@dataclass(slots=True)
class _Counts:
    applied: int = 0
    conflicts: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)


def check_shape(device_id: str, ops: list[WireOp]) -> None:
    """Refuse (422) a batch that is not this device's ops in strict, gap-free seq order."""
    for index, op in enumerate(ops):
        if op.op_id != op_id(device_id, op.seq):
            raise HubRefusal(f"op {index}: op_id must be '<your device id>:<seq>'.", 422)
        # Holes are allowed only where the hub refused an op (checked in `apply_push`).
        if index and op.seq <= ops[index - 1].seq:
            raise HubRefusal(f"op {index}: seqs must be ascending.", 422)
        if op.base_rev is not None and op.rev <= op.base_rev:
            raise HubRefusal(f"op {index}: rev must be greater than base_rev.", 422)


def apply_push(store: HubStore, device_id: str, request: PushRequest) -> PushReply:
    """Apply the batch, or refuse it whole (422) naming every op that breaks a rule."""
    try:
        return _apply_push(store, device_id, request)
    except refusals.OpsRefused as refused:
        refusals.record(store, device_id, refused.refusals)
        raise


def _missing(
    conn: Connection, device_id: str, watermark: int, ops: list[WireOp], withdrawn: set[int]
) -> int | None:
    """The first seq up to the batch's last that the hub neither has nor refused, if any."""
    sent = {op.seq for op in ops if op.seq > watermark} | withdrawn
    holes = [s for s in range(watermark + 1, ops[-1].seq + 1) if s not in sent]
    if not holes:
        return None
    refused = refusals.refused_seqs(conn, device_id, holes[0], holes[-1])
    return next((s for s in holes if s not in refused), None)


def _apply_push(store: HubStore, device_id: str, request: PushRequest) -> PushReply:
    ops = request.ops
    check_shape(device_id, ops)
    with store.writing() as (conn, seqs):
        # Read the device again under the write lock: its watermark may have moved.
        device = (
            conn.execute(select(schema.devices).where(schema.devices.c.id == device_id))
            .mappings()
            .one()
        )
        watermark = int(device["acked_seq"])
        withdrawn = [w for w in request.withdrawn if watermark < w.seq < ops[-1].seq]
        seqs_out = {w.seq for w in withdrawn}
        if ops[-1].seq > watermark and (gap := _missing(conn, device_id, watermark, ops, seqs_out)):
            raise SeqGap(gap)
        if withdrawn:
            refusals.withdraw(conn, device_id, withdrawn)
        fresh = [op for op in ops if op.seq > watermark]
        batch = _Batch(conn, seqs, device)
        batch.prefetch(fresh)
        for op in fresh:
            batch.apply(op)
        if batch.refused:
            raise refusals.OpsRefused(batch.refused)
        batch.flush()
        acked = max(watermark, ops[-1].seq)
        conn.execute(
            update(schema.devices)
            .where(schema.devices.c.id == device_id)
            .values(acked_seq=acked, last_seen_at=utcnow())
        )
        # Open conflicts of any op in this batch: a re-sent batch (reply lost) reports them again.
        found = conflicts_of(conn, device_id, ops[0].seq, ops[-1].seq)
        state = state_of({**device, "acked_seq": acked})
    return PushReply(
        acked_seq=acked,
        applied=batch.counts.applied,
        duplicates=len(ops) - len(fresh),
        conflicts=found,
        device=state,
    )


def conflicts_of(
    conn: Connection, device_id: str, first: int = 0, last: int | None = None
) -> list[ConflictInfo]:
    """The device's open conflicts that it may still read (`visible_conflicts`)."""
    device = conn.execute(select(schema.devices).where(schema.devices.c.id == device_id))
    return visible_conflicts(
        conn, device.mappings().one(), _open_conflicts(conn, device_id, first, last)
    )


def _open_conflicts(
    conn: Connection, device_id: str, first: int, last: int | None
) -> list[ConflictInfo]:
    table = schema.conflicts
    query = select(table).where(table.c.device_id == device_id, table.c.status == "open")
    if last is not None:
        query = query.where(table.c.op_seq.between(first, last))
    return [
        ConflictInfo(
            id=row["id"],
            kind=row["kind"],
            record_id=row["record_id"],
            patient_id=row["patient_id"],
            op_id=row["op_id"],
            your_rev=row["rev"],
            your_payload=row["payload"],
            hub_rev=row["hub_rev"],
            hub_payload=row["hub_payload"],
            created_at=row["created_at"].isoformat(),
        )
        for row in conn.execute(query.order_by(table.c.id)).mappings()
    ]


class _Batch:
    """One push: documents loaded up front, changed in memory, written at the end."""

    def __init__(self, conn: Connection, seqs: SeqAllocator, device: RowMapping) -> None:
        self.conn, self.seqs, self.device = conn, seqs, device
        self.device_id: str = device["id"]
        self.docs: dict[tuple[str, str], _Doc] = {}
        self.mine_open: dict[tuple[str, str], list[int]] = {}
        self.recheck_flag: set[tuple[str, str]] = set()
        self.audit = ChainChecker(conn)
        self.scope = Scope(conn, seqs)
        self.authority = Authority(conn, device, self.docs, self.scope)
        self.refused: list[Refusal] = []
        self.counts = _Counts()

    def prefetch(self, ops: list[WireOp]) -> None:
        """Load the batch's documents and this device's open conflicts in a few queries."""
        ids = sorted({op.record_id for op in ops})
        self.scope.prefetch(sorted({op.record_id for op in ops if op.kind == PATIENT_KIND}))
        table = schema.conflicts
        # One query per 500 keys for every kind at once, each key found by the primary key
        # (`store.documents_by_key`): `id IN (…)` alone read the whole table per batch, and a
        # query per kind cost more than the scan it replaced on a small hub.
        keys = sorted({(op.kind, op.record_id) for op in ops})
        for start in range(0, len(keys), 500):
            found = self.conn.execute(documents_by_key(self.conn, keys[start : start + 500]))
            for row in found.mappings():
                self.docs[(row["kind"], row["id"])] = _Doc(**{c: row[c] for c in _DOC_COLUMNS})
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for cid, kind, record_id in self.conn.execute(
                select(table.c.id, table.c.kind, table.c.record_id).where(
                    among(self.conn, table.c.record_id, chunk),
                    table.c.device_id == self.device_id,
                    table.c.status == "open",
                )
            ):
                self.mine_open.setdefault((kind, record_id), []).append(cid)
        self.authority.prefetch(ops)

    def apply(self, op: WireOp) -> None:
        key = (op.kind, op.record_id)
        doc = self.docs.get(key)
        refusal = self.authority.check(op, doc)
        if refusal is not None:
            # The rest is still checked, so one reply names every op the laptop must set aside.
            self.refused.append(refusal)
            return
        if op.kind == AUDIT_KIND:
            self.audit.check(self.device_id, op)
        open_mine = self.mine_open.get(key, [])
        if doc is None:
            outcome = self._write(op, None)
        elif op.kind in estate_ids.MIRRORED:
            outcome = self._mirror(op, doc)
        elif op.kind in estate_ids.ESTATE_KINDS and op.base_rev is None:
            outcome = "same"  # one real thing announced again by another laptop: not a conflict
        elif open_mine and not op.resolves:
            outcome = self._conflict(op, doc, supersede=open_mine)
        elif op.base_rev == doc.rev:
            outcome = self._write(op, doc)
            if open_mine:
                self._close(open_mine, "resolved", op.op_id)
                self.mine_open.pop(key, None)
                self.recheck_flag.add(key)
        elif op.rev == doc.rev and {**doc.payload, **op.payload} == doc.payload:
            outcome = "same"  # this exact version is already here (sent twice under two ids)
        else:
            outcome = self._conflict(op, doc, supersede=open_mine)
        self.counts.outcomes.append(
            {
                "op_id": op.op_id,
                "device_id": self.device_id,
                "seq": op.seq,
                "kind": op.kind,
                "record_id": op.record_id,
                "rev": op.rev,
                "base_rev": op.base_rev,
                "outcome": outcome,
                "received_at": utcnow(),
            }
        )

    def _mirror(self, op: WireOp, doc: _Doc) -> str:
        """A record mirrored from the roll: never a conflict. The newest roll wins each field
        (estate_ids.merge_mirrored); a patient's placement follows the transfer rules."""
        fields = estate_ids.MIRRORED[op.kind]
        merged = estate_ids.merge_mirrored(doc.payload, op.payload, fields)
        if op.kind == PATIENT_KIND:
            settled = transfers.settle_patient(
                self.conn, self.device, self.scope.codes, doc.payload, merged, op.payload,
                op.record_id,
            )  # fmt: skip
            # The later ops of the batch are checked against the claims as this op left them.
            self.authority.claims_changed(settled.claims)
            merged = settled.payload
        if merged == doc.payload:
            return "same"
        # The sender already holds what it sent; if the hub kept fields of a newer roll (or a
        # placement the claim could not change), it must pull the result like everyone else.
        echoed = all(merged.get(f) == op.payload.get(f) for f in (*fields, *estate_ids.PLACEMENT))
        rev = max(doc.rev + 1, op.rev)
        self._write(op.model_copy(update={"rev": rev}), doc, payload=merged)
        if not echoed:
            doc.last_device = None
        return "applied"

    def _write(self, op: WireOp, doc: _Doc | None, payload: dict[str, Any] | None = None) -> str:
        now = utcnow()
        est_code, est_ref = self._establishment_of(op)
        if doc is None:
            doc = _Doc(
                kind=op.kind, id=op.record_id, rev=op.rev, patient_id=op.patient_id,
                est_code=est_code, est_ref=est_ref, payload=dict(op.payload), hlc=op.hlc,
                origin_device=self.device_id, last_device=self.device_id, updated_at=now,
                conflict=False, change_seq=0, new=True,
            )  # fmt: skip
            self.docs[(op.kind, op.record_id)] = doc
        else:
            before = doc.payload
            # Keys this sender does not know (a newer app version's fields) are kept.
            doc.payload = payload if payload is not None else {**doc.payload, **op.payload}
            if op.kind == name_cards.STAFF_KIND and name_cards.card_fields_changed(
                before, doc.payload
            ):
                # Renamed, or a new role: the cards other prisons hold of them follow (H-37).
                self.scope.staff_changed(op.record_id)
            doc.rev, doc.hlc, doc.updated_at = op.rev, op.hlc, now
            doc.patient_id, doc.est_code, doc.est_ref = op.patient_id, est_code, est_ref
            doc.last_device = self.device_id
        doc.change_seq = self.seqs.next()
        doc.dirty = True
        self.scope.observe(op.kind, op.record_id, doc.payload)
        if doc.patient_id is not None and op.kind not in (PATIENT_KIND, AUDIT_KIND):
            self.scope.observe_record(doc.patient_id, self.device["establishment"], doc.payload)
        self.counts.applied += 1
        return "applied"

    def _establishment_of(self, op: WireOp) -> tuple[str | None, str | None]:
        """Where an establishment-level record belongs: by code, by reference, or the sender's."""
        if op.patient_id is not None:
            return None, None
        if op.kind == "establishment":
            code = op.payload.get("code")
            return (code if isinstance(code, str) and _CODE.match(code) else None), None
        ref = op.payload.get("establishment_id")
        if isinstance(ref, str) and 0 < len(ref) <= 36:
            return None, ref
        return self.device["establishment"], None

    def _conflict(self, op: WireOp, doc: _Doc, *, supersede: list[int]) -> str:
        if supersede:
            self._close(supersede, "superseded", op.op_id)
        table = schema.conflicts
        new_id = self.conn.execute(
            table.insert()
            .values(
                kind=op.kind,
                record_id=op.record_id,
                patient_id=op.patient_id,
                device_id=self.device_id,
                op_id=op.op_id,
                op_seq=op.seq,
                base_rev=op.base_rev,
                rev=op.rev,
                payload=op.payload,
                hub_rev=doc.rev,
                hub_payload=doc.payload,
                created_at=utcnow(),
                status="open",
            )
            .returning(table.c.id)
        ).scalar_one()
        self.mine_open[(op.kind, op.record_id)] = [new_id]
        if not doc.conflict:
            doc.conflict = doc.dirty = True
        self.counts.conflicts += 1
        return "conflict"

    def _close(self, ids: list[int], status: str, by: str) -> None:
        table = schema.conflicts
        self.conn.execute(
            update(table)
            .where(table.c.id.in_(ids))
            .values(status=status, closed_at=utcnow(), closed_by=by)
        )

    def flush(self) -> None:
        for key in self.recheck_flag:
            doc = self.docs[key]
            table = schema.conflicts
            still = self.conn.execute(
                select(func.count()).where(
                    table.c.kind == key[0], table.c.record_id == key[1], table.c.status == "open"
                )
            ).scalar_one()
            doc.conflict, doc.dirty = bool(still), True
        docs = schema.documents
        new = [_row(d) for d in self.docs.values() if d.new]
        changed = [_row(d) for d in self.docs.values() if d.dirty and not d.new]
        if new:
            insert_many(self.conn, docs, new)
        if changed:
            self.conn.execute(
                update(docs)
                .where(and_(docs.c.kind == bindparam("b_kind"), docs.c.id == bindparam("b_id")))
                .values({c: bindparam(c) for c in _DOC_COLUMNS if c not in ("kind", "id")}),
                [{**r, "b_kind": r["kind"], "b_id": r["id"]} for r in changed],
            )
        if self.counts.outcomes:
            insert_many(self.conn, schema.ops, self.counts.outcomes)
        self.scope.flush()
        self.audit.save()


_DOC_COLUMNS = tuple(c.name for c in schema.documents.columns)


def _row(doc: _Doc) -> dict[str, Any]:
    return {c: getattr(doc, c) for c in _DOC_COLUMNS}
