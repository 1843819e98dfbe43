"""A new signed entry is appended (`storage.append`), not flushed. What the vault stores and what
the outbox queues must be exactly what a flush of the same rows stores and queues: same columns
(defaults and stamps included), same op, the op carrying the row as stored. Each entry's rows
are made by the service's own builder (`entry_rows`) twice, one copy flushed and one appended in
the same transaction, and compared column by column and op by op, for every kind of row an
entry writes: encounter, observation, questionnaire results, measurements, tasks, audit events.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hjdesk.services import drafts
from hjdesk.services.encounters import rules, signing
from hjdesk.services.encounters.forms import MeasurementInput, QuestionnairesInput
from hjdesk.services.encounters.store import Stored, entry_rows
from hjdesk.storage import audit
from hjdesk.storage.append import append_rows
from hjdesk.storage.models import AuditEvent, Encounter, OutboxOp, Synced, Task
from hjdesk.storage.outbox import OutboxBypassRefused
from hjdesk.storage.serialise import row_payload
from hjdesk.storage.vault import OpenVault
from hjdesk.sync.cycle import remote_session
from tests.services.clinic_world import NOON, World
from tests.services.test_encounters import ESCALATED, MEDIUM, visit

# Made afresh for each copy, or by the clock at the moment of writing.
_OWN = {"id", "hlc", "updated_at"}


def _rich_entry(world: World) -> Any:
    """Vitals with an escalation, a PHQ-9 whose item 9 raises a task, a GAD-7, measurements."""
    return visit(
        world,
        vitals=MEDIUM,
        escalation=ESCALATED,
        questionnaires=QuestionnairesInput(phq9=(1, 1, 0, 0, 0, 0, 0, 0, 1), gad7=(0,) * 7),
        measurements=(MeasurementInput("HBA1C", 52, "mmol/mol"), MeasurementInput("BMI", 27.5)),
    )


def _two_copies(vault: OpenVault, session: Session, inp: Any) -> tuple[Stored, Stored]:
    age, _, _ = signing._age_and_signer(vault, session, inp, NOON)
    prepared = rules.prepare(inp, age=age, now=NOON)
    return (
        entry_rows(vault, session, inp, prepared, NOON, []),
        entry_rows(vault, session, inp, prepared, NOON, []),
    )


def _rows(stored: Stored) -> list[Synced]:
    return [stored.encounter, *stored.scores, *stored.tasks]


def _stored_row(session: Session, row: Synced) -> dict[str, Any]:
    table = type(row).__table__.name  # type: ignore[attr-defined]
    found = session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row.id})
    return dict(found.mappings().one())


def _op(session: Session, row: Synced) -> dict[str, Any]:
    found = session.execute(select(OutboxOp).where(OutboxOp.record_id == row.id)).scalars().all()
    assert len(found) == 1, f"{type(row).__name__}: {len(found)} ops"
    op = found[0]
    return {
        "device_id": op.device_id,
        "kind": op.kind,
        "patient_id": op.patient_id,
        "base_rev": op.base_rev,
        "rev": op.rev,
        "payload": json.loads(op.payload),
    }


def _alike(values: dict[str, Any], own_encounter: str, ignore: set[str]) -> dict[str, Any]:
    """The values with what is the copy's own left out, and its encounter's id named alike."""
    return {
        key: "<its encounter>" if value == own_encounter else value
        for key, value in values.items()
        if key not in ignore
    }


def test_an_appended_entry_is_stored_and_queued_as_a_flushed_one(world: World) -> None:
    vault = world.vault
    with vault.transaction() as session:
        flushed, appended = _two_copies(vault, session, _rich_entry(world))
        session.add_all(_rows(flushed))
        session.flush()
        append_rows(session, _rows(appended))
        pairs = list(zip(_rows(flushed), _rows(appended), strict=True))
        kinds = {type(a).__name__ for _, a in pairs}
        assert kinds == {"Encounter", "Observation", "QuestionnaireResult", "Measurement", "Task"}
        for before, after in pairs:
            own = (flushed.encounter.id, appended.encounter.id)
            stored = [_stored_row(session, r) for r in (before, after)]
            assert _alike(stored[0], own[0], _OWN) == _alike(stored[1], own[1], _OWN), before
            ops = [_op(session, r) for r in (before, after)]
            payloads = [op.pop("payload") for op in ops]
            assert ops[0] == ops[1]
            assert _alike(payloads[0], own[0], _OWN) == _alike(payloads[1], own[1], _OWN)
            # The appended row in hand holds what was stored: defaults and stamps set on it.
            assert payloads[1] == row_payload(after)
    # And what a read of the committed row gives, the op's payload included.
    with vault.session() as session:
        for _, after in pairs:
            again = session.get(type(after), after.id)
            assert again is not None
            assert row_payload(again) == _op(session, after)["payload"]


def test_an_appended_audit_event_is_stored_and_queued_as_a_flushed_one(world: World) -> None:
    vault = world.vault
    detail = {"encounter_id": "e-1", "kind": "CLINIC_VISIT"}
    with vault.transaction() as session:
        flushed = audit.append(
            session, vault.actor, "encounter_signed", device_id=vault.device_id, detail=detail
        )
        session.flush()
        appended = audit.next_event(
            session, vault.actor, "encounter_signed", device_id=vault.device_id, detail=detail
        )
        append_rows(session, [appended])
        assert appended.seq == flushed.seq + 1
        assert appended.prev_hash == flushed.hash
        chained = {"seq", "at", "prev_hash", "hash"} | _OWN
        rows = [_stored_row(session, e) for e in (flushed, appended)]
        assert _alike(rows[0], "", chained) == _alike(rows[1], "", chained)
        ops = [_op(session, e) for e in (flushed, appended)]
        payloads = [op.pop("payload") for op in ops]
        assert ops[0] == ops[1]
        assert payloads[1] == row_payload(appended)
    assert audit.verify(vault.session()).ok


def test_signing_appends_the_entry_its_tasks_and_their_audit_events_in_order(
    world: World,
) -> None:
    """A PHQ-9 item 9 above 0 raises a task: task_raised, then encounter_signed, then the
    draft discarded; the chain verifies and every row has exactly one op."""
    vault = world.vault
    inp = _rich_entry(world)
    draft_id = drafts.save_draft(vault, "encounter", {}, patient_id=inp.patient_id)
    with vault.session() as session:
        last_seq = session.scalar(select(func.max(AuditEvent.seq)))
        ops_before = session.scalar(select(func.count()).select_from(OutboxOp))
    view = signing.sign_encounter(vault, replace(inp, draft_id=draft_id), now=NOON)
    assert [t.kind for t in view.tasks]
    with vault.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq)
        ).all()
        assert [e.action for e in events] == [
            *(["task_raised"] * len(view.tasks)),
            "encounter_signed",
            "draft_discarded",
        ]
        tasks = session.scalars(select(Task).where(Task.source_id == view.id)).all()
        ops_after = session.scalar(select(func.count()).select_from(OutboxOp))
        written = 1 + 1 + len(view.questionnaires) + len(view.measurements) + len(tasks)
        assert ops_after - ops_before == written + len(events)
        assert audit.verify(session).ok


def test_an_append_that_fails_part_way_leaves_no_row_and_no_op(world: World) -> None:
    """A row the vault refuses (an observation of an encounter that does not exist) rolls the
    whole transaction back: the encounter appended before it and its op are gone too."""
    vault = world.vault
    with vault.session() as session:
        ops_before = session.scalar(select(func.count()).select_from(OutboxOp))
    attempted: list[str] = []
    with pytest.raises(IntegrityError):
        _append_an_observation_of_no_encounter(vault, world, attempted)
    assert attempted
    with vault.session() as session:
        assert session.get(Encounter, attempted[0]) is None
        assert session.scalar(select(func.count()).select_from(OutboxOp)) == ops_before


def _append_an_observation_of_no_encounter(
    vault: OpenVault, world: World, attempted: list[str]
) -> None:
    with vault.transaction() as session:
        stored, _ = _two_copies(vault, session, _rich_entry(world))
        attempted.append(stored.encounter.id)
        observation = stored.scores[0]
        observation.encounter_id = "no-such-encounter"  # type: ignore[union-attr]
        append_rows(session, [stored.encounter, observation])


def test_the_appender_writes_new_rows_only_and_never_for_a_pull(world: World) -> None:
    vault = world.vault
    view = signing.sign_encounter(vault, _rich_entry(world), now=NOON)
    with vault.transaction() as session:
        loaded = session.get(Encounter, view.id)
        assert loaded is not None
        with pytest.raises(ValueError, match="new rows only"):
            append_rows(session, [loaded])
    with remote_session(vault) as session:
        stored, _ = _two_copies(vault, session, _rich_entry(world))
        with pytest.raises(OutboxBypassRefused):
            append_rows(session, [stored.encounter])


def test_the_entry_links_to_the_last_event_of_the_chain_read_with_the_date_of_birth(
    world: World,
) -> None:
    """The chain's last link is read in the entry's first statement (`audit.TAIL_SEQ`), inside
    its write transaction: an event another action committed just before is the one the entry's
    first event follows, and an empty chain starts from the genesis link."""
    vault = world.vault
    inp = visit(world)
    vault.audit("record_viewed", patient_id=inp.patient_id, detail={"why": "test"})
    with vault.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    signing.sign_encounter(vault, inp, now=NOON)
    with vault.session() as session:
        nxt = session.scalars(select(AuditEvent).where(AuditEvent.seq == last.seq + 1)).one()
        assert (nxt.action, nxt.prev_hash) == ("encounter_signed", last.hash)
        assert audit.verify(session).ok
    assert audit.tail_of(None, None) == (0, audit.GENESIS)
