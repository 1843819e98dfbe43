"""A device token in hostile hands (architecture.md §5a): every attack of issue 10 is made with a
real device token against a real hub process, and each test shows both that the hub refuses it
(422 naming the op and the rule, or 403/413) and that the other laptops are unaffected: they sync
cleanly afterwards and hold exactly what they held before.

The estate: prison AAA with laptops a1 (where a nurse signed an encounter) and a2, prison BBB with
laptop b. Runs on SQLite and PostgreSQL (the `hub` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hjdesk.clinical import estate_ids
from hjdesk.services import encounters
from hjdesk.services.encounters.forms import EncounterInput
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.models import (
    AuditEvent,
    Encounter,
    Establishment,
    Patient,
    Setting,
    Staff,
    StaffNameCard,
    SyncQuarantine,
)
from hjdesk.storage.vault import Vault
from hjdesk.sync import local_state, payloads
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.devices import revoke
from hjdesk.sync.protocol import MAX_BODY_BYTES
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.helpers import HubProcess, Laptop

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class Estate:
    hub: HubProcess
    a1: Laptop
    a2: Laptop
    b: Laptop
    est_a: str
    est_b: str
    patients_a: list[str]
    patient_b: str
    encounter: str  # signed by a1's nurse
    nurse: str  # a1's nurse's staff id

    def others(self, *attackers: Laptop) -> list[Laptop]:
        return [lt for lt in (self.a1, self.a2, self.b) if lt not in attackers]


def _add_nurse(laptop: Laptop) -> str:
    with laptop.vault() as v:
        v.add_user("nurse", PASSWORD, display_name="Nurse Test", role="RN", kdf=FAST_KDF)
    with laptop.peek() as s:
        found = s.scalar(select(Staff.id).where(Staff.username == "nurse"))
        assert found is not None
        return found


def _sign_encounter(laptop: Laptop, patient_id: str) -> str:
    opened = Vault(laptop.home).unlock("nurse", PASSWORD)
    try:
        view = encounters.sign_encounter(
            opened,
            EncounterInput(
                patient_id=patient_id,
                kind="GENERAL",
                started_at=NOON,
                narrative="Seen on the wing; no concerns.",
            ),
            now=NOON,
        )
    finally:
        opened.lock()
    return view.id


@pytest.fixture
def estate(hub: HubProcess, make_laptop: Callable[[str], Laptop]) -> Estate:
    a1, a2, b = make_laptop("a1"), make_laptop("a2"), make_laptop("b")
    est_a = a1.add_establishment("AAA")
    patients_a = a1.add_patients(est_a, 2, prefix="A")
    nurse = _add_nurse(a1)
    encounter = _sign_encounter(a1, patients_a[0])
    est_b = b.add_establishment("BBB")
    (patient_b,) = b.add_patients(est_b, 1, prefix="B")
    a1.enrol(hub, "AAA")
    a2.enrol(hub, "AAA")
    b.enrol(hub, "BBB")
    for _ in range(2):
        for laptop in (a1, a2, b):
            laptop.sync()
    # Enrolment gave the nurse, made before it, the prison's estate-wide staff id.
    assert nurse == estate_ids.local_staff_id(_vault_id(a1), "nurse")
    nurse = estate_ids.staff_id("AAA", "nurse")
    with a1.peek() as s:
        assert s.get(Staff, nurse) is not None
    return Estate(hub, a1, a2, b, est_a, est_b, patients_a, patient_b, encounter, nurse)


def _vault_id(laptop: Laptop) -> str:
    return KeySlots.load(laptop.home.keyslots).vault_id


# -- what a laptop holds, and the attacker's raw pushes ----------------------------------------


def _holdings(laptop: Laptop) -> dict[str, Any]:
    with laptop.peek() as s:
        return {
            "patients": sorted(
                (p.id, p.family_name, p.given_names, p.establishment_id, p.on_roll)
                for p in s.scalars(select(Patient))
            ),
            "establishments": sorted(s.scalars(select(Establishment.code))),
            "encounters": sorted(
                (e.id, e.narrative, e.signed_by) for e in s.scalars(select(Encounter))
            ),
            "staff": sorted((st.username, st.role, st.active) for st in s.scalars(select(Staff))),
        }


def _unaffected(estate: Estate, before: dict[str, dict[str, Any]], *attackers: Laptop) -> None:
    """Every other laptop syncs cleanly and holds what it held (twice: the order is free)."""
    for _ in range(2):
        for laptop in estate.others(*attackers):
            summary = laptop.sync()
            assert summary.waiting == 0
            assert summary.in_quarantine == 0
            assert summary.purged == 0
    for laptop in estate.others(*attackers):
        assert _holdings(laptop) == before[laptop.name], laptop.name


def _snapshot(estate: Estate) -> dict[str, dict[str, Any]]:
    return {lt.name: _holdings(lt) for lt in (estate.a1, estate.a2, estate.b)}


def _token(laptop: Laptop) -> str:
    with laptop.peek() as s:
        found = s.get(Setting, local_state.TOKEN)
        assert found is not None
        return found.value


class Attacker:
    """Raw requests with a laptop's own, valid device token."""

    def __init__(self, hub: HubProcess, laptop: Laptop) -> None:
        self.hub, self.device = hub, laptop.device_id()
        self.auth = {"Authorization": f"Bearer {_token(laptop)}"}

    def next_seq(self) -> int:
        state = httpx.get(f"{self.hub.url}/v1/device", headers=self.auth)
        return int(state.json()["acked_seq"]) + 1

    def push(self, *ops: dict[str, Any]) -> httpx.Response:
        seq = self.next_seq()
        body = []
        for offset, op in enumerate(ops):
            body.append({"op_id": f"{self.device}:{seq + offset}", "seq": seq + offset,
                         "hlc": "1.0", "created_at": "", "base_rev": None, "rev": 1,
                         "patient_id": None, **op})  # fmt: skip
        return httpx.post(f"{self.hub.url}/v1/push", json={"ops": body}, headers=self.auth)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.hub.url}/v1/{path}", headers=self.auth)


