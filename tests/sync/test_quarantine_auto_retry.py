"""Records an earlier version of HJDesk set aside are retried by the first sync of a version that
can apply them (hazard H-37's residual risk: docs/clinical-safety/hazard-log.md), without anyone
pressing retry; those still refused stay and are not retried again by the same version; a retried
record never overwrites a newer one held here; dismissed records and this laptop's own refused
changes are never touched.

"An earlier version" is simulated as the neighbouring tests do: during the first sync the
laptop's payload rules are stricter (`payloads.read` refuses a condition, as an older release's
rules might) and its apply rules version is lower; restoring them is the update."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.storage.models import AuditEvent, Condition, SyncQuarantine
from hjdesk.sync import local_apply, payloads, quarantine
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    import_roll_as,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PERSON = Prisoner("A0301AA", test_nhs_number(31), "Setaside")
CURRENT = local_apply.APPLY_RULES_VERSION
STORED_ONE = "Stored 1 record set aside by an earlier version of HJDesk."


def _retried(laptop: Laptop) -> list[dict[str, Any]]:
    """The audit details of every retry of a set-aside record, oldest first."""
    with laptop.peek() as s:
        rows = s.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "sync_quarantine_retried")
            .order_by(AuditEvent.seq)
        ).all()
    return [json.loads(detail) for detail in rows]


def _set_aside(laptop: Laptop) -> list[SyncQuarantine]:
    with laptop.peek() as s:
        rows = list(s.scalars(select(SyncQuarantine).order_by(SyncQuarantine.id)))
        s.expunge_all()
        return rows


def _condition_on(a: Laptop, tmp_path: Path, code: str = "EPILEPSY") -> str:
    """A records a condition for PERSON (A's prisoner) and sends it: its id."""
    import_roll_as(a, write_roll(tmp_path / "a.csv", "AAA", [PERSON]), T0)
    with a.vault() as v, v.transaction() as s:
        condition = Condition(
            patient_id=estate_ids.patient_id(PERSON.number), code=code, onset=date(2019, 3, 1)
        )
        s.add(condition)
        s.flush()
        condition_id = condition.id
    a.sync()
    return condition_id


@contextmanager
def _earlier_version(
    monkeypatch: pytest.MonkeyPatch, refused: str = "", version: int | None = CURRENT - 1
) -> Iterator[None]:
    """The laptop runs an earlier version while inside: its rules refuse conditions (only those
    coded `refused`, if given) and its apply rules version is `version` (None: a version from
    before set-aside records were stamped)."""
    real = payloads.read

    def stricter(
        kind: str, record_id: str, payload: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]]:
        if kind == "condition" and (not refused or payload.get("code") == refused):
            return "field 'code' is not known here", {}
        return real(kind, record_id, payload)

    with monkeypatch.context() as patch:
        patch.setattr(payloads, "read", stricter)
        patch.setattr(local_apply, "APPLY_RULES_VERSION", version)
        yield


@pytest.mark.parametrize("older", [CURRENT - 1, None], ids=["older-rules", "before-stamps"])
def test_a_record_an_earlier_version_set_aside_is_stored_at_the_next_sync(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    older: int | None,
) -> None:
    """B, on an earlier version, sets A's condition aside; updated, its next sync stores it, says
    so naming nobody, and audits the retry with ids only. Nobody pressed retry."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    condition_id = _condition_on(a, tmp_path)
    with _earlier_version(monkeypatch, version=older):
        assert b.sync().quarantined == 1
    (kept,) = _set_aside(b)
    assert (kept.direction, kept.record_id, kept.rules_version) == ("pull", condition_id, older)

    summary = b.sync()  # the update: this version's rules read it
    assert summary.stored_set_aside == 1
    assert STORED_ONE in summary.lines()
    assert _set_aside(b) == []
    with b.peek() as s:
        stored = s.get(Condition, condition_id)
        assert stored is not None
        assert stored.code == "EPILEPSY"
    assert _retried(b) == [
        {"kind": "condition", "record_id": condition_id, "stored": True, "automatic": True}
    ]
    with b.peek() as s:  # the retry's audit event names the patient by id, nothing more
        (event,) = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "sync_quarantine_retried")
        ).all()
        assert event.patient_id == estate_ids.patient_id(PERSON.number)
        assert PERSON.family not in (event.detail or "")
        assert PERSON.number not in (event.detail or "")
    again = b.sync()
    assert again.stored_set_aside == 0
    assert not any("earlier version" in line for line in again.lines())
    assert again.waiting == 0  # storing a record from the office queues nothing


def test_a_record_still_refused_stays_and_the_same_version_does_not_retry_it_again(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Updated to a version that still cannot store it: retried once, set aside again stamped
    with this version, and not retried at the syncs after (the audit does not grow). The next
    version that can store it does."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    condition_id = _condition_on(a, tmp_path)
    with _earlier_version(monkeypatch):
        b.sync()
    with _earlier_version(monkeypatch, version=CURRENT):  # updated, but still refusing it
        summary = b.sync()
        assert summary.stored_set_aside == 0
        assert summary.in_quarantine == 1
        (kept,) = _set_aside(b)
        assert (kept.record_id, kept.rules_version, kept.dismissed_at) == (
            condition_id, CURRENT, None
        )  # fmt: skip
        assert [d["stored"] for d in _retried(b)] == [False]
        for _ in range(2):
            b.sync()
        assert [d["stored"] for d in _retried(b)] == [False]
        assert [r.id for r in _set_aside(b)] == [kept.id]
    with b.peek() as s:
        assert s.get(Condition, condition_id) is None

    monkeypatch.setattr(local_apply, "APPLY_RULES_VERSION", CURRENT + 1)  # a later update
    summary = b.sync()
    assert summary.stored_set_aside == 1
    assert _set_aside(b) == []
    assert [d["stored"] for d in _retried(b)] == [False, True]


def test_a_retried_record_never_overwrites_a_newer_version_held_here(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """B's earlier version set aside A's first revision, then stored A's second. Updated, B's
    retry of the first finds the second held: it is no longer needed, leaves the list, and the
    second stays (as the manual retry: "this laptop holds a newer version")."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    condition_id = _condition_on(a, tmp_path)
    with _earlier_version(monkeypatch, refused="EPILEPSY"):
        b.sync()
        (kept,) = _set_aside(b)
        assert json.loads(kept.payload)["rev"] == 1
        with a.vault() as v, v.transaction() as s:
            found = s.get(Condition, condition_id)
            assert found is not None
            found.code = "ASTHMA"
        a.sync()
        b.sync()  # the second revision: this earlier version stores it
    with b.peek() as s:
        held = s.get(Condition, condition_id)
        assert held is not None
        assert (held.code, held.rev) == ("ASTHMA", 2)

    summary = b.sync()
    assert summary.stored_set_aside == 0
    assert not any("earlier version" in line for line in summary.lines())
    assert _set_aside(b) == []
    with b.peek() as s:
        held = s.get(Condition, condition_id)
        assert held is not None
        assert (held.code, held.rev) == ("ASTHMA", 2)
    assert _retried(b) == [
        {"kind": "condition", "record_id": condition_id, "stored": True, "automatic": True}
    ]
    assert summary.waiting == 0


