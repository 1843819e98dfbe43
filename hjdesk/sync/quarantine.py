"""Records sync sets aside: ops the hub refused, and pulled records this laptop cannot apply.

Sync never stops for one bad record (architecture.md §5a). A refused op leaves the outbox queue
(it is marked answered: the hub has decided on it) and its full payload is kept here, so nothing is
silently lost; a pulled record that cannot be applied is kept here and the cursor moves on. Each
one is audited ("sync_quarantined", ids and rule only) and listed on the Sync page with what to
do about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.storage.models import OutboxOp, SyncQuarantine, utcnow
from hjdesk.storage.vault import OpenVault
from hjdesk.sync.protocol import MAX_BATCH, Change, Refused

PUSH, PULL = "push", "pull"
AUDIT_ACTION = "sync_quarantined"

_ADVICE = {
    "payload-invalid": "The record was not complete or not valid, so the office would not take "
    "it. Tell the system administrator; it is kept on this laptop.",
    "scope-before": "The record belongs to another establishment. If the patient has moved "
    "here, import the current roll; otherwise tell the system administrator.",
    "scope-after": "The change would move the record to another establishment. A move happens "
    "only through a roll import; tell the system administrator.",
    "transfer-only-by-roll-claim": "A patient moves between prisons only through a roll import. "
    "Import the current roll; tell the system administrator if this keeps appearing.",
    "signed-write-once": "A signed entry cannot be changed. Record an amendment to correct it.",
    "too-large": "The change is too large to send to the office in one piece. It is kept on "
    "this laptop: tell the system administrator.",
    "staff-authority-not-synced": "A person's role is changed only on their own laptop by an "
    "administrator. Tell the system administrator.",
}
_ADVICE_PUSH = (
    "The office refused this change. It is kept on this laptop: tell the system administrator."
)
_ADVICE_PULL = (
    "A record from the office could not be stored on this laptop; everything else was. Tell the "
    "system administrator."
)


@dataclass(frozen=True, slots=True)
class QuarantineView:
    """One set-aside record as the Sync page and `hjdesk sync --quarantine` show it."""

    id: int
    direction: str
    kind: str
    record_id: str
    rule: str
    reason: str
    advice: str
    detected_at: datetime


_ADVICE_PULL_SIGNED = (
    "Another laptop or the office sent a change to a signed entry; this laptop kept the signed "
    "original. Tell the system administrator."
)


def advice(direction: str, rule: str) -> str:
    """What a person should do about a set-aside record, in plain words."""
    if direction == PULL:
        return _ADVICE_PULL_SIGNED if rule == "signed-write-once" else _ADVICE_PULL
    return _ADVICE.get(rule, _ADVICE_PUSH)


def set_aside_refused(vault: OpenVault, refused: list[Refused]) -> int:
    """Move the ops the hub refused out of the queue into quarantine; how many were moved."""
    by_seq = {r.seq: r for r in refused}
    moved = 0
    with vault.transaction() as session:
        ops = session.scalars(
            select(OutboxOp).where(OutboxOp.seq.in_(list(by_seq)), OutboxOp.acked_at.is_(None))
        ).all()
        now = utcnow()
        kept = _kept_seqs(session, [op.seq for op in ops])
        for op in ops:
            why = by_seq[op.seq]
            op.acked_at = now
            moved += 1
            if op.seq in kept:  # sent again after a hub restore: it is here already
                continue
            session.add(
                SyncQuarantine(
                    direction=PUSH, kind=op.kind, record_id=op.record_id,
                    patient_id=op.patient_id, op_seq=op.seq, rule=why.rule[:40],
                    reason=why.reason[:300], payload=op.payload, detected_at=now,
                )
            )  # fmt: skip
        session.flush()
        _audit(vault, session)
    return moved


TOO_LARGE = "too-large"


def set_aside_oversized(vault: OpenVault, budget: int) -> int:
    """Ops too large for one push (the hub's body limit) leave the queue for quarantine rather
    than being refused again at every sync; the hub hears of their seqs (`withdrawn_json`)."""
    # Characters never exceed bytes, so a payload under a quarter of the budget always fits.
    limit = budget // 4
    with vault.transaction() as session:
        big = session.scalars(
            select(OutboxOp).where(
                OutboxOp.acked_at.is_(None), func.length(OutboxOp.payload) > limit
            )
        ).all()
        moved = 0
        now = utcnow()
        kept = _kept_seqs(session, [op.seq for op in big])
        for op in big:
            if len(op.payload.encode()) + 1024 <= budget:
                continue
            op.acked_at = now
            moved += 1
            if op.seq in kept:
                continue
            session.add(
                SyncQuarantine(
                    direction=PUSH, kind=op.kind, record_id=op.record_id,
                    patient_id=op.patient_id, op_seq=op.seq, rule=TOO_LARGE,
                    reason=f"{len(op.payload.encode()) // 1024} KiB: larger than the hub takes "
                    "in one request",
                    payload=op.payload, detected_at=now,
                )
            )  # fmt: skip
        if moved:
            session.flush()
            _audit(vault, session)
    return moved


def _kept_seqs(session: Session, seqs: list[int]) -> set[int]:
    """Which of these ops are in quarantine already (a hub restored from a backup asked for
    them again)."""
    if not seqs:
        return set()
    found = session.scalars(select(SyncQuarantine.op_seq).where(SyncQuarantine.op_seq.in_(seqs)))
    return {seq for seq in found if seq is not None}


def withdrawn_json(session: Session, after: int, last: int) -> bytes:
    """The ops set aside as too large between two seqs, as the push request's `withdrawn`."""
    rows = session.execute(
        select(SyncQuarantine.op_seq, SyncQuarantine.kind, SyncQuarantine.record_id)
        .where(
            SyncQuarantine.rule == TOO_LARGE,
            SyncQuarantine.op_seq > after,
            SyncQuarantine.op_seq < last,
        )
        .order_by(SyncQuarantine.op_seq)
        .limit(MAX_BATCH)
    ).all()
    return json.dumps(
        [{"seq": seq, "kind": kind, "record_id": record_id} for seq, kind, record_id in rows]
    ).encode()


def set_aside_pulled(session: Session, change: Change, rule: str, reason: str) -> None:
    """Keep a pulled record this laptop will not apply (inside the pull's transaction)."""
    session.add(
        SyncQuarantine(
            direction=PULL, kind=change.kind[:40], record_id=change.record_id,
            patient_id=change.patient_id, op_seq=None, rule=rule[:40], reason=reason[:300],
            payload=json.dumps(change.payload, ensure_ascii=False), detected_at=utcnow(),
        )
    )  # fmt: skip


def audit_pending(vault: OpenVault) -> None:
    """Put every quarantine not yet audited into the audit chain (pulls write them first)."""
    with vault.transaction() as session:
        _audit(vault, session)


def _audit(vault: OpenVault, session: Session) -> None:
    for item in session.scalars(
        select(SyncQuarantine).where(SyncQuarantine.audited_at.is_(None))
    ).all():
        vault.audit(
            AUDIT_ACTION,
            patient_id=item.patient_id,
            detail={"direction": item.direction, "kind": item.kind,
                    "record_id": item.record_id, "rule": item.rule},
            session=session,
        )  # fmt: skip
        item.audited_at = utcnow()


def list_quarantine(vault: OpenVault) -> list[QuarantineView]:
    with vault.session() as session:
        rows = session.scalars(select(SyncQuarantine).order_by(SyncQuarantine.id.desc())).all()
        return [
            QuarantineView(
                id=r.id, direction=r.direction, kind=r.kind, record_id=r.record_id, rule=r.rule,
                reason=r.reason, advice=advice(r.direction, r.rule), detected_at=r.detected_at,
            )
            for r in rows
        ]  # fmt: skip


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SyncQuarantine)) or 0
