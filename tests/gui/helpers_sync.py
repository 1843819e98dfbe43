"""A real hub and laptops for the Sync page tests, built on tests/sync/helpers.py.

One hub process serves a whole test module (starting one costs seconds on a slow machine); each
test keeps to its own establishment code, so the hub's scoping keeps tests apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hjdesk.services import care_plans
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.sync import local_state
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.sync import SyncPage
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.sync_controller import SyncController
from hjdesk.ui.tasks import InlineRunner, TaskRunner
from tests.conftest import PASSWORD
from tests.sync.helpers import HubProcess, Laptop
from tests.sync.pg import free_port


@pytest.fixture(scope="module")
def gui_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    root = tmp_path_factory.mktemp("gui-hub")
    process = HubProcess(f"sqlite:///{root / 'hub.db'}", root / "hubdir").start()
    yield process
    process.close()


class GuiLaptop(Laptop):
    """A laptop with helpers for a clinician user and care plans."""

    def __init__(self, root: Path, name: str) -> None:
        super().__init__(root, name)

    @contextmanager
    def vault_as(self, username: str) -> Iterator[OpenVault]:
        opened = Vault(self.home).unlock(username, PASSWORD)
        try:
            yield opened
        finally:
            opened.lock()

    def add_user(self, username: str, role: str) -> None:
        with self.vault() as v:
            v.add_user(username, PASSWORD, display_name=username.title(), role=role)

    def create_plan(self, nurse: str, patient_id: str) -> str:
        with self.vault_as(nurse) as v:
            return care_plans.create_plan(v, patient_id, "SMOKING", template=False).id

    def retitle_plan(self, nurse: str, plan_id: str, title: str) -> None:
        with self.vault_as(nurse) as v:
            rev = care_plans.plan_view(v, plan_id).rev
            care_plans.update_plan(v, plan_id, base_rev=rev, title=title)

    def point_at_dead_hub(self) -> str:
        """The hub's address becomes a port nobody listens on (the hub is down)."""
        url = f"http://127.0.0.1:{free_port()}"
        with self.vault() as v, v.transaction() as s:
            local_state.put(s, local_state.HUB_URL, url)
        return url


def sync_page(
    qtbot: object, opened: OpenVault, *, threaded: bool = False
) -> tuple[SyncPage, SyncController]:
    """The Sync page and its controller on `opened`, as the workspace builds them."""
    runner: TaskRunner = TaskRunner() if threaded else InlineRunner()
    context = PageContext(runner=runner, privacy=PrivacyState(), vault=opened)
    controller = SyncController(context)
    page = SyncPage(context, controller)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.resize(1000, 700)
    page.show()
    controller.set_vault(opened)
    page.refresh()
    return page, controller
