"""A first sync into an empty vault stores pages that arrived while the last was being stored in
one transaction, up to `cycle.FILL_PAGES_PER_COMMIT` (docs/performance.md, "First sync: pages
per commit"), and never holds the vault's write turn while it waits for the hub.

What must hold: every page is still stored whole with its cursor (a reader sees the cursor move
only at a commit, and never past a page not yet committed); a clinician's write is not kept
waiting on the network; what is stored equals the hub's records, once each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from hjdesk.storage.models import Patient
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import cycle, local_state
from hjdesk.sync.cycle import SyncProgress, Tally
from hjdesk.sync.errors import HubUnreachable
from hjdesk.sync.hub import schema
from hjdesk.sync.protocol import ChangesReply
from hjdesk.sync.transport import HubClient
from tests.sync.helpers import HubProcess, Laptop

PAGE = 5


def _quiet(_: SyncProgress) -> None:
    pass


def _fresh(make_laptop: Callable[[str], Laptop], hub: HubProcess, count: int) -> Laptop:
    """An office's `count` patients on the hub and a new laptop enrolled, not yet synced."""
    office = make_laptop("office")
    office.add_patients(office.add_establishment("DMO"), count)
    office.enrol(hub, "DMO")
    assert office.sync().waiting == 0
    assert hub.count(schema.documents, schema.documents.c.kind == "patient") == count
    fresh = make_laptop("fresh")
    fresh.enrol(hub, "DMO")
    return fresh


def _client(vault: OpenVault) -> HubClient:
    with vault.session() as session:
        config = local_state.config(session)
    assert config is not None
    return HubClient(config.hub_url, token=config.token)


def _cursor(vault: OpenVault) -> str | None:
    """The cursor as another connection sees it: only what is committed."""
    with vault.session() as session:
        return local_state.get(session, local_state.CURSOR)


def _patients(vault: OpenVault) -> tuple[int, int]:
    with vault.session() as session:
        rows = session.scalar(select(func.count()).select_from(Patient)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Patient.id)))) or 0
        return rows, distinct


