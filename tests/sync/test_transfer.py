"""A patient who leaves an establishment is purged from its laptops, once nothing of theirs is
waiting to be sent (the origin's half of a transfer; the arrival is in test_estate.py)."""

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


def test_a_patient_who_leaves_the_roll_is_purged_once_nothing_of_theirs_is_unsent(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """The origin's side of a move. (A laptop rewriting the establishment itself is refused:
    tests/sync/test_hostile_device.py; transfers are claimed by roll imports.)"""
    origin = make_laptop("origin")
    here = origin.add_establishment("AAA")
    moving, staying = origin.add_patients(here, 2)
    _add_conditions(origin, moving, "ASTHMA", "DIABETES", "EPILEPSY")
    _add_conditions(origin, staying, "COPD")
    origin.enrol(hub, "AAA")
    origin.sync()
    cell = _add_location(origin, here, "A-1-001")
    origin.edit_patient(moving, location_id=cell)
    origin.sync()

    origin.edit_patient(moving, on_roll=False)  # as a full roll without them marks them left
    with origin.vault() as v:  # push the change only, so the hub knows before we pull
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
    codes = sorted(
        d["payload"]["code"] for d in hub.docs_of_patient(moving) if d["kind"] == "condition"
    )
    assert codes == ["ASTHMA", "DIABETES", "EPILEPSY", "HYPERTENSION"]  # all at the office
