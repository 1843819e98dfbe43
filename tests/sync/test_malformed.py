"""Malformed, oversized or hostile requests get a 4xx with a reason and store nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from hjdesk.sync.hub import schema
from hjdesk.sync.protocol import MAX_BATCH, MAX_BODY_BYTES
from tests.sync.helpers import HubProcess, Laptop


def _op(device: str, seq: int, **changes: Any) -> dict[str, Any]:
    op = {"op_id": f"{device}:{seq}", "seq": seq, "kind": "patient", "record_id": f"rec-{seq}",
          "patient_id": f"rec-{seq}", "base_rev": None, "rev": 1, "hlc": "1.0",
          "created_at": "2026-01-01T00:00:00+00:00", "payload": {"given_names": "x"}}  # fmt: skip
    op.update(changes)
    return op


def _push(device: str, *ops: dict[str, Any]) -> dict[str, Any]:
    return {"ops": list(ops)}


def test_malformed_and_oversized_requests_are_refused_and_store_nothing(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    device = laptop.device_id()
    enrolled = httpx.post(f"{hub.url}/v1/enrol", json={"code": hub.enrol_code("DMO"),
                                                       "device_id": device})  # fmt: skip
    assert enrolled.status_code == 200
    auth = {"Authorization": f"Bearer {enrolled.json()['token']}"}
    json_headers = {**auth, "Content-Type": "application/json"}
    deep: Any = {"x": 1}
    for _ in range(20):
        deep = {"x": deep}
    bodies: list[tuple[str, bytes | str]] = [
        ("not json", "{{{{"),
        ("empty object", "{}"),
        ("no ops", json.dumps({"ops": []})),
        ("ops not a list", json.dumps({"ops": "x"})),
        ("extra field", json.dumps({"ops": [_op(device, 1)], "more": 1})),
        (
            "missing rev",
            json.dumps(_push(device, {k: v for k, v in _op(device, 1).items() if k != "rev"})),
        ),
        ("NUL in payload", json.dumps(_push(device, _op(device, 1, payload={"a": "x\u0000y"})))),
        ("NaN in payload", json.dumps(_push(device, _op(device, 1))).replace('"x"}', "NaN}")),
        ("huge integer", json.dumps(_push(device, _op(device, 1, payload={"a": 10**30})))),
        ("deep payload", json.dumps(_push(device, _op(device, 1, payload=deep)))),
        ("another device's op", json.dumps(_push(device, _op(device, 1, op_id="someone-else:1")))),
        ("seq gap inside", json.dumps(_push(device, _op(device, 1), _op(device, 3)))),
        ("descending", json.dumps(_push(device, _op(device, 2), _op(device, 1)))),
        ("rev not above base", json.dumps(_push(device, _op(device, 1, base_rev=3, rev=2)))),
        ("id too long", json.dumps(_push(device, _op(device, 1, record_id="r" * 37)))),
        ("kind with quotes", json.dumps(_push(device, _op(device, 1, kind="pat'ient")))),
        ("seq too big", json.dumps(_push(device, _op(device, 2**63)))),
        (
            "too many ops",
            json.dumps(_push(device, *[_op(device, i) for i in range(1, MAX_BATCH + 2)])),
        ),
        ("nested arrays", "[" * 100_000 + "]" * 100_000),
        ("binary", bytes(range(256)) * 10),
    ]
    for reason, body in bodies:
        response = httpx.post(f"{hub.url}/v1/push", content=body, headers=json_headers)
        assert 400 <= response.status_code < 500, (reason, response.status_code, response.text)
        assert response.json()["detail"], reason

    oversized = b'{"ops": [' + b" " * (MAX_BODY_BYTES + 10) + b"]}"
    response = httpx.post(f"{hub.url}/v1/push", content=oversized, headers=json_headers)
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]

    def chunks() -> Any:
        for _ in range(MAX_BODY_BYTES // 1_000_000 + 2):
            yield b" " * 1_000_000

    streamed = httpx.post(f"{hub.url}/v1/push", content=chunks(), headers=json_headers)
    assert streamed.status_code == 413  # no Content-Length to trust: counted as it arrives

    for params in ({"since": -1}, {"since": "abc"}, {"limit": 0}, {"limit": 10**6},
                   {"since": 2**70}):  # fmt: skip
        response = httpx.get(f"{hub.url}/v1/changes", params=params, headers=auth)
        assert response.status_code == 422, params
    for body in ({"code": "x" * 65, "device_id": "abc"}, {"code": "x", "device_id": "../etc"},
                 {"code": "x", "device_id": "a" * 37}, {"code": "x\u0000", "device_id": "abc"},
                 {"code": "x", "device_id": "abc", "device_name": "\u0000"}):  # fmt: skip
        response = httpx.post(f"{hub.url}/v1/enrol", json=body)
        assert response.status_code == 422, body
    form = httpx.post(f"{hub.url}/v1/push", data={"ops": "1"}, headers=auth)
    assert form.status_code == 422

    for table in (schema.ops, schema.documents, schema.conflicts, schema.purges,
                  schema.audit_breaks, schema.patients, schema.establishments):  # fmt: skip
        assert hub.count(table) == 0, table.name
    assert hub.count(schema.devices) == 1
    with hub.store.reading() as conn:
        assert conn.execute(schema.devices.select()).mappings().one()["acked_seq"] == 0