def _refused(response: httpx.Response, rule: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert rule in [r["rule"] for r in body["refused"]], body
    assert rule in body["detail"] or len(body["refused"]) > 1
    return body


def _doc(hub: HubProcess, kind: str, record_id: str) -> dict[str, Any]:
    found = hub.doc(kind, record_id)
    assert found is not None
    return found


def _edit(hub: HubProcess, kind: str, record_id: str, **changes: Any) -> dict[str, Any]:
    """An op changing the hub's current version of a record (the right base_rev)."""
    doc = _doc(hub, kind, record_id)
    return {"kind": kind, "record_id": record_id, "patient_id": doc["patient_id"],
            "base_rev": doc["rev"], "rev": doc["rev"] + 1,
            "payload": {**doc["payload"], **changes}}  # fmt: skip


# -- the attacks ---------------------------------------------------------------------------------


def test_a_conflict_reply_never_reads_another_prisons_record(estate: Estate) -> None:
    before = _snapshot(estate)
    target = estate.patients_a[0]
    secret = _doc(estate.hub, "patient", target)["payload"]["given_names"]
    attacker = Attacker(estate.hub, estate.b)
    # A stale base_rev would once have made the hub reply with its whole version of the record.
    response = attacker.push({"kind": "patient", "record_id": target, "patient_id": target,
                              "base_rev": 1, "rev": 5,
                              "payload": {"id": target, "given_names": "x"}})  # fmt: skip
    assert response.status_code == 422
    assert secret not in response.text
    listed = attacker.get("conflicts")
    assert listed.status_code == 200
    assert listed.json()["conflicts"] == []
    assert estate.hub.count(schema.conflicts) == 0
    _unaffected(estate, before)


def test_a_device_cannot_take_over_another_prisons_patient(estate: Estate) -> None:
    before = _snapshot(estate)
    target = estate.patients_a[0]
    attacker = Attacker(estate.hub, estate.b)
    response = attacker.push(_edit(estate.hub, "patient", target, establishment_id=estate.est_b))
    _refused(response, "transfer-only-by-roll-claim")
    # Nor by editing the patient in place, nor by adding records to them.
    _refused(attacker.push(_edit(estate.hub, "patient", target, given_names="Mine")),
             "scope-before")  # fmt: skip
    note = {"kind": "condition", "record_id": "x-cond-1", "patient_id": target,
            "payload": {"id": "x-cond-1", "patient_id": target, "code": "ASTHMA"}}  # fmt: skip
    _refused(attacker.push(note), "scope-after")
    assert _doc(estate.hub, "patient", target)["payload"]["establishment_id"] == estate.est_a
    assert estate.hub.count(schema.purges) == 0
    _unaffected(estate, before)


def test_a_device_cannot_move_its_own_patient_out_either(estate: Estate) -> None:
    """The ordinary edit path never moves a patient (a transfer is a roll-import claim); the
    laptop sets the refused edit aside and carries on."""
    before = _snapshot(estate)
    elsewhere = estate.a2.add_establishment("BBB")  # a laptop knows only its own prison
    estate.a2.edit_patient(estate.patients_a[1], establishment_id=elsewhere)
    summary = estate.a2.sync()
    assert summary.quarantined == 2
    assert summary.waiting == 0
    with estate.a2.peek() as s:
        kept = {q.kind: q for q in s.scalars(select(SyncQuarantine))}
    # BBB's record is at the hub already (one id per prison): it belongs to BBB.
    assert kept["establishment"].rule == "scope-before"
    assert kept["patient"].rule == "transfer-only-by-roll-claim"
    assert json.loads(kept["patient"].payload)["establishment_id"] == elsewhere  # nothing lost
    assert _doc(estate.hub, "patient", estate.patients_a[1])["payload"]["establishment_id"] == (
        estate.est_a
    )
    _unaffected(estate, before, estate.a2)


def test_a_device_cannot_inject_an_establishment_record_of_another_prison(
    estate: Estate,
) -> None:
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.b)
    fake = "fake-est-aaa"
    patient = _doc(estate.hub, "patient", estate.patient_b)["payload"]
    response = attacker.push(
        {"kind": "establishment", "record_id": fake,
         "payload": {"id": fake, "code": "AAA", "name": "HMP AAA"}},
        {"kind": "patient", "record_id": "fake-patient", "patient_id": "fake-patient",
         "payload": {**patient, "id": "fake-patient", "establishment_id": fake}},
    )  # fmt: skip
    body = _refused(response, "establishment-own-only")
    assert [r["rule"] for r in body["refused"]] == ["establishment-own-only", "scope-after"]
    # Rewriting AAA's own record is refused too.
    _refused(attacker.push(_edit(estate.hub, "establishment", estate.est_a, name="Mine")),
             "scope-before")  # fmt: skip
    assert estate.hub.doc("establishment", fake) is None
    assert estate.hub.doc("patient", "fake-patient") is None
    _unaffected(estate, before)


