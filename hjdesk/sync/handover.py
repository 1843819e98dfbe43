"""The handover check: is everything this laptop holds at the office? (`hjdesk sync --check`, the
Sync page; before a laptop is handed to someone else or wiped.)

The answer comes from the hub's own receipt (`GET /v1/receipt`), not from this laptop's idea of
what it sent: every op up to the newest one here must be stored at the hub (or refused there and
set aside here, which the check lists: it is not at the office), and the hub must have verified
this laptop's audit chain up to its head.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hjdesk.storage.models import AuditEvent, OutboxOp, SyncQuarantine
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import local_state
from hjdesk.sync.errors import NotEnrolled
from hjdesk.sync.quarantine import PUSH
from hjdesk.sync.transport import HubClient


@dataclass(frozen=True, slots=True)
class HandoverReport:
    """`complete` only when the hub holds every op and audit event this laptop has made."""

    complete: bool
    ops: int  # this laptop's ops, up to the newest
    audit_head: int  # the newest audit event's seq
    not_at_office: tuple[str, ...]  # one plain line per thing missing

    def lines(self) -> list[str]:
        if self.complete:
            return [
                f"Everything on this laptop is at the office: {self.ops} changes and the audit "
                f"trail up to event {self.audit_head}, by the hub's own receipt."
            ]
        return [
            "NOT everything on this laptop is at the office. Do not hand it over or wipe it yet:",
            *(f"  - {line}" for line in self.not_at_office),
        ]


def check_handover(vault: OpenVault) -> HandoverReport:
    with vault.session() as session:
        found = local_state.config(session)
        if found is None:
            raise NotEnrolled("This laptop is not enrolled with a hub: there is no office to ask.")
        top = session.scalar(select(func.max(OutboxOp.seq))) or 0
        unsent = session.scalar(
            select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_(None))
        ) or 0  # fmt: skip
        head = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        set_aside = session.execute(
            select(SyncQuarantine.kind, SyncQuarantine.record_id, SyncQuarantine.rule)
            # A dismissed one was let go by a person, with the reason in the audit trail.
            .where(SyncQuarantine.direction == PUSH, SyncQuarantine.dismissed_at.is_(None))
            .order_by(SyncQuarantine.op_seq)
        ).all()
    with HubClient(found.hub_url, token=found.token, ca_bundle=found.ca_bundle) as hub:
        receipt = hub.receipt(top)
    problems: list[str] = []
    missing = sum(last - first + 1 for first, last in receipt.missing)
    if missing:
        problems.append(
            f"{missing} of {top} changes are not at the office ({unsent} not yet sent): run "
            "'hjdesk sync' and check again."
        )
    for kind, record_id, rule in set_aside:
        problems.append(
            f"set aside, refused by the office ({rule}): {kind} {record_id} — see the Sync page"
        )
    head_seq, head_hash = (int(head[0]), head[1]) if head else (0, None)
    if head_seq and (
        receipt.audit_seq < head_seq
        or (receipt.audit_seq == head_seq and receipt.audit_hash != head_hash)
    ):
        problems.append(
            f"the audit trail is at the office up to event {receipt.audit_seq} of {head_seq}"
        )
    if receipt.audit_breaks:
        problems.append(
            f"the hub found {receipt.audit_breaks} break(s) in this laptop's audit trail "
            "(events missing or altered): see 'hjdesk hub audit-report' at the office"
        )
    return HandoverReport(not problems, top, head_seq, tuple(problems))
