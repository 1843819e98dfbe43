"""The hub's work per pushed batch does not grow with its tables (issue 15): one read of the
pending transfer claims per batch, not one per op; the batch's documents found by their primary
key. The batch is applied in this process (`apply_push` on the hub's own database) so its
statements can be counted; the hub process made everything before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from hjdesk.clinical import estate_ids
from hjdesk.storage.models import Condition
from hjdesk.sync import cycle
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.push import apply_push
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import PushRequest
from tests.sync.helpers import (
    HubProcess,
    Laptop,
    Prisoner,
    import_roll_as,
    test_nhs_number,
    write_roll,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


@contextmanager
def _statements(store: HubStore) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def _push_here(laptop: Laptop, store: HubStore) -> tuple[int, int, list[str]]:
    """Push the laptop's next batch through `apply_push` in this process; (sent, applied, SQL)."""
    device_id = laptop.device_id()
    with laptop.vault() as v:
        batch = cycle._next_batch(v, 0, 500)
        assert batch is not None
        request = PushRequest.model_validate_json(batch.body)
        with _statements(store) as seen:
            reply = apply_push(store, device_id, request)
        cycle._record_reply(v, reply)
    return len(request.ops), reply.applied, seen


def test_arriving_patients_records_read_the_pending_claims_once_per_batch(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    origin, destination = make_laptop("origin"), make_laptop("destination")
    prisoners = [
        Prisoner(f"A000{i}AA", test_nhs_number(i), f"Mover{i}", location=f"A-1-00{i}")
        for i in range(1, 5)
    ]
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", prisoners), T0)
    origin.sync()
    # The destination's roll lists them while the origin's still does: pending claims.
    arriving = [replace(p, location="2-04") for p in prisoners]
    import_roll_as(
        destination, write_roll(tmp_path / "bbb.csv", "BBB", arriving), T0 + timedelta(hours=1)
    )
    destination.sync()
    assert hub.count(schema.transfers, schema.transfers.c.status == "pending") == len(prisoners)

    ids = [estate_ids.patient_id(p.number) for p in prisoners]
    with destination.vault() as v, v.transaction() as s:  # care given on arrival
        s.add_all(
            Condition(patient_id=pid, code=code, onset=date(2020, 1, 1))
            for pid in ids
            for code in ("ASTHMA", "COPD")
        )
    store = hub.store
    sent, applied, seen = _push_here(destination, store)

    assert sent >= 2 * len(prisoners)
    assert applied == sent  # every arriving patient's records were accepted under the claim
    claims = [s for s in seen if s.startswith("SELECT") and "FROM transfers" in s]
    assert len(claims) == 1, claims
    for pid in ids:
        kinds = sorted(d["kind"] for d in hub.docs_of_patient(pid))
        assert kinds.count("condition") == 2


def test_a_batch_finds_its_documents_by_primary_key(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """`id IN (…)` without the kind cannot use the (kind, id) key and read every document the
    hub holds for every batch: a push slowed as the hub filled."""
    laptop = make_laptop("a")
    here = laptop.add_establishment("DMO")
    laptop.add_patients(here, 5)
    laptop.enrol(hub, "DMO")
    laptop.sync()
    laptop.add_patients(here, 5, prefix="Y")
    store = hub.store
    sent, applied, seen = _push_here(laptop, store)
    assert applied == sent
    lookups = [s for s in seen if s.startswith("SELECT") and "FROM documents" in s]
    assert lookups
    for statement in lookups:
        assert "documents.kind =" in statement, statement
