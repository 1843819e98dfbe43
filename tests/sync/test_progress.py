"""A long sync's progress: records, rate and time left, from the client's own callbacks.

The meter on a controlled clock; then `hjdesk sync` against a real hub, in small batches so the
client reports several times (its lines are what a person reads while a first sync runs)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from hjdesk.sync.cycle import SyncProgress
from hjdesk.sync.progress import RateMeter, duration_text
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


def test_pull_has_no_total_so_no_time_left_and_a_new_phase_restarts_the_rate() -> None:
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
