"""Push batches are split by size in bytes as well as by count, under the hub's body limit; an op
too large to send alone is set aside (quarantined with the reason), never retried for ever."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from hjdesk.storage.models import SyncQuarantine
from hjdesk.sync import protocol
from hjdesk.sync.hub import schema
from hjdesk.sync.transport import HubClient
from tests.sync.helpers import HubProcess, Laptop

BUDGET = 40_000


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A small body budget on the laptop side, and every push body's size."""
    monkeypatch.setattr(protocol, "PUSH_BODY_BUDGET", BUDGET)
    sizes: list[int] = []
    real = HubClient.push_json

    def recording(self: HubClient, body: bytes) -> protocol.PushReply:
        sizes.append(len(body))
        return real(self, body)

    monkeypatch.setattr(HubClient, "push_json", recording)
    return sizes


def test_batches_are_split_by_bytes_and_all_arrive(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], small_budget: list[int]
) -> None:
    laptop = make_laptop("a")
    patients = laptop.add_patients(laptop.add_establishment("DMO"), 150)
    laptop.enrol(hub, "DMO")
    summary = laptop.sync(batch_size=500)
    assert summary.waiting == 0
    assert len(small_budget) > 2  # one batch by count, several by size
    assert max(small_budget) <= BUDGET
    assert all(hub.doc("patient", p) is not None for p in patients)
    assert hub.count(schema.ops) == laptop.outbox_size()


def test_an_op_too_large_to_send_is_set_aside_and_the_rest_goes(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], small_budget: list[int]
) -> None:
    laptop = make_laptop("a")
    est = laptop.add_establishment("DMO")
    laptop.enrol(hub, "DMO")
    laptop.sync()
    (huge,) = laptop.add_patients(est, 1, prefix="H")
    laptop.edit_patient(huge, given_names="x" * (BUDGET * 2))
    after = laptop.add_patients(est, 3, prefix="J")
    first = laptop.sync()
    assert first.quarantined == 1
    assert first.waiting == 0
    with laptop.peek() as s:
        (kept,) = s.scalars(select(SyncQuarantine)).all()
    assert (kept.rule, kept.record_id, kept.direction) == ("too-large", huge, "push")
    assert "larger than the hub takes" in kept.reason
    assert all(hub.doc("patient", p) is not None for p in after)  # the rest went past it
    assert max(small_budget) <= BUDGET
    refused = hub.count(schema.refusals, schema.refusals.c.rule == "too-large")
    assert refused == 1  # the hub knows the seq was withdrawn: no gap
    second = laptop.sync()  # never retried
    assert second.quarantined == 0
    assert second.in_quarantine == 1
    assert second.waiting == 0
