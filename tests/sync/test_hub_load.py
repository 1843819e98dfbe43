"""The million-record benchmark's hub loader (benchmarks/hub_load.py) makes an establishment a
laptop can pull whole: copies of the pushed patients, each record linked to its own copy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from benchmarks import hub_load
from hjdesk.storage.models import Condition, Patient
from tests.sync.helpers import HubProcess, Laptop


def test_a_grown_hub_gives_a_fresh_laptop_every_copy_linked_to_its_own_patients(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    office = make_laptop("office")
    here = office.add_establishment("DMO")
    patients = office.add_patients(here, 4)
    with office.vault() as v, v.transaction() as s:
        s.add_all(Condition(patient_id=p, code="ASTHMA", onset=date(2020, 1, 1)) for p in patients)
    office.enrol(hub, "DMO")
    office.sync()
    base = len(hub_load.scope_documents(hub.store, "DMO"))
    assert base == 8  # four patients and their conditions

    assert hub_load.grow(hub.store, "DMO", 3 * base) == 2 * base  # two copies

    fresh = make_laptop("fresh")
    fresh.enrol(hub, "DMO")
    summary = fresh.sync()
    with fresh.peek() as s:
        held = set(s.scalars(select(Patient.id)))
        owners = list(s.scalars(select(Condition.patient_id)))
        count = s.scalar(select(func.count()).select_from(Patient))
    assert count == 3 * 4
    assert len(owners) == 3 * 4
    assert set(owners) <= held  # every copied condition names its own copy of the patient
    assert len(set(owners)) == len(owners)
    assert summary.pulled >= 3 * base
