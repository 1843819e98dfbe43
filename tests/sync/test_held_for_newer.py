"""Records of a kind this version of HJDesk does not know (a newer version's) are kept on the
laptop, in the vault, and stored by the first sync of a version that knows the kind (hazard
H-37's residual risk: docs/clinical-safety/hazard-log.md). Before, they were counted and passed
over, and the pull's cursor moved past them: after an update the laptop never received them.

"A newer version's kind" is simulated with real records: laptop A records allergies through the
services; laptop B, during the syncs inside `_without_allergies`, runs a version whose pull does
not know the `allergy` kind (`local_apply.synced_classes` without it). Leaving it is the
update. Kept records are not problems for a person: nothing goes to quarantine, and one audit
event per pull says how many and of which kinds, naming nobody."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services.patients.medicines import (
    end_allergy,
    medicines_and_allergies,
    record_allergy,
)
from hjdesk.storage.models import Allergy, AuditEvent, HeldForNewer, SyncQuarantine
from hjdesk.sync import cycle, local_apply
from hjdesk.sync.client import kept_for_newer_line, stored_held_line
from hjdesk.sync.cycle import remote_session
from hjdesk.sync.local_apply import PageResult, apply_changes
from hjdesk.sync.protocol import Change
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
PERSON = Prisoner("A0401AA", test_nhs_number(41), "Heldover", location="A-1-001")
STAYER = Prisoner("A0402AA", test_nhs_number(42), "Staysput", location="A-1-002")
PID = estate_ids.patient_id(PERSON.number)
STAYER_ID = estate_ids.patient_id(STAYER.number)
HIDDEN = "allergy"


@contextmanager
def _without_allergies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Inside, this laptop's pull does not know allergies, as a version from before them."""
    real = local_apply.synced_classes()
    # Worked out from the real classes first: the cache must not keep the narrower view.
    local_apply._synced_tables()
    narrower = {k: c for k, c in real.items() if k != HIDDEN}
    with monkeypatch.context() as patch:
        patch.setattr(local_apply, "synced_classes", lambda: narrower)
        yield


