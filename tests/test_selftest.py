"""`hjdesk --self-test`: the check a healthcare IT team (and CI, on the built app) runs after
installing. Slow: it builds a real demo vault and drives the real window offscreen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hjdesk import selftest
from hjdesk.storage.errors import WrongPassword
from hjdesk.storage.vault import Vault

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_self_test_passes_as_a_command_and_leaves_nothing_behind(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "hjdesk.cli", "--self-test"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "self-test passed"
    for step in ("demo vault", "unlock screen", "unlocking as the demo nurse", "clinical entry",
                 "audit chain", "encrypted"):  # fmt: skip
        assert any(step in line for line in lines), step
    assert "Traceback" not in done.stderr
    # The temporary vault went with the test: only what the interpreter itself may leave.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("hjdesk-selftest-")]


def test_a_failing_step_is_named_and_exits_1(
    qapp: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(self: Vault, username: str, password: str) -> None:
        raise WrongPassword("That password is not right.")

    monkeypatch.setattr(Vault, "unlock", refuse)
    monkeypatch.setattr(selftest.tempfile, "mkdtemp", lambda prefix: str(tmp_path / "st"))
    (tmp_path / "st").mkdir()
    said: list[str] = []
    assert selftest.run_self_test(said.append) == 1
    failed = "self-test FAILED: SelfTestFailed: unlock failed: That password is not right."
    assert said[-1] == failed
    assert not (tmp_path / "st").exists()
