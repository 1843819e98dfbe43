"""A pulled record's JSON fields (text on the wire, `JsonText` columns here) are stored as the
column's own bind would store their parsed value, byte for byte, whether they are written once
or passed through (`local_apply.read_to_row`, `column_types.stored_text`); text that is not JSON
is set aside, as it always was, and never stored; so is JSON not of the column's declared shape
(`payloads`: `[]` where the code reads an object's keys, `null` where the column cannot be
empty), which a hub from before the rule may still hold.

The reference is the path a pull took before: each field parsed (`local_apply.to_row`) and the
row written by SQLAlchemy itself (`conn.execute(table.insert(), …)`, what `bulk.insert_many`
matches). Each table is written that way inside the same vault, read raw, and rolled back."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Table, delete, select

from hjdesk.clinical import estate_ids
from hjdesk.demo.establishment import ESTABLISHMENT, build_demo
from hjdesk.storage.models import AuditEvent, OutboxOp, Signed, SyncConflict, SyncQuarantine
from hjdesk.storage.models.column_types import from_text, stored_text, to_text
from hjdesk.storage.paths import HomePaths
from hjdesk.sync import payloads
from hjdesk.sync.client import enrol, sync
from hjdesk.sync.cycle import remote_session
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.record_check import records_laptops_set_aside
from hjdesk.sync.local_apply import json_columns, synced_classes, table_of, to_row
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.helpers import HubProcess, Laptop, run_cli

# Valid JSON that is not in the stored form: each must be stored as the bind writes its value.
# Each goes into a field whose declared shape takes it.
UNUSUAL = [
    '{"b": 1,   "a": [1,2]}',  # spacing, key order
    '{"b": 1,   "a": 2}',  # the same, where the values are whole numbers (NEWS2 subscores)
    " [ ] ",  # white space around
    '[ "caf\\u00e9 \\ud83d\\ude00" ]',  # escapes for what is stored as itself
    '"caf\\u00e9 \\ud83d\\ude00"',
    "null",  # a JSON null where the column may be empty: the column holds NULL
    "1.0E2",  # a number written another way
    '{"a": 1, "a": 2}',  # a repeated key: the last wins
    '{"deep": [[[{"x": "\\n\\t\\u0001"}]]]}',
    '{"long": "' + "x" * 300 + '"}',  # longer than what stored_text remembers
]
# Not JSON: set aside with the reason a pull always gave, never stored.
NOT_JSON = ["{not json", "", "[1,]", "\ufeff[]", '{"a": 1} trailing', "'single'"]
# JSON too deep to read (well inside the hub's length limit for a text field): what a device in
# hostile hands could push. Set aside like text that is not JSON; it must never stop the pull.
TOO_DEEP = ["[" * 20_000 + "]" * 20_000, '{"a":' * 10_000 + "1" + "}" * 10_000]
# JSON of a shape the column does not declare, and the payload rules' reason.
WRONG_SHAPE = {
    "[]": "must be a JSON object",
    '{"a": "1"}': "must be a JSON object of whole numbers",
    '["a", 1]': "must be a JSON array of text",
    "{}": "must be a JSON array of text",
    "null": "may not be JSON null",
}
# Read by Python's json, but not JSON (RFC 8259), and no laptop writes them: a NaN score stops
# the code that turns it into a whole number.
NOT_FINITE = ["NaN", "[1, Infinity]", '{"a": -Infinity}']
REFUSED = NOT_JSON + TOO_DEEP + NOT_FINITE


class _RolledBack(Exception):
    pass


def _raw(conn: Connection, table: Table) -> dict[str, tuple[Any, ...]]:
    rows = conn.exec_driver_sql(f'SELECT "id", * FROM "{table.name}"').all()
    return {str(row[0]): tuple(row) for row in rows}


def _hub_payloads(hub: HubProcess) -> dict[tuple[str, str], dict[str, Any]]:
    docs = schema.documents
    with hub.store.reading() as conn:
        return {
            (row.kind, row.id): dict(row.payload)
            for row in conn.execute(select(docs.c.kind, docs.c.id, docs.c.payload))
        }


def _assert_stored_as_before(laptop: Laptop, hub: HubProcess) -> dict[str, int]:
    """Every pulled row of every kind, raw, equals the old path's row; compared rows by kind."""
    # The laptop's own records were written here, not pulled; one in conflict keeps its own.
    with laptop.peek() as s:
        own = set(s.scalars(select(OutboxOp.record_id)))
        own |= set(s.scalars(select(SyncConflict.record_id)))
    held = {key: p for key, p in _hub_payloads(hub).items() if key[1] not in own}
    compared: dict[str, int] = {}
    # Written the old way, compared, and rolled back (the exception ends the transaction).
    with (
        contextlib.suppress(_RolledBack),
        laptop.vault() as opened,
        remote_session(opened) as session,
    ):
        conn = session.connection()
        for kind, cls in synced_classes().items():
            if cls is AuditEvent:
                continue
            table = table_of(cls)
            pulled = {rid: row for rid, row in _raw(conn, table).items() if (kind, rid) in held}
            if not pulled:
                continue
            conn.execute(delete(table).where(table.c.id.in_(list(pulled))))
            conn.execute(
                table.insert(),
                [{**to_row(cls, held[(kind, rid)]), "id": rid} for rid in pulled],
            )
            before = {rid: row for rid, row in _raw(conn, table).items() if rid in pulled}
            assert pulled == before, kind
            compared[kind] = len(pulled)
        raise _RolledBack
    kinds = {kind for kind, _ in held if kind in synced_classes() and kind != "audit_event"}
    assert set(compared) == kinds
    return compared