def _pair(hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path) -> tuple[
    Laptop, Laptop
]:  # fmt: skip
    """A and B at AAA, each with a nurse; A holds the roll (PERSON and STAYER), B has it too."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    add_nurse(a)
    add_nurse(b)
    import_roll_as(a, write_roll(tmp_path / "a.csv", "AAA", [PERSON, STAYER]), T0)
    a.sync()
    b.sync()
    return a, b


def _allergy(a: Laptop, patient_id: str = PID, substance: str = "Penicillin") -> str:
    """A records an allergy through the services and sends it: its id."""
    with as_user(a, "nurse") as v:
        allergy_id = record_allergy(v, patient_id, substance, "Rash").id
    a.sync()
    return allergy_id


def _held(laptop: Laptop) -> list[tuple[str, str, str | None, int]]:
    with laptop.peek() as s:
        return [
            (r.kind, r.record_id, r.patient_id, r.rev)
            for r in s.scalars(select(HeldForNewer).order_by(HeldForNewer.record_id))
        ]


def _audited(laptop: Laptop, action: str) -> list[tuple[str | None, dict[str, Any]]]:
    with laptop.peek() as s:
        rows = s.execute(
            select(AuditEvent.patient_id, AuditEvent.detail)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.seq)
        ).all()
    return [(patient_id, json.loads(detail)) for patient_id, detail in rows]


def _allergies_shown(laptop: Laptop, patient_id: str = PID) -> list[tuple[str, bool, int]]:
    with as_user(laptop, "nurse") as v:
        shown = medicines_and_allergies(v, patient_id).allergies
    return [(a.substance, a.active, a.rev) for a in shown]


def test_records_of_a_kind_this_version_does_not_know_are_kept_then_stored_after_the_update(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """B, not knowing allergies, keeps A's two (not quarantined, not shown, said once, audited
    once with counts and kinds); updated, its next sync stores them through the pull's path and
    they show; the held table is empty and the sync says so, naming nobody."""
    a, b = _pair(hub, make_laptop, tmp_path)
    first = _allergy(a)
    second = _allergy(a, STAYER_ID, "Latex")
    with _without_allergies(monkeypatch):
        summary = b.sync()
    assert summary.kept_for_newer == 2
    assert kept_for_newer_line(2) in summary.lines()
    assert kept_for_newer_line(2) == (
        "Kept 2 records of a kind this version of HJDesk cannot show; they are shown once "
        "HJDesk is updated."
    )
    assert (summary.quarantined, summary.in_quarantine, summary.stored_held) == (0, 0, 0)
    assert sorted(_held(b)) == sorted([(HIDDEN, first, PID, 1), (HIDDEN, second, STAYER_ID, 1)])
    with b.peek() as s:
        assert s.scalars(select(SyncQuarantine)).all() == []
        assert s.scalars(select(Allergy)).all() == []
        # Other devices' audit events are still never stored here.
        assert (
            s.scalars(select(AuditEvent).where(AuditEvent.device_id == a.device_id())).all() == []
        )
    assert _audited(b, cycle.HELD_KEPT_ACTION) == [(None, {"kept": 2, "kinds": [HIDDEN]})]

    updated = b.sync()
    assert updated.stored_held == 2
    assert stored_held_line(2) in updated.lines()
    assert stored_held_line(2) == "Stored 2 records kept for this version of HJDesk."
    assert updated.kept_for_newer == 0
    assert not any("cannot show" in line for line in updated.lines())
    assert _held(b) == []
    assert _allergies_shown(b) == [("Penicillin", True, 1)]
    assert _allergies_shown(b, STAYER_ID) == [("Latex", True, 1)]
    assert _audited(b, cycle.HELD_STORED_ACTION) == [
        (None, {"stored": 2, "set_aside": 0, "kinds": [HIDDEN]})
    ]
    for _, detail in _audited(b, cycle.HELD_KEPT_ACTION) + _audited(b, cycle.HELD_STORED_ACTION):
        text = json.dumps(detail)
        for who in (PERSON, STAYER):
            assert who.family not in text
            assert who.number not in text
    assert updated.waiting == 0  # storing the office's records queues nothing
    assert updated.in_quarantine == 0

    again = b.sync()
    assert (again.stored_held, again.kept_for_newer) == (0, 0)
    assert len(_audited(b, cycle.HELD_STORED_ACTION)) == 1


def test_held_revisions_never_go_backwards(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A newer pulled revision replaces the one held and an older one does not; once updated,
    a held older revision never overwrites the newer one this laptop holds."""
    a, b = _pair(hub, make_laptop, tmp_path)
    allergy_id = _allergy(a)
    with _without_allergies(monkeypatch):
        b.sync()
    with b.peek() as s:
        kept = s.get(HeldForNewer, (HIDDEN, allergy_id))
        assert kept is not None
        # The first revision as the hub sent it, to be pulled again below.
        rev1 = Change(seq=1, kind=kept.kind, record_id=kept.record_id, rev=kept.rev,
                      patient_id=kept.patient_id, payload=json.loads(kept.payload))  # fmt: skip
    assert rev1.rev == 1

    with as_user(a, "nurse") as v:
        end_allergy(v, allergy_id, base_rev=1)  # ruled out: rev 2
    a.sync()
    with _without_allergies(monkeypatch):
        assert b.sync().kept_for_newer == 1
        assert _held(b) == [(HIDDEN, allergy_id, PID, 2)]
        result = PageResult()
        with b.vault() as v, remote_session(v) as session:
            apply_changes(session, [rev1], result)  # the older revision, pulled again
        assert (result.kept, result.skipped) == (0, 1)
        assert _held(b) == [(HIDDEN, allergy_id, PID, 2)]

    assert b.sync().stored_held == 1  # the update
    assert _allergies_shown(b) == [("Penicillin", False, 2)]

    # The first revision kept again (a laptop that pulled it twice, say), then stored: the rev
    # rules keep the newer revision this laptop holds, and the held row goes.
    with _without_allergies(monkeypatch), b.vault() as v, remote_session(v) as session:
        apply_changes(session, [rev1], PageResult())
    assert _held(b) == [(HIDDEN, allergy_id, PID, 1)]
    summary = b.sync()
    assert summary.stored_held == 0
    assert _held(b) == []
    assert _allergies_shown(b) == [("Penicillin", False, 2)]
    assert summary.in_quarantine == 0


