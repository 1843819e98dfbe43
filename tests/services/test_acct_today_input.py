"""Today's ACCT loader (`acct.live_case_input`) reads only the events the flag and warning rules
read (`clinical.acct.FLAG_EVENT_TYPES`). These tests hold it to the full loader (`live_cases`,
which the ACCT screen uses) on vaults built through the services: every live case, the same
flags, warnings and held times in the same order, at many moments. A rule that starts reading
another event type without adding it to FLAG_EVENT_TYPES fails here."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hjdesk.clinical import acct as rules
from hjdesk.services import acct
from hjdesk.services.corrections import amend_contribution
from hjdesk.services.patients.caseload import caseload
from hjdesk.services.roll.importing import import_roll
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD, RollWriter

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
PEOPLE = 16
# Every few hours from a week before NOW to a few days after: the 24-hour warning's window
# passes over every scheduled review at least once.
MOMENTS = [NOW + timedelta(hours=h) for h in range(-24 * 7, 24 * 4, 5)]
NOT_REVIEWS = [t.value for t in rules.AcctEventType if t not in rules.REVIEW_EVENT_TYPES]


@dataclass
class Ward:
    admin: OpenVault
    nurse: OpenVault
    mh: OpenVault
    patients: list[str]


def _number(k: int) -> str:
    return f"A{1000 + k}{chr(65 + k % 26)}{chr(66 + k % 24)}"


@pytest.fixture(scope="module")
def ward_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("today_input")
    admin = Vault.create(HomePaths.resolve(root), admin="admin", password=PASSWORD, kdf=FAST_KDF)
    for name, role, team in (("nurse", "RN", "PRIMARY_CARE"), ("mh", "RMN", "MH_IN_REACH")):
        admin.add_user(
            name, PASSWORD, display_name=name.title(), role=role, team=team, kdf=FAST_KDF
        )
    writer = RollWriter(root.parent)
    wings = ("A", "B", "C")
    lines = [writer.line(_number(k), location=f"{wings[k % 3]}-1-{k:03d}") for k in range(PEOPLE)]
    import_roll(admin, writer.write(lines, name=f"{root.name}.csv"), today=date(2025, 1, 1))
    admin.lock()
    return root


@pytest.fixture
def ward(ward_template: Path, tmp_path: Path) -> Iterator[Ward]:
    target = tmp_path / "ward"
    shutil.copytree(ward_template, target)
    home = HomePaths.resolve(target)
    opened = [Vault(home).unlock(name, PASSWORD) for name in ("admin", "nurse", "mh")]
    ids = {p.prison_number: p.id for p in caseload(opened[0])}
    yield Ward(*opened, [ids[_number(k)] for k in range(PEOPLE)])
    for v in opened:
        v.lock()


def _try(call: Any, *args: Any, **kw: Any) -> Any:
    """A random step the services refuse (e.g. attendance given before the review) is skipped:
    the services' own rules decide what exists, as they do for a nurse."""
    try:
        return call(*args, **kw)
    except InvalidInput:
        return None


def _contribute(w: Ward, rng: random.Random, event: acct.AcctEventView) -> None:
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        who, team = rng.choice(((w.nurse, "PRIMARY_CARE"), (w.mh, "MH_IN_REACH")))
        given = _try(
            acct.add_contribution,
            who,
            event.id,
            contribution_type=rng.choice(list(rules.ContributionType)).value,
            team=team,
            summary="Seen on the wing; low mood",
            planned=rng.random() < 0.4,
            now=NOW,
        )
        if given is not None and rng.random() < 0.2:
            amend_contribution(who, given.id, reason="Wrong case", entered_in_error=True, now=NOW)


def _caseload(w: Ward, rng: random.Random, pid: str, opened: datetime) -> None:
    if rng.random() < 0.5:
        start = (opened + timedelta(days=rng.randint(-5, 5))).date()
        acct.set_caseload(w.mh, pid, "MH_IN_REACH", True, today=start)
        if rng.random() < 0.5:
            end = start + timedelta(days=rng.randint(1, 10))
            acct.set_caseload(w.mh, pid, "MH_IN_REACH", False, today=end)


def _other_events(w: Ward, rng: random.Random, case_id: str, opened: datetime) -> None:
    for kind in NOT_REVIEWS:
        if kind == "REOPEN" or rng.random() > 0.7:
            continue
        at = opened + timedelta(hours=rng.randint(0, 72))
        event = _try(acct.add_event, w.nurse, case_id, kind, scheduled_at=at, now=NOW)
        if event is None:
            continue
        if at < NOW and rng.random() < 0.6:
            _try(acct.record_event_held, w.nurse, event.id, held_at=at, chair="SO", now=NOW)
        _contribute(w, rng, event)


