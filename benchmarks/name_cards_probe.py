"""What `hjdesk hub name-cards` costs on a hub filled through the real push path (H-37).

    python -m benchmarks.name_cards_probe [PATIENTS] [MOVED] [sqlite|postgresql]

A synthetic demo establishment (DMO, PATIENTS patients with history, nothing synced) is pushed
to a hub process by `sync()`; a second prison (BBB) imports a roll listing MOVED of them and
syncs (claims), then DMO imports its roll without them and syncs, so the hub re-announces their
histories to BBB and writes BBB's name cards. The cards are then deleted from the hub's own
table, which is the state of a hub from before cards, and `hjdesk hub name-cards` is run in a
child process three times: after the delete (it writes the cards), again (a no-op), and after a
second delete. Each run's wall time and the child's peak RSS (GNU `time`'s %M) are printed, beside
those of `hjdesk hub devices` on the same database (the process and the migration check alone).
Synthetic data only; the command prints counts only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from hjdesk.demo import build_demo
from hjdesk.demo.establishment import generate_rows
from hjdesk.services.roll import RollRow
from hjdesk.services.roll.importing import import_roll
from hjdesk.storage import keyslots
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.sync.client import enrol, sync
from hjdesk.sync.hub import schema
from hjdesk.sync.protocol import STAFF_CARD_KIND
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.helpers import ROLL_COLUMNS, HubProcess, cli_env
from tests.sync.pg import postgres_server

keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR


def _roll(path: Path, code: str, rows: list[RollRow]) -> Path:
    def line(r: RollRow) -> str:
        release = r.expected_release_date.isoformat() if r.expected_release_date else ""
        reception = r.reception_date.isoformat() if r.reception_date else ""
        return (
            f"{r.prison_number},{r.nhs_number or ''},{r.family_name},{r.given_names},"
            f"{r.date_of_birth.isoformat()},{r.sex},{code},{'-'.join(r.location)},"
            f"{reception},{release},{' '.join(r.alerts)}\n"
        )

    path.write_text(ROLL_COLUMNS + "".join(line(r) for r in rows), "utf-8")
    return path


def _child(*args: str) -> tuple[float, int, str]:
    """Wall seconds, the child's own peak RSS in MiB (GNU time's %M), and its output."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "hjdesk.cli", *args],
        capture_output=True, text=True, env=cli_env(), check=True,
    )  # fmt: skip
    took = time.perf_counter() - start
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return took, peak_kib // 1024, done.stdout.strip()


def _estate(
    work: Path, hub: HubProcess, patients: int, moved: int
) -> tuple[Any, Any, dict[str, float]]:
    """DMO's demo pushed; MOVED of its patients moved to BBB by the two rolls."""
    t0 = time.perf_counter()
    dmo_home = HomePaths.resolve(work / "dmo")
    dmo, _ = build_demo(dmo_home, password=PASSWORD, patients=patients, kdf=FAST_KDF,
                        synced=False)  # fmt: skip
    built = time.perf_counter() - t0
    enrol(dmo, hub.url, hub.enrol_code("DMO"))
    t0 = time.perf_counter()
    pushed = sync(dmo).pushed
    push_s = time.perf_counter() - t0
    today = datetime.now(UTC).date()
    rows = generate_rows(patients, 1, today)
    bbb_home = HomePaths.resolve(work / "bbb")
    bbb = Vault.create(bbb_home, admin="admin", password=PASSWORD, kdf=FAST_KDF,
                       establishment="BBB")  # fmt: skip
    enrol(bbb, hub.url, hub.enrol_code("BBB"))
    import_roll(bbb, _roll(work / "bbb.csv", "BBB", rows[:moved]), full_roll=True,
                as_of=datetime.now(UTC))  # fmt: skip
    sync(bbb)
    import_roll(dmo, _roll(work / "dmo.csv", "DMO", rows[moved:]), full_roll=True,
                as_of=datetime.now(UTC))  # fmt: skip
    sync(dmo)
    sync(bbb)
    return dmo, bbb, {"build_s": round(built, 1), "push_s": round(push_s, 1), "pushed": pushed}


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    moved = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    engine = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
    work = Path(tempfile.mkdtemp(prefix="name-cards-probe-"))
    cluster = postgres_server() if engine == "postgresql" else nullcontext(None)
    with cluster as pg:
        url = f"sqlite:///{work / 'hub.db'}" if pg is None else pg.new_database()
        hub = HubProcess(url, work / "hubdir").start()
        try:
            dmo, bbb, figures = _estate(work, hub, patients, moved)
            store = hub.store
            docs = schema.documents
            with store.reading() as conn:
                total = conn.execute(select(func.count()).select_from(docs)).scalar_one()
                made = conn.execute(
                    select(func.count()).where(docs.c.kind == STAFF_CARD_KIND)
                ).scalar_one()

            def cards() -> set[tuple[str, str]]:
                with store.reading() as conn:
                    return {
                        (code, payload["staff_id"])
                        for code, payload in conn.execute(
                            select(docs.c.est_code, docs.c.payload).where(
                                docs.c.kind == STAFF_CARD_KIND
                            )
                        )
                    }

            at_arrival = cards()

            def forget() -> None:
                with store.writing() as (conn, _):
                    conn.execute(delete(docs).where(docs.c.kind == STAFF_CARD_KIND))

            forget()
            runs = {"devices": _child("hub", "devices", "--db", url)[:2]}
            first = _child("hub", "name-cards", "--db", url)
            backfilled = cards()
            again = _child("hub", "name-cards", "--db", url)
            forget()
            third = _child("hub", "name-cards", "--db", url)
            for name, run in (("first", first), ("again", again), ("after delete", third)):
                runs[name] = run[:2]
                print(f"{name}: {run[2]}", file=sys.stderr)
            # Where the two differ, as counts per establishment code.
            for name, extra in (("arrival only", at_arrival - backfilled),
                                ("backfill only", backfilled - at_arrival)):  # fmt: skip
                print(f"{name}: {sorted(Counter(code for code, _ in extra).items())}",
                      file=sys.stderr)  # fmt: skip
            dmo.lock()
            bbb.lock()
        finally:
            hub.close()
    print(json.dumps({
        "engine": engine, "patients": patients, "moved": moved, "documents": total,
        "cards_at_arrival": made, **figures,
        "runs": {k: {"s": round(s, 2), "peak_rss_mib": m} for k, (s, m) in runs.items()},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