def test_pages_that_have_arrived_share_a_commit_and_the_cursor_moves_only_with_it(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    fresh = _fresh(make_laptop, hub, 60)
    with fresh.vault() as v:
        pages: list[ChangesReply] = []
        with _client(v) as client:
            since = 0
            while True:
                reply = client.changes(since, PAGE)
                pages.append(reply)
                since = reply.next_since
                if not reply.more:
                    break
        group = cycle.FILL_PAGES_PER_COMMIT
        assert len(pages) > 2 * group  # several commits, the last one short

        before = _cursor(v)  # as enrolment left it
        fill = cycle._FirstFill(v, _quiet)
        seen: list[str | None] = []
        try:
            with cycle._Pages(v, fill) as stored:
                for reply in pages:
                    stored.store(reply, Tally())
                    seen.append(_cursor(v))
            fill.build_indexes()
        finally:
            fill.close()

        for number, cursor in enumerate(seen, start=1):
            whole = number - number % group  # pages committed after this one was stored
            expected = str(pages[whole - 1].next_since) if whole else before
            assert cursor == expected, f"after page {number}"
        assert _cursor(v) == str(pages[-1].next_since)
        rows, distinct = _patients(v)
    assert rows == distinct == 60


class _HeldHub:
    """A hub client whose second page does not come until the test lets it."""

    def __init__(self, client: HubClient) -> None:
        self.client = client
        self.calls = 0
        self.waiting = threading.Event()
        self.release = threading.Event()

    def changes(self, since: int, limit: int, *, count: bool = False) -> ChangesReply:
        self.calls += 1
        if self.calls == 2:
            self.waiting.set()
            assert self.release.wait(60)
        return self.client.changes(since, limit, count=count)


def test_the_write_turn_is_free_while_the_pull_waits_for_the_hub(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    fresh = _fresh(make_laptop, hub, 40)
    with fresh.vault() as v, _client(v) as client:
        held = _HeldHub(client)
        before = _cursor(v)
        failed: list[BaseException] = []

        def pull() -> None:
            try:
                cycle.pull(v, cast(Any, held), Tally(), _quiet, PAGE)
            except BaseException as error:  # reported by the test thread
                failed.append(error)

        puller = threading.Thread(target=pull)
        puller.start()
        try:
            assert held.waiting.wait(60)
            wrote = threading.Event()

            def write() -> None:
                with v.transaction() as session:
                    local_state.put(session, "test.probe", "written")
                wrote.set()

            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            # Stored and committed before the wait: the write gets its turn, and page one is
            # there for a reader, while the hub still holds page two.
            assert wrote.wait(20), "a write waited while the pull waited for the hub"
            assert _cursor(v) not in (None, before)
            assert held.calls == 2
        finally:
            held.release.set()
            puller.join(120)
        assert not failed, failed
        rows, distinct = _patients(v)
    assert rows == distinct == 40


# -- the pull stopping while pages share a commit -------------------------------------------


class _FailingHub:
    """A hub client that answers from the real hub until call `fail_on`, which fails as a hub
    that went away does; the replies it gave, and the cursor each call asked from."""

    def __init__(self, client: HubClient, fail_on: int) -> None:
        self.client = client
        self.fail_on = fail_on
        self.replies: list[ChangesReply] = []
        self.asked: list[int] = []

    def changes(self, since: int, limit: int, *, count: bool = False) -> ChangesReply:
        self.asked.append(since)
        if len(self.asked) == self.fail_on:
            raise HubUnreachable("the hub went away")
        reply = self.client.changes(since, limit, count=count)
        self.replies.append(reply)
        return reply


def _in_order(monkeypatch: pytest.MonkeyPatch, fail_storing: int | None = None) -> None:
    """Take the race out: page N is stored only once the fetch asked for while it is stored
    (call N + 1) has finished, so the pull always finds that fetch done (a reply in hand, or the
    hub's failure) when it decides whether to commit before waiting. Storing page
    `fail_storing` fails."""
    futures: list[Future[Any]] = []

    class Recorded(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = super().submit(fn, *args, **kwargs)
            futures.append(future)
            return future

    store_in = cycle._store_in
    stored: list[int] = []

    def store_after_the_next_fetch(session: Any, reply: ChangesReply, tally: Tally) -> None:
        stored.append(len(stored) + 1)
        if len(futures) > len(stored):
            futures[len(stored)].exception(timeout=60)  # done, whichever way
        if len(stored) == fail_storing:
            raise RuntimeError("storing failed")
        store_in(session, reply, tally)

    monkeypatch.setattr(cycle, "ThreadPoolExecutor", Recorded)
    monkeypatch.setattr(cycle, "_store_in", store_after_the_next_fetch)


def _pulled_ids(replies: list[ChangesReply]) -> set[str]:
    return {c.record_id for reply in replies for c in reply.changes if c.kind == "patient"}


def _stored_ids(vault: OpenVault) -> list[str]:
    with vault.session() as session:
        return list(session.scalars(select(Patient.id)))


def test_the_hub_failing_while_pages_share_a_commit_loses_none_of_them(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of the reverted first form (tests/services/test_today_kept.py, a first sync cut
    short): pages 1 and 2 are stored in one open transaction when the fetch of page 3 fails.
    What was stored is committed, then the error is raised; the next pull starts after page 2
    and brings the rest, once."""
    fresh = _fresh(make_laptop, hub, 40)
    assert cycle.FILL_PAGES_PER_COMMIT > 2
    with fresh.vault() as v, _client(v) as client:
        failing = _FailingHub(client, fail_on=3)
        with monkeypatch.context() as patch:
            _in_order(patch)
            with pytest.raises(HubUnreachable):
                cycle.pull(v, cast(Any, failing), Tally(), _quiet, PAGE)
        first, second = failing.replies
        assert _cursor(v) == str(second.next_since)
        kept = _stored_ids(v)
        assert sorted(kept) == sorted(_pulled_ids([first, second]))
        assert len(kept) >= PAGE  # pages of patients, not only the office's own records

        resumed = _FailingHub(client, fail_on=0)
        tally = Tally()
        cycle.pull(v, cast(Any, resumed), tally, _quiet, PAGE)
        assert resumed.asked[0] == second.next_since
        assert _pulled_ids(resumed.replies).isdisjoint(kept)  # nothing received twice
        rows, distinct = _patients(v)
    assert rows == distinct == 40


def test_storing_that_fails_rolls_back_the_open_group_and_the_next_pull_brings_it_again(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing page 2 fails while page 1 waits in the same transaction: both go, the cursor is
    where it was, and the next pull brings everything, once."""
    fresh = _fresh(make_laptop, hub, 40)
    with fresh.vault() as v, _client(v) as client:
        before = _cursor(v)
        failing = _FailingHub(client, fail_on=0)
        with monkeypatch.context() as patch:
            _in_order(patch, fail_storing=2)
            with pytest.raises(RuntimeError, match="storing failed"):
                cycle.pull(v, cast(Any, failing), Tally(), _quiet, PAGE)
        assert len(failing.replies) >= 2
        assert _cursor(v) == before
        assert _stored_ids(v) == []

        again = _FailingHub(client, fail_on=0)
        cycle.pull(v, cast(Any, again), Tally(), _quiet, PAGE)
        assert again.asked[0] == failing.asked[0]
        rows, distinct = _patients(v)
    assert rows == distinct == 40