def test_storing_held_records_that_fails_never_stops_the_sync(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The start-of-pull step fails: the sync goes on (what the hub sends is stored), the
    failure is logged by its type only, the held records stay, and the next sync stores them."""
    a, b = _pair(hub, make_laptop, tmp_path)
    allergy_id = _allergy(a)
    with _without_allergies(monkeypatch):
        b.sync()
    later = _allergy(a, STAYER_ID, "Latex")

    def broken(*args: Any, **kwargs: Any) -> list[Change]:
        raise RuntimeError(f"{PERSON.family} {PERSON.number}")

    with monkeypatch.context() as patch, caplog.at_level(logging.WARNING, "hjdesk.sync"):
        patch.setattr(cycle, "held_changes", broken)
        summary = b.sync()
    assert summary.applied >= 1  # the pull went on: the later allergy is stored
    assert summary.stored_held == 0
    assert _allergies_shown(b, STAYER_ID) == [("Latex", True, 1)]
    assert _held(b) == [(HIDDEN, allergy_id, PID, 1)]
    assert "RuntimeError" in caplog.text
    assert PERSON.family not in caplog.text
    assert PERSON.number not in caplog.text
    assert later != allergy_id

    assert b.sync().stored_held == 1
    assert _held(b) == []
    assert _allergies_shown(b) == [("Penicillin", True, 1)]


def test_a_held_record_that_breaks_its_kinds_rules_is_set_aside_when_stored(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored through the pull's own path, a held record meets the payload checks: one the
    version that knows the kind cannot read goes to quarantine, as a pulled record would."""
    a, b = _pair(hub, make_laptop, tmp_path)
    allergy_id = _allergy(a)
    with _without_allergies(monkeypatch):
        b.sync()
    with b.peek() as s:
        kept = s.get(HeldForNewer, (HIDDEN, allergy_id))
        assert kept is not None
        payload = {k: v for k, v in json.loads(kept.payload).items() if k != "substance"}
        broken = Change(seq=1, kind=HIDDEN, record_id=allergy_id, rev=2, patient_id=PID,
                        payload=payload)  # fmt: skip
    with _without_allergies(monkeypatch), b.vault() as v, remote_session(v) as session:
        apply_changes(session, [broken], PageResult())  # a newer revision, without a substance

    summary = b.sync()
    assert summary.stored_held == 0
    assert summary.in_quarantine == 1
    assert _held(b) == []
    with b.peek() as s:
        (aside,) = s.scalars(select(SyncQuarantine)).all()
        assert (aside.direction, aside.kind, aside.record_id, aside.rule) == (
            "pull", HIDDEN, allergy_id, "payload-invalid"
        )  # fmt: skip
    assert _allergies_shown(b) == []


def test_a_patient_who_leaves_takes_their_held_records_with_them(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PERSON moves to BBB: B's purge of them removes their held records; STAYER's stay."""
    a, b = _pair(hub, make_laptop, tmp_path)
    _allergy(a)
    staying = _allergy(a, STAYER_ID, "Latex")
    with _without_allergies(monkeypatch):
        b.sync()
    assert len(_held(b)) == 2

    there = make_laptop("there")
    there.enrol(hub, "BBB")
    arrived = Prisoner(PERSON.number, PERSON.nhs, PERSON.family, location="2-04")
    import_roll_as(
        there, write_roll(tmp_path / "bbb.csv", "BBB", [arrived]), T0 + timedelta(hours=1)
    )
    there.sync()
    import_roll_as(a, write_roll(tmp_path / "a-2.csv", "AAA", [STAYER]), T0 + timedelta(hours=2))
    a.sync()
    with _without_allergies(monkeypatch):
        summary = b.sync()
    assert summary.purged == 1
    assert b.patient(PID) is None
    assert _held(b) == [(HIDDEN, staying, STAYER_ID, 1)]