def test_a_colleagues_laptop_cannot_rewrite_a_signed_entry(estate: Estate) -> None:
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.a2)  # same prison: in scope, but signed is final
    response = attacker.push(
        _edit(estate.hub, "encounter", estate.encounter, narrative="Patient was abusive.")
    )
    _refused(response, "signed-write-once")
    assert _doc(estate.hub, "encounter", estate.encounter)["payload"]["narrative"] == (
        "Seen on the wing; no concerns."
    )
    _unaffected(estate, before)


def test_a_laptop_never_applies_a_change_to_a_signed_entry_from_a_pull(estate: Estate) -> None:
    """Even if a hub held one (a hub of an older release, a restored backup), a laptop keeps its
    signed original, sets the change aside and audits it, and the rest of the sync goes on."""
    before = _snapshot(estate)
    docs = schema.documents
    with estate.hub.store.writing() as (conn, seqs):
        doc = _doc(estate.hub, "encounter", estate.encounter)
        conn.execute(
            update(docs)
            .where(docs.c.kind == "encounter", docs.c.id == estate.encounter)
            .values(rev=doc["rev"] + 1, change_seq=seqs.next(), last_device=None,
                    payload={**doc["payload"], "narrative": "Rewritten."})
        )  # fmt: skip
    summary = estate.a2.sync()
    assert summary.quarantined == 1
    with estate.a2.peek() as s:
        (kept,) = s.scalars(select(SyncQuarantine)).all()
        assert (kept.direction, kept.rule) == ("pull", "signed-write-once")
        assert s.get(Encounter, estate.encounter).narrative == "Seen on the wing; no concerns."
        audited = s.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "sync_quarantined"
        )).all()  # fmt: skip
        assert len(audited) == 1
        assert json.loads(audited[0])["record_id"] == estate.encounter
    assert _holdings(estate.a2) == before["a2"]


