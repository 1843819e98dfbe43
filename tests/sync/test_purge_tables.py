"""Which of this laptop's own tables hold a transfer's purge back.

A purge deletes a person's synced records once nothing about them is unsent. Before it does,
`local_apply._unsent_work` looks for unacknowledged ops and for rows of the person in every local
table that is not synced and not named as bookkeeping. That way round fails safe: a new local
table holds purges back until someone decides what it is, rather than losing a draft. But it can
also hold every purge back for ever (the ninth session's `worklist_changes` did, caught only by
the estate tests). This test makes the decision a deliberate one, at the time the table is
added; and a nurse's unsigned draft, through the services and a real hub, holds the purge back
until it is signed or discarded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hjdesk.clinical import estate_ids
from hjdesk.services import drafts
from hjdesk.storage.models import Base, Draft, SyncPendingPurge
from hjdesk.sync.local_apply import _LOCAL_ONLY_SKIP, _synced_tables
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    add_nurse,
    as_user,
    import_roll_as,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)

# Local tables whose rows about a person are work that has not reached the office: a purge waits
# while the person has any. Drafts are unsigned forms saved on this laptop only.
HOLD_A_PURGE_BACK = {"drafts"}


def _local_tables_about_a_person() -> set[str]:
    return {
        table.name
        for table in Base.metadata.sorted_tables
        if "patient_id" in table.c and table.name not in _synced_tables()
    }


def test_every_local_table_about_a_person_is_either_work_or_bookkeeping() -> None:
    local = _local_tables_about_a_person()
    held = local - _LOCAL_ONLY_SKIP
    assert held == HOLD_A_PURGE_BACK, (
        "a local table with a patient_id is neither listed as work that holds a purge back "
        "(HOLD_A_PURGE_BACK here) nor as bookkeeping (local_apply._LOCAL_ONLY_SKIP): "
        f"{sorted(held ^ HOLD_A_PURGE_BACK)}"
    )


def test_the_bookkeeping_list_names_only_tables_that_exist() -> None:
    # A renamed table left in the list would quietly stop being skipped under its new name.
    names = {table.name for table in Base.metadata.sorted_tables}
    assert names >= _LOCAL_ONLY_SKIP


def test_an_unsigned_draft_holds_the_purge_back_until_it_is_discarded(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    origin, destination = make_laptop("origin"), make_laptop("destination")
    mover = Prisoner("A0011AA", test_nhs_number(11), "Mover", location="A-1-001")
    stayer = Prisoner("A0012AA", test_nhs_number(12), "Stayer", location="A-1-002")
    moving = estate_ids.patient_id(mover.number)
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", [mover, stayer]), T0)
    add_nurse(origin)
    origin.sync()
    with as_user(origin, "nurse") as v:
        draft = drafts.save_draft(v, "encounter", {"narrative": "Half written."}, patient_id=moving)

    # The mover goes to BBB: its roll claims them, then AAA's roll no longer lists them.
    arrived = Prisoner("A0011AA", test_nhs_number(11), "Mover", location="2-04")
    there = write_roll(tmp_path / "bbb.csv", "BBB", [arrived])
    import_roll_as(destination, there, T0 + timedelta(hours=1))
    destination.sync()
    here = write_roll(tmp_path / "aaa-2.csv", "AAA", [stayer])
    import_roll_as(origin, here, T0 + timedelta(hours=2))
    summary = origin.sync()
    assert origin.unsent() == 0  # every op went: only the draft is left
    assert summary.purged == 0
    assert summary.purges_waiting == 1
    assert origin.patient(moving) is not None
    with origin.peek() as s:
        assert s.get(SyncPendingPurge, moving) is not None
        assert s.get(Draft, draft) is not None

    with as_user(origin, "nurse") as v:
        drafts.discard_draft(v, draft)
    summary = origin.sync()
    assert summary.purged == 1
    assert summary.purges_waiting == 0
    assert origin.patient(moving) is None
    with origin.peek() as s:
        assert s.get(SyncPendingPurge, moving) is None
