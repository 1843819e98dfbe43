"""Today's kept lists against the full computation.

`today_worklists` keeps each person's items between calls and recomputes only the people whose
records changed (a stale kept list hides clinical work). These tests hold the kept answer
(`kept=True`, on the same vault object throughout, so the kept lists are really reused) to the
full computation (`kept=False`), for the whole vault, one establishment and one wing: after every
step of a seeded random walk over a copy of the demo (tests/services/today_walk.py), after writes
through another unlock of the vault and another process, after a place changes, at London
midnight in summer time, and as pulls bring another laptop's work, page by page (a first sync
into an empty laptop too). A failing step names its seed, the steps before it, which list
differs and the first differing items.

Clinical history is written through the services only (tests/README.md); conditions, mirrored
from the central record, are added as rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypedDict, Unpack

import pytest
from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.services import acct
from hjdesk.services import care_plans as cp
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.services.encounters.signing import sign_encounter
from hjdesk.services.worklists.today import TodayItem, TodayLists, today_worklists
from hjdesk.storage.models import CaseloadMembership, Condition, Establishment, Location, Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.sync.client import sync
from hjdesk.sync.cycle import SyncProgress
from hjdesk.sync.errors import SyncError
from tests.conftest import FAST_KDF, PASSWORD, RollWriter
from tests.services.today_walk import (
    HOME,
    OTHER,
    STEPS,
    WING,
    Walk,
    deck,
    review_input,
    roll_lines,
)
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    as_user,
    import_roll_as,
    run_cli,
    test_nhs_number,
    write_roll,
)


class Scope(TypedDict, total=False):
    establishment: str
    wing: str


SCOPES: tuple[Scope, ...] = ({}, {"establishment": HOME}, {"wing": WING})


def kept_lists(v: OpenVault, now: datetime, **scope: Unpack[Scope]) -> TodayLists:
    return today_worklists(v, now=now, kept=True, **scope)


def full_lists(v: OpenVault, now: datetime, **scope: Unpack[Scope]) -> TodayLists:
    return today_worklists(v, now=now, kept=False, **scope)


# -- comparing ------------------------------------------------------------------------------


def _first_difference(kept: TodayLists, full: TodayLists) -> str:
    """Which lists differ, where, and the items only one side has."""
    lines: list[str] = []
    for (name, mine), (_, right) in zip(kept.named(), full.named(), strict=True):
        if mine == right:
            continue
        at = next(
            (i for i, (a, b) in enumerate(zip(mine, right, strict=False)) if a != b),
            min(len(mine), len(right)),
        )
        lines.append(f"{name}: kept {len(mine)} items, full {len(right)}; first differs at {at}")
        lines.append(f"  kept: {mine[at] if at < len(mine) else '(none)'}")
        lines.append(f"  full: {right[at] if at < len(right) else '(none)'}")
        lines += [f"  only kept: {i}" for i in [i for i in mine if i not in right][:3]]
        lines += [f"  only full: {i}" for i in [i for i in right if i not in mine][:3]]
    return "\n".join(lines)


def assert_same(
    v: OpenVault, now: datetime, *, full_first: bool = False, **scope: Unpack[Scope]
) -> TodayLists:
    """The kept lists equal the full computation (returned); on failure, say where they part."""
    if full_first:  # a full computation must not consume the changes the kept lists wait on
        full = full_lists(v, now, **scope)
        kept = kept_lists(v, now, **scope)
    else:
        kept = kept_lists(v, now, **scope)
        full = full_lists(v, now, **scope)
    assert kept == full, f"at {now.isoformat()} {scope or 'whole vault'}:\n" + _first_difference(
        kept, full
    )
    return full


def _compare(w: Walk, step: int, name: str) -> None:
    scopes = list(SCOPES)
    w.rng.shuffle(scopes)  # a call for one scope must not use up what another is waiting on
    for scope in scopes:
        try:
            full = assert_same(w.nurse, w.now, full_first=w.rng.random() < 0.3, **scope)
        except AssertionError as failure:
            history = "\n".join(w.log[-8:])
            raise AssertionError(
                f"seed {w.seed}, step {step} ({name}); the steps before:\n{history}\n{failure}"
            ) from None
        if not scope:
            w.last = full


# -- the tests ------------------------------------------------------------------------------


@pytest.fixture
def mh(demo_home: HomePaths, demo: OpenVault) -> Iterator[OpenVault]:
    opened = Vault(demo_home).unlock("mhnurse", PASSWORD)
    yield opened
    opened.lock()


SEEDS = (1, 2, 3)
WALK = 60


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kept_today_equals_the_full_computation_through_a_random_walk(
    demo: OpenVault, mh: OpenVault, roll: RollWriter, seed: int
) -> None:
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(microsecond=0)
    w = Walk(seed, demo, mh, roll, rng, start)
    _compare(w, 0, "start")
    assert w.last is not None
    for name, items in w.last.named():  # the walk starts from people already in each list
        assert items, f"{name} is empty on the demo"
    for step, name in enumerate(deck(rng, WALK), 1):
        took = STEPS[name][1](w)
        w.done[name] += took
        w.log.append(f"  {step:3d} {name}{'' if took else ' (refused or nothing to do)'}"
                     f" -> now {w.now.isoformat()}")  # fmt: skip
        _compare(w, step, name)
    # Each kind of step was tried; most did something (a refusal is the services' rule).
    missing = sorted(n for n in STEPS if not w.done[n])
    assert len(missing) <= 4, (missing, w.done)


# -- focused: writes from elsewhere -----------------------------------------------------------


def every_scope_of(v: OpenVault, now: datetime, establishment: str) -> TodayLists:
    """Kept equals full for the whole vault, the establishment and the wing; the whole vault's
    lists."""
    scopes: tuple[Scope, ...] = ({}, {"establishment": establishment}, {"wing": WING})
    whole, *_ = (assert_same(v, now, **scope) for scope in scopes)
    return whole


def every_scope(v: OpenVault, now: datetime) -> TodayLists:
    return every_scope_of(v, now, HOME)


def _gone(before: tuple[TodayItem, ...], after: tuple[TodayItem, ...], source: str) -> bool:
    return any(i.source_id == source for i in before) and all(i.source_id != source for i in after)


def _two_flagged(v: OpenVault, items: tuple[TodayItem, ...]) -> tuple[TodayItem, TodayItem]:
    """Two reviews held without health input, of two people not on the MH in-reach caseload."""
    with v.session() as s:
        on = set(s.scalars(select(CaseloadMembership.patient_id)
                           .where(CaseloadMembership.ended_on.is_(None))))  # fmt: skip
    flagged = [i for i in items if i.what.startswith("No health input") and i.patient_id not in on]
    first = flagged[0]
    return first, next(i for i in flagged if i.patient_id != first.patient_id)


def test_writes_through_another_connection_and_another_process_are_seen(
    demo: OpenVault, demo_home: HomePaths, roll: RollWriter
) -> None:
    """The kept lists are this vault object's; a second unlock of the same home (as a second
    window or the command line would be), and another process, write through the services."""
    now = datetime.now(UTC).replace(microsecond=0)
    before = every_scope(demo, now)
    ltc, plan = before.ltc_reviews[0], before.care_plan_reviews[0]
    second = before.second_stage[0] if before.second_stage else before.second_stage_long_overdue[0]
    flag, joins = _two_flagged(demo, before.acct)
    reader = Vault(demo_home).unlock("gp", PASSWORD)  # keeps lists of its own
    every_scope(reader, now)
    other = Vault(demo_home).unlock("nurse", PASSWORD)
    mh = Vault(demo_home).unlock("mhnurse", PASSWORD)
    try:
        with other.session() as s:
            code = s.get(Condition, ltc.source_id)
            assert code is not None
        assert ltc.patient_id is not None
        assert second.patient_id is not None
        sign_encounter(other, review_input(ltc.patient_id, "LTC_REVIEW", now, condition=code.code),
                       now=now)  # fmt: skip
        sign_encounter(
            other, review_input(second.patient_id, "SECOND_STAGE_ASSESSMENT", now), now=now
        )
        cp.record_review(other, plan.target_id, review_date=now.astimezone(CLINIC_ZONE).date(),
                         attendees=["Patient"], outcome="Stopped", decision="CLOSE",
                         closed_reason="GOALS_MET", now=now)  # fmt: skip
        acct.add_contribution(other, flag.source_id, contribution_type="WRITTEN_CONTRIBUTION",
                              team="PRIMARY_CARE", summary="Known to us", now=now)  # fmt: skip
        # On the MH in-reach caseload since before their review: it wants MH input too.
        assert joins.patient_id is not None
        assert joins.due is not None
        acct.set_caseload(mh, joins.patient_id, "MH_IN_REACH", True, today=joins.due)
    finally:
        other.lock()
        mh.lock()
    after = every_scope(demo, now)
    assert _gone(before.ltc_reviews, after.ltc_reviews, ltc.source_id)
    assert _gone(before.care_plan_reviews, after.care_plan_reviews, plan.source_id)
    assert second.patient_id not in {
        i.patient_id for i in after.second_stage + after.second_stage_long_overdue
    }
    assert flag not in after.acct
    assert any(i.source_id == joins.source_id and "MH in-reach" in i.what for i in after.acct)
    # The other reader's kept lists were not used up by this one's call.
    assert every_scope(reader, now) == after

    # Another process: the command line imports a roll that moves a listed person off wing A.
    mover = next(i for i in after.ltc_reviews if i.wing == WING)
    assert mover.patient_id is not None
    path = roll.write(roll_lines(demo, roll, {mover.patient_id: {"location": "F-9-001"}}))
    done = run_cli("import-roll", "--home", str(demo_home.root), "--partial", str(path))
    assert done.returncode == 0, done.stderr
    moved = every_scope(demo, now)
    assert {i.wing for i in moved.ltc_reviews if i.patient_id == mover.patient_id} == {"F"}
    assert every_scope(reader, now) == moved
    reader.lock()


def test_a_location_changed_under_the_kept_lists(demo: OpenVault) -> None:
    """Each item carries its person's location and wing. No service renames a place (the roll
    names them by their path), so the edit is made on the rows, as a record changed elsewhere
    and received would be: a storage mechanic, not clinical data (tests/README.md)."""
    now = datetime.now(UTC).replace(microsecond=0)
    before = every_scope(demo, now)
    item = next(i for _, items in before.named() for i in items if i.wing not in ("", WING))
    with demo.transaction() as s:
        patient = s.get(Patient, item.patient_id)
        assert patient is not None
        place = s.get(Location, patient.location_id)
        assert place is not None
        place.path, place.wing = f"{WING}-{place.path}", WING
        s.scalars(select(Establishment)).one().code = OTHER
    after = every_scope(demo, now)
    assert WING in {
        i.wing for _, items in after.named() for i in items if i.patient_id == item.patient_id
    }
    assert all(not items for _, items in today_worklists(demo, establishment=HOME, now=now).named())


def test_the_day_turns_at_london_midnight_in_summer_time(demo: OpenVault) -> None:
    """In British Summer Time the local day starts at 23:00 UTC: a care plan due on 15 June is
    overdue from then, though the UTC date is still the 15th."""
    due, started = date(2027, 6, 15), date(2027, 6, 1)
    who = next(i for i in today_worklists(demo).ltc_reviews if i.wing == WING)
    assert who.patient_id is not None
    plan = cp.create_plan(demo, who.patient_id, "SMOKING", today=started)
    cp.update_plan(demo, plan.id, base_rev=plan.rev, review_due=due,
                   patient_involvement="AGREED", today=started)  # fmt: skip
    cp.activate_plan(demo, plan.id, today=started, now=datetime(2027, 6, 1, 9, tzinfo=UTC))
    last_minute = datetime(2027, 6, 15, 22, 59, 59, tzinfo=UTC)
    assert plan.id not in {i.target_id for i in every_scope(demo, last_minute).care_plan_reviews}
    next_day = every_scope(demo, last_minute + timedelta(seconds=2))
    assert plan.id in {i.target_id for i in next_day.care_plan_reviews}


# -- focused: a pull ------------------------------------------------------------------------


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    process = HubProcess(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / "hubdir").start()
    yield process
    process.close()


def _laptop(hub: HubProcess, root: Path, name: str, roll: Path) -> Laptop:
    laptop = Laptop(root, name)
    laptop.enrol(hub, "AAA")
    import_roll_as(laptop, roll, datetime.now(UTC) - timedelta(hours=1))
    with laptop.vault() as v:
        v.add_user("nurse", PASSWORD, display_name="Nurse Test", role="RN",
                   team="PRIMARY_CARE", kdf=FAST_KDF)  # fmt: skip
    return laptop


def _page_by_page(v: OpenVault, now: datetime, pages: list[str]) -> Callable[[SyncProgress], None]:
    """A sync progress callback comparing kept with full after each page is stored, as a Today
    page refreshing while the sync runs would."""

    def compare(step: SyncProgress) -> None:
        if step.phase == "pull":
            kept, full = kept_lists(v, now), full_lists(v, now)
            pages.append("same" if kept == full else _first_difference(kept, full))

    return compare


@pytest.mark.slow
def test_a_pull_of_another_laptops_input_and_reviews_is_seen(
    hub: HubProcess, tmp_path: Path
) -> None:
    """Laptop B records a first ACCT review held without input, a diabetes diagnosis and a care
    plan past its review date; A pulls them and keeps its Today. B then gives the input, signs
    the LTC review and reviews the plan; A's next pull, into the same vault object, one record
    a page, must clear all three from A's kept lists, page by page."""
    people = [Prisoner(f"A{1000 + k}AA", test_nhs_number(k), f"Person{k}",
                       location=f"{'AB'[k % 2]}-1-{k:03d}") for k in range(4)]  # fmt: skip
    path = write_roll(tmp_path / "aaa.csv", "AAA", people)
    a = _laptop(hub, tmp_path / "laptops", "a", path)
    b = _laptop(hub, tmp_path / "laptops", "b", path)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(CLINIC_ZONE).date()
    flagged, ill, planned = (estate_ids.patient_id(p.number) for p in people[:3])
    with as_user(b, "nurse") as v:
        case = acct.open_case(v, flagged, opened_at=now - timedelta(days=2), now=now,
                              concern_summary="Cuts", risk_level="RAISED")  # fmt: skip
        first = next(e for e in case.events if e.event_type == "CASE_REVIEW_FIRST")
        acct.record_event_held(v, first.id, held_at=now - timedelta(days=1), chair="SO", now=now)
        with v.transaction() as s:  # mirrored from the central record: no service writes it
            s.add(Condition(patient_id=ill, code="DIABETES", onset=date(2020, 1, 1)))
        started = today - timedelta(days=30)
        plan = cp.create_plan(v, planned, "SMOKING", today=started)
        cp.update_plan(v, plan.id, base_rev=plan.rev, review_due=today - timedelta(days=3),
                       patient_involvement="AGREED", today=started)  # fmt: skip
        cp.activate_plan(v, plan.id, today=started, now=now)
    b.sync()
    pages: list[str] = []
    with as_user(a, "nurse") as mine:
        sync(mine)
        before = every_scope_of(mine, now, "AAA")
        assert [i.source_id for i in before.acct] == [first.id]
        assert [i.patient_id for i in before.ltc_reviews] == [ill]
        assert [i.target_id for i in before.care_plan_reviews] == [plan.id]
        with as_user(b, "nurse") as v:
            acct.add_contribution(v, first.id, contribution_type="WRITTEN_CONTRIBUTION",
                                  team="PRIMARY_CARE", summary="Known to us", now=now)  # fmt: skip
            sign_encounter(v, review_input(ill, "LTC_REVIEW", now, condition="DIABETES"), now=now)
            cp.record_review(v, plan.id, review_date=today, attendees=["Patient"],
                             outcome="Cutting down", decision="CONTINUE",
                             next_review_due=today + timedelta(days=30), now=now)  # fmt: skip
        b.sync()
        sync(mine, page_size=1, progress=_page_by_page(mine, now, pages))
        after = every_scope_of(mine, now, "AAA")
    assert after.acct == after.ltc_reviews == after.care_plan_reviews == ()
    assert len(pages) > 3
    assert pages == ["same"] * len(pages), "\n".join(pages)


