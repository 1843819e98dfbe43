"""The hub's work per pushed batch does not grow with its tables (issue 15): one read of the
pending transfer claims per batch, not one per op, kept right as the batch's own ops create and
cancel claims; the batch's documents found by their primary key, in one statement. The batch is
applied in this process (`apply_push` on the hub's own database) so its statements can be counted;
the hub process made everything before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Select, event

from hjdesk.clinical import estate_ids
from hjdesk.storage.models import Condition
from hjdesk.sync import cycle
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.push import apply_push
from hjdesk.sync.hub.refusals import OpsRefused
from hjdesk.sync.hub.store import HubStore, documents_by_key
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
HOUR = timedelta(hours=1)
# The batch's document look-up (`store.documents_by_key`): the wanted keys joined to the key.
BY_KEY = "JOIN documents ON documents.kind = wanted.kind AND documents.id = wanted.id"


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


def _push_refused(laptop: Laptop, store: HubStore) -> tuple[list[str], list[tuple[str, str]]]:
    """Push the laptop's next batch, which the hub must refuse; (the batch's op ids, (op id,
    rule) of each op refused)."""
    with laptop.vault() as v:
        batch = cycle._next_batch(v, 0, 500)
        assert batch is not None
        request = PushRequest.model_validate_json(batch.body)
    with pytest.raises(OpsRefused) as refused:
        apply_push(store, laptop.device_id(), request)
    return [op.op_id for op in request.ops], [(r.op_id, r.rule) for r in refused.value.refusals]


def _record_conditions(laptop: Laptop, patient_ids: list[str], code: str) -> dict[str, str]:
    """Care given at `laptop`'s prison: a condition for each patient; patient → condition id."""
    made: dict[str, str] = {}
    with laptop.vault() as v, v.transaction() as s:
        for pid in patient_ids:
            condition = Condition(patient_id=pid, code=code, onset=date(2020, 1, 1))
            s.add(condition)
            s.flush()
            made[pid] = condition.id
    return made


def _op_of(laptop: Laptop, kind: str, record_id: str) -> str:
    with laptop.vault() as v:
        batch = cycle._next_batch(v, 0, 500)
    assert batch is not None
    request = PushRequest.model_validate_json(batch.body)
    (found,) = [op.op_id for op in request.ops if (op.kind, op.record_id) == (kind, record_id)]
    return found


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


def _plan(conn: Connection, statement: Select[Any]) -> list[str]:
    """The engine's plan for `statement`, one line per step."""
    compiled = statement.compile(conn)
    params = compiled.construct_params()
    if conn.dialect.name == "postgresql":
        # Whether the primary key *can* serve the look-up, whatever a small table's statistics
        # would make the planner prefer: with sequential scans priced out, a form that cannot use
        # the index still shows one.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", params).all()
        return [row[0] for row in rows]
    ordered = tuple(params[key] for key in compiled.positiontup or ())
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", ordered).all()
    return [row[3] for row in rows]