def _set_json(
    hub: HubProcess, targets: list[tuple[str, str, str, str]], *, new_rev: bool = False
) -> None:
    """Put these texts in the hub's documents, as a hub holding them would send them."""
    docs = schema.documents
    by_record: dict[tuple[str, str], dict[str, str]] = {}
    for kind, rid, column, text in targets:
        by_record.setdefault((kind, rid), {})[column] = text
    with hub.store.writing() as (conn, seqs):
        for (kind, rid), texts in by_record.items():
            doc = hub.doc(kind, rid)
            assert doc is not None
            rev = doc["rev"] + 1 if new_rev else doc["rev"]
            payload = {**doc["payload"], **texts}
            if "rev" in payload:
                payload["rev"] = rev
            conn.execute(
                docs.update()
                .where(docs.c.kind == kind, docs.c.id == rid)
                .values(payload=payload, rev=rev, change_seq=seqs.next())
            )


def _json_fields(hub: HubProcess) -> list[tuple[str, str, str]]:
    """(kind, record id, JSON column), one field of each record the hub holds with one (its JSON
    columns taken in turn, record by record), kinds interleaved."""
    by_kind: dict[str, list[tuple[str, str, str]]] = {}
    for (kind, rid), payload in sorted(_hub_payloads(hub).items()):
        cls = synced_classes().get(kind)
        if cls is None or cls is AuditEvent:
            continue
        columns = sorted(json_columns(table_of(cls)))
        if columns:
            column = columns[len(by_kind.get(kind, ())) % len(columns)]
            if isinstance(payload.get(column), str) or (
                column in payload and payload[column] is None
            ):
                by_kind.setdefault(kind, []).append((kind, rid, column))
    found: list[tuple[str, str, str]] = []
    while any(by_kind.values()):
        for fields in by_kind.values():
            if fields:
                found.append(fields.pop(0))
    return found


