"""The real command in a real process: the production KDF, and no traceback on the terminal."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PASSWORD


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HJDESK_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["PYTHONWARNINGS"] = "error"
    env.update(extra)
    return env


def _run(tmp_path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hjdesk.cli", *argv],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_init_then_a_wrong_password_is_one_line_without_traceback(tmp_path):
    home = str(tmp_path / "laptop")
    created = _run(tmp_path, "init", "--home", home, "--admin", "admin", HJDESK_PASSWORD=PASSWORD)
    assert created.returncode == 0, created.stderr
    assert created.stderr == ""
    assert sorted(os.listdir(home)) == ["keyslots.json", "vault.db"]

    wrong = _run(
        tmp_path,
        "audit",
        "verify",
        "--home",
        home,
        "--user",
        "admin",
        HJDESK_PASSWORD="not the password",
    )
    assert wrong.returncode == 1
    assert "Traceback" not in wrong.stderr
    assert wrong.stderr == "hjdesk: Wrong password for 'admin'.\n"
    assert wrong.stdout == ""