def _first_sync(
    hub: HubProcess, tmp_path: Path, *, stop_after: int | None = None
) -> tuple[list[str], TodayLists]:
    """Laptop A's roll and asthma diagnoses reach the hub; a new laptop, its Today kept while
    still empty, makes its first sync four records a page (the hub stopped after `stop_after`
    pages). The comparison after each page, and the whole vault's lists after the sync."""
    people = [Prisoner(f"A{1000 + k}AA", test_nhs_number(k), f"Person{k}",
                       location=f"{'AB'[k % 2]}-1-{k:03d}") for k in range(6)]  # fmt: skip
    a = _laptop(hub, tmp_path / "laptops", "a", write_roll(tmp_path / "aaa.csv", "AAA", people))
    with as_user(a, "nurse") as v, v.transaction() as s:
        for k, p in enumerate(people):  # mirrored from the central record: no service writes it
            pid = estate_ids.patient_id(p.number)
            s.add(Condition(patient_id=pid, code="ASTHMA", onset=date(2020, 1, 1 + k)))
    a.sync()
    fresh = Laptop(tmp_path / "laptops", "fresh")
    fresh.enrol(hub, "AAA")
    now = datetime.now(UTC).replace(microsecond=0)
    pages: list[str] = []
    with fresh.vault() as mine:
        every_scope_of(mine, now, "AAA")  # empty, and kept
        compare = _page_by_page(mine, now, pages)

        def progress(step: SyncProgress) -> None:
            compare(step)
            if len(pages) == stop_after:
                hub.kill()

        if stop_after is None:
            sync(mine, page_size=4, progress=progress)
        else:
            with pytest.raises(SyncError):
                sync(mine, page_size=4, progress=progress)
        after = every_scope_of(mine, now, "AAA")
    assert len(pages) > (2 if stop_after is None else stop_after - 1)
    return pages, after


@pytest.mark.slow
def test_after_a_first_sync_into_an_empty_laptop_everything_is_seen(
    hub: HubProcess, tmp_path: Path
) -> None:
    """The first sync stores its pages with the worklist triggers set aside
    (storage.deferred_indexes); built again, they mark everyone, and the kept lists are all
    worked out afresh."""
    _, after = _first_sync(hub, tmp_path)
    assert len(after.ltc_reviews) == len(after.second_stage_long_overdue) == 6


@pytest.mark.slow
def test_after_a_first_sync_cut_short_what_arrived_is_seen(hub: HubProcess, tmp_path: Path) -> None:
    """The hub goes away after two pages: the pull fails, the triggers are built again (and
    mark everyone), and the kept lists show the people stored so far."""
    _, after = _first_sync(hub, tmp_path, stop_after=2)
    assert after.second_stage_long_overdue


@pytest.mark.slow
def test_during_a_first_sync_each_page_is_seen(hub: HubProcess, tmp_path: Path) -> None:
    """Today open while a new laptop fills (a Today page refreshing during the sync) shows the
    people stored so far, as the full computation does."""
    pages, _ = _first_sync(hub, tmp_path)
    assert pages == ["same"] * len(pages), "\n".join(pages)
