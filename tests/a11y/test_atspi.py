"""Accessibility as a screen reader meets it: the real app under Xvfb, read through AT-SPI.

Every screen the driver shows (first run, vault problem, unlock, each page of the demo with its
tabs and second states, every dialog of tests/a11y/driver.py's DIALOGS) is walked
by a separate process using Debian's python3-pyatspi (tests/a11y/atspi_walk.py). Every focusable
control must have an accessible name and a role a screen reader can announce as a control.

Needs Xvfb, dbus-run-session, at-spi2-core and python3-pyatspi (.ci/run installs them). Without
them the test skips saying what is missing, except under CI, where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.a11y.driver import DIALOGS, QT_DIALOGS
from tests.conftest import PASSWORD

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"
# Roles that are containers or decoration: a focusable control announced as one of these tells
# a screen-reader user nothing about what it does.
NOT_A_CONTROL = {"filler", "panel", "unknown", "redundant object", "invalid", "layered pane",
                 "frame", "window", "separator"}  # fmt: skip

# One walk (the module's fixture) reads ~45 screens over D-Bus: minutes, more than the suite's
# per-test limit (pyproject), on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _missing() -> list[str]:
    missing = [tool for tool in ("Xvfb", "dbus-run-session") if shutil.which(tool) is None]
    if not Path("/usr/libexec/at-spi-bus-launcher").exists():
        missing.append("at-spi2-core")
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False
    ) if Path(SYSTEM_PYTHON).exists() else None  # fmt: skip
    if probe is None or probe.returncode != 0:
        missing.append("python3-pyatspi")
    return missing


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> dict[str, dict]:
    missing = _missing()
    if missing:
        reason = f"the AT-SPI stack is not installed: {', '.join(missing)} (see .ci/run)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("a11y")
    home = root / "demo"
    shutil.copytree(demo_template, home)
    runtime = root / "runtime"  # a private accessibility bus, not the machine's
    runtime.mkdir(mode=0o700)
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert xvfb.stdout is not None
        display = xvfb.stdout.readline().strip()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HJDESK_", "DBUS_"))}
        env.update(
            DISPLAY=f":{display}", QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=str(runtime),
            QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_ACCESSIBILITY="1", HOME=str(root),
            XDG_DATA_HOME=str(root / "xdg"), NO_AT_BRIDGE="0",
        )  # fmt: skip
        done = subprocess.run(
            ["dbus-run-session", "--", sys.executable, str(HERE / "driver.py"), str(home),
             PASSWORD],
            env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
    finally:
        xvfb.kill()
        xvfb.wait()
        if xvfb.stdout is not None:
            xvfb.stdout.close()
    assert done.returncode == 0, done.stderr[-3000:]
    # The accessibility bus's own daemons share the output: keep the driver's lines.
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith('{"step"') or ln == "DONE"]
    assert lines, done.stderr[-3000:]
    assert lines[-1] == "DONE", done.stderr[-3000:]
    screens = {}
    for line in lines[:-1]:
        found = json.loads(line)
        assert found["code"] == 0, f"{found['step']}: HJDesk was not on the accessibility bus"
        screens[found["step"]] = found
    return screens


def test_every_screen_was_walked(walk):
    titles = ("Today", "Wing clinics", "Patients", "ACCT", "Care plans", "Reports", "Sync",
              "Admin", "Patient record")  # fmt: skip
    pages = {f"page {title}" for title in titles}
    # Tabs and the pages' second states: each tab is walked as it is shown.
    more = {"page Admin / Roll import", "page Admin / Settings", "page ACCT / case",
            "page Care plans / plan", "page Care plans / plan / CAREMAP: goals and actions",
            "page Wing clinics / session", "page Patient record / Screening",
            "administrator: page Admin", "administrator: page Admin / Roll import"}  # fmt: skip
    dialogs = {f"dialog {case.name}" for case in DIALOGS} | {f"dialog {n}" for n in QT_DIALOGS}
    first = {"first-run", "first-run: connect and load the roll", "vault problem", "unlock"}
    assert first | pages | more | dialogs <= set(walk), sorted(
        first | pages | more | dialogs - set(walk)
    )
    for step, controls in walk.items():
        assert controls["controls"], f"{step}: no focusable control seen through AT-SPI"


def test_each_dialog_was_on_screen_as_its_class(walk):
    """DIALOGS is what tests/a11y/test_dialog_coverage.py checks against hjdesk/ui: the walk
    must have met each as that class, shown."""
    for case in DIALOGS:
        seen = walk[f"dialog {case.name}"]
        assert seen["dialog"] == f"{case.kind.__module__}.{case.kind.__qualname__}"
        assert seen["visible"], case.name


def test_every_focusable_control_has_a_name_and_a_control_role(walk):
    problems = [
        f"{step}: {c['role']} {c['name']!r} at {c['path']} "
        + ("has no accessible name" if not c["name"].strip() else "is not announced as a control")
        for step, found in walk.items()
        for c in found["controls"]
        if not c["name"].strip() or (c["role"] in NOT_A_CONTROL and not c["tab_widget"])
    ]  # fmt: skip
    assert not problems, "\n".join(problems)


def test_the_unlock_screen_reads_as_a_form(walk):
    roles = {(c["role"], c["name"]) for c in walk["unlock"]["controls"]}
    assert ("password text", "Password") in roles
    assert ("push button", "Unlock") in roles
    assert any(role == "combo box" for role, _ in roles)
