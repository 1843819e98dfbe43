"""Push delivers every op exactly once, whatever fails on the way (architecture.md §5)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hjdesk.storage.models import OutboxOp, Setting
from hjdesk.sync.cycle import _wire
from hjdesk.sync.hub import schema
from hjdesk.sync.local_state import TOKEN
from hjdesk.sync.protocol import PushRequest
from tests.sync.helpers import HubProcess, Laptop, cli_env


def _batches(laptop: Laptop, size: int) -> list[str]:
    with laptop.peek() as s:
        ops = list(s.scalars(select(OutboxOp).order_by(OutboxOp.seq)))
    return [
        PushRequest(ops=[_wire(op, []) for op in ops[i : i + size]]).model_dump_json()
        for i in range(0, len(ops), size)
    ]


def _token(laptop: Laptop) -> dict[str, str]:
    with laptop.peek() as s:
        token = s.get(Setting, TOKEN)
        assert token is not None
    return {"Authorization": f"Bearer {token.value}", "Content-Type": "application/json"}


def _assert_exactly_once(hub: HubProcess, laptop: Laptop) -> None:
    device = laptop.device_id()
    with hub.store.reading() as conn:
        seqs = [
            r[0]
            for r in conn.execute(select(schema.ops.c.seq).where(schema.ops.c.device_id == device))
        ]
        docs = conn.execute(select(func.count()).select_from(schema.documents)).scalar_one()
        device_row = conn.execute(
            select(schema.devices.c.acked_seq).where(schema.devices.c.id == device)
        ).scalar_one()
    with laptop.peek() as s:
        local = list(s.scalars(select(OutboxOp.seq).order_by(OutboxOp.seq)))
        records = s.scalar(select(func.count(func.distinct(OutboxOp.record_id))))
    assert len(seqs) == len(set(seqs)), "an op was stored twice"
    assert sorted(seqs) == local, "the hub lacks ops, or has ops the laptop never made"
    assert device_row == local[-1]
    assert docs == records
    assert laptop.unsent() == 0


def test_resent_duplicated_and_reordered_batches_store_nothing_twice(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    laptop.add_patients(laptop.add_establishment("DMO"), 200)
    laptop.enrol(hub, "DMO")
    first, second, third = _batches(laptop, 50)[:3]
    headers = _token(laptop)
    push = f"{hub.url}/v1/push"

    early = httpx.post(push, content=second, headers=headers)  # out of order: a hole before it
    assert early.status_code == 409
    assert early.json()["expected_seq"] == 1
    assert hub.count(schema.ops) == 0
    assert hub.count(schema.documents) == 0

    replies = [httpx.post(push, content=batch, headers=headers) for batch in
               (first, first, second, first, third, second)]  # fmt: skip
    assert [r.status_code for r in replies] == [200] * 6
    assert [r.json()["duplicates"] for r in replies] == [0, 50, 0, 50, 0, 50]
    assert [r.json()["acked_seq"] for r in replies] == [50, 50, 100, 100, 150, 150]
    assert hub.count(schema.ops) == 150

    summary = laptop.sync()  # the laptop never saw those replies: it resends, the hub skips
    assert summary.duplicates >= 150
    _assert_exactly_once(hub, laptop)


@pytest.mark.slow
def test_client_killed_at_random_points_during_push(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """SIGKILL the sync client ≥ 50 times mid-push over a queue of thousands of ops."""
    laptop = make_laptop("a")
    est = laptop.add_establishment("DMO")
    laptop.add_patients(est, 2000)
    laptop.enrol(hub, "DMO")
    rng = random.Random(5)
    driver = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("kill_driver.py")), str(laptop.home.root),
         "40"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=cli_env(), text=True,
    )  # fmt: skip
    assert driver.stdin is not None
    assert driver.stdout is not None
    kills = refills = runs = 0
    try:
        while kills < 50:
            runs += 1
            assert runs < 200, "the client kept finishing before it could be killed"
            if laptop.unsent() < 200:  # keep thousands of ops flowing through the queue
                laptop.add_patients(est, 400, prefix=f"K{refills}")
                refills += 1
            driver.stdin.write("go\n")
            driver.stdin.flush()
            pid_text, event = driver.stdout.readline().split()[:2]
            assert event == "connect", "the client failed before its push started"
            time.sleep(rng.uniform(0.0, 0.3))
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_text), signal.SIGKILL)
            status = int(driver.stdout.readline().split()[2])
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                kills += 1
            else:
                assert os.WEXITSTATUS(status) == 0
    finally:
        driver.stdin.close()
        driver.wait(30)
        driver.stdout.close()
    assert laptop.sync().waiting == 0
    _assert_exactly_once(hub, laptop)
    assert laptop.outbox_size() >= 2000


@pytest.mark.slow
def test_hub_stopped_and_restarted_mid_batch(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    est = laptop.add_establishment("DMO")
    laptop.enrol(hub, "DMO")
    rng = random.Random(7)
    for round_ in range(3):
        laptop.add_patients(est, 1000, prefix=f"R{round_}")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.cli_test_profile", "sync", "--home",
             str(laptop.home.root), "--batch-size", "1000"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(), text=True,
        )  # fmt: skip
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(rng.uniform(0.05, 0.4))
        hub.kill()  # mid-batch: the request is in flight, or being applied
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, 1), err
        if proc.returncode == 1:
            assert "hub" in err
            assert "Traceback" not in err
        hub.start()
    assert laptop.sync().waiting == 0
    _assert_exactly_once(hub, laptop)


def test_hub_that_lost_acknowledged_ops_gets_them_again(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """A hub restored from last night's backup asks for what it lost (409 + expected_seq)."""
    laptop = make_laptop("a")
    patients = laptop.add_patients(laptop.add_establishment("DMO"), 30)
    laptop.enrol(hub, "DMO")
    laptop.sync()
    device = laptop.device_id()
    with hub.store.engine.begin() as conn:  # simulate the restore: ops after seq 10 are gone
        conn.execute(schema.ops.delete().where(schema.ops.c.seq > 10))
        # The staff and establishment records came with the first ops, which the backup holds.
        conn.execute(schema.documents.delete().where(
            schema.documents.c.kind.in_(["patient", "audit_event"])
        ))  # fmt: skip
        conn.execute(schema.devices.update().values(acked_seq=10))
        conn.execute(schema.audit_chains.delete())
    laptop.add_patients(laptop.establishment_id("DMO") or "", 5, prefix="N")
    laptop.sync()
    with hub.store.reading() as conn:
        seqs = [
            r[0]
            for r in conn.execute(select(schema.ops.c.seq).where(schema.ops.c.device_id == device))
        ]
    assert sorted(seqs) == list(range(1, laptop.outbox_size() + 1))
    assert hub.doc("patient", patients[-1]) is not None  # sent again after the restore