def test_a_staff_row_never_escalates_a_role(estate: Estate) -> None:
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.a2)
    response = attacker.push(_edit(estate.hub, "staff", estate.nurse, role="ADMIN"))
    _refused(response, "staff-authority-not-synced")
    _refused(attacker.push(_edit(estate.hub, "staff", estate.nurse, active=False)),
             "staff-authority-not-synced")  # fmt: skip
    assert _doc(estate.hub, "staff", estate.nurse)["payload"]["role"] == "RN"
    _unaffected(estate, before)


def test_a_laptop_ignores_role_and_active_state_in_pulled_staff_rows(estate: Estate) -> None:
    """A staff row reaching a laptop with another role (a hub of an older release) changes the
    display name, never what the person may do there."""
    docs = schema.documents
    with estate.hub.store.writing() as (conn, seqs):
        doc = _doc(estate.hub, "staff", estate.nurse)
        conn.execute(
            update(docs)
            .where(docs.c.kind == "staff", docs.c.id == estate.nurse)
            .values(rev=doc["rev"] + 1, change_seq=seqs.next(), last_device=None,
                    payload={**doc["payload"], "role": "ADMIN", "active": False,
                             "display_name": "Nurse Renamed"})
        )  # fmt: skip
    estate.a1.sync()
    with estate.a1.peek() as s:
        nurse = s.get(Staff, estate.nurse)
        assert nurse is not None
        assert (nurse.role, nurse.active, nurse.display_name) == ("RN", True, "Nurse Renamed")


def test_a_device_never_writes_a_name_card(estate: Estate) -> None:
    """Name cards (H-37) say who another prison's staff are; only the hub makes them, from its
    staff records. A device's card, well formed or not, new or naming a real staff member, is
    refused, and no laptop stores it."""
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.b)
    card_id = estate_ids.staff_card_id(estate.nurse, "BBB")
    forged = {"staff_id": estate.nurse, "name": "Dr Forged", "role": "GP", "establishment": "AAA"}
    response = attacker.push({"kind": "staff_card", "record_id": card_id, "payload": forged})
    refusal = _refused(response, "hub-made-only")["refused"][0]
    assert "made by the hub" in refusal["reason"]
    assert estate.hub.count(schema.documents, schema.documents.c.kind == "staff_card") == 0
    _unaffected(estate, before)
    with estate.b.peek() as s:
        assert s.scalars(select(StaffNameCard)).all() == []


def test_another_prisons_device_cannot_rename_staff_so_no_name_card_changes(
    estate: Estate,
) -> None:
    """A rename refreshes the name cards other prisons hold (H-37): a device of another prison
    (a stolen token) may not rename AAA's nurse, so neither the staff record nor any card moves."""
    before = _snapshot(estate)
    cards = schema.documents.c.kind == "staff_card"
    held = estate.hub.count(schema.documents, cards)
    attacker = Attacker(estate.hub, estate.b)
    response = attacker.push(_edit(estate.hub, "staff", estate.nurse, display_name="Dr Forged"))
    _refused(response, "scope-before")
    assert _doc(estate.hub, "staff", estate.nurse)["payload"]["display_name"] != "Dr Forged"
    assert estate.hub.count(schema.documents, cards) == held
    _unaffected(estate, before)


@pytest.mark.parametrize("field", ["author_id", "signed_by"])
def test_authors_and_signers_must_be_staff_of_the_devices_prison(
    estate: Estate, field: str
) -> None:
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.b)
    signed = _doc(estate.hub, "encounter", estate.encounter)["payload"]
    forged = {**signed, "id": "forged-enc", "patient_id": estate.patient_b,
              "author_id": None, "signed_by": None, field: estate.nurse}  # fmt: skip
    response = attacker.push({"kind": "encounter", "record_id": "forged-enc",
                              "patient_id": estate.patient_b, "payload": forged})  # fmt: skip
    _refused(response, "author-not-staff" if field == "author_id" else "signer-not-staff")
    assert estate.hub.doc("encounter", "forged-enc") is None
    _unaffected(estate, before)


def test_the_hub_stamps_origin_device_itself(estate: Estate) -> None:
    attacker = Attacker(estate.hub, estate.b)
    forged = {**_doc(estate.hub, "patient", estate.patient_b)["payload"],
              "origin_device": estate.a1.device_id(), "given_names": "Renamed"}  # fmt: skip
    doc = _doc(estate.hub, "patient", estate.patient_b)
    response = attacker.push({"kind": "patient", "record_id": estate.patient_b,
                              "patient_id": estate.patient_b, "base_rev": doc["rev"],
                              "rev": doc["rev"] + 1, "payload": forged})  # fmt: skip
    assert response.status_code == 200, response.text
    stored = _doc(estate.hub, "patient", estate.patient_b)
    assert stored["payload"]["origin_device"] == estate.b.device_id()