def test_pulled_json_is_stored_byte_for_byte_as_before_and_bad_json_set_aside(
    hub: HubProcess, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    opened, _ = build_demo(
        HomePaths.resolve(tmp_path / "demo"), password=PASSWORD, patients=40, kdf=FAST_KDF
    )
    try:
        enrol(opened, hub.url, hub.enrol_code(ESTABLISHMENT), ca_bundle=None)
        sync(opened)
    finally:
        opened.lock()
    fields = _json_fields(hub)
    json_kinds = {kind for kind, _, _ in fields}
    assert json_kinds == {
        kind for kind, cls in synced_classes().items() if json_columns(table_of(cls))
    }
    # Unusual but valid texts, then text that is not JSON, then JSON of the wrong shape, each in
    # a different record, in a field the rules take it in (or refuse it in, with that reason).
    clean = run_cli("hub", "check-records", "--db", hub.db_url)
    assert (clean.returncode, clean.stdout) == (
        0,
        "Every stored record passes the payload rules.\n",
    )
    pool = list(fields)
    unusual = [(*_take(hub, pool, text, None), text) for text in UNUSUAL]
    broken = [(*_take(hub, pool, text, ""), text) for text in REFUSED]
    misshapen = [(*_take(hub, pool, text, why), text) for text, why in WRONG_SHAPE.items()]
    _set_json(hub, unusual + broken + misshapen)

    b = make_laptop("b")
    b.enrol(hub, ESTABLISHMENT)
    first = b.sync()
    assert first.quarantined == len(REFUSED) + len(WRONG_SHAPE)
    compared = _assert_stored_as_before(b, hub)
    assert json_kinds <= set(compared), compared
    assert sum(compared.values()) > 200
    with b.peek() as s:
        kept = s.scalars(select(SyncQuarantine).order_by(SyncQuarantine.record_id)).all()
        assert sorted((k.kind, k.record_id) for k in kept) == sorted(
            (kind, rid) for kind, rid, _, _ in broken + misshapen
        )
        assert {(k.direction, k.rule) for k in kept} == {("pull", "payload-invalid")}
        reasons = {k.record_id: k.reason for k in kept}
        for _, rid, column, text in broken:  # the payload rules', as the hub's now refuse them
            why = (
                "is JSON nested too deeply to read"
                if text in TOO_DEEP
                else "is JSON holding NaN or Infinity, which JSON does not allow"
                if text in NOT_FINITE
                else "must be JSON text"
            )
            assert reasons[rid] == f"field '{column}' {why}", (rid, text[:20])
        for _, rid, column, text in misshapen:
            assert reasons[rid] == f"field '{column}' {WRONG_SHAPE[text]}", (rid, text)
        # The hub's administrator gets the same list, with the device that pushed each.
        _assert_hub_lists(hub, {(k.kind, k.record_id): k.reason for k in kept})
        for kind, rid, _, _ in broken + misshapen:  # never stored
            table = table_of(synced_classes()[kind])
            assert s.connection().execute(select(table.c.id).where(table.c.id == rid)).all() == []
    for kind, rid, column, text in unusual:  # and as the bind of the parsed value would store
        table = table_of(synced_classes()[kind])
        value = from_text(text)
        with b.peek() as s:
            found = (
                s.connection()
                .exec_driver_sql(f'SELECT "{column}" FROM "{table.name}" WHERE id = ?', (rid,))
                .all()
            )
        assert found == [(None if value is None else to_text(value),)], (kind, column, text)

    # Updates (a higher rev of a record held here) take the other write path: the same bytes.
    # (Only records that are not signed entries: a change to one signed here is set aside.)
    unsigned = [f for f in pool if not issubclass(synced_classes()[f[0]], Signed)]
    changed = [
        (*_take(hub, unsigned, text, None), text)
        for text in UNUSUAL
        if any(_refusal(hub, f, text) is None for f in unsigned)
    ]
    shapes = {text.strip()[0] for *_, text in changed}
    assert shapes == {"{", "["}, "the unsigned kinds' objects and arrays, at least"
    _set_json(hub, changed, new_rev=True)
    again = b.sync()
    assert again.quarantined == 0
    assert again.applied == len(changed)
    _assert_stored_as_before(b, hub)


def _assert_hub_lists(hub: HubProcess, set_aside: dict[tuple[str, str], str]) -> None:
    """`hjdesk hub check-records` names exactly the records a laptop set aside, with its reasons."""
    report = run_cli("hub", "check-records", "--db", hub.db_url)
    assert report.returncode == 1, report.stderr
    *lines, last = report.stdout.splitlines()
    listed = {tuple(line.split("\t")[2].split(" ")): line.split("\t")[3] for line in lines}
    assert listed == set_aside
    paged = records_laptops_set_aside(hub.store, page=7)  # many pages, one answer
    assert {(r.kind, r.record_id): r.reason for r in paged} == set_aside
    assert last.startswith(
        f"{len(set_aside)} stored records fail the payload rules (pushed by 1 device)"
    )


def _refusal(hub: HubProcess, field: tuple[str, str, str], text: str) -> str | None:
    """The payload rules' answer to the record with `text` in that field (None: taken)."""
    kind, rid, column = field
    doc = hub.doc(kind, rid)
    assert doc is not None
    return payloads.problem(kind, rid, {**doc["payload"], column: text})


def _take(
    hub: HubProcess, pool: list[tuple[str, str, str]], text: str, why: str | None
) -> tuple[str, str, str]:
    """The first field in the pool (taken out of it) whose record the rules answer as wanted:
    None, taken; a reason, refused with it; "", refused for any reason."""
    for field in pool:
        found = _refusal(hub, field, text)
        if found == (None if why is None else f"field '{field[2]}' {why}") or (
            why == "" and found is not None
        ):
            pool.remove(field)
            return field
    raise AssertionError(f"no JSON field the rules answer {why!r} for {text[:30]!r}")


@pytest.mark.parametrize("text", [*UNUSUAL, "[]", "{}", '["a", "b"]'])
def test_stored_text_is_the_bind_of_the_parsed_value_each_time(text: str) -> None:
    for _ in range(3):  # first worked out, then remembered (when short)
        value = from_text(text)
        assert stored_text(text) == (None if value is None else to_text(value))


@pytest.mark.parametrize("text", NOT_JSON)
def test_stored_text_refuses_what_from_text_refuses(text: str) -> None:
    with pytest.raises(ValueError) as expected:
        from_text(text)
    for _ in range(2):  # and nothing is remembered for it
        with pytest.raises(ValueError) as raised:
            stored_text(text)
        assert type(raised.value) is type(expected.value)
        assert str(raised.value) == str(expected.value)


@pytest.mark.parametrize("text", TOO_DEEP)
def test_json_too_deep_to_read_is_refused_as_not_json(text: str) -> None:
    """A ValueError (what a pull sets a record aside for), never the RecursionError `json`
    raises, which no caller expects; and nothing remembered."""
    with pytest.raises(RecursionError):
        from_text(text)
    for _ in range(2):
        with pytest.raises(ValueError, match="nested too deeply"):
            stored_text(text)


@pytest.mark.parametrize("text", NOT_FINITE)
def test_nan_and_infinity_are_refused_though_python_reads_them(text: str) -> None:
    """Python's json reads them and the vault's own reads still would (a row stored before the
    rule stays readable); a pulled text holding them is refused, each time."""
    from_text(text)
    for _ in range(2):
        with pytest.raises(ValueError, match="holding NaN or Infinity"):
            stored_text(text)


def test_no_roll_mirrored_kind_has_a_json_column() -> None:
    """The mirrored merge (`local_apply._apply_mirrored`) compares and mixes the row held here,
    read through the columns' types (JSON parsed), with the pulled row, whose JSON columns hold
    their stored text. The two agree only while these kinds have no JSON column: one added must
    be settled in the merge first."""
    for kind in estate_ids.MIRRORED:
        table = table_of(synced_classes()[kind])
        assert json_columns(table) == frozenset(), kind
