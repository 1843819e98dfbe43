"""Drafts: autosaved in the vault, private to their author, surviving a lock (domain.md §3)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hjdesk.services import drafts
from hjdesk.storage.errors import InvalidInput, PermissionDenied, VaultLocked
from hjdesk.storage.models import AuditEvent, OutboxOp
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD
from tests.services.clinic_world import NOON, World

FORM = {"narrative": "Seen on the wing", "vitals": {"pulse": 72}, "when": date(2025, 3, 12)}


def audit_actions(world: World) -> list[tuple[str, dict[str, object]]]:
    with world.vault.session() as session:
        return [
            (a, json.loads(d))
            for a, d in session.execute(
                select(AuditEvent.action, AuditEvent.detail)
                .where(AuditEvent.action.like("draft_%"))
                .order_by(AuditEvent.seq)
            )
        ]


def test_a_draft_round_trips(world: World) -> None:
    draft_id = drafts.save_draft(
        world.vault,
        "CLINIC_VISIT",
        FORM,
        patient_id=world.ids["diabetic"],
        context_id="appt-1",
        now=NOON,
    )
    loaded = drafts.load_draft(world.vault, draft_id)
    assert loaded.form == "CLINIC_VISIT"
    assert loaded.patient_id == world.ids["diabetic"]
    assert loaded.context_id == "appt-1"
    assert loaded.updated_at == NOON
    # JSON keeps the structure; dates come back as ISO text.
    assert dict(loaded.payload) == {**FORM, "when": "2025-03-12"}


def test_a_draft_survives_a_lock(world: World) -> None:
    draft_id = drafts.save_draft(world.vault, "MH_SESSION", FORM, patient_id=None)
    world.vault.lock()
    with pytest.raises(VaultLocked):
        drafts.load_draft(world.vault, draft_id)
    world.vault = Vault(world.home).unlock("nurse", PASSWORD)
    assert drafts.load_draft(world.vault, draft_id).payload["narrative"] == "Seen on the wing"
    assert [d.id for d in drafts.list_drafts(world.vault)] == [draft_id]


def test_saving_again_overwrites_and_only_creation_is_audited(world: World) -> None:
    draft_id = drafts.save_draft(world.vault, "CLINIC_VISIT", FORM, patient_id=None, now=NOON)
    later = NOON + timedelta(minutes=1)
    same = drafts.save_draft(
        world.vault,
        "CLINIC_VISIT",
        {"narrative": "More"},
        patient_id=None,
        draft_id=draft_id,
        now=later,
    )
    assert same == draft_id
    loaded = drafts.load_draft(world.vault, draft_id)
    assert (dict(loaded.payload), loaded.updated_at) == ({"narrative": "More"}, later)
    drafts.discard_draft(world.vault, draft_id)
    assert [a for a, _ in audit_actions(world)] == ["draft_saved", "draft_discarded"]
    with pytest.raises(InvalidInput, match="not in this vault"):
        drafts.load_draft(world.vault, draft_id)


def test_drafts_are_local_and_never_queued_for_sync(world: World) -> None:
    draft_id = drafts.save_draft(world.vault, "CLINIC_VISIT", FORM, patient_id=None)
    drafts.save_draft(world.vault, "CLINIC_VISIT", FORM, patient_id=None, draft_id=draft_id)
    with world.vault.session() as session:
        kinds = set(session.scalars(select(OutboxOp.kind)))
        queued = session.scalars(select(OutboxOp).where(OutboxOp.record_id == draft_id)).all()
    assert queued == []
    assert "draft" not in kinds


def test_drafts_belong_to_their_author(world: World) -> None:
    mine = drafts.save_draft(world.vault, "CLINIC_VISIT", FORM, patient_id=world.ids["asthma"])
    other = world.as_user("mhnurse")
    theirs = drafts.save_draft(other, "MH_SESSION", FORM, patient_id=world.ids["asthma"])
    assert [d.id for d in drafts.list_drafts(world.vault)] == [mine]
    assert [d.id for d in drafts.list_drafts(other)] == [theirs]
    with pytest.raises(InvalidInput):
        drafts.load_draft(other, mine)
    with pytest.raises(InvalidInput):
        drafts.save_draft(other, "X", {}, patient_id=None, draft_id=mine)
    with pytest.raises(InvalidInput):
        drafts.discard_draft(other, mine)
    assert drafts.load_draft(world.vault, mine).payload["narrative"] == "Seen on the wing"


def test_list_drafts_filters_and_orders_newest_first(world: World) -> None:
    old = drafts.save_draft(world.vault, "A", {}, patient_id=world.ids["asthma"], now=NOON)
    new = drafts.save_draft(
        world.vault, "B", {}, patient_id=world.ids["diabetic"], now=NOON + timedelta(hours=1)
    )
    assert [d.id for d in drafts.list_drafts(world.vault)] == [new, old]
    assert [d.id for d in drafts.list_drafts(world.vault, patient_id=world.ids["asthma"])] == [old]
    assert [d.id for d in drafts.list_drafts(world.vault, form="B")] == [new]


@pytest.mark.parametrize(
    ("form", "payload", "patient", "words"),
    [
        (" ", {}, None, "form name"),
        ("X" * 41, {}, None, "form name"),
        ("CLINIC_VISIT", {"x": object()}, None, "cannot be saved"),
        ("CLINIC_VISIT", ["not", "a", "mapping"], None, "by name"),
        ("CLINIC_VISIT", {}, "missing-patient", "patient is not in this vault"),
    ],
)
def test_draft_mistakes(
    world: World, form: str, payload: object, patient: str | None, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words):
        drafts.save_draft(world.vault, form, payload, patient_id=patient)  # type: ignore[arg-type]


def test_admin_keeps_no_clinical_drafts(world: World) -> None:
    with pytest.raises(PermissionDenied):
        drafts.save_draft(world.as_user("admin"), "CLINIC_VISIT", FORM, patient_id=None)
