"""Records sync sets aside: ops the hub refused, and pulled records this laptop cannot apply.

Sync never stops for one bad record (architecture.md §5a). A refused op leaves the outbox queue
(it is marked answered: the hub has decided on it) and its full payload is kept here, so nothing is
silently lost; a pulled record that cannot be applied is kept here and the cursor moves on. Each
one is audited ("sync_quarantined", ids and rule only) and listed on the Sync page with what to
do about it.

What a person can do about one, once the cause is fixed (`hjdesk sync --quarantine`, Sync page):
- `resend`: queue a refused change again, exactly as it was; the hub checks it afresh at the next
  sync and, if it still breaks a rule, it comes back here;
- `retry`: apply a pulled record again now (e.g. after an update of HJDesk). A sync does this
  by itself, once, for every pulled record set aside by an earlier version than the one running
  (`retry_set_aside_earlier`, each record stamped with the apply rules that set it aside);
- `dismiss`: an administrator decides it will not go to the office, giving a reason. The record
  stays here, readable (`payload_text`), marked dismissed; it no longer counts as waiting.
Each is audited.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import OutboxOp, SyncQuarantine, utcnow
from hjdesk.storage.vault import ADMIN_ROLE, OpenVault
from hjdesk.sync.protocol import MAX_BATCH, Change, Refused

log = logging.getLogger("hjdesk.sync")

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
    patient_id: str | None = None
    dismissed_at: datetime | None = None
    dismissed_by: str | None = None
    dismissal_reason: str | None = None


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
    """Keep a pulled record this laptop will not apply (inside the pull's transaction), stamped
    with the apply rules that refused it: a later version with newer rules retries it."""
    from hjdesk.sync import local_apply  # it imports this module

    session.add(
        SyncQuarantine(
            direction=PULL, kind=change.kind[:40], record_id=change.record_id,
            patient_id=change.patient_id, op_seq=None, rule=rule[:40], reason=reason[:300],
            payload=json.dumps(change.payload, ensure_ascii=False), detected_at=utcnow(),
            rules_version=local_apply.APPLY_RULES_VERSION,
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


def _view(r: SyncQuarantine) -> QuarantineView:
    return QuarantineView(
        id=r.id, direction=r.direction, kind=r.kind, record_id=r.record_id, rule=r.rule,
        reason=r.reason, advice=advice(r.direction, r.rule), detected_at=r.detected_at,
        patient_id=r.patient_id, dismissed_at=r.dismissed_at, dismissed_by=r.dismissed_by,
        dismissal_reason=r.dismissal_reason,
    )  # fmt: skip


def list_quarantine(vault: OpenVault) -> list[QuarantineView]:
    """What is set aside and still waiting for a person, newest first."""
    with vault.session() as session:
        rows = session.scalars(
            select(SyncQuarantine)
            .where(SyncQuarantine.dismissed_at.is_(None))
            .order_by(SyncQuarantine.id.desc())
        ).all()
        return [_view(r) for r in rows]


def list_dismissed(vault: OpenVault) -> list[QuarantineView]:
    """Set-aside records a person dismissed, with who and why, newest first."""
    with vault.session() as session:
        rows = session.scalars(
            select(SyncQuarantine)
            .where(SyncQuarantine.dismissed_at.is_not(None))
            .order_by(SyncQuarantine.id.desc())
        ).all()
        return [_view(r) for r in rows]


def count(session: Session) -> int:
    """Set-aside records still waiting for a person (dismissed ones are not)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(SyncQuarantine)
            .where(SyncQuarantine.dismissed_at.is_(None))
        )
        or 0
    )


# -- what a person does about one ------------------------------------------------------------

MAX_DISMISSAL_REASON = 300


def _item(session: Session, item_id: int) -> SyncQuarantine:
    item = session.get(SyncQuarantine, item_id)
    if item is None:
        raise InvalidInput(f"Nothing set aside has id {item_id}: see 'hjdesk sync --quarantine'.")
    if item.dismissed_at is not None:
        raise InvalidInput(f"Set-aside record {item_id} was dismissed: it stays as it is.")
    return item


def payload_text(vault: OpenVault, item_id: int) -> str:
    """The set-aside record itself (dismissed or not), as indented JSON, for a person to read."""
    with vault.session() as session:
        item = session.get(SyncQuarantine, item_id)
        if item is None:
            raise InvalidInput(
                f"Nothing set aside has id {item_id}: see 'hjdesk sync --quarantine'."
            )
        try:
            return json.dumps(json.loads(item.payload), indent=2, ensure_ascii=False)
        except ValueError:
            return item.payload


def resend(vault: OpenVault, item_id: int) -> None:
    """Queue a refused change again as it was (a new op: the hub checks it afresh at the next
    sync). The set-aside copy goes; if the hub refuses the change again, it comes back."""
    with vault.transaction() as session:
        item = _item(session, item_id)
        if item.direction != PUSH:
            raise InvalidInput(
                f"Set-aside record {item_id} came from the office: retry storing it instead."
            )
        if item.rule == TOO_LARGE:
            raise InvalidInput(
                f"Set-aside change {item_id} is too large for the office to take: it cannot be "
                "sent again, only dismissed."
            )
        original = session.get(OutboxOp, item.op_seq) if item.op_seq is not None else None
        payload = json.loads(item.payload)
        session.add(
            OutboxOp(
                device_id=vault.device_id, kind=item.kind, record_id=item.record_id,
                patient_id=item.patient_id,
                base_rev=original.base_rev if original is not None else None,
                rev=original.rev if original is not None else int(payload.get("rev") or 1),
                payload=item.payload,
                hlc=original.hlc if original is not None else str(payload.get("hlc") or ""),
                created_at=utcnow(),
            )
        )  # fmt: skip
        vault.audit(
            "sync_quarantine_resent",
            patient_id=item.patient_id,
            detail={"kind": item.kind, "record_id": item.record_id, "rule": item.rule},
            session=session,
        )
        session.delete(item)


