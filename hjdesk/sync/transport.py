"""HTTPS to the hub: one httpx client, replies parsed into the protocol's models, and every
network or HTTP failure turned into a SyncError with a message a person can act on."""

from __future__ import annotations

import ssl
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from hjdesk.sync.errors import HubCertificateUntrusted, HubRefused, HubUnreachable
from hjdesk.sync.protocol import (
    API,
    ChangesReply,
    ConflictList,
    DeviceState,
    EnrolReply,
    EnrolRequest,
    Health,
    PushRefused,
    PushReply,
    PushRequest,
    Receipt,
    Refused,
)

ModelT = TypeVar("ModelT", bound=BaseModel)


class SeqGapRefused(HubRefused):
    """The hub lacks ops before `expected_seq` (it was restored from a backup): resend them."""

    def __init__(self, message: str, expected_seq: int) -> None:
        super().__init__(message, 409)
        self.expected_seq = expected_seq


class OpsRefusedByHub(HubRefused):
    """The hub refused ops of a push (422): `refused` names each op and the rule it breaks."""

    def __init__(self, message: str, refused: list[Refused]) -> None:
        super().__init__(message, 422)
        self.refused = refused


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Verify the hub against the configured CA bundle, or the system's trusted CAs."""
    try:
        return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    except (OSError, ssl.SSLError) as exc:
        raise HubCertificateUntrusted(
            f"The CA bundle {ca_bundle} cannot be read as certificates: {exc}"
        ) from exc


class HubClient:
    """A connection to one hub; use as a context manager."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        ca_bundle: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # Plain http (a hub on loopback, tests) has no certificate to check: building a TLS
        # context loads every system CA, ~50 ms per sync. httpx follows no redirects, so a plain
        # URL never turns into an unverified https one.
        secure = self.base_url.lower().startswith("https://")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            verify=tls_context(ca_bundle) if secure else False,
            timeout=httpx.Timeout(timeout, connect=10.0),
        )

    def __enter__(self) -> HubClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- endpoints ------------------------------------------------------------------------
    def health(self) -> Health:
        return self._call("GET", "/health", Health)

    def enrol(self, request: EnrolRequest) -> EnrolReply:
        return self._call("POST", "/enrol", EnrolReply, body=request)

    def device(self) -> DeviceState:
        return self._call("GET", "/device", DeviceState)

    def push(self, request: PushRequest) -> PushReply:
        return self._call("POST", "/push", PushReply, body=request)

    def push_json(self, body: bytes) -> PushReply:
        """`push` with the request already written as JSON (`PushRequest`'s shape)."""
        return self._call("POST", "/push", PushReply, raw=body)

    def changes(self, since: int, limit: int, *, count: bool = False) -> ChangesReply:
        """One page of changes; with `count`, also how many remain after it (`remaining`)."""
        params: dict[str, Any] = {"since": since, "limit": limit}
        if count:
            params["count"] = "true"
        return self._call("GET", "/changes", ChangesReply, params=params)

    def conflicts(self) -> ConflictList:
        return self._call("GET", "/conflicts", ConflictList)

    def receipt(self, upto: int) -> Receipt:
        return self._call("GET", "/receipt", Receipt, params={"upto": upto})

    def wiped(self) -> DeviceState:
        return self._call("POST", "/wiped", DeviceState)

    # -- plumbing -------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        model: type[ModelT],
        *,
        body: BaseModel | None = None,
        raw: bytes | None = None,
        params: dict[str, Any] | None = None,
    ) -> ModelT:
        content = body.model_dump_json().encode() if body is not None else raw
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = self._http.request(
                method, API + path, content=content, params=params, headers=headers
            )
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
                raise HubCertificateUntrusted(
                    f"The hub at {self.base_url} presented a certificate this laptop does not "
                    "trust: check the CA bundle given at enrolment."
                ) from exc
            raise HubUnreachable(
                f"The hub at {self.base_url} cannot be reached: is this laptop on the network "
                "and the hub running? Your work is kept and will sync next time."
            ) from exc
        except httpx.TimeoutException as exc:
            raise HubUnreachable(
                f"The hub at {self.base_url} did not answer in time. Your work is kept; try again."
            ) from exc
        except httpx.HTTPError as exc:
            raise HubUnreachable(
                f"The connection to the hub at {self.base_url} failed ({type(exc).__name__}). "
                "Your work is kept; try again."
            ) from exc
        return self._parse(response, model)

    def _parse(self, response: httpx.Response, model: type[ModelT]) -> ModelT:
        if response.status_code == 200:
            try:
                return model.model_validate_json(response.content)
            except ValidationError as exc:
                raise HubRefused(
                    "The hub's reply was not understood: is it the same HJDesk version?", 200
                ) from exc
        detail = _detail(response)
        if response.status_code == 401:
            raise HubRefused(
                f"The hub does not accept this laptop ({detail}). Ask the hub administrator for "
                "a new enrolment code.",
                401,
            )
        if response.status_code == 409 and "expected_seq" in response.text:
            try:
                expected = int(response.json()["expected_seq"])
            except (ValueError, KeyError, TypeError):
                expected = 1
            raise SeqGapRefused(detail, expected)
        if response.status_code == 422 and b'"refused"' in response.content:
            try:
                refused = PushRefused.model_validate_json(response.content)
            except ValidationError:
                pass
            else:
                raise OpsRefusedByHub(f"The hub refused changes: {refused.detail}", refused.refused)
        if response.status_code >= 500:
            raise HubRefused(
                f"The hub had a problem (HTTP {response.status_code}): try again later.",
                response.status_code,
            )
        raise HubRefused(f"The hub refused the request: {detail}", response.status_code)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(detail, str):
        return detail
    return f"HTTP {response.status_code}"
