"""The background runner hands a screen only known errors: a refusal is shown in words, while
a bug goes to the crash path (raised on the GUI thread, where crash.py's hook logs it scrubbed)
and never reaches a screen that would print its message — which may quote record data."""

from __future__ import annotations

import pytest

from hjdesk.storage.errors import InvalidInput, KnownError
from hjdesk.ui.tasks import InlineRunner, TaskRunner


def _refuse() -> None:
    raise InvalidInput("Give the reason for the amendment.")


def _bug() -> None:
    raise ValueError("A1234BC Smith")  # a bug's message may quote a record


class Seen:
    def __init__(self) -> None:
        self.done: list[object] = []
        self.errors: list[KnownError] = []
        self.bugs: list[BaseException] = []


def test_inline_runner_hands_known_errors_and_raises_bugs() -> None:
    runner, seen = InlineRunner(), Seen()
    runner.run_task(_refuse, seen.done.append, seen.errors.append)
    assert [str(e) for e in seen.errors] == ["Give the reason for the amendment."]
    with pytest.raises(ValueError):
        runner.run_task(_bug, seen.done.append, seen.errors.append)
    assert len(seen.errors) == 1
    assert not seen.done
    runner.run_task(_bug, seen.done.append, seen.errors.append, on_bug=seen.bugs.append)
    assert [type(b) for b in seen.bugs] == [ValueError]
    assert len(seen.errors) == 1


def test_threaded_runner_sends_a_bug_to_the_crash_path_not_the_screen(qtbot) -> None:
    runner, seen = TaskRunner(), Seen()
    with qtbot.captureExceptions() as raised:
        runner.run_task(_bug, seen.done.append, seen.errors.append, write=True)
        qtbot.waitUntil(lambda: bool(raised), timeout=10_000)
    runner.wait()
    assert [type(e[1]) for e in raised] == [ValueError]
    assert not seen.errors
    assert not seen.done

    runner.run_task(_refuse, seen.done.append, seen.errors.append)
    qtbot.waitUntil(lambda: bool(seen.errors), timeout=10_000)
    assert isinstance(seen.errors[0], InvalidInput)

    runner.run_task(_bug, seen.done.append, seen.errors.append, on_bug=seen.bugs.append)
    qtbot.waitUntil(lambda: bool(seen.bugs), timeout=10_000)
    runner.wait()
    assert len(seen.errors) == 1
