"""`hjdesk` on a laptop with no vault opens the first-run screen (a real process, offscreen), and
`hjdesk-gui` reports every start-up error in a window as well as on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from hjdesk.cli import entry as cli
from hjdesk.storage.paths import HomePaths


def test_hjdesk_on_an_empty_folder_shows_the_first_run_screen_and_stays_up(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HJDESK_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONWARNINGS="error",
               XDG_DATA_HOME=str(tmp_path / "xdg"))  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "hjdesk.cli", "--home", str(empty)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = HomePaths.resolve(empty).log
    try:
        # Up to 20 s for a slow, shared machine; most starts take under one.
        for _ in range(200):
            if process.poll() is not None:
                break
            if log.exists() and "first-run screen" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.1)
        time.sleep(2)  # it must stay up, not show the screen and die
        still_running = process.poll() is None
    finally:
        process.kill()
        out, err = process.communicate(timeout=30)
    assert still_running, f"exited with {process.returncode}: {err}"
    assert "first-run screen" in log.read_text(encoding="utf-8")
    assert "Traceback" not in err
    # Qt's offscreen platform (the test's stand-in for a screen) says this of every window.
    noise = "This plugin does not support propagateSizeHints()"
    assert [line for line in err.splitlines() if line != noise] == []
    assert out == ""
    assert not HomePaths.resolve(empty).vault.exists()  # nothing created until asked


def test_gui_start_up_errors_reach_the_window_too(capsys):
    shown: list[str] = []
    assert cli.main(["--no-such-option"], report=shown.append) == 2
    assert len(shown) == 1
    assert "unrecognized arguments: --no-such-option" in shown[0]
    assert shown[0] in capsys.readouterr().err


def test_a_fault_at_gui_start_up_is_logged_and_shown_not_a_traceback(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys
):
    def broken(_args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "cmd_launch", broken)
    shown: list[str] = []
    home = tmp_path / "home"
    assert cli.main(["--home", str(home)], report=shown.append) == 1
    assert "could not start because of a fault inside it" in shown[0]
    assert str(home / "hjdesk.log") in shown[0]
    assert "RuntimeError: a bug" in (home / "hjdesk.log").read_text(encoding="utf-8")
    assert "Traceback" not in capsys.readouterr().err


def test_the_command_line_still_shows_a_bug_as_one(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli, "cmd_launch", lambda _args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli.main([])
