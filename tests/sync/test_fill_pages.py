"""A first sync into an empty vault stores pages that arrived while the last was being stored in
one transaction, up to `cycle.FILL_PAGES_PER_COMMIT` (docs/performance.md, "First sync: pages
per commit"), and never holds the vault's write turn while it waits for the hub.

What must hold: every page is still stored whole with its cursor (a reader sees the cursor move
only at a commit, and never past a page not yet committed); a clinician's write is not kept
waiting on the network; what is stored equals the hub's records, once each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import func, select

from hjdesk.storage.models import Patient
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import cycle, local_state
from hjdesk.sync.cycle import SyncProgress, Tally
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