def _reviews(w: Ward, rng: random.Random, case_id: str, opened: datetime) -> None:
    hours = int((NOW - opened).total_seconds() // 3600) + 72
    for _ in range(rng.randint(1, 5)):
        at = opened + timedelta(hours=rng.randint(1, hours))
        _try(acct.add_event, w.nurse, case_id, "CASE_REVIEW", scheduled_at=at, now=NOW)
    for event in acct.case_view(w.nurse, case_id, NOW).events:
        if event.event_type in NOT_REVIEWS:
            continue
        _contribute(w, rng, event)
        due = event.scheduled_at
        if due is not None and due < NOW and rng.random() < 0.6:
            held = min(NOW, due + timedelta(minutes=rng.randint(0, 90)))
            _try(acct.record_event_held, w.nurse, event.id, held_at=held, chair="SO", now=NOW)
            _contribute(w, rng, event)


def _close_and_reopen(w: Ward, rng: random.Random, case_id: str, opened: datetime) -> None:
    if rng.random() < 0.4:
        return
    # Some closures more than a week back: their post-closure review is due and, unheld when
    # the case reopens, is missed because of the reopening alone.
    hours = int((NOW - opened).total_seconds() // 3600)
    closed_at = NOW - timedelta(hours=rng.randint(1, hours - 1))
    closed = _try(acct.close_case, w.nurse, case_id, held_at=closed_at, chair="SO", now=NOW)
    if closed is None:
        return
    _contribute(w, rng, next(e for e in closed.events if e.event_type == "CLOSURE"))
    if rng.random() < 0.6:
        reopened = NOW - timedelta(minutes=rng.randint(1, 50))
        _try(acct.reopen_case, w.nurse, case_id, reopened_at=reopened,
             reason="Self-harm again", now=NOW)  # fmt: skip
        at = NOW + timedelta(hours=rng.randint(1, 30))
        _try(acct.add_event, w.nurse, case_id, "CASE_REVIEW", scheduled_at=at, now=NOW)


def _case(w: Ward, k: int) -> None:
    """One patient's ACCT history: every event type, held or not, input of every kind (some
    planned, some entered in error), closures with reviews left unheld before them (missed),
    reopenings, and MH in-reach caseload spells that start or end around the reviews."""
    rng = random.Random(k)
    pid = w.patients[k]
    opened = NOW - timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 23))
    _caseload(w, rng, pid, opened)
    view = acct.open_case(w.nurse, pid, opened_at=opened, concern_summary="Cuts to arms",
                          risk_level="RAISED", now=NOW)  # fmt: skip
    _other_events(w, rng, view.id, opened)
    _reviews(w, rng, view.id, opened)
    _close_and_reopen(w, rng, view.id, opened)


def _full(session: Any, now: datetime, **kw: Any) -> list[Any]:
    return [
        (
            who,
            loaded.case.id,
            loaded.flags,
            loaded.warnings,
            {
                f.event_id: {e.id: e.held_at for e in loaded.events}[f.event_id]
                for f in loaded.flags
            },
        )
        for who, loaded in acct.live_cases(session, now, on_roll=True, **kw)
    ]


def _today(session: Any, now: datetime, **kw: Any) -> list[Any]:
    return [
        (c.who, c.case_id, c.flags, c.warnings, dict(c.held_at))
        for c in acct.live_case_input(session, now, **kw)
    ]


def _compare(v: OpenVault, moments: list[datetime], **kw: Any) -> tuple[int, int]:
    flags = warnings = 0
    with v.session() as session:
        for now in moments:
            full = _full(session, now, **kw)
            assert _today(session, now, **kw) == full, now
            flags += sum(len(c[2]) for c in full)
            warnings += sum(len(c[3]) for c in full)
    return flags, warnings


def test_today_loader_gives_the_full_loaders_flags_and_warnings(ward: Ward) -> None:
    for k in range(PEOPLE):
        _case(ward, k)
    with ward.admin.session() as s:
        kinds = {e.type for _, c in acct.live_cases(s, NOW) for e in c.events}
        cases = acct.live_case_input(s, NOW)
    # The comparison means something only if the rules had every kind of event to pass over,
    # a missed review (no held time) and the MH in-reach variant among the flags.
    assert kinds == set(rules.AcctEventType), kinds
    flagged = [(f, c.held_at[f.event_id]) for c in cases for f in c.flags]
    assert any(held is None for _, held in flagged)
    assert any(f.code is rules.FlagCode.ACCT_NO_MH_INPUT for f, _ in flagged)
    flags, warnings = _compare(ward.admin, MOMENTS)
    assert flags  # and every moment compared equal above
    assert warnings
    for wing in ("A", "B"):
        assert _compare(ward.admin, MOMENTS[::6], wing=wing)[0]


def test_today_loader_matches_on_the_demo(demo: OpenVault) -> None:
    with demo.session() as s:
        now = max(
            e.scheduled_at
            for _, c in acct.live_cases(s, datetime.now(UTC))
            for e in c.events
            if e.scheduled_at is not None
        )
    moments = [now - timedelta(hours=h) for h in range(0, 24 * 10, 23)]
    flags, warnings = _compare(demo, moments)
    assert flags
    assert warnings
