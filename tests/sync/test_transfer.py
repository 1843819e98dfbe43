"""A patient transferred between establishments: their history follows them to the destination's
laptops and is purged from the origin's, once nothing of theirs is waiting to be sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

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
from hjdesk.sync.transport import HubClient
from tests.sync.helpers import HubProcess, Laptop


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


def test_transfer_brings_history_to_destination_and_purges_origin(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    origin, destination = make_laptop("origin"), make_laptop("destination")
    here = origin.add_establishment("AAA")
    there = origin.add_establishment("BBB")
    moving, staying = origin.add_patients(here, 2)
    _add_conditions(origin, moving, "ASTHMA", "DIABETES", "EPILEPSY")
    _add_conditions(origin, staying, "COPD")
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    origin.sync()
    destination.sync()
    assert destination.patient(moving) is None
    assert destination.patient(staying) is None
    assert destination.establishment_id("BBB") == there  # establishment records are in scope

    # The origin's cell is left on the record: at the destination it points at a location that
    # laptop never receives, and the pull must store the patient all the same.
    cell = _add_location(origin, here, "A-1-001")
    origin.edit_patient(moving, location_id=cell)
    origin.sync()
    origin.edit_patient(moving, establishment_id=there)
    with origin.vault() as v:  # push the transfer only, so the hub knows before we pull
        config = local_state.config(v.session())
        assert config is not None
        with HubClient(config.hub_url, token=config.token) as client:
            cycle.push(v, client, Tally(), _quiet, 500)
    _add_conditions(origin, moving, "HYPERTENSION")  # written on the way to the van: unsent
    with origin.vault() as v:
        config = local_state.config(v.session())
        assert config is not None
        with HubClient(config.hub_url, token=config.token) as client:
            cycle.pull(v, client, Tally(), _quiet, 500)
    # The purge instruction arrived, but the patient has unsent work: it waits.
    assert origin.patient(moving) is not None
    with origin.peek() as s:
        assert s.get(SyncPendingPurge, moving) is not None

    summary = origin.sync()  # the unsent condition goes, then the purge is carried out
    assert summary.purged == 1
    assert summary.purges_waiting == 0
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
    assert arrived.establishment_id == there
    assert arrived.location_id == cell  # dangling here by design: a slice of the whole
    assert _conditions(destination, moving) == ["ASTHMA", "DIABETES", "EPILEPSY", "HYPERTENSION"]
    assert destination.patient(staying) is None
    with destination.peek() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 1
