"""A throwaway PostgreSQL cluster for the hub tests, started with Debian's own binaries.

`HJDESK_TEST_PG_URL` (a server where the user may CREATE DATABASE) replaces it when set. As root,
the cluster runs as the `postgres` system user (PostgreSQL refuses to run as root), in a folder
outside pytest's private tmp tree so that user can reach it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_URL_ENV = "HJDESK_TEST_PG_URL"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass(frozen=True)
class PgServer:
    base_url: str  # postgresql+psycopg://user@host:port

    def new_database(self) -> str:
        import psycopg

        name = f"hub_{uuid.uuid4().hex[:12]}"
        plain = self.base_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"


def _run_as(user: str | None, args: list[str]) -> None:
    command = ["runuser", "-u", user, "--", *args] if user else args
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@contextmanager
def postgres_server() -> Iterator[PgServer | None]:
    """Yield a server, or None when there is neither the env var nor PostgreSQL binaries."""
    given = os.environ.get(PG_URL_ENV)
    if given:
        base = given.rstrip("/").rsplit("/", 1)[0] if given.count("/") > 2 else given
        yield PgServer(base.replace("postgresql://", "postgresql+psycopg://"))
        return
    bindir = pg_bin()
    if bindir is None:
        yield None
        return
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            yield None
            return
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="hjdesk-pg-"))
    root.chmod(0o755)
    if user:
        shutil.chown(root, user)
    data, port = root / "data", free_port()
    try:
        _run_as(user, [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "hjdesk",
                       "-E", "UTF8", "--no-sync"])  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run_as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                       "-l", str(root / "log"), "-w", "start"])  # fmt: skip
        yield PgServer(f"postgresql+psycopg://hjdesk@127.0.0.1:{port}")
    finally:
        if (data / "postmaster.pid").exists():
            _run_as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)
