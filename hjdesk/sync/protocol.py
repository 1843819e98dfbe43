"""The wire protocol between a laptop and the hub (architecture.md §5), versioned under `/v1/`.

Pydantic models are the single description of every request and reply: the hub validates with them
(and publishes them as its OpenAPI schema), the client builds and reads with them. Limits here are
also the hub's column sizes, so anything that passes validation can be stored on SQLite and
PostgreSQL alike (PostgreSQL refuses NUL characters and non-finite numbers in JSONB; we refuse them
first, with a 422 that says why).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

API = "/v1"
# The hub takes at most this many ops per push and this many bytes per request body.
MAX_BATCH = 1000
DEFAULT_BATCH = 500
MAX_PAGE = 5000
# A pull's page: each is one transaction on the laptop (a commit, its look-ups); 2,500 took 8 %
# less of the laptop's CPU than 1,000 (docs/performance.md), and is a few MB in memory.
DEFAULT_PAGE = 2500
MAX_BODY_BYTES = 32 * 1024 * 1024
# A laptop fills a push body to at most this (the rest is headroom for the envelope), and sets
# aside an op that alone would not fit (architecture.md §5a: batches split by bytes and count).
PUSH_BODY_BUDGET = MAX_BODY_BYTES - 1024 * 1024
MAX_SEQ = 2**62
MAX_PAYLOAD_DEPTH = 8
AUDIT_KIND = "audit_event"
PATIENT_KIND = "patient"
ESTABLISHMENT_KIND = "establishment"
# A name card (hazard H-37): made only by the hub, for a member of another establishment's staff
# whom the records of a person arriving here name. Laptops store it, read-only; none may push one.
STAFF_CARD_KIND = "staff_card"

RecordId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z_-]{0,35}$")]
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
EstablishmentCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,10}$")]
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]
Rev = Annotated[int, Field(ge=1, le=2**31 - 1)]
PlainText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=120)]


def _check_json(value: Any, depth: int = 0) -> None:
    if depth > MAX_PAYLOAD_DEPTH:
        raise ValueError(f"payload nests deeper than {MAX_PAYLOAD_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    else:
        _check_scalar(value)


def _check_scalar(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("payload text may not contain NUL characters")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("payload numbers must be finite")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63 - 1:
        raise ValueError("payload integers must fit in 64 bits")


def _valid_payload(value: dict[str, Any]) -> dict[str, Any]:
    _check_json(value)
    return value


Payload = Annotated[dict[str, Any], AfterValidator(_valid_payload)]


class _Model(BaseModel):
    # Unknown fields are refused: a typo in a client must fail loudly, not be dropped.
    model_config = ConfigDict(extra="forbid")


class Health(_Model):
    status: str = "ok"
    api: str = API
    version: str


class Problem(_Model):
    """Every 4xx reply: a reason a person can read."""

    detail: Any


class Gap(_Model):
    """409 on push: the hub has not seen the ops before `expected_seq`; send from there."""

    detail: str
    expected_seq: int


class EnrolRequest(_Model):
    code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
    device_id: RecordId
    device_name: PlainText = ""


class EnrolReply(_Model):
    device_id: str
    token: str
    establishment: str


class DeviceState(_Model):
    """What the hub has decided about this laptop; sent with every authenticated reply."""

    device_id: str
    establishment: str
    revoked: bool
    wipe: bool
    acked_seq: int


class WireOp(_Model):
    """One outbox op. `resolves` names hub conflicts this revision settles (conflict ids)."""

    op_id: Annotated[str, StringConstraints(max_length=80)]
    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    kind: Kind
    record_id: RecordId
    patient_id: RecordId | None = None
    base_rev: Rev | None = None
    rev: Rev
    hlc: Annotated[str, StringConstraints(max_length=24, pattern=r"^[0-9.]*$")] = ""
    created_at: Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\x00]*$")] = ""
    payload: Payload
    resolves: Annotated[list[Annotated[int, Field(ge=1, le=MAX_SEQ)]], Field(max_length=50)] = []


class Withdrawn(_Model):
    """An op the laptop set aside before sending (too large for the hub's body limit): the hub
    records it as refused, so the seqs after it leave no gap."""

    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    kind: Kind
    record_id: RecordId


class PushRequest(_Model):
    ops: Annotated[list[WireOp], Field(min_length=1, max_length=MAX_BATCH)]
    withdrawn: Annotated[list[Withdrawn], Field(max_length=MAX_BATCH)] = []


class ConflictInfo(_Model):
    """Both versions of a record the hub kept instead of overwriting one with the other."""

    id: int
    kind: str
    record_id: str
    patient_id: str | None
    op_id: str
    your_rev: int
    your_payload: dict[str, Any]
    hub_rev: int
    hub_payload: dict[str, Any]
    created_at: str


class Refused(_Model):
    """One op the hub refused: which, and the rule it breaks (architecture.md §5a)."""

    op_id: str
    seq: int
    kind: str
    record_id: str
    rule: str
    reason: str


class PushRefused(_Model):
    """422 on push: ops that break a rule. Nothing of the batch was stored; the hub remembers the
    refusals, so the laptop may set those ops aside and send the rest without them."""

    detail: str
    refused: list[Refused]


class PushReply(_Model):
    acked_seq: int
    applied: int
    duplicates: int
    conflicts: list[ConflictInfo]
    device: DeviceState


class Change(_Model):
    seq: int
    kind: str
    record_id: str
    rev: int
    patient_id: str | None
    payload: dict[str, Any]


class Purge(_Model):
    """The patient left this device's scope: delete their records once nothing is unsent."""

    seq: int
    patient_id: str


class TransferNote(_Model):
    """A transfer the hub holds pending: the patient is `leaving` this device's establishment, or
    `arriving` with their history still at the office (architecture.md §5a)."""

    id: int
    patient_id: str
    direction: str
    from_code: str
    to_code: str
    claimed_at: str


class ChangesReply(_Model):
    changes: list[Change]
    purges: list[Purge]
    next_since: int
    more: bool
    device: DeviceState
    # Every pending transfer of the device's establishment, on the last page of a pull.
    transfers: list[TransferNote] = []
    # How many changes in the device's scope come after this page (as of the page's snapshot),
    # sent only when the pull asked for it (`count=true`): a client from before it forbids
    # unknown fields. A hub from before it sends none; the client then shows no time left.
    remaining: int | None = None


class Receipt(_Model):
    """What the hub holds of one device's ops up to `upto` (the handover check): the seqs it
    neither stored nor refused, as inclusive ranges; the seqs it refused; and how far it has
    verified the device's audit chain."""

    upto: int
    missing: list[tuple[int, int]]
    refused: list[int]
    audit_seq: int
    audit_hash: str | None
    audit_breaks: int = 0
    device: DeviceState


class ConflictList(_Model):
    conflicts: list[ConflictInfo]
    device: DeviceState


def op_id(device_id: str, seq: int) -> str:
    return f"{device_id}:{seq}"
