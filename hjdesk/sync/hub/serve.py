"""Run the hub with uvicorn, over TLS when given a certificate and key."""

from __future__ import annotations

import ssl
from pathlib import Path

from sqlalchemy.engine import make_url

from hjdesk.storage.errors import InvalidInput
from hjdesk.sync.hub.app import create_app
from hjdesk.sync.hub.store import HubStore


def describe(url: str) -> str:
    """The database URL without its password, for logs and the console."""
    return make_url(url).render_as_string(hide_password=True)


def serve(
    db: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8443,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    log_level: str = "info",
) -> None:
    import uvicorn

    if (tls_cert is None) != (tls_key is None):
        raise InvalidInput("Give both --tls-cert and --tls-key, or neither.")
    if tls_cert is not None and tls_key is not None:
        for path in (tls_cert, tls_key):
            if not path.is_file():
                raise InvalidInput(f"No such file: {path}")
        try:  # fail here with a plain message rather than inside uvicorn's startup
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(tls_cert, tls_key)
        except ssl.SSLError as exc:
            raise InvalidInput(f"The TLS certificate and key do not load: {exc.reason}.") from exc
    if not 0 < port < 65536:
        raise InvalidInput("--port must be between 1 and 65535.")
    store = HubStore(db)
    scheme = "https" if tls_cert else "http"
    print(f"HJDesk hub on {scheme}://{host}:{port} (database {describe(store.url)})", flush=True)
    try:
        uvicorn.run(
            create_app(store),
            host=host,
            port=port,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
            log_level=log_level,
            server_header=False,
        )
    finally:
        store.close()