def test_a_revoked_device_writes_only_its_own_records_and_reads_nothing(
    estate: Estate,
) -> None:
    before = _snapshot(estate)
    revoke(estate.hub.store, estate.a2.device_id())
    attacker = Attacker(estate.hub, estate.a2)
    response = attacker.push(_edit(estate.hub, "patient", estate.patients_a[0], given_names="X"))
    _refused(response, "revoked-own-records-only")
    assert attacker.get("conflicts").status_code == 403
    assert attacker.get("changes").status_code == 403
    assert _doc(estate.hub, "patient", estate.patients_a[0])["payload"]["given_names"] == "Pat 0"
    # What it created itself still reaches the office (and a1 receives it, as it should).
    (own,) = estate.a2.add_patients(estate.est_a, 1, prefix="R")
    summary = estate.a2.sync()
    assert summary.revoked
    assert summary.waiting == 0
    assert estate.hub.doc("patient", own) is not None
    estate.a1.sync()
    arrived = [p for p in _holdings(estate.a1)["patients"] if p[0] == own]
    assert len(arrived) == 1
    before["a1"]["patients"] = sorted([*before["a1"]["patients"], *arrived])
    _unaffected(estate, before, estate.a2)


def test_audit_events_are_never_overwritten_and_a_device_pushes_only_its_own_chain(
    estate: Estate,
) -> None:
    before = _snapshot(estate)
    with estate.a1.peek() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).first()
        assert event is not None
        event_id = event.id
    original = _doc(estate.hub, "audit_event", event_id)
    attacker = Attacker(estate.hub, estate.a2)
    # a2 pushes an event of a1's chain (a new id, a1's device id).
    foreign = {**original["payload"], "id": "fake-audit-1", "action": "nothing_to_see"}
    _refused(attacker.push({"kind": "audit_event", "record_id": "fake-audit-1",
                            "payload": foreign}), "audit-own-chain")  # fmt: skip
    # a1's own token cannot rewrite a1's stored event either, with or without a base_rev.
    owner = Attacker(estate.hub, estate.a1)
    changed = {**original["payload"], "action": "nothing_to_see"}
    _refused(owner.push({"kind": "audit_event", "record_id": event_id, "payload": changed}),
             "audit-write-once")  # fmt: skip
    _refused(owner.push({"kind": "audit_event", "record_id": event_id, "base_rev": 1, "rev": 2,
                         "payload": changed}), "audit-write-once")  # fmt: skip
    assert _doc(estate.hub, "audit_event", event_id)["payload"] == original["payload"]
    _unaffected(estate, before)


