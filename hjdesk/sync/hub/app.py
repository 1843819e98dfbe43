"""The hub's HTTP API (FastAPI), versioned under /v1, schema published at /openapi.json.

Every request but health and enrolment carries `Authorization: Bearer <device token>`. Requests
that are malformed, oversized or refused get a 4xx whose `detail` says why, and store nothing:
validation happens before any transaction, and a refusal inside one rolls it back.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hjdesk import __version__
from hjdesk.sync.hub import devices
from hjdesk.sync.hub.devices import HubRefusal
from hjdesk.sync.hub.feed import changes_json
from hjdesk.sync.hub.push import SeqGap, apply_push, conflicts_of
from hjdesk.sync.hub.receipt import receipt
from hjdesk.sync.hub.refusals import OpsRefused
from hjdesk.sync.hub.store import HubStore
from hjdesk.sync.protocol import (
    API,
    DEFAULT_PAGE,
    MAX_BODY_BYTES,
    MAX_PAGE,
    MAX_SEQ,
    ChangesReply,
    ConflictList,
    DeviceState,
    EnrolReply,
    EnrolRequest,
    Gap,
    Health,
    Problem,
    PushRefused,
    PushReply,
    PushRequest,
    Receipt,
)

DB_ENV = "HJDESK_HUB_DB"
log = logging.getLogger("hjdesk.hub")
_bearer = HTTPBearer(auto_error=False, description="The device token from enrolment.")


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413, whatever its Content-Length claims."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _problem(413 if declared.isdigit() else 400, "Request body too large.", send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _problem(413, "Request body too large.", send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _problem(status: int, detail: str, send: Send) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(store: HubStore) -> FastAPI:
    app = FastAPI(
        title="HJDesk sync hub",
        version=__version__,
        description="Sync between HJDesk laptops and their healthcare office (architecture.md §5).",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    _handlers(app)
    _device_routes(app, store)
    _record_routes(app, store)
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(SeqGap)
    async def _gap(request: Request, exc: SeqGap) -> JSONResponse:
        return JSONResponse(
            Gap(detail=exc.message, expected_seq=exc.expected).model_dump(), status_code=409
        )

    @app.exception_handler(OpsRefused)
    async def _ops_refused(request: Request, exc: OpsRefused) -> JSONResponse:
        body = PushRefused(detail=exc.message, refused=[r.wire() for r in exc.refusals])
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(HubRefusal)
    async def _refused(request: Request, exc: HubRefusal) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The default echoes the offending input; a payload may hold clinical details.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()[:20]
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("hub database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse({"detail": "The hub's database is unavailable."}, status_code=503)


_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid device token"},
    422: {"model": Problem, "description": "Malformed request"},
    413: {"model": Problem, "description": "Request body too large"},
}


def current_device(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> RowMapping:
    """The enrolled device whose token the request carries, or 401."""
    if credentials is None or len(credentials.credentials) > 200:
        raise HubRefusal("A device token is required: enrol this laptop first.", 401)
    store: HubStore = request.app.state.store
    with store.engine.connect() as conn:
        row = devices.authenticate(conn, credentials.credentials)
    if row is None:
        raise HubRefusal("This device token is not valid on this hub.", 401)
    return row


# Module level: FastAPI resolves these (string) annotations in the module's namespace.
Device = Annotated[RowMapping, Depends(current_device)]


def _device_routes(app: FastAPI, store: HubStore) -> None:
    """Health, enrolment, a device's own state, its receipt and its wipe report."""

    @app.get(f"{API}/health", response_model=Health)
    def health() -> Health:
        return Health(version=__version__)

    @app.post(
        f"{API}/enrol",
        response_model=EnrolReply,
        responses={403: {"model": Problem}, 409: {"model": Problem}, **_REFUSALS},
    )
    def enrol(body: EnrolRequest) -> EnrolReply:
        return devices.enrol(store, body.code, body.device_id, body.device_name)

    @app.get(f"{API}/device", response_model=DeviceState, responses=_REFUSALS)
    def device_state(me: Device) -> DeviceState:
        return devices.state_of(me)

    @app.get(f"{API}/receipt", response_model=Receipt, responses=_REFUSALS)
    def device_receipt(
        me: Device, upto: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0
    ) -> Receipt:
        """Which of this device's ops up to `upto` the hub holds (a revoked device may ask:
        it is how a laptop proves its work is at the office before it is wiped)."""
        return receipt(store, me, upto)

    @app.post(f"{API}/wiped", response_model=DeviceState, responses=_REFUSALS)
    def wiped(me: Device) -> DeviceState:
        """The laptop reports that it destroyed its vault; its token stops working."""
        with store.engine.begin() as conn:
            devices.mark_wiped(conn, me["id"])
        return devices.state_of(me)


def _record_routes(app: FastAPI, store: HubStore) -> None:
    """Push, the change feed and the conflicts: what a device sends and receives."""

    @app.post(
        f"{API}/push",
        response_model=PushReply,
        responses={**_REFUSALS, 409: {"model": Gap}, 422: {"model": PushRefused}},
    )
    def push(body: PushRequest, me: Device) -> PushReply:
        return apply_push(store, me["id"], body)

    @app.get(
        f"{API}/changes",
        response_model=ChangesReply,
        responses={403: {"model": Problem}, **_REFUSALS},
    )
    def changes(
        me: Device,
        since: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        count: bool = False,
    ) -> Response:
        if me["revoked_at"] is not None:
            raise HubRefusal("This laptop's access was revoked: it can no longer pull.", 403)
        # The body as `changes_json` writes it (payloads spliced in as stored; `remaining` only
        # when asked for): the response model above documents it.
        return Response(
            changes_json(store, me, since, limit, count=count), media_type="application/json"
        )

    @app.get(
        f"{API}/conflicts",
        response_model=ConflictList,
        responses={403: {"model": Problem}, **_REFUSALS},
    )
    def conflicts(me: Device) -> ConflictList:
        if me["revoked_at"] is not None:
            raise HubRefusal("This laptop's access was revoked: it can no longer read.", 403)
        with store.reading() as conn:
            found = conflicts_of(conn, me["id"])
        return ConflictList(conflicts=found, device=devices.state_of(me))


def app_from_env() -> FastAPI:
    """For `uvicorn --factory hjdesk.sync.hub.app:app_from_env` (several workers, one database)."""
    url = os.environ.get(DB_ENV)
    if not url:
        raise RuntimeError(f"Set {DB_ENV} to the hub's database URL.")
    return create_app(HubStore(url))
