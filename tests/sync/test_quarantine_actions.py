"""What a person does about a record sync set aside (architecture.md §5a): send a refused change
again once the cause is fixed, retry storing a record from the office, or (an administrator, with
a reason) dismiss one, which stays readable. Each is audited; none loses anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import AuditEvent, Condition, Establishment
from hjdesk.sync import payloads, quarantine
from hjdesk.sync.hub import schema
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    add_nurse,
    as_user,
    import_roll_as,
    run_cli,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _actions(laptop: Laptop) -> list[tuple[str, dict[str, Any]]]:
    with laptop.peek() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.detail).where(
                AuditEvent.action.like("sync_quarantine%")
            )
        ).all()
    return [(action, json.loads(detail) if detail else {}) for action, detail in rows]


def test_a_refused_change_is_sent_again_once_the_cause_is_fixed(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """A nurse at B records a condition for a prisoner whose move to B lapsed (B's roll dropped
    them again): the hub refuses it (not B's patient) and it is set aside. B's next roll lists
    them again (a claim): sent again, it reaches the office."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "BBB")
    mover = Prisoner("A0101AA", test_nhs_number(21), "Mover")
    resident = Prisoner("B0101BB", test_nhs_number(22), "Resident")
    import_roll_as(a, write_roll(tmp_path / "a.csv", "AAA", [mover]), T0)
    a.sync()
    import_roll_as(b, write_roll(tmp_path / "b1.csv", "BBB", [resident, mover]), T0 + HOUR)
    b.sync()  # B claims the mover: pending while A's roll lists them
    import_roll_as(b, write_roll(tmp_path / "b2.csv", "BBB", [resident]), T0 + 2 * HOUR)
    patient = estate_ids.patient_id(mover.number)
    with b.vault() as v, v.transaction() as s:
        condition = Condition(patient_id=patient, code="ASTHMA", onset=date(2020, 1, 1))
        s.add(condition)
        s.flush()
        condition_id = condition.id
    summary = b.sync()  # the roll drop cancels the claim; the condition is then out of scope
    assert summary.quarantined == 1
    with b.vault() as v:
        (kept,) = quarantine.list_quarantine(v)
    assert (kept.kind, kept.record_id, kept.direction) == ("condition", condition_id, "push")
    assert hub.doc("condition", condition_id) is None

    # The fix: B's roll lists them again (a pending claim), so B may write about them.
    import_roll_as(b, write_roll(tmp_path / "b3.csv", "BBB", [resident, mover]), T0 + 3 * HOUR)
    b.sync()
    with b.vault() as v:
        with pytest.raises(InvalidInput, match="send it again instead"):
            quarantine.retry(v, kept.id)  # a change of this laptop's is sent, not retried
        quarantine.resend(v, kept.id)
        assert quarantine.list_quarantine(v) == []
    summary = b.sync()
    assert summary.quarantined == 0
    assert summary.waiting == 0
    stored = hub.doc("condition", condition_id)
    assert stored is not None
    assert stored["payload"]["code"] == "ASTHMA"
    assert ("sync_quarantine_resent", {"kind": "condition", "record_id": condition_id,
            "rule": kept.rule}) in _actions(b)  # fmt: skip


def test_a_change_refused_again_comes_back_and_an_administrator_dismisses_it_with_a_reason(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    laptop = make_laptop("a")
    laptop.enrol(hub, "AAA")
    add_nurse(laptop)
    laptop.add_establishment("ZZZ")  # another prison's record: refused, and it stays so
    laptop.sync()
    with laptop.vault() as v:
        (first,) = quarantine.list_quarantine(v)
        quarantine.resend(v, first.id)
    assert laptop.sync().quarantined == 1
    assert hub.count(schema.refusals) == 2  # refused once more, under the new op
    with laptop.vault() as v:
        (again,) = quarantine.list_quarantine(v)
    assert again.detected_at > first.detected_at
    assert (again.kind, again.rule) == (first.kind, first.rule)

    # Dismissing: an administrator, with a reason; a nurse may not, nor anyone without a reason.
    with as_user(laptop, "nurse") as nurse, pytest.raises(PermissionDenied):
        quarantine.dismiss(nurse, again.id, "not ours")
    with laptop.vault() as v:
        with pytest.raises(InvalidInput, match="reason is required"):
            quarantine.dismiss(v, again.id, "   ")
        with pytest.raises(InvalidInput, match="at most 300"):
            quarantine.dismiss(v, again.id, "x" * 301)
        quarantine.dismiss(v, again.id, "Made by mistake:  ZZZ is not our prison")
        assert quarantine.list_quarantine(v) == []
        (gone,) = quarantine.list_dismissed(v)
        assert (gone.id, gone.dismissed_by) == (again.id, "admin")
        assert gone.dismissal_reason == "Made by mistake: ZZZ is not our prison"
        assert json.loads(quarantine.payload_text(v, gone.id))["code"] == "ZZZ"  # still readable
        with pytest.raises(InvalidInput, match="was dismissed"):
            quarantine.resend(v, gone.id)
        with pytest.raises(InvalidInput, match="Nothing set aside has id 999"):
            quarantine.dismiss(v, 999, "no such")
    with laptop.peek() as s:
        assert s.get(Establishment, estate_ids.establishment_id("ZZZ")) is not None
    assert (
        "sync_quarantine_dismissed",
        {"direction": "push", "kind": "establishment", "record_id": again.record_id,
         "rule": again.rule, "reason": "Made by mistake: ZZZ is not our prison"},
    ) in _actions(laptop)  # fmt: skip

    # The dismissal (in the audit trail) reaches the office; the handover check no longer names
    # the dismissed change.
    checked = run_cli("sync", "--check", "--home", str(laptop.home.root))
    assert checked.returncode == 0, checked.stdout
    assert "set aside" not in checked.stdout

    # The same from the command line: listed with who and why, shown in full.
    listed = run_cli("sync", "--quarantine", "--home", str(laptop.home.root))
    assert listed.returncode == 0, listed.stderr
    assert "Nothing is set aside." in listed.stdout
    assert "dismissed by admin" in listed.stdout
    assert "ZZZ is not our prison" in listed.stdout
    shown = run_cli("sync", "--show", str(gone.id), "--home", str(laptop.home.root))
    assert shown.returncode == 0, shown.stderr
    assert '"code": "ZZZ"' in shown.stdout
    bad = run_cli("sync", "--dismiss", str(gone.id), "--home", str(laptop.home.root))
    assert bad.returncode == 1
    assert "--reason" in bad.stderr


def test_a_record_from_the_office_set_aside_is_stored_when_retried(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record this laptop could not store (here: its rules were stricter, as an older release's
    might be) is kept; retried after the fix it is stored; retried while still wrong it stays."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    person = Prisoner("A0201AA", test_nhs_number(23), "Kept")
    import_roll_as(a, write_roll(tmp_path / "a.csv", "AAA", [person]), T0)
    patient = estate_ids.patient_id(person.number)
    with a.vault() as v, v.transaction() as s:
        condition = Condition(patient_id=patient, code="EPILEPSY", onset=date(2019, 3, 1))
        s.add(condition)
        s.flush()
        condition_id = condition.id
    a.sync()

    # A laptop checks and reads a pulled payload in one pass (`payloads.read`, which
    # `payloads.problem` also answers from): its rules are what this version refuses.
    real = payloads.read

    def stricter(
        kind: str, record_id: str, payload: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]]:
        return (
            ("field 'code' is not known here", {})
            if kind == "condition"
            else real(kind, record_id, payload)
        )

    monkeypatch.setattr(payloads, "read", stricter)
    summary = b.sync()
    assert summary.quarantined == 1
    with b.vault() as v:
        (kept,) = quarantine.list_quarantine(v)
        assert (kept.direction, kept.record_id) == ("pull", condition_id)
        with pytest.raises(InvalidInput, match="retry storing it instead"):
            quarantine.resend(v, kept.id)
        assert quarantine.retry(v, kept.id) is False  # still refused: set aside again
        (still,) = quarantine.list_quarantine(v)
    with b.peek() as s:
        assert s.get(Condition, condition_id) is None

    monkeypatch.setattr(payloads, "read", real)  # the fix (an update of HJDesk)
    with b.vault() as v:
        assert quarantine.retry(v, still.id) is True
        assert quarantine.list_quarantine(v) == []
    with b.peek() as s:
        stored = s.get(Condition, condition_id)
        assert stored is not None
        assert stored.code == "EPILEPSY"
    retried = [d for action, d in _actions(b) if action == "sync_quarantine_retried"]
    assert [d["stored"] for d in retried] == [False, True]
    assert b.sync().waiting == 0  # storing a record from the office queues nothing