def test_an_oversized_batch_is_refused_and_stores_nothing(estate: Estate) -> None:
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.b)
    seq, big = attacker.next_seq(), "x" * (MAX_BODY_BYTES // 50)
    ops = [
        {"op_id": f"{attacker.device}:{seq + i}", "seq": seq + i, "kind": "patient",
         "record_id": estate.patient_b, "patient_id": estate.patient_b, "base_rev": None,
         "rev": 1, "hlc": "", "created_at": "", "payload": {"extra": big}}
        for i in range(60)
    ]  # fmt: skip
    response = httpx.post(f"{estate.hub.url}/v1/push", json={"ops": ops}, headers=attacker.auth)
    assert response.status_code == 413
    assert attacker.next_seq() == seq
    _unaffected(estate, before)


# -- malformed payloads of every kind --------------------------------------------------------

_SAMPLE = {"str": "x", "json": "[]", "int": 1, "float": 1.5, "bool": True, "date": "2026-01-01",
           "datetime": "2026-01-01T09:00:00+00:00", "stamps": {}}  # fmt: skip
# The kinds a device may push (a hub-made kind is refused whatever its shape: see
# test_a_device_never_writes_a_name_card).
KINDS = sorted(set(payloads.specs()) - payloads.HUB_MADE_KINDS)


# A JSON field's sample, by its declared shape (payloads._SHAPES).
_JSON_SAMPLE = {"object": "{}", "object of whole numbers": '{"a": 1}', "array of text": '["x"]',
                "value": "[]"}  # fmt: skip


def _sample(field: payloads.Field) -> Any:
    return _JSON_SAMPLE[field.shape] if field.kind == "json" else _SAMPLE[field.kind]


def _valid(kind: str, record_id: str) -> dict[str, Any]:
    spec = payloads.specs()[kind]
    return {name: _sample(f) for name, f in spec.fields.items()} | {"id": record_id}


def _defect(kind: str, payload: dict[str, Any], defect: str) -> tuple[dict[str, Any], str]:
    """The payload broken one way, and the field the hub must name."""
    fields = payloads.specs()[kind].fields.values()

    def first(test: Callable[[payloads.Field], bool]) -> str:
        return next(f.name for f in fields if test(f) and f.name != "id")

    if defect == "missing field":
        name = first(lambda f: f.required)
        return {k: v for k, v in payload.items() if k != name}, name
    if defect == "wrong type":
        name = first(lambda f: f.kind == "str")
        return {**payload, name: 12345}, name
    if defect == "over-long string":
        name = first(lambda f: f.kind == "str" and f.max_length is not None)
        limit = next(f.max_length for f in fields if f.name == name)
        assert limit is not None
        return {**payload, name: "x" * (limit + 1)}, name
    if defect == "NUL":
        name = first(lambda f: f.kind == "str")
        return {**payload, name: "a\x00b"}, name
    name = first(lambda f: f.kind in ("date", "datetime"))
    return {**payload, name: "2026-13-45"}, name


@pytest.mark.parametrize(
    "defect", ["missing field", "wrong type", "over-long string", "NUL", "bad date"]
)
def test_a_malformed_payload_of_every_kind_is_refused(estate: Estate, defect: str) -> None:
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.a2)
    for kind in KINDS:
        record_id = f"bad-{kind}"[:36]
        valid = _valid(kind, record_id)
        assert payloads.problem(kind, record_id, valid) is None, kind
        broken, field = _defect(kind, valid, defect)
        response = attacker.push({"kind": kind, "record_id": record_id, "payload": broken})
        assert response.status_code == 422, (kind, response.text)
        if defect == "NUL":  # refused by the wire format itself, before any record rule
            assert "NUL" in response.text, kind
            continue
        (refusal,) = response.json()["refused"]
        assert refusal["rule"] == "payload-invalid", (kind, refusal)
        assert f"'{field}'" in refusal["reason"], (kind, refusal)
    assert estate.hub.count(schema.documents, schema.documents.c.id.like("bad-%")) == 0
    _unaffected(estate, before)


# Within the length limit for a text field, and no laptop can read them: `json` gives up on the
# deep ones with RecursionError. Or readable, but not of the field's declared shape: the code
# reading the column relies on it (`data.get(…)`), and a `null` cannot be stored where the column
# may not be empty. (text, reason) for a field, None where the field has no such defect.
_MISSHAPEN = {"object": "[]", "object of whole numbers": '{"a": "1"}', "array of text": "{}"}
_UNREADABLE_JSON: dict[str, Callable[[payloads.Field], tuple[str, str] | None]] = {
    "not JSON": lambda f: ("{not json", "must be JSON text"),
    "nested too deep": lambda f: ("[" * 20_000 + "]" * 20_000, "is JSON nested too deeply to read"),
    "NaN or Infinity": lambda f: (
        '{"a": NaN}' if f.shape.startswith("object") else "[Infinity]",
        "is JSON holding NaN or Infinity, which JSON does not allow",
    ),
    "wrong shape": lambda f: (
        (_MISSHAPEN[f.shape], f"must be a JSON {f.shape}") if f.shape in _MISSHAPEN else None
    ),
    "null where it cannot be empty": lambda f: (
        None if f.nullable else ("null", "may not be JSON null")
    ),
}


