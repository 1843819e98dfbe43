"""Whole-process figures: launch to the unlock screen, and unlock to the first list.

Each sample is a new `python -m benchmarks.launch_probe` process running the real entry point
(`hjdesk.cli.entry`) offscreen. Python may cache bytecode for these processes (in the run's scratch
folder, PYTHONPYCACHEPREFIX) as an installed app has it: pip and PyInstaller both ship compiled
modules. One untimed launch fills that cache first.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import targets
from benchmarks.data import NURSE, PASSWORD, Workdir
from benchmarks.harness import Figure
from hjdesk.storage.paths import HomePaths

ROOT = Path(__file__).resolve().parents[1]


def _env(work: Workdir) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPYCACHEPREFIX=str(work.path("pycache")),
        PYTHONPATH=str(ROOT),
        XDG_DATA_HOME=str(work.path("xdg")),
    )
    for name in ("HJDESK_HOME", "HJDESK_USER", "HJDESK_PASSWORD"):
        env.pop(name, None)
    return env


def _probe(work: Workdir, *args: str, timeout: float = 120) -> tuple[float, list[str]]:
    """Run one probe; returns seconds from start to its first line, and all its lines."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.launch_probe", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(work),
        cwd=ROOT,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    took = time.perf_counter() - start
    try:
        rest, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, err = proc.communicate()
        raise RuntimeError(f"probe {args[0]} timed out: {err[-2000:]}") from None
    lines = [first.strip(), *rest.splitlines()]
    if proc.returncode != 0 or not first.startswith("painted"):
        raise RuntimeError(f"probe {args[0]} failed ({proc.returncode}): {lines} {err[-3000:]}")
    return took, lines


def launch_figures(work: Workdir, home: HomePaths, *, samples: int) -> list[Figure]:
    launch = Figure("launch", "launch to unlock screen (whole process)", "s",
                    target=targets.LAUNCH)  # fmt: skip
    unlock = Figure("unlock", "unlock (Argon2id) + first list (whole process)", "s",
                    target=targets.UNLOCK)  # fmt: skip
    _probe(work, "launch", str(home.root), NURSE)  # fills the bytecode cache
    _probe(work, "bare")
    bare = [_probe(work, "bare")[0] for _ in range(max(3, samples // 2))]
    for _ in range(samples):
        launch.samples.append(_probe(work, "launch", str(home.root), NURSE)[0])
    for _ in range(samples):
        _, lines = _probe(work, "unlock", str(home.root), NURSE, PASSWORD)
        value = next((line.split()[1] for line in lines if line.startswith("unlocked ")), None)
        if value is None:
            raise RuntimeError(f"unlock probe printed no time: {lines}")
        unlock.samples.append(float(value))
    launch.note = (
        f"process start to the unlock screen's first paint, offscreen, `hjdesk --home DEMO --user "
        f"nurse`; a bare PySide6 window on this machine: median {statistics.median(bare):.2f} s"
    )
    unlock.note = (
        "Enter pressed (after the screen had been up ≥ 1.5 s, as a person types) to the first "
        "page showing its list with nothing left loading; real Argon2id cost (128 MiB, t=3), "
        "2,000-patient demo vault"
    )
    return [launch, unlock]


def ui_figure(work: Workdir, home: HomePaths) -> Figure:
    figure = Figure("ui_thread", "UI thread: longest event handler, typing and scrolling", "ms",
                    target=targets.UI_HANDLER)  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.ui_probe", str(home.root), NURSE, PASSWORD],
        capture_output=True, text=True, env=_env(work), cwd=ROOT, timeout=300,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"ui probe failed ({proc.returncode}): {proc.stderr[-3000:]}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    figure.samples = found["search"] + found["filter"] + found["scrolling"]
    worst = {name: max(found[name], default=0.0) for name in ("search", "filter", "scrolling")}
    figure.note = (
        f"{len(figure.samples)} GUI-thread slices that did work, 2,000-patient vault: key presses "
        "at ~8 keys/s in the global search and in the Patients page's roll filter, then PageDown "
        f"and dragging through the roll. Worst: global search {worst['search']:.0f} ms, roll "
        f"filter {worst['filter']:.0f} ms, scrolling {worst['scrolling']:.0f} ms"
    )
    return figure


def large_page_figures(work: Workdir, home: HomePaths, patients: int) -> list[Figure]:
    """The GUI thread on the Today and Patients pages of a large establishment: when the lists
    or the roll arrive, when a list is opened or the names masked, and while the roll is
    filtered (benchmarks.large_pages_probe)."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.large_pages_probe", str(home.root), NURSE, PASSWORD],
        capture_output=True, text=True, env=_env(work), cwd=ROOT, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"pages probe failed ({proc.returncode}): {proc.stderr[-3000:]}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    shown = _slices(
        "today_page_refresh",
        f"Today page, {patients:,}: GUI thread as the lists arrive",
        found["refresh"],
        f"longest GUI-thread slice of each of {len(found['refresh'])} Refresh clicks, from the "
        f"click until the page is idle ({found['items']:,} items; the query runs on a worker)",
    )
    opened = _slices(
        "today_page_open",
        f"Today page, {patients:,}: open a list, mask names",
        found["open"] + found["mask"],
        f"each of the {len(found['open'])} worklists opened in turn, with the paint it makes "
        f"(worst {max(found['open'], default=0.0):.0f} ms), then the privacy switch "
        f"({found['mask'][0]:.0f} ms); every list open by the end, a page of each "
        f"({found['shown']:,} of {found['items']:,} rows laid out). A forced second repaint of "
        f"the unchanged view, counted in each step before the eleventh session, took "
        f"{statistics.median(found['open_repaint'] + found['mask_repaint']):.0f} ms (median)",
    )
    roll = _slices(
        "patients_page_roll",
        f"Patients page, {patients:,}: roll arrives, filter typed",
        found["roll"] + found["filter"],
        f"the longest slice while the roll of {found['patients']:,} arrives "
        f"({found['roll'][0]:.0f} ms), then of each key typed into or deleted from its filter "
        f"('smi', 'Z1'; worst {max(found['filter'], default=0.0):.0f} ms); above 5,000 people "
        "shown the wings stay closed until one is opened",
    )
    return [shown, opened, roll]


def _slices(name: str, label: str, samples: list[float], note: str) -> Figure:
    """A figure of GUI-thread slices in ms, judged like the UI thread on the worst."""
    figure = Figure(name, label, "ms", target=targets.UI_HANDLER)
    figure.samples = samples
    figure.note = note
    return figure
