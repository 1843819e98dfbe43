"""Two laptops edit one record offline: both versions are kept and flagged; a person resolves.

The record under test is pluggable (`Editable`): an establishment's name today (patients' roll
fields are mirrored from the prison system and never conflict: tests/sync/test_estate.py); care
plans, once their editing service lands, by adding an `Editable` for them to `RECORDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Location
from hjdesk.sync.client import list_conflicts, resolve_conflict
from hjdesk.sync.hub import schema
from tests.sync.helpers import HubProcess, Laptop, run_cli


@dataclass(frozen=True)
class Editable:
    kind: str
    create: Callable[[Laptop, str], str]  # (laptop, patient id) → record id
    edit: Callable[[Laptop, str, str], None]  # (laptop, record id, new text)
    read: Callable[[Laptop, str], str]
    field: str


ESTABLISHMENT_NAME = Editable(
    kind="establishment",
    create=lambda laptop, patient_id: laptop.establishment_id("DMO") or "",
    edit=lambda laptop, record_id, text: laptop.rename_establishment(record_id, text),
    read=lambda laptop, record_id: laptop.establishment_name(record_id),
    field="name",
)
RECORDS = [ESTABLISHMENT_NAME]


def _two_laptops_one_record(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], record: Editable
) -> tuple[Laptop, Laptop, str]:
    a, b = make_laptop("a"), make_laptop("b")
    (patient,) = a.add_patients(a.add_establishment("DMO"), 1)
    record_id = record.create(a, patient)
    a.enrol(hub, "DMO")
    b.enrol(hub, "DMO")
    a.sync()
    b.sync()
    assert record.read(b, record_id) == record.read(a, record_id)
    return a, b, record_id


def _edit_conflicts(laptop: Laptop) -> list:
    with laptop.vault() as v:
        return [c for c in list_conflicts(v) if c.reason == "edit"]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.kind)
def test_offline_edits_of_one_record_are_both_kept_then_resolved(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], record: Editable
) -> None:
    a, b, record_id = _two_laptops_one_record(hub, make_laptop, record)
    record.edit(a, record_id, "Alpha")
    record.edit(b, record_id, "Bravo")
    a.sync()
    assert b.sync().new_conflicts == 1

    doc = hub.doc(record.kind, record_id)
    assert doc is not None
    assert doc["payload"][record.field] == "Alpha"
    assert doc["conflict"]
    with hub.store.reading() as conn:
        (kept,) = conn.execute(schema.conflicts.select()).mappings().all()
    assert kept["payload"][record.field] == "Bravo"
    assert kept["hub_payload"][record.field] == "Alpha"
    assert record.read(b, record_id) == "Bravo"  # nothing overwritten on the laptop either
    (conflict,) = _edit_conflicts(b)
    assert (conflict.mine or {})[record.field] == "Bravo"
    assert conflict.hub[record.field] == "Alpha"
    assert record.field in conflict.changed_fields

    # An edit before resolving continues B's own version: still a conflict, never an overwrite.
    record.edit(b, record_id, "Bravo 2")
    b.sync()
    doc = hub.doc(record.kind, record_id)
    assert doc is not None
    assert doc["payload"][record.field] == "Alpha"
    (conflict,) = _edit_conflicts(b)
    assert (conflict.mine or {})[record.field] == "Bravo 2"

    with b.vault() as v:
        resolve_conflict(v, conflict.id, "mine")
    assert _edit_conflicts(b) == []
    b.sync()
    doc = hub.doc(record.kind, record_id)
    assert doc is not None
    assert doc["payload"][record.field] == "Bravo 2"
    assert not doc["conflict"]
    assert doc["rev"] == conflict.hub_rev + 1
    assert hub.count(schema.conflicts, schema.conflicts.c.status == "open") == 0
    a.sync()
    assert record.read(a, record_id) == "Bravo 2"
    assert _edit_conflicts(a) == []
    assert _edit_conflicts(b) == []


def test_a_pulled_record_that_collides_is_held_not_fatal(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """A location made with a random id (as a release before estate-wide ids did) on another
    laptop cannot be stored beside this laptop's one of the same path (unique path), so it is held
    as a "clash" for a person to dismiss. The `admin` user of both laptops is one staff record."""
    a, b, _ = _two_laptops_one_record(hub, make_laptop, ESTABLISHMENT_NAME)
    est = a.establishment_id("DMO") or ""
    for laptop in (a, b):
        with laptop.vault() as v, v.transaction() as s:
            s.add(Location(establishment_id=est, path="A-1-001", wing="A", depth=3))
    a.sync()
    b.sync()
    with b.vault() as v:
        clashes = [c for c in list_conflicts(v) if c.reason == "clash"]
        assert [c.kind for c in clashes] == ["location"]
        assert clashes[0].mine is None
        with pytest.raises(InvalidInput):
            resolve_conflict(v, clashes[0].id, "hub")
        resolve_conflict(v, clashes[0].id, "mine")
        assert list_conflicts(v) == []
    assert b.sync().open_conflicts == 0


def test_resolving_from_the_command_line_keeping_the_hub_version(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    record = ESTABLISHMENT_NAME
    a, b, record_id = _two_laptops_one_record(hub, make_laptop, record)
    record.edit(a, record_id, "Alpha")
    record.edit(b, record_id, "Bravo")
    a.sync()
    b.sync()
    listed = run_cli("conflicts", "--home", str(b.home.root))
    edit_lines = [line for line in listed.stdout.splitlines() if "\tedit\t" in line]
    assert len(edit_lines) == 1
    assert record.field in edit_lines[0]
    conflict_id = edit_lines[0].split("\t")[0]
    done = run_cli(
        "conflicts", "--home", str(b.home.root), "--resolve", conflict_id, "--keep", "hub"
    )
    assert done.returncode == 0, done.stderr
    assert record.read(b, record_id) == "Alpha"
    b.sync()
    a.sync()
    assert record.read(a, record_id) == "Alpha"
    assert hub.count(schema.conflicts, schema.conflicts.c.status == "resolved") == 1
