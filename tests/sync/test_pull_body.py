"""A pull's fast paths say exactly what the slow ones said.

The hub writes `/v1/changes` with each payload spliced in as the JSON text it stores (not parsed
and dumped again), and a laptop checks and reads a payload in one pass (`payloads.read`). These
tests pin what a laptop receives and stores to what the stored documents and the payload rules
say, on both hub engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import httpx
import pytest
from sqlalchemy import select

from hjdesk.sync import local_state, payloads
from hjdesk.sync.hub import schema
from hjdesk.sync.protocol import ChangesReply
from tests.sync.helpers import HubProcess, Laptop


def _stored_payloads(hub: HubProcess) -> dict[str, object]:
    """Every document's payload as the hub's JSON column reads it back."""
    docs = schema.documents
    with hub.store.reading() as conn:
        return {r.id: r.payload for r in conn.execute(select(docs.c.id, docs.c.payload))}


def test_the_changes_body_carries_the_stored_payloads_and_the_reply_model(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    office = make_laptop("office")
    office.add_patients(office.add_establishment("DMO"), 12)
    office.enrol(hub, "DMO")
    office.sync()
    fresh = make_laptop("fresh")
    fresh.enrol(hub, "DMO")
    with fresh.vault() as v:
        config = local_state.config(v.session())
    assert config is not None
    auth = {"Authorization": f"Bearer {config.token}"}
    stored = _stored_payloads(hub)
    since, pages = 0, 0
    while True:
        response = httpx.get(
            f"{hub.url}/v1/changes", params={"since": since, "limit": 5}, headers=auth
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        # The client's own strict model (unknown fields refused) reads the spliced body.
        reply = ChangesReply.model_validate_json(response.content)
        assert "remaining" not in response.json()  # not asked for: left out, as before
        for change in reply.changes:
            assert change.payload == stored[change.record_id]
        pages += 1
        if not reply.more:
            break
        assert len(reply.changes) == 5
        since = reply.next_since
    assert pages > 2
    asked = httpx.get(
        f"{hub.url}/v1/changes", params={"since": 0, "limit": 5, "count": "true"}, headers=auth
    ).json()
    assert asked["remaining"] > 0
    assert [c["record_id"] for c in asked["changes"]] == [
        c.record_id
        for c in ChangesReply.model_validate_json(
            httpx.get(
                f"{hub.url}/v1/changes", params={"since": 0, "limit": 5}, headers=auth
            ).content
        ).changes
    ]


def _patient_payload() -> dict[str, object]:
    return {
        "id": "P1", "rev": 1, "prison_number": "A1234BC", "family_name": "Évans",
        "given_names": "Siân", "family_fold": "EVANS", "given_fold": "SIAN",
        "date_of_birth": "1980-02-29", "sex": "female", "establishment_id": "E1",
        "on_roll": True, "updated_at": "2026-01-02T03:04:05.123456+00:00",
    }  # fmt: skip


def test_read_returns_the_checked_values_with_dates_and_times_parsed() -> None:
    payload = _patient_payload()
    assert payloads.problem("patient", "P1", payload) is None
    why, values = payloads.read("patient", "P1", {**payload, "newer_field": "kept"})
    assert why is None
    assert values["date_of_birth"] == date(1980, 2, 29)
    assert values["updated_at"] == datetime.fromisoformat("2026-01-02T03:04:05.123456+00:00")
    assert values["family_name"] == "Évans"
    assert "newer_field" not in values  # a newer version's field is allowed, not stored


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"date_of_birth": "1980-02-30"}, "field 'date_of_birth' must be a date (YYYY-MM-DD)"),
        ({"updated_at": "yesterday"}, "field 'updated_at' must be a date and time (ISO 8601)"),
        ({"given_names": None}, "field 'given_names' may not be empty"),
        ({"family_name": "Ev\x00ans"}, "field 'family_name' may not contain NUL characters"),
        ({"on_roll": 1}, "field 'on_roll' must be true or false"),
        ({"rev": True}, "field 'rev' must be a whole number"),
        ({"id": "P2"}, "the payload's id is not the op's record id"),
        ({"x" * 61: 1}, "a field name is longer than 60 characters"),
        ({"newer": {"a": 1}}, "unknown field 'newer' must be a plain value"),
    ],
)
def test_read_refuses_what_problem_refuses_with_the_same_reason(
    change: dict[str, object], why: str
) -> None:
    payload = {**_patient_payload(), **change}
    assert payloads.problem("patient", "P1", payload) == why
    assert payloads.read("patient", "P1", payload) == (why, {})


def test_an_unknown_kind_is_refused_without_remembering_it() -> None:
    for n in range(50):
        why, _ = payloads.read(f"kind_{n}", "X", {})
        assert why == f"'kind_{n}' is not a kind of record this hub knows"
    assert json.dumps(sorted(payloads.specs())) == json.dumps(sorted(payloads._compiled()))