def test_a_batch_finds_its_documents_by_primary_key_in_one_statement(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """`id IN (…)` without the kind cannot use the (kind, id) key and read every document the
    hub holds for every batch: a push slowed as the hub filled. A query per kind and batch
    used the key but cost more statements than the scan on a small hub (2,000 records: 15-20 %
    slower). One statement for all the batch's (kind, id) pairs, each found through the key."""
    laptop = make_laptop("a")
    here = laptop.add_establishment("DMO")
    laptop.add_patients(here, 5)
    laptop.enrol(hub, "DMO")
    laptop.sync()
    laptop.add_patients(here, 5, prefix="Y")
    with laptop.vault() as v:
        batch = cycle._next_batch(v, 0, 500)
    assert batch is not None
    request = PushRequest.model_validate_json(batch.body)
    keys = sorted({(op.kind, op.record_id) for op in request.ops})
    assert len({kind for kind, _ in keys}) >= 2  # patients and their records: several kinds
    store = hub.store
    sent, applied, seen = _push_here(laptop, store)
    assert applied == sent
    by_key = [s for s in seen if BY_KEY in s]
    assert len(by_key) == 1, by_key
    for statement in seen:
        if statement.startswith(("SELECT", "WITH")) and "documents" in statement:
            # Any other read of documents names the kind too (the staff look-up, …).
            assert BY_KEY in statement or "documents.kind =" in statement, statement

    with store.engine.connect() as conn, conn.begin():
        plan = _plan(conn, documents_by_key(conn, keys))
    if store.dialect == "postgresql":
        assert any("Index Scan using documents_pkey" in line for line in plan), plan
        assert any(
            "Index Cond" in line and "wanted.kind" in line and "wanted.id" in line for line in plan
        ), plan
        assert not any("Seq Scan on documents" in line for line in plan), plan
    else:
        assert any(
            line.startswith("SEARCH documents USING INDEX") and "(kind=? AND id=?)" in line
            for line in plan
        ), plan
        assert not any(line.startswith("SCAN documents") for line in plan), plan


def test_a_claim_made_early_in_a_batch_lets_its_later_ops_write_the_patients_records(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """B's roll lists two more prisoners A's roll still lists (claims, pending), and B's nurses
    record care for them before B's laptop syncs: one batch, the claims before the care. The
    batch opens with care for a prisoner B claimed earlier, so the claims on all the batch's
    patients are read before the new ones exist. As a query per op would find, each new claim
    is there for the ops after it."""
    origin, destination = make_laptop("origin"), make_laptop("destination")
    first = Prisoner("A1000AA", test_nhs_number(40), "Earlier")
    prisoners = [Prisoner(f"A100{i}AA", test_nhs_number(40 + i), f"Early{i}") for i in (1, 2)]
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", [first, *prisoners]), T0)
    origin.sync()
    import_roll_as(destination, write_roll(tmp_path / "b1.csv", "BBB", [first]), T0 + HOUR)
    destination.sync()  # B's claim on the first prisoner: pending
    first_id = estate_ids.patient_id(first.number)
    opening = _record_conditions(destination, [first_id], "ASTHMA")[first_id]
    import_roll_as(
        destination, write_roll(tmp_path / "b2.csv", "BBB", [first, *prisoners]), T0 + 2 * HOUR
    )
    ids = [estate_ids.patient_id(p.number) for p in prisoners]
    conditions = _record_conditions(destination, ids, "ASTHMA")
    with destination.vault() as v:
        batch = cycle._next_batch(v, 0, 500)
    assert batch is not None
    order = [(op.kind, op.record_id) for op in PushRequest.model_validate_json(batch.body).ops]
    # The care for the first prisoner comes before the new claims, then their care.
    assert order.index(("condition", opening)) < order.index(("patient", ids[0]))
    assert order.index(("patient", ids[0])) < order.index(("condition", conditions[ids[0]]))

    sent, applied, _ = _push_here(destination, hub.store)

    assert applied == sent
    pending = hub.count(schema.transfers, schema.transfers.c.status == "pending")
    assert pending == 1 + len(prisoners)
    for pid in ids:
        stored = hub.doc("condition", conditions[pid])
        assert stored is not None
        assert stored["patient_id"] == pid


def test_a_claim_cancelled_early_in_a_batch_refuses_its_later_ops_for_that_patient_only(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """B claimed two prisoners (pending). B's next roll drops one of them, which cancels B's
    claim on them, and a nurse then records care for both: one batch. As a query per op would
    find, the dropped prisoner's condition is refused (not B's patient any more) and the other's
    is not; nothing of the batch is stored."""
    origin, destination = make_laptop("origin"), make_laptop("destination")
    stays = Prisoner("A2001AA", test_nhs_number(51), "Stays")
    lapses = Prisoner("A2002AA", test_nhs_number(52), "Lapses")
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", [stays, lapses]), T0)
    origin.sync()
    import_roll_as(destination, write_roll(tmp_path / "b1.csv", "BBB", [stays, lapses]), T0 + HOUR)
    destination.sync()
    assert hub.count(schema.transfers, schema.transfers.c.status == "pending") == 2
    import_roll_as(destination, write_roll(tmp_path / "b2.csv", "BBB", [stays]), T0 + 2 * HOUR)
    stays_id, lapses_id = (estate_ids.patient_id(p.number) for p in (stays, lapses))
    conditions = _record_conditions(destination, [stays_id, lapses_id], "COPD")
    drop = _op_of(destination, "patient", lapses_id)
    refused_op = _op_of(destination, "condition", conditions[lapses_id])

    batch, refused = _push_refused(destination, hub.store)

    assert batch.index(drop) < batch.index(refused_op)  # the drop comes first in the batch
    assert [op for op, _ in refused] == [refused_op], refused
    assert refused[0][1].startswith("scope"), refused
    # Refused whole: the drop did not cancel anything, the claims are as they were.
    assert hub.count(schema.transfers, schema.transfers.c.status == "pending") == 2
    assert hub.doc("condition", conditions[stays_id]) is None


def test_a_claim_made_and_cancelled_in_one_batch_holds_only_between_the_two(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    """One batch: B's roll claims a prisoner, a nurse records care (allowed: the claim is
    pending), B's next roll drops them (the claim lapses), more care is recorded (refused)."""
    origin, destination = make_laptop("origin"), make_laptop("destination")
    mover = Prisoner("A3001AA", test_nhs_number(61), "Brief")
    resident = Prisoner("B3002BB", test_nhs_number(62), "Resident")
    origin.enrol(hub, "AAA")
    destination.enrol(hub, "BBB")
    import_roll_as(origin, write_roll(tmp_path / "aaa.csv", "AAA", [mover]), T0)
    origin.sync()
    pid = estate_ids.patient_id(mover.number)
    import_roll_as(
        destination, write_roll(tmp_path / "b1.csv", "BBB", [resident, mover]), T0 + HOUR
    )
    during = _record_conditions(destination, [pid], "ASTHMA")[pid]
    import_roll_as(destination, write_roll(tmp_path / "b2.csv", "BBB", [resident]), T0 + 2 * HOUR)
    after = _record_conditions(destination, [pid], "COPD")[pid]
    allowed = _op_of(destination, "condition", during)
    late = _op_of(destination, "condition", after)

    batch, refused = _push_refused(destination, hub.store)

    assert allowed in batch
    assert [op for op, _ in refused] == [late], refused
