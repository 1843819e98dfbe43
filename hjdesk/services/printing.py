"""Printing: what a printed page says about itself, and the audit event every saved PDF leaves.

architecture.md §4: every print is an audit event. `save_printed` writes the PDF's bytes to the
path the user chose and appends the event in one call: the event commits only if the file was
written, and a file whose event could not be committed is removed, so there is never a printout
the audit chain does not know about. The event names the kind of document, the patient and the
record ids; never the path, which the user may have named after the patient.

A printed copy must say when it holds entries the healthcare office has not received yet
(`has_unsynced`, or `waits_for_hub` for a document's own narrower rule): outbox ops not
acknowledged by the hub, audit events excluded (they are not clinical entries).
"""

from __future__ import annotations

import errno
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hjdesk.services.actions import user_action
from hjdesk.storage.errors import DiskFull, KnownError
from hjdesk.storage.models import OutboxOp, Staff
from hjdesk.storage.vault import OpenVault

AUDIT_KIND = "audit_event"
PRINT_ACTION = "print"
_CHUNK = 900  # stay under SQLite's bound-parameter limit


class SaveFailed(KnownError):
    """The PDF could not be written where the user chose (permissions, a missing folder…)."""


def printed_by(vault: OpenVault) -> str:
    """`Alex Morgan (RN)`: the name and role a printout carries in its footer."""
    name = vault.actor.username
    if vault.actor.staff_id:
        with vault.session() as session:
            staff = session.get(Staff, vault.actor.staff_id)
            if staff is not None:
                name = staff.display_name
    return f"{name} ({vault.actor.role})"


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def has_unsynced(
    vault: OpenVault,
    *,
    patient_ids: Collection[str] = (),
    record_ids: Collection[str] = (),
    kinds: Collection[str] = (),
) -> bool:
    """Whether any record of these patients, these records, or these kinds of record still waits
    for the hub's receipt."""
    with vault.session() as session:
        for chunk in _chunks(patient_ids):
            if waits_for_hub(session, OutboxOp.patient_id.in_(chunk)):
                return True
        for chunk in _chunks(record_ids):
            if waits_for_hub(session, OutboxOp.record_id.in_(chunk)):
                return True
        return bool(kinds) and waits_for_hub(session, OutboxOp.kind.in_(list(kinds)))


_PENDING = select(OutboxOp.seq).where(OutboxOp.acked_at.is_(None), OutboxOp.kind != AUDIT_KIND)


def waits_for_hub(session: Session, *where: ColumnElement[bool]) -> bool:
    """Whether an outbox op matching all of `where` still waits for the hub's receipt (audit
    events never count): the one query behind every printed "contains unsynced entries" mark."""
    return session.scalar(_PENDING.where(*where).limit(1)) is not None


def _write(path: Path, data: bytes, what: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        path.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise DiskFull(f"The disk is full: the {what} was not saved.") from exc
        reason = exc.strerror or "the file could not be written"
        raise SaveFailed(f"Could not save the {what} there: {reason}.") from exc


def save_printed(
    vault: OpenVault,
    kind: str,
    data: bytes,
    path: Path,
    *,
    patient_id: str | None = None,
    detail: Mapping[str, object] | None = None,
    action: str = PRINT_ACTION,
    what: str = "PDF",
) -> None:
    """Write `data` to `path` and audit "printed `kind` for patient `patient_id`", together.
    An export to another system (`action="export"`, e.g. the FHIR summary) is saved the same
    way; `what` names the file in messages."""
    target = Path(path)
    written = False
    try:
        with user_action(vault, "view_caseload") as act:
            if target.is_dir():
                raise SaveFailed(f"Choose a file name for the {what}, not a folder.")
            act.audit(
                kind=action,
                patient_id=patient_id,
                detail={"kind": kind, "bytes": len(data), **dict(detail or {})},
            )
            _write(target, data, what)
            written = True
    except BaseException:
        # The event did not commit: take the file back so no printout escapes the audit chain.
        if written:
            target.unlink(missing_ok=True)
        raise
