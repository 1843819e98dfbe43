"""Fuzz the hub from its own OpenAPI schema: generated requests (valid-looking and junk) never get
a 5xx. Bodies come from the published request schemas, query values from the published
parameters, each sent with and without a device token.

`from_schema` covers the JSON Schema that FastAPI publishes (objects, arrays, strings with
patterns, bounded integers, anyOf); hypothesis-jsonschema would do the same but breaks on current
Hypothesis releases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hjdesk.storage.models import Setting
from tests.sync.helpers import HubProcess, Laptop

EXAMPLES = 120


def _inline(node: Any, components: dict[str, Any]) -> Any:
    """Replace `$ref`s to `#/components/schemas/X` with the schema itself."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return _inline(components[ref.rsplit("/", 1)[1]], components)
        return {k: _inline(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, components) for v in node]
    return node


JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def from_schema(schema: Any) -> st.SearchStrategy[Any]:
    if not isinstance(schema, dict) or not schema:
        return JUNK
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object(schema)
    build = _BY_TYPE.get(kind)
    return build(schema) if build is not None else JUNK


def _object(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    if schema.get("additionalProperties") in (None, True) and not props:
        return st.dictionaries(st.text(max_size=12), JUNK, max_size=6)
    return st.fixed_dictionaries(
        {k: from_schema(v) for k, v in props.items() if k in required},
        optional={k: from_schema(v) for k, v in props.items() if k not in required},
    )


def _array(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low = schema.get("minItems", 0)
    return st.lists(from_schema(schema.get("items", {})), min_size=low, max_size=low + 4)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    low = schema.get("minLength", 0)
    return st.text(min_size=low, max_size=max(low, min(schema.get("maxLength", 40), 80)))


_BY_TYPE: dict[Any, Callable[[dict[str, Any]], st.SearchStrategy[Any]]] = {
    "array": _array,
    "string": _string,
    "integer": lambda schema: st.integers(schema.get("minimum"), schema.get("maximum")),
    "number": lambda _schema: st.floats(allow_nan=False, allow_infinity=False),
    "boolean": lambda _schema: st.booleans(),
    "null": lambda _schema: st.none(),
}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, Any, dict[str, Any]]]:
    components = spec.get("components", {}).get("schemas", {})
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body_schema = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                .get("schema")
            )  # fmt: skip
            params = {
                p["name"]: _inline(p.get("schema", {}), components)
                for p in operation.get("parameters", [])
                if p.get("in") == "query"
            }
            body = _inline(body_schema, components) if body_schema else None
            found.append((method.upper(), path, body, params))
    return found


def _fuzz(
    client: httpx.Client,
    auth: dict[str, str],
    seen: list[int],
    method: str,
    path: str,
    body_schema: Any,
    param_schemas: dict[str, Any],
) -> None:
    bodies = (from_schema(body_schema) | JUNK) if body_schema else st.none()
    params = st.fixed_dictionaries(
        {},
        optional={
            name: from_schema(schema) | st.text(max_size=30) | st.integers()
            for name, schema in param_schemas.items()
        },
    )

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(body=bodies, query=params, with_token=st.booleans())
    def send(body: Any, query: dict[str, Any], with_token: bool) -> None:
        response = client.request(
            method, path, params=query,
            content=None if body is None else json.dumps(body).encode(),
            headers={**(auth if with_token else {}), "Content-Type": "application/json"},
        )  # fmt: skip
        seen.append(response.status_code)
        assert response.status_code < 500, (method, path, body, query, response.text)

    send()


def test_fuzzed_requests_never_get_a_server_error(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("fuzz")
    laptop.add_patients(laptop.add_establishment("DMO"), 3)
    laptop.enrol(hub, "DMO")
    laptop.sync()  # real documents on the hub, so pulls and pushes meet data
    with laptop.peek() as s:
        token = s.get(Setting, "sync.token")
        assert token is not None
    auth = {"Authorization": f"Bearer {token.value}"}
    spec = httpx.get(f"{hub.url}/openapi.json").json()
    # /v1/wiped with the token retires the device: fuzz it last.
    operations = sorted(_operations(spec), key=lambda op: op[1] == "/v1/wiped")
    assert {path for _, path, _, _ in operations} >= {"/v1/push", "/v1/changes", "/v1/enrol"}
    client = httpx.Client(base_url=hub.url, timeout=30)
    seen: list[int] = []

    for method, path, body_schema, param_schemas in operations:
        _fuzz(client, auth, seen, method, path, body_schema, param_schemas)
    client.close()
    assert len(seen) >= 3 * EXAMPLES  # push, changes and enrol each ran their examples
    assert any(code == 200 for code in seen)
    assert any(400 <= code < 500 for code in seen)


KINDS = st.sampled_from(["patient", "establishment", "audit_event", "location", "staff", "zz_new"])
IDS = st.from_regex(r"[0-9a-f]{1,8}", fullmatch=True)


def test_well_formed_pushes_with_hostile_contents_never_get_a_server_error(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """Ops with the right ids but odd kinds, revs and payloads (an establishment id that is a
    number, an audit event without a hash…) are stored or refused, never a 500."""
    laptop = make_laptop("hostile")
    device = laptop.device_id()
    enrolled = httpx.post(f"{hub.url}/v1/enrol", json={"code": hub.enrol_code("DMO"),
                                                       "device_id": device})  # fmt: skip
    auth = {"Authorization": f"Bearer {enrolled.json()['token']}"}
    client = httpx.Client(base_url=hub.url, timeout=30, headers=auth)
    payloads = st.dictionaries(
        st.sampled_from(["establishment_id", "on_roll", "code", "seq", "hash", "prev_hash",
                         "device_id", "given_names", "patient_id"]),
        JUNK | st.just(device) | IDS,
        max_size=6,
    )  # fmt: skip
    op = st.fixed_dictionaries({
        "kind": KINDS, "record_id": IDS, "patient_id": st.none() | IDS,
        "base_rev": st.none() | st.integers(1, 4), "rev": st.integers(5, 9), "payload": payloads,
        "resolves": st.lists(st.integers(1, 5), max_size=2),
    })  # fmt: skip

    @settings(max_examples=80, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(batch=st.lists(op, min_size=1, max_size=6), overlap=st.integers(0, 2))
    def send(batch: list[dict[str, Any]], overlap: int) -> None:
        start = max(1, client.get("/v1/device").json()["acked_seq"] + 1 - overlap)
        ops = [
            {**o, "op_id": f"{device}:{start + i}", "seq": start + i} for i, o in enumerate(batch)
        ]
        response = client.post("/v1/push", json={"ops": ops})
        assert response.status_code < 500, (ops, response.text)
        pulled = client.get("/v1/changes", params={"since": 0})
        assert pulled.status_code == 200

    send()
    client.close()