@pytest.mark.parametrize("defect", sorted(_UNREADABLE_JSON))
def test_a_json_field_no_laptop_can_read_is_refused_at_the_hub(estate: Estate, defect: str) -> None:
    """Refused at the door, naming the field, for every JSON field of every kind: otherwise every
    laptop in the estate would pull it and set it aside (and, before the eleventh session, a
    deep one stopped their pulls; before the twelfth, a `[]` where an object belongs reached
    the code that reads it)."""
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.a2)
    json_fields = [
        (kind, f)
        for kind in KINDS
        for f in payloads.specs()[kind].fields.values()
        if f.kind == "json" and _UNREADABLE_JSON[defect](f) is not None
    ]
    assert {"encounter", "care_plan", "observation", "questionnaire_result"} <= {
        kind for kind, _ in json_fields
    }
    for n, (kind, field) in enumerate(json_fields):
        record_id = f"bad-{n}-{kind}"[:36]
        found = _UNREADABLE_JSON[defect](field)
        assert found is not None
        text, why = found
        broken = {**_valid(kind, record_id), field.name: text}
        response = attacker.push({"kind": kind, "record_id": record_id, "payload": broken})
        assert response.status_code == 422, (kind, response.text[:300])
        (refusal,) = response.json()["refused"]
        assert (refusal["rule"], refusal["reason"]) == (
            "payload-invalid",
            f"field '{field.name}' {why}",
        ), kind
    assert estate.hub.count(schema.documents, schema.documents.c.id.like("bad-%")) == 0
    _unaffected(estate, before)


@pytest.mark.parametrize(
    ("kind", "name", "value", "why"),
    [
        ("observation", "pulse", 2**63, "payload integers must fit in 64 bits"),
        ("observation", "temperature", -(10**30), "payload integers must fit in 64 bits"),
        ("measurement", "value", 10**400, "payload integers must fit in 64 bits"),
    ],
    ids=["pulse-2**63", "temperature--10**30", "value-10**400"],
)
def test_a_number_no_column_holds_is_refused_at_the_hub(
    estate: Estate, kind: str, name: str, value: int, why: str
) -> None:
    """JSON numbers have no size: past 64 bits, a laptop storing one raises OverflowError (the
    end of its pull, every time), so the hub refuses it at the door (`protocol.Payload`), and a
    laptop sets one aside should a hub send it anyway (`payloads`, and
    tests/sync/test_hostile_content.py)."""
    before = _snapshot(estate)
    attacker = Attacker(estate.hub, estate.a2)
    record_id = f"big-{kind}"
    payload = {**_valid(kind, record_id), "patient_id": estate.patients_a[0], name: value}
    response = attacker.push(
        {"kind": kind, "record_id": record_id, "patient_id": estate.patients_a[0],
         "payload": payload}
    )  # fmt: skip
    assert response.status_code == 422, response.text[:300]
    (refused,) = response.json()["detail"]  # by the push's own model, before any payload rule
    assert refused["loc"] == ["body", "ops", 0, "payload"]
    assert why in refused["msg"]
    assert estate.hub.doc(kind, record_id) is None
    _unaffected(estate, before)


def test_an_encounter_of_content_no_service_writes_reaches_laptops_and_stops_no_reader(
    estate: Estate,
) -> None:
    """The whole trip: an encounter of a kind no version knows, whose answers are text and
    whose derived part is a list, passes every payload rule, so the hub takes it and the other
    laptop of the prison stores it. The patient's record, summary and FHIR export still read,
    showing the kind as its text (tests/sync/test_hostile_content.py calls every reader)."""
    from hjdesk.interop.fhir_export import build_fhir_summary
    from hjdesk.services.encounters import encounter_history, patient_timeline
    from hjdesk.services.release import release_summary

    attacker = Attacker(estate.hub, estate.a2)
    patient_id = estate.patients_a[0]
    record_id = "hostile-encounter"
    payload = {
        **_doc(estate.hub, "encounter", estate.encounter)["payload"],
        "id": record_id,
        "kind": "NOT_A_KIND",
        "data": json.dumps({"answers": "x", "derived": [1], "falls": 5}),
    }
    response = attacker.push(
        {"kind": "encounter", "record_id": record_id, "patient_id": patient_id,
         "payload": payload}
    )  # fmt: skip
    assert response.status_code == 200, response.text[:300]
    summary = estate.a1.sync()
    assert summary.in_quarantine == 0
    opened = Vault(estate.a1.home).unlock("nurse", PASSWORD)
    try:
        shown = {item.encounter_id: item for item in patient_timeline(opened, patient_id)}
        assert shown[record_id].kind == "NOT_A_KIND"
        (view,) = encounter_history(opened, record_id).entries
        assert dict(view.data) == {"answers": "x"}
        release_summary(opened, patient_id)
        build_fhir_summary(opened, patient_id)
    finally:
        opened.lock()