def retry(vault: OpenVault, item_id: int) -> bool:
    """Apply a pulled record that was set aside, now. True if it is stored (or no longer
    needed: this laptop holds a newer version); False if it was set aside again."""
    return _retry(vault, item_id, automatic=False).applied is not None


class _StillUnknown(Exception):
    """The record's kind is still one this version does not know: it stays as it is."""


@dataclass(frozen=True, slots=True)
class _Retried:
    """What one retry did. `applied`: None if the record was set aside again (or stays), else
    how many records it stored (0 when the laptop holds a newer version, or it waits behind
    unsent work or a conflict, as a pulled record would)."""

    applied: int | None


def _retry(vault: OpenVault, item_id: int, *, automatic: bool) -> _Retried:
    """Apply one set-aside pulled record through the pull's own path (`apply_changes`, with its
    rules: newer versions held here win, unsent work and conflicts hold it back, a record that
    still breaks a rule is set aside again, stamped with this version's apply rules). Audited
    with ids only."""
    from hjdesk.sync.cycle import remote_session
    from hjdesk.sync.local_apply import PageResult, apply_changes

    with vault.session() as session:
        item = _item(session, item_id)
        if item.direction != PULL:
            raise InvalidInput(
                f"Set-aside record {item_id} is this laptop's change: send it again instead."
            )
        kind, record_id, patient_id, raw = item.kind, item.record_id, item.patient_id, item.payload
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise InvalidInput(f"Set-aside record {item_id} cannot be read as a record: dismiss it.")
    rev = payload.get("rev")
    change = Change(
        seq=0, kind=kind, record_id=record_id, patient_id=patient_id, payload=payload,
        rev=rev if isinstance(rev, int) and not isinstance(rev, bool) else 1,
    )  # fmt: skip
    result = PageResult()
    try:
        with remote_session(vault) as session:
            session.execute(delete(SyncQuarantine).where(SyncQuarantine.id == item_id))
            apply_changes(session, [change], result)
            if result.unknown:  # never dropped: rolled back, the row stays
                raise _StillUnknown
    except _StillUnknown:
        result.quarantined = 1
    stored = not result.quarantined
    detail: dict[str, object] = {"kind": kind, "record_id": record_id, "stored": stored}
    if automatic:
        detail["automatic"] = True
    vault.audit("sync_quarantine_retried", patient_id=patient_id, detail=detail)
    audit_pending(vault)
    return _Retried(result.applied if stored else None)


def retry_set_aside_earlier(vault: OpenVault) -> int:
    """Retry every pulled record set aside by an earlier version of HJDesk than this one (its
    apply rules version lower, or not recorded), not dismissed, oldest first, each as `retry`
    does. Those stored leave the list; those set aside again are stamped with this version, so
    the next sync does not retry them. One that fails to be retried at all stays and is
    stamped too; this never raises for a record (logged by type and id only). How many records
    were stored."""
    from hjdesk.sync import local_apply

    current = local_apply.APPLY_RULES_VERSION
    earlier = (SyncQuarantine.rules_version.is_(None)) | (SyncQuarantine.rules_version < current)
    with vault.session() as session:
        ids = list(
            session.scalars(
                select(SyncQuarantine.id)
                .where(
                    SyncQuarantine.direction == PULL,
                    SyncQuarantine.dismissed_at.is_(None),
                    earlier,
                )
                .order_by(SyncQuarantine.id)
            )
        )
    stored = 0
    for item_id in ids:
        try:
            stored += _retry(vault, item_id, automatic=True).applied or 0
        except Exception as error:  # one record never stops a sync
            log.warning(
                "automatic retry of set-aside record %s failed: %s", item_id, type(error).__name__
            )
            with contextlib.suppress(Exception), vault.transaction() as session:
                session.execute(
                    update(SyncQuarantine)
                    .where(SyncQuarantine.id == item_id)
                    .values(rules_version=current)
                )
    return stored


def dismiss(vault: OpenVault, item_id: int, reason: str) -> None:
    """An administrator decides a set-aside record will not go to the office (or be stored here).
    The reason is required and audited; the record stays readable, marked dismissed."""
    why = " ".join(reason.split())
    if not why:
        raise InvalidInput("Say why it is dismissed: a reason is required.")
    if len(why) > MAX_DISMISSAL_REASON:
        raise InvalidInput(f"A reason has at most {MAX_DISMISSAL_REASON} characters.")
    if vault.actor.role != ADMIN_ROLE:
        raise PermissionDenied("Only an administrator can dismiss a record set aside by sync.")
    with vault.transaction() as session:
        item = _item(session, item_id)
        item.dismissed_at = utcnow()
        item.dismissed_by = vault.actor.username[:40]
        item.dismissal_reason = why
        vault.audit(
            "sync_quarantine_dismissed",
            patient_id=item.patient_id,
            detail={"direction": item.direction, "kind": item.kind,
                    "record_id": item.record_id, "rule": item.rule, "reason": why},
            session=session,
        )  # fmt: skip