def test_dismissed_records_and_this_laptops_refused_changes_are_never_retried(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pulled record an administrator dismissed stays dismissed (and not stored), and a change
    of B's the hub refused (a push: never stamped) stays set aside, through the update's sync."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    condition_id = _condition_on(a, tmp_path)
    b.add_establishment("ZZZ")  # another prison's record: the hub refuses it
    with _earlier_version(monkeypatch):
        assert b.sync().quarantined == 2
        pushed, pulled = sorted(_set_aside(b), key=lambda r: r.direction != "push")
        assert (pushed.direction, pushed.rules_version) == ("push", None)
        assert (pulled.direction, pulled.record_id) == ("pull", condition_id)
        with b.vault() as v:
            quarantine.dismiss(v, pulled.id, "Checked with the office: not needed here")

    summary = b.sync()
    assert summary.stored_set_aside == 0
    assert _retried(b) == []
    after = {r.id: r for r in _set_aside(b)}
    assert set(after) == {pushed.id, pulled.id}
    assert (after[pushed.id].direction, after[pushed.id].dismissed_at) == ("push", None)
    assert after[pulled.id].dismissed_at is not None
    assert after[pulled.id].rules_version == CURRENT - 1
    with b.peek() as s:
        assert s.get(Condition, condition_id) is None


def test_a_retry_that_fails_never_stops_the_sync(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Storing a retried record raises (a fault): the sync completes, the record stays set aside
    and is stamped (not retried at every sync), and the log names its type and row id only."""
    a, b = make_laptop("a"), make_laptop("b")
    a.enrol(hub, "AAA")
    b.enrol(hub, "AAA")
    condition_id = _condition_on(a, tmp_path)
    with _earlier_version(monkeypatch):
        b.sync()
    real = local_apply.apply_changes
    calls: list[int] = []

    def faulty(*args: Any) -> None:
        calls.append(1)
        raise RuntimeError(PERSON.family)  # a fault whose message holds patient data

    monkeypatch.setattr(local_apply, "apply_changes", faulty)
    with caplog.at_level("WARNING", logger="hjdesk.sync"):
        summary = b.sync()
    monkeypatch.setattr(local_apply, "apply_changes", real)
    assert calls == [1]
    assert summary.stored_set_aside == 0
    assert summary.in_quarantine == 1
    (kept,) = _set_aside(b)
    assert (kept.record_id, kept.rules_version) == (condition_id, CURRENT)
    assert "RuntimeError" in caplog.text
    assert PERSON.family not in caplog.text
    b.sync()
    assert calls == [1]  # not retried again by this version


# What each apply rules version can store: the payload rules of every kind a pull applies. A
# change here (a new kind, a new or relaxed field) means an earlier version may have set aside
# records this one stores: bump `local_apply.APPLY_RULES_VERSION` and add the new digest.
RULES_OF_VERSION = {1: "2199983421e148d9"}


def _rules_digest() -> str:
    rules = {
        kind: sorted(
            (name, f.kind, f.max_length, f.nullable, f.required, f.shape)
            for name, f in spec.fields.items()
        )
        for kind, spec in payloads.specs().items()
    }
    rules["(applied)"] = sorted(local_apply.synced_classes())  # type: ignore[assignment]
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]


def test_the_apply_rules_version_is_bumped_whenever_what_a_laptop_applies_changes() -> None:
    assert RULES_OF_VERSION.get(CURRENT) == _rules_digest(), (
        "What a pull can apply changed: bump APPLY_RULES_VERSION (hjdesk/sync/local_apply.py) "
        "and record the new digest in RULES_OF_VERSION, so laptops retry what they set aside."
    )
    assert max(RULES_OF_VERSION) == CURRENT
