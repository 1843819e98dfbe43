"""What the tests of the save actions (PDF, FHIR) share: a stand-in for the save dialog, and no
message box allowed unless a test says so (their fixtures, `context` and `out`, are in conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox


class Dialog:
    """Stands in for QFileDialog.getSaveFileName: returns `answer`, remembers what it was asked."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str]] = []

    def __call__(self, parent: Any, caption: str, directory: str, filters: str) -> tuple[str, str]:
        self.asked.append((caption, directory))
        return self.answer, filters


def forbid_message_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message box fails the test: the save actions report through the status bar."""

    def no_box(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"unexpected message box: {args[2] if len(args) > 2 else args}")

    for name in ("warning", "information", "question", "critical"):
        monkeypatch.setattr(QMessageBox, name, no_box)
