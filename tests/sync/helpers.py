"""Real processes for the sync tests: a hub served by `hjdesk hub serve`, and laptops (vaults).

The hub always runs as its own process on a free loopback port; tests talk to it over HTTP(S)
like a laptop would and read its database directly to check what it holds.
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical import estate_ids
from hjdesk.storage.engine import make_engine
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.models import Establishment, OutboxOp, Patient, Setting
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.sync.client import SyncSummary, enrol, sync
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.devices import create_enrol_code
from hjdesk.sync.hub.store import HubStore
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.pg import free_port

ROOT = Path(__file__).resolve().parents[2]


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HJDESK_PASSWORD": PASSWORD, "HJDESK_USER": "admin", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.cli_test_profile", *args],
        capture_output=True, text=True, env=cli_env(), cwd=cwd, timeout=timeout,
    )  # fmt: skip


@dataclass(frozen=True)
class Tls:
    cert: Path
    key: Path
    ca: Path


class HubProcess:
    """`hjdesk hub serve` in a subprocess; `start`, `stop`, `kill`, `restart`."""

    def __init__(self, db_url: str, workdir: Path, tls: Tls | None = None) -> None:
        self.db_url, self.workdir, self.tls = db_url, workdir, tls
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._store: HubStore | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> HubProcess:
        args = [sys.executable, "-m", "hjdesk.cli", "hub", "serve", "--db", self.db_url,
                "--port", str(self.port), "--log-level", "warning"]  # fmt: skip
        if self.tls:
            args += ["--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)]
        log = open(self.workdir / "hub.log", "ab")  # noqa: SIM115 - the child keeps it open
        self.proc = subprocess.Popen(args, stdout=log, stderr=log, env=cli_env(), cwd=self.workdir)
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(self.tls.ca)) if self.tls else False
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited: {(self.workdir / 'hub.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", verify=verify, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("hub did not become ready")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    @property
    def store(self) -> HubStore:
        if self._store is None:
            self._store = HubStore(self.db_url)
        return self._store

    def close(self) -> None:
        self.kill()
        if self._store is not None:
            self._store.close()

    def enrol_code(self, establishment: str) -> str:
        return create_enrol_code(self.store, establishment)

    def count(self, table: Any, *where: Any) -> int:
        with self.store.reading() as conn:
            return int(
                conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
            )

    def doc(self, kind: str, record_id: str) -> dict[str, Any] | None:
        docs = schema.documents
        with self.store.reading() as conn:
            row = (
                conn.execute(select(docs).where(docs.c.kind == kind, docs.c.id == record_id))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def docs_of_patient(self, patient_id: str) -> list[dict[str, Any]]:
        docs = schema.documents
        with self.store.reading() as conn:
            rows = conn.execute(select(docs).where(docs.c.patient_id == patient_id)).mappings()
            return [dict(r) for r in rows]


def _prison_number(prefix: str, index: int) -> str:
    """A valid 7-character number (A1234BC): the prefix's letter, the index, and two letters
    from the prefix's digits ("K3" → K0001AD), so batches of one test stay distinct."""
    tail = prefix[1:]
    n = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix[0]}{index:04d}{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"


class Laptop:
    """One laptop's vault, with an admin user, opened and locked around each use."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.home = HomePaths.resolve(root / name)
        Vault.create(self.home, admin="admin", password=PASSWORD, kdf=FAST_KDF).lock()

    @contextmanager
    def vault(self) -> Iterator[OpenVault]:
        opened = Vault(self.home).unlock("admin", PASSWORD)
        try:
            yield opened
        finally:
            opened.lock()

    def enrol(self, hub: HubProcess, establishment: str) -> None:
        with self.vault() as v:
            enrol(
                v, hub.url, hub.enrol_code(establishment), ca_bundle=hub.tls.ca if hub.tls else None
            )

    def sync(self, **kwargs: Any) -> SyncSummary:
        with self.vault() as v:
            return sync(v, **kwargs)

    @contextmanager
    def peek(self) -> Iterator[Session]:
        """Read the vault without unlocking it as a user (which would audit, and queue an op)."""
        key = KeySlots.load(self.home.keyslots).unwrap("admin", PASSWORD)
        engine = make_engine(self.home.vault, key)
        try:
            with Session(engine) as session:
                yield session
        finally:
            engine.dispose()

    def unsent(self) -> int:
        with self.peek() as s:
            return (
                s.scalar(
                    select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_(None))
                )
                or 0
            )

    def outbox_size(self) -> int:
        with self.peek() as s:
            return s.scalar(select(func.count()).select_from(OutboxOp)) or 0

    def device_id(self) -> str:
        with self.peek() as s:
            setting = s.get(Setting, "device_id")
            assert setting is not None
            return setting.value

    # -- records --------------------------------------------------------------------------
    def add_establishment(self, code: str) -> str:
        with self.vault() as v, v.transaction() as s:
            est = Establishment(id=estate_ids.establishment_id(code), code=code, name=f"HMP {code}")
            s.add(est)
            s.flush()
            return est.id

    def establishment_id(self, code: str) -> str | None:
        with self.vault() as v, v.session() as s:
            return s.scalar(select(Establishment.id).where(Establishment.code == code))

    def add_patients(self, establishment_id: str, count: int, prefix: str = "Z") -> list[str]:
        with self.vault() as v, v.transaction() as s:
            patients = [
                Patient(id=estate_ids.patient_id(_prison_number(prefix, i)),
                        prison_number=_prison_number(prefix, i), family_name="Testperson",
                        given_names=f"Pat {i}", family_fold="testperson", given_fold=f"pat{i}",
                        date_of_birth=date(1980, 1, 1), sex="M", establishment_id=establishment_id)
                for i in range(count)
            ]  # fmt: skip
            s.add_all(patients)
            s.flush()
            return [p.id for p in patients]

    def rename_establishment(self, establishment_id: str, name: str) -> None:
        """An edit of a record every laptop of the prison holds (offline edits of it conflict)."""
        with self.vault() as v, v.transaction() as s:
            found = s.get(Establishment, establishment_id)
            assert found is not None
            found.name = name

    def establishment_name(self, establishment_id: str) -> str:
        with self.peek() as s:
            found = s.get(Establishment, establishment_id)
            assert found is not None
            return found.name

    def patient(self, patient_id: str) -> Patient | None:
        with self.peek() as s:
            found = s.get(Patient, patient_id)
            if found is not None:
                s.expunge(found)
            return found

    def edit_patient(self, patient_id: str, **values: Any) -> None:
        with self.vault() as v, v.transaction() as s:
            patient = s.get(Patient, patient_id)
            assert patient is not None
            for key, value in values.items():
                setattr(patient, key, value)


# -- the estate: rolls, users and clinical history through the services ----------------------

ROLL_COLUMNS = (
    "prison_number,nhs_number,family_name,given_names,date_of_birth,sex,establishment,location,"
    "reception_date,expected_release_date,alerts\n"
)


def test_nhs_number(index: int) -> str:
    """A checksum-valid NHS number from the 999 test range (never a real person's)."""
    body = 999_000_000 + index * 7
    while True:
        digits = f"{body:09d}"
        check = (
            11 - sum(w * int(d) for w, d in zip(range(10, 1, -1), digits, strict=True)) % 11
        ) % 11
        if check != 10:
            return digits + str(check)
        body += 1


test_nhs_number.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@dataclass(frozen=True)
class Prisoner:
    number: str
    nhs: str
    family: str
    given: str = "Sam"
    location: str = "A-1-001"
    alerts: str = ""
    release: str = ""

    def line(self, establishment: str) -> str:
        return (
            f"{self.number},{self.nhs},{self.family},{self.given},1980-04-01,M,{establishment},"
            f"{self.location},2024-01-15,{self.release},{self.alerts}\n"
        )


def write_roll(path: Path, establishment: str, prisoners: list[Prisoner]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROLL_COLUMNS + "".join(p.line(establishment) for p in prisoners), "utf-8")
    return path


def import_roll_as(laptop: Laptop, path: Path, as_of: datetime, *, full: bool = True) -> Any:
    from hjdesk.services.roll.importing import import_roll

    with laptop.vault() as v:
        return import_roll(v, path, full_roll=full, as_of=as_of)


def add_nurse(laptop: Laptop, username: str = "nurse") -> None:
    with laptop.vault() as v:
        v.add_user(username, PASSWORD, display_name="Nurse Test", role="RN", kdf=FAST_KDF)


@contextmanager
def as_user(laptop: Laptop, username: str) -> Iterator[OpenVault]:
    opened = Vault(laptop.home).unlock(username, PASSWORD)
    try:
        yield opened
    finally:
        opened.lock()


def sign_visit(laptop: Laptop, patient_id: str, narrative: str, user: str = "nurse") -> str:
    """A signed clinic visit, through the encounter service; returns its id."""
    from hjdesk.services.encounters.forms import EncounterInput
    from hjdesk.services.encounters.signing import sign_encounter

    now = datetime.now(UTC)
    with as_user(laptop, user) as v:
        view = sign_encounter(
            v,
            EncounterInput(
                patient_id=patient_id,
                kind="CLINIC_VISIT",
                started_at=now - timedelta(minutes=20),
                ended_at=now - timedelta(minutes=5),
                narrative=narrative,
                place="Wing treatment room",
                consent_recorded=True,
            ),
            now=now,
        )
        return view.id


def draft_care_plan(laptop: Laptop, patient_id: str, user: str = "nurse") -> str:
    from hjdesk.services.care_plans.plans import create_plan

    with as_user(laptop, user) as v:
        return create_plan(v, patient_id, "SMOKING", title="Stopping smoking").id


def patient_numbers(laptop: Laptop) -> list[str]:
    """Every patient row on the laptop (on the roll or not), by prison number, sorted."""
    with laptop.peek() as s:
        return sorted(s.scalars(select(Patient.prison_number)))


def rows_of(laptop: Laptop, model: Any, patient_id: str) -> list[str]:
    with laptop.peek() as s:
        return sorted(s.scalars(select(model.id).where(model.patient_id == patient_id)))
