"""One clinical entry, and the SQLCipher vault against plain SQLite on the same app workload."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.pool import QueuePool

from benchmarks import targets
from benchmarks.data import PASSWORD, Workdir, unlock
from benchmarks.harness import Figure, percentile_worst
from benchmarks.reads import search_terms
from hjdesk.services import encounters, patients
from hjdesk.services.encounters import EncounterInput, VitalsInput
from hjdesk.services.worklists import today_worklists
from hjdesk.storage.engine import PRAGMAS
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.models import Patient, Staff
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault


def _patient_ids(vault: OpenVault) -> list[str]:
    with vault.session() as session:
        return list(
            session.scalars(
                select(Patient.id).where(Patient.on_roll.is_(True)).order_by(Patient.prison_number)
            )
        )


def cell_door_entry(patient_id: str, now: datetime) -> EncounterInput:
    """A cell-door visit with a full set of observations (NEWS2 0): the commonest signed entry."""
    return EncounterInput(
        patient_id=patient_id,
        kind="CELL_DOOR",
        started_at=now - timedelta(minutes=3),
        narrative="Seen at the cell door on the morning round. Well, no concerns raised.",
        place="A wing",
        consent_recorded=True,
        vitals=VitalsInput(
            resp_rate=16,
            spo2=97,
            on_oxygen=False,
            systolic_bp=126,
            pulse=74,
            consciousness="A",
            temperature=36.8,
            diastolic_bp=78,
        ),
    )


def entry_writer(vault: OpenVault, seed: int = 3) -> Callable[[], object]:
    ids = _patient_ids(vault)
    rng = random.Random(seed)

    def write() -> object:
        return encounters.sign_encounter(vault, cell_door_entry(rng.choice(ids), datetime.now(UTC)))

    return write


def entry_figure(work: Workdir, source: HomePaths, *, repeat: int) -> Figure:
    figure = Figure(
        "clinical_entry",
        "one clinical entry (record + audit + outbox)",
        "ms",
        target=targets.ENTRY,
    )
    home = work.copy(source, "entry")
    vault = unlock(home)
    try:
        write = entry_writer(vault)
        for _ in range(10):
            write()
        cpu: list[float] = []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            write()
            cpu.append((time.process_time() - start_cpu) * 1000)
            figure.samples.append((time.perf_counter() - start) * 1000)
    finally:
        vault.lock()
    # The process's CPU beside the wall time: what is left between them is waiting, mostly the
    # disk's sync at commit, which moves with the machine and not with the code.
    cpu_said = (
        f"; CPU median {statistics.median(cpu):.2f} ms, p95 {percentile_worst(cpu, 'lower'):.2f}"
        if cpu
        else ""
    )
    figure.note = (
        f"{repeat} signed cell-door encounters with observations (encounter + observation + "
        "audit event + 3 outbox ops, one transaction, synchronous=FULL) on the 2,000-patient "
        f"vault{cpu_said}"
    )
    return figure


# -- SQLCipher vs plain SQLite ---------------------------------------------------------------


def _plain_copy(home: HomePaths, target: Path) -> None:
    """A plaintext copy of the vault, by SQLCipher's own `sqlcipher_export`."""
    import sqlcipher3

    key = KeySlots.load(home.keyslots).unwrap("admin", PASSWORD)
    conn = sqlcipher3.connect(str(home.vault), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()


def _plain_engine(path: Path) -> Engine:
    """The vault's engine recipe (storage.engine) on the same SQLCipher library, without a key:
    same SQLite version, same pragmas, no encryption."""
    import sqlcipher3

    def creator() -> Any:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS:
            if "cipher" not in pragma:
                conn.execute(pragma)
        return conn

    engine = create_engine(
        "sqlite://", creator=creator, module=sqlcipher3.dbapi2, poolclass=QueuePool,
        pool_size=4, max_overflow=4,
    )  # fmt: skip

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _open_plain(home: HomePaths, path: Path, user: str) -> OpenVault:
    with _plain_engine(path).connect() as conn:
        device_id = conn.execute(
            text("SELECT value FROM settings WHERE key = 'device_id'")
        ).scalar()
    engine = _plain_engine(path)
    slots = KeySlots.load(home.keyslots)
    opened = OpenVault(Vault(home), engine, slots, str(device_id), bytes(32))
    with opened.session() as session:
        staff = session.scalar(select(Staff).where(Staff.username == user))
        assert staff is not None
        opened._set_user(staff.id, staff.username, staff.role)
    return opened


Unit = Callable[[], object]


def _units(vault: OpenVault, terms: list[str], entries: int, seed: int) -> list[Unit]:
    """What a nurse's laptop does in a few minutes: signed entries, searches, the roll, Today."""
    write = entry_writer(vault, seed)
    units: list[Unit] = [write for _ in range(entries)]
    units += [partial(patients.search, vault, term) for term in terms]
    units += [partial(patients.caseload, vault), partial(today_worklists, vault)]
    return units


def cipher_figure(work: Workdir, source: HomePaths, *, rounds: int) -> Figure:
    figure = Figure(
        "sqlcipher_ratio",
        "SQLCipher vault ÷ plain SQLite, same app workload",
        "x",
        target=targets.CIPHER_RATIO,
    )
    cipher_home = work.copy(source, "cipher")
    plain_home = work.copy(source, "plain")
    plain_path = plain_home.root / "plain.db"
    _plain_copy(plain_home, plain_path)
    cipher = unlock(cipher_home)
    plain = _open_plain(plain_home, plain_path, "nurse")
    wall = {"cipher": 0.0, "plain": 0.0}
    cpu = {"cipher": 0.0, "plain": 0.0}
    try:
        terms = [t for _, t in search_terms(cipher, 20)]
        for vault in (cipher, plain):  # warm both page caches
            for unit in _units(vault, terms[:10], 5, 0):
                unit()
        for round_ in range(rounds):
            took = {"cipher": 0.0, "plain": 0.0}
            work_of = {
                "cipher": _units(cipher, terms, 20, round_ + 1),
                "plain": _units(plain, terms, 20, round_ + 1),
            }
            # Unit by unit, alternating which vault goes first: a shared, busy machine then
            # slows both alike instead of whichever happened to run during a burst.
            for index in range(len(work_of["cipher"])):
                order = ("cipher", "plain") if index % 2 == round_ % 2 else ("plain", "cipher")
                for name in order:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    work_of[name][index]()
                    took[name] += time.perf_counter() - start
                    cpu[name] += time.process_time() - start_cpu
            figure.samples.append(took["cipher"] / took["plain"])
            for name in took:
                wall[name] += took[name]
    finally:
        cipher.lock()
        plain.lock()
    figure.note = (
        f"{rounds} rounds, each: 20 signed entries, {len(terms)} searches, the roll and Today, "
        "on two copies of the 2,000-patient vault in one process, unit by unit in alternation; "
        f"per round {wall['cipher'] / rounds:.2f} s encrypted vs {wall['plain'] / rounds:.2f} s "
        f"plain; CPU time ratio {cpu['cipher'] / cpu['plain']:.2f}×. Same SQLCipher library "
        "for both (plain = no key, exported with sqlcipher_export), same pragmas"
    )
    return figure
