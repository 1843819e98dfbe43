"""Reads: patient search at two sizes, and the Today worklists."""

from __future__ import annotations

import random
import shutil
import time
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select

from benchmarks import targets
from benchmarks.data import Workdir, unlock
from benchmarks.harness import Figure, percentile_worst, timed
from hjdesk.services.patients import search
from hjdesk.services.worklists import today_worklists
from hjdesk.storage.models import Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault

Kind = Literal["surname", "prison number", "NHS number"]
KINDS: tuple[Kind, ...] = ("surname", "prison number", "NHS number")


def search_terms(vault: OpenVault, per_kind: int, seed: int = 7) -> list[tuple[Kind, str]]:
    """Prefixes a person types, drawn from people in the vault: 2-4 letters of a family name,
    3-5 characters of a prison number, 4-7 digits of an NHS number."""
    with vault.session() as session:
        people = list(
            session.execute(
                select(Patient.family_name, Patient.prison_number, Patient.nhs_number).order_by(
                    Patient.prison_number
                )
            )
        )
    rng = random.Random(seed)
    terms: list[tuple[Kind, str]] = []
    for _ in range(per_kind):
        family, number, _ = rng.choice(people)
        terms.append(("surname", family[: rng.randint(2, 4)]))
        terms.append(("prison number", number[: rng.randint(3, 5)]))
        nhs = rng.choice([p[2] for p in rng.sample(people, 10) if p[2]] or ["9990000000"])
        terms.append(("NHS number", nhs[: rng.randint(4, 7)]))
    return terms


def search_figure(home: HomePaths, patients: int, *, per_kind: int) -> Figure:
    target = targets.SEARCH_SMALL if patients <= 10_000 else targets.SEARCH_LARGE
    figure = Figure(
        f"search_{patients}",
        f"patient search, {patients:,} patients",
        "ms",
        target=target,
    )
    vault = unlock(home)
    try:
        terms = search_terms(vault, per_kind)
        for _, term in terms[:15]:  # warm the page cache, as a laptop in use has it
            search(vault, term)
        by_kind: dict[Kind, list[float]] = {k: [] for k in KINDS}
        found = 0
        for kind, term in terms:
            start = time.perf_counter()
            rows = search(vault, term)
            ms = (time.perf_counter() - start) * 1000
            found += len(rows)
            by_kind[kind].append(ms)
            figure.samples.append(ms)
    finally:
        vault.lock()
    figure.note = (
        f"{len(terms)} searches, {found / len(terms):.0f} rows each on average (limit 50); p95 by "
        "kind: "
        + ", ".join(f"{k} {percentile_worst(v, 'lower'):.1f} ms" for k, v in by_kind.items())
    )
    return figure


def today_figures(
    work: Workdir, home: HomePaths, patients: int, *, repeat: int, stored: str
) -> list[Figure]:
    """Today for the whole establishment, two ways (docs/performance.md, "Today: kept lists"):
    a refresh after one signed entry, as a nurse sees it all day (the kept lists, brought up to
    date for the one person the entry marked), and everything worked out in full, as the first
    call after unlock or of a new day does. On a copy: the entries must not reach other figures."""
    refresh = Figure(
        f"today_{patients}",
        f"Today worklists after one entry, {patients:,}-patient vault",
        "ms",
    )
    full = Figure(
        f"today_{patients}_full",
        f"Today worklists worked out in full, {patients:,}-patient vault",
        "ms",
    )
    from benchmarks.writes import entry_writer  # here: writes imports this module's terms

    copied = work.copy(home, f"today-{patients}")
    vault = unlock(copied)
    try:
        now = datetime.now(UTC)
        lists = today_worklists(vault, now=now)  # the first call: everything, then kept
        items = sum(len(items) for _, items in lists.named())
        full.samples = [
            s * 1000
            for s in timed(lambda: today_worklists(vault, now=now, kept=False), repeat=repeat)
        ]
        write = entry_writer(vault)
        for _ in range(repeat * 4):
            write()  # untimed: the entry's own figure is `clinical_entry`
            start = time.perf_counter()
            today_worklists(vault, now=now)
            refresh.samples.append((time.perf_counter() - start) * 1000)
    finally:
        vault.lock()
        shutil.rmtree(copied.root, ignore_errors=True)
    refresh.note = (
        f"all seven lists for the whole establishment, {items:,} items, after a signed entry "
        f"for a random person each time ({repeat * 4} entries); {stored}. No §9 target: it "
        "runs off the UI thread with the page showing its progress"
    )
    full.note = (
        f"all seven lists worked out afresh ({repeat} calls): what the first call after unlock, "
        "or the first of a new day, costs; no target of its own"
    )
    return [refresh, full]
