"""A patient transferred between establishments by roll imports (architecture.md §5a): their
history follows them to the destination's laptops and is purged from the origin's, once nothing of
theirs is waiting to be sent. tests/sync/test_estate.py covers the estate at large."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hjdesk.clinical import estate_ids
from hjdesk.storage.audit import verify
from hjdesk.storage.models import (
    AuditEvent,
    Condition,
    Location,
    OutboxOp,
    Patient,
    SyncPendingPurge,
)
from hjdesk.sync import cycle, local_state
from hjdesk.sync.cycle import Tally
from hjdesk.sync.hub import schema
from hjdesk.sync.quarantine import list_quarantine
from hjdesk.sync.transport import HubClient
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    import_roll_as,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _add_conditions(laptop: Laptop, patient_id: str, *codes: str) -> None:
    with laptop.vault() as v, v.transaction() as s:
        s.add_all(Condition(patient_id=patient_id, code=c, onset=date(2020, 1, 1)) for c in codes)


def _add_location(laptop: Laptop, establishment_id: str, path: str) -> str:
    with laptop.vault() as v, v.transaction() as s:
        location = Location(establishment_id=establishment_id, path=path,
                            wing=path.split("-")[0], depth=path.count("-") + 1)  # fmt: skip
        s.add(location)
        s.flush()
        return location.id


def _conditions(laptop: Laptop, patient_id: str) -> list[str]:
    with laptop.peek() as s:
        return sorted(s.scalars(select(Condition.code).where(Condition.patient_id == patient_id)))


def _quiet(step: object) -> None:
    pass


def _one_way(laptop: Laptop, step: Callable[..., object]) -> None:
    """Only a push, or only a pull, of a sync cycle."""
    with laptop.vault() as v:
        config = local_state.config(v.session())
        assert config is not None
        with HubClient(config.hub_url, token=config.token) as client:
            step(v, client, Tally(), _quiet, 500)


def test_transfer_brings_history_to_destination_and_purges_origin(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    origin, destination = make_laptop("origin"), make_laptop("destination")
    mover = Prisoner("A0001AA", test_nhs_number(1), "Mover", location="A-1-001")
    stayer = Prisoner("A0002AA", test_nhs_number(2), "Stayer", location="A-1-002")
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", [mover, stayer]), T0)
    moving, staying = estate_ids.patient_id(mover.number), estate_ids.patient_id(stayer.number)
    _add_conditions(origin, moving, "ASTHMA", "DIABETES", "EPILEPSY")
    _add_conditions(origin, staying, "COPD")
    origin.sync()
    destination.sync()
    assert destination.patient(moving) is None
    assert destination.patient(staying) is None

    # The destination's roll lists the mover (a claim), then the origin's roll drops them: the
    # transfer takes effect with the origin's push, before the origin pulls.
    there = write_roll(tmp_path / "bbb.csv", "BBB", [replace(mover, location="2-04")])
    import_roll_as(destination, there, T0 + timedelta(hours=1))
    destination.sync()
    import_roll_as(
        origin, write_roll(tmp_path / "aaa-2.csv", "AAA", [stayer]), T0 + timedelta(hours=2)
    )
    _one_way(origin, cycle.push)  # push the origin's roll only, so the hub decides before we pull
    _add_conditions(origin, moving, "HYPERTENSION")  # written on the way to the van: unsent
    _one_way(origin, cycle.pull)
    # The purge instruction arrived, but the patient has unsent work: it waits.
    assert origin.patient(moving) is not None
    with origin.peek() as s:
        assert s.get(SyncPendingPurge, moving) is not None

    summary = origin.sync()  # the unsent condition goes, then the purge is carried out
    assert summary.purged == 1
    assert summary.purges_waiting == 0
    assert summary.in_quarantine == 0  # the late work was accepted, not refused
    assert origin.patient(moving) is None
    assert _conditions(origin, moving) == []
    assert origin.patient(staying) is not None
    assert _conditions(origin, staying) == ["COPD"]
    with origin.peek() as s:
        assert s.get(SyncPendingPurge, moving) is None
        assert verify(s).ok  # audit events of the patient stay: the chain is whole
        assert s.scalar(select(func.count()).select_from(AuditEvent)) > 0
        payloads = s.scalars(select(OutboxOp.payload).where(OutboxOp.patient_id == moving))
        assert set(payloads) == {"{}"}  # acknowledged ops keep their seq, not the patient's data

    destination.sync()
    arrived = destination.patient(moving)
    assert arrived is not None
    assert arrived.establishment_id == estate_ids.establishment_id("BBB")
    assert arrived.location_id == estate_ids.location_id("BBB", "2-04")  # the destination's cell
    assert _conditions(destination, moving) == ["ASTHMA", "DIABETES", "EPILEPSY", "HYPERTENSION"]
    assert destination.patient(staying) is None
    with destination.peek() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 1


def test_a_device_cannot_move_a_patient_by_editing_the_record(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """Only a roll import claims a patient: the hub refuses a hand edit of the establishment, the
    laptop sets the change aside (kept, with the rule) and nobody moves."""
    origin, other = make_laptop("origin"), make_laptop("other")
    origin.enrol(hub, "AAA")
    other.enrol(hub, "BBB")
    person = Prisoner("A0003AA", test_nhs_number(3), "Stays")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", [person]), T0)
    resident = Prisoner("B0001BB", test_nhs_number(4), "Resident")
    import_roll_as(other, write_roll(tmp_path / "bbb.csv", "BBB", [resident]), T0)
    origin.sync()
    other.sync()
    patient = estate_ids.patient_id(person.number)
    origin.add_establishment("BBB")  # refused too: a device writes only its own prison's record
    origin.edit_patient(patient, establishment_id=estate_ids.establishment_id("BBB"))
    summary = origin.sync()
    assert summary.quarantined == 2
    other.sync()
    assert other.patient(patient) is None
    doc = hub.doc("patient", patient)
    assert doc is not None
    assert doc["payload"]["establishment_id"] == estate_ids.establishment_id("AAA")
    assert hub.count(schema.transfers) == 0
    with origin.vault() as v:
        kept = {(q.kind, q.rule) for q in list_quarantine(v)}
    assert ("patient", "transfer-only-by-roll-claim") in kept
    assert {kind for kind, _ in kept} == {"patient", "establishment"}
    assert hub.count(schema.refusals) == 2
