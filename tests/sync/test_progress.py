"""A long sync's progress: records, rate and time left, from the client's own callbacks.

The meter on a controlled clock; then `hjdesk sync` against a real hub, in small batches so the
client reports several times (its lines are what a person reads while a first sync runs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hjdesk.sync import local_state
from hjdesk.sync.cycle import SyncProgress
from hjdesk.sync.hub import schema
from hjdesk.sync.progress import RateMeter, duration_text
from hjdesk.sync.transport import HubClient
from tests.sync.helpers import HubProcess, Laptop, run_cli


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_push_shows_records_rate_and_time_left() -> None:
    clock = Clock()
    meter = RateMeter(clock=clock)
    first = meter.update(SyncProgress("push", 500, 10_000, "sent 500 of 10000"))
    # No rate from a single report: nothing has been timed yet.
    assert first.text() == "sent 500 of 10,000 records"
    clock.now += 2.0
    line = meter.update(SyncProgress("push", 4_500, 10_000, "sent 4500 of 10000"))
    assert line.rate == pytest.approx(2_000)
    assert line.seconds_left == pytest.approx(2.75)
    assert line.text() == "sent 4,500 of 10,000 records, 2,000 records/s, about 3 s left"


def test_a_pull_without_a_total_has_no_time_left_and_a_new_phase_restarts_the_rate() -> None:
    clock = Clock()
    meter = RateMeter(clock=clock)
    meter.update(SyncProgress("push", 10, 10, "sent 10 of 10"))
    clock.now += 30  # a slow push must not drag the pull's rate down
    assert meter.update(SyncProgress("pull", 1_000, None, "received 1000")).rate is None
    clock.now += 4
    line = meter.update(SyncProgress("pull", 9_000, None, "received 9000"))
    assert line.rate == pytest.approx(2_000)
    assert line.seconds_left is None
    assert line.text() == "received 9,000 records, 2,000 records/s"


def test_a_rate_waits_for_the_phase_to_settle_and_other_phases_keep_their_words() -> None:
    clock = Clock()
    meter = RateMeter(clock=clock, settle=1.0)
    meter.update(SyncProgress("pull", 0, None, "received 0"))
    clock.now += 0.2
    assert meter.update(SyncProgress("pull", 1, None, "received 1")).text() == "received 1 record"
    assert meter.update(SyncProgress("connect", 0, None, "connecting to x")).text() == (
        "connecting to x"
    )
    assert meter.update(SyncProgress("done", 1, 1, "sync complete")).text() == "sync complete"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "under a second"), (42.4, "about 42 s"), (200, "about 3 min 20 s"),
     (120, "about 2 min"), (3 * 3600 + 125, "about 3 h 2 min")],
)  # fmt: skip
def test_time_left_reads_as_a_person_would_say_it(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_hjdesk_sync_prints_each_batch_with_its_count(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    laptop.add_patients(laptop.add_establishment("DMO"), 30)
    code = hub.enrol_code("DMO")
    enrolled = run_cli("enrol", "--home", str(laptop.home.root), "--hub", hub.url, "--code", code)
    assert enrolled.returncode == 0, enrolled.stderr
    waiting = laptop.unsent() + 1  # the command line's unlock queues its audit event too
    synced = run_cli("sync", "--home", str(laptop.home.root), "--batch-size", "7")
    assert synced.returncode == 0, synced.stderr
    pushed = [
        (int(m[1].replace(",", "")), int(m[2].replace(",", "")))
        for m in re.finditer(r"^push: sent ([\d,]+) of ([\d,]+) records?", synced.stdout, re.M)
    ]
    # One line per acknowledged batch of 7, counting up to everything that was waiting (the
    # sync's own audit event goes in a second push at the end).
    assert len(pushed) >= waiting // 7
    assert pushed[0] == (7, waiting)
    assert (waiting, waiting) in pushed
    assert re.search(r"^pull: received [\d,]+ records?", synced.stdout, re.M)
    assert "0 changes waiting to be sent." in synced.stdout


def test_a_pull_with_the_hubs_count_shows_time_left() -> None:
    clock = Clock()
    meter = RateMeter(clock=clock)
    assert meter.update(SyncProgress("pull", 1_000, 21_000, "received 1000")).text() == (
        "received 1,000 of 21,000 records"
    )
    clock.now += 5
    line = meter.update(SyncProgress("pull", 11_000, 21_000, "received 11000"))
    assert line.seconds_left == pytest.approx(5)
    assert line.text() == "received 11,000 of 21,000 records, 2,000 records/s, about 5 s left"


def _pushed_caseload(hub: HubProcess, make_laptop: Callable[[str], Laptop]) -> int:
    """Another laptop of the prison puts 30 patients on the hub; the records a new laptop gets."""
    office = make_laptop("office")
    office.add_patients(office.add_establishment("DMO"), 30)
    office.enrol(hub, "DMO")
    office.sync()
    docs = schema.documents
    return hub.count(docs, docs.c.kind != "audit_event")


def test_the_hub_says_how_many_records_remain_only_to_a_client_that_asks(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    total = _pushed_caseload(hub, make_laptop)
    fresh = make_laptop("fresh")
    fresh.enrol(hub, "DMO")
    with fresh.vault() as v:
        config = local_state.config(v.session())
    assert config is not None
    with HubClient(config.hub_url, token=config.token) as client:
        first = client.changes(0, 7, count=True)
        assert first.remaining == total - 7
        assert client.changes(first.next_since, 7, count=True).remaining == total - 14
        last = client.changes(0, total + 5, count=True)
        assert (len(last.changes), last.more, last.remaining) == (total, False, 0)
        assert client.changes(0, 7).remaining is None
    # A client from before `remaining` refuses fields it does not know: it never gets the key.
    plain = httpx.get(f"{hub.url}/v1/changes", params={"since": 0, "limit": 7},
                      headers={"Authorization": f"Bearer {config.token}"})  # fmt: skip
    assert plain.status_code == 200
    assert "remaining" not in plain.json()
    asked = httpx.get(f"{hub.url}/v1/changes", params={"since": 0, "limit": 7, "count": "true"},
                      headers={"Authorization": f"Bearer {config.token}"})  # fmt: skip
    assert asked.json()["remaining"] == total - 7


def test_hjdesk_sync_counts_a_first_pull_against_the_hubs_total(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    total = _pushed_caseload(hub, make_laptop)
    fresh = make_laptop("fresh")
    code = hub.enrol_code("DMO")
    enrolled = run_cli("enrol", "--home", str(fresh.home.root), "--hub", hub.url, "--code", code)
    assert enrolled.returncode == 0, enrolled.stderr
    synced = run_cli("sync", "--home", str(fresh.home.root), "--page-size", "7")
    assert synced.returncode == 0, synced.stderr
    pulled = [
        (int(m[1].replace(",", "")), int(m[2].replace(",", "")))
        for m in re.finditer(r"^pull: received ([\d,]+) of ([\d,]+) records?", synced.stdout, re.M)
    ]
    assert pulled[0] == (7, total)
    assert pulled[-1] == (total, total)
    assert len(pulled) == -(-total // 7)


def test_a_pull_from_a_hub_that_sends_no_count_shows_records_only(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub from before `remaining` ignores `count` and sends none: no total, no time left."""
    total = _pushed_caseload(hub, make_laptop)
    fresh = make_laptop("fresh")
    fresh.enrol(hub, "DMO")
    old_changes = HubClient.changes

    def as_an_old_hub(self: HubClient, since: int, limit: int, *, count: bool = False) -> Any:
        return old_changes(self, since, limit).model_copy(update={"remaining": None})

    monkeypatch.setattr(HubClient, "changes", as_an_old_hub)
    steps: list[SyncProgress] = []
    summary = fresh.sync(progress=steps.append, page_size=7)
    assert summary.pulled == total
    pulls = [s for s in steps if s.phase == "pull"]
    assert pulls
    assert all(s.total is None for s in pulls)
    assert pulls[-1].done == total
