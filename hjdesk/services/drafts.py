"""Drafts: unsigned forms autosaved in the vault so they survive a lock, a crash or a form change.

A draft belongs to the person who typed it and to this laptop: the table is not synced, and it
lives in the encrypted vault like everything else (domain.md §3). The payload is whatever the form
holds, stored as JSON; dates come back as ISO strings.

Decisions (ours): creating a draft and discarding one are audited ("draft_saved",
"draft_discarded"); the autosaves in between are not, or the audit chain would fill with
keystrokes. Signing a form discards its draft in the same transaction (see encounters).
Only clinical staff keep drafts: every form that has one ends in a clinical entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.actions import user_action
from hjdesk.services.common import dumps, loads, patient_or_error
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models import Draft
from hjdesk.storage.vault import OpenVault

FORM_MAX = 40


@dataclass(frozen=True, slots=True)
class DraftSummary:
    id: str
    form: str
    patient_id: str | None
    context_id: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DraftView:
    id: str
    form: str
    patient_id: str | None
    context_id: str | None
    updated_at: datetime
    payload: Mapping[str, Any] = field(hash=False)


def _payload_json(payload: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise InvalidInput("A draft holds the form's fields by name.")
    try:
        return dict(loads(dumps(dict(payload))))  # as it reads back: dates as ISO text
    except (TypeError, ValueError):
        raise InvalidInput("The form holds a value that cannot be saved as a draft.") from None


def _own(session: Session, vault: OpenVault, draft_id: str) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None or draft.author_id != vault.actor.staff_id:
        raise InvalidInput(
            "That draft is not in this vault (it may have been signed or discarded)."
        )
    return draft


def save_draft(
    vault: OpenVault,
    form: str,
    payload: Mapping[str, Any],
    *,
    patient_id: str | None,
    context_id: str | None = None,
    draft_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Create a draft, or overwrite the user's own draft `draft_id`; returns the draft's id."""
    with user_action(vault, "draft_saved", now=now) as act:
        name = form.strip()
        if not name or len(name) > FORM_MAX:
            raise InvalidInput(f"A draft needs a form name of 1-{FORM_MAX} characters.")
        held = _payload_json(payload)
        if patient_id is not None:
            patient_or_error(act.session, patient_id)
        if draft_id is not None:
            # Overwriting one's own draft is not audited again: the draft was, when it began.
            draft = _own(act.session, vault, draft_id)
            draft.form, draft.patient_id, draft.context_id = name, patient_id, context_id
            draft.payload, draft.updated_at = held, act.now
            return draft.id
        draft = Draft(
            id=uuid7(),
            author_id=act.actor.staff_id or "",
            form=name,
            patient_id=patient_id,
            context_id=context_id,
            payload=held,
            updated_at=act.now,
        )
        act.session.add(draft)
        act.audit(patient_id=patient_id, detail={"draft_id": draft.id, "form": name})
        return draft.id


def load_draft(vault: OpenVault, draft_id: str) -> DraftView:
    with vault.session() as session:
        draft = _own(session, vault, draft_id)
        return DraftView(
            id=draft.id,
            form=draft.form,
            patient_id=draft.patient_id,
            context_id=draft.context_id,
            updated_at=draft.updated_at,
            payload=MappingProxyType(draft.payload or {}),
        )


def list_drafts(
    vault: OpenVault, *, patient_id: str | None = None, form: str | None = None
) -> tuple[DraftSummary, ...]:
    """The current user's drafts, most recently saved first."""
    query = (
        select(Draft)
        .where(Draft.author_id == (vault.actor.staff_id or ""))
        .order_by(Draft.updated_at.desc(), Draft.id.desc())
    )
    if patient_id is not None:
        query = query.where(Draft.patient_id == patient_id)
    if form is not None:
        query = query.where(Draft.form == form)
    with vault.session() as session:
        return tuple(
            DraftSummary(d.id, d.form, d.patient_id, d.context_id, d.updated_at)
            for d in session.scalars(query)
        )


def discard_in(session: Session, vault: OpenVault, draft_id: str, *, why: str) -> bool:
    """Delete the user's own draft inside an open transaction; False if it was already gone."""
    draft = session.get(Draft, draft_id)
    if draft is None or draft.author_id != vault.actor.staff_id:
        return False
    session.delete(draft)
    vault.audit(
        "draft_discarded",
        patient_id=draft.patient_id,
        detail={"draft_id": draft_id, "form": draft.form, "why": why},
        session=session,
    )
    return True


def discard_draft(vault: OpenVault, draft_id: str) -> None:
    """Throw a draft away (the user's own only)."""
    with vault.transaction() as session:
        _own(session, vault, draft_id)
        discard_in(session, vault, draft_id, why="discarded")
