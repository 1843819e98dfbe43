"""Fixtures of the GUI tests that more than one module uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hjdesk.ui.context import PageContext
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import InlineRunner


@pytest.fixture
def context(demo: Any) -> PageContext:
    return PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=demo)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The folder the user saves in (tmp_path itself also holds the demo vault's copy)."""
    folder = tmp_path / "chosen"
    folder.mkdir()
    return folder
