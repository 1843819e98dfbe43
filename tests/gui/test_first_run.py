"""A laptop's first start, driven through the real widgets: no vault -> the first-run screen ->
vault created -> optional roll import -> an unlocked workspace. And a vault that cannot be opened
says what happened and what to do."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from hjdesk.services import patients, settings
from hjdesk.services.first_run import VaultState, diagnose
from hjdesk.storage.errors import VaultTooNew
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.first_run import FirstRunScreen, VaultProblemScreen
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD, RollWriter


def _shell(qtbot, home: HomePaths) -> Shell:
    shell = Shell(Vault(home), InlineRunner())
    qtbot.addWidget(shell)
    shell.show()
    return shell


def _fill(screen: FirstRunScreen, *, repeat: str = PASSWORD, establishment: str = "mdi") -> None:
    form = screen.form
    form.username.setText("sister.jones")
    form.full_name.setText("Ann  Jones")
    form.password.setText(PASSWORD)
    form.repeat.setText(repeat)
    form.establishment.setText(establishment)


def test_first_run_creates_the_vault_imports_a_roll_and_opens_the_workspace(
    qtbot, tmp_path, roll: RollWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = HomePaths.resolve(tmp_path / "new-laptop")
    shell = _shell(qtbot, home)
    screen = shell.first_run
    assert isinstance(screen, FirstRunScreen)
    assert shell.stack.currentWidget() is screen
    assert "At least 8 characters" in screen.form.rule.text()

    _fill(screen)
    qtbot.keyClick(screen.form.establishment, Qt.Key.Key_Return)
    assert screen.currentWidget() is screen.steps_page
    assert Vault(home).exists()
    assert screen.form.password.text() == ""  # not kept on screen

    # The roll import offered here is the Admin page's panel, on the new vault.
    path = roll.write([roll.line("A1111AA"), roll.line("A2222AA", location="B-1-002")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    screen.steps.roll.choose.click()
    assert screen.steps.roll.result.text().startswith("Added 2,")

    screen.steps.open_button.click()
    assert shell.stack.currentWidget() is shell.workspace
    assert shell.first_run is None
    opened = shell.opened
    assert opened is not None
    assert opened.actor.username == "sister.jones"
    assert opened.actor.role == "ADMIN"
    assert settings.get(opened, settings.ESTABLISHMENT) == "MDI"
    assert [u.display_name for u in Vault(home).users()] == ["Ann Jones"]
    assert len(patients.caseload(opened)) == 2

    # Locking shows the ordinary unlock screen with the new administrator picked.
    shell.lock()
    assert shell.stack.currentWidget() is shell.unlock_screen
    assert shell.unlock_screen.user.currentData() == "sister.jones"


@pytest.mark.parametrize(
    ("repeat", "establishment", "words"),
    [
        ("something else", "MDI", "The two passwords differ"),
        (PASSWORD, "", "establishment code"),
        (PASSWORD, "M1", "must be three letters"),
    ],
)
def test_first_run_refuses_mistakes_in_words_and_creates_nothing(
    qtbot, tmp_path, repeat: str, establishment: str, words: str
) -> None:
    home = HomePaths.resolve(tmp_path / "new-laptop")
    shell = _shell(qtbot, home)
    screen = shell.first_run
    assert screen is not None
    _fill(screen, repeat=repeat, establishment=establishment)
    screen.form.create_button.click()
    assert screen.form.message.is_error
    assert words in screen.form.message.text()
    assert screen.currentWidget() is screen.create_page
    assert diagnose(Vault(home)).state is VaultState.NONE


def test_a_short_password_is_refused_with_the_rule(qtbot, tmp_path) -> None:
    home = HomePaths.resolve(tmp_path / "new-laptop")
    shell = _shell(qtbot, home)
    screen = shell.first_run
    assert screen is not None
    _fill(screen)
    screen.form.password.setText("short")
    screen.form.repeat.setText("short")
    screen.form.create_button.click()
    assert "at least 8 characters" in screen.form.message.text()
    assert not Vault(home).exists()


def test_enrolment_errors_show_on_the_first_run_screen(qtbot, tmp_path) -> None:
    home = HomePaths.resolve(tmp_path / "new-laptop")
    shell = _shell(qtbot, home)
    screen = shell.first_run
    assert screen is not None
    _fill(screen)
    screen.form.create_button.click()
    enrol = screen.steps.enrol
    assert enrol.form.isVisibleTo(screen)  # the administrator may enrol
    enrol.hub_url.setText("ftp://hub.example")
    enrol.code.setText("ABCD")
    enrol.enrol_button.click()
    assert enrol.message.is_error
    screen.steps.open_button.click()
    assert shell.stack.currentWidget() is shell.workspace


def test_a_damaged_key_slot_file_explains_and_points_at_the_backups(qtbot, home, vault) -> None:
    vault.lock()
    home.backups.mkdir()
    shutil.copy(home.vault, home.backups / "vault-before-migration-20260101T000000Z.db")
    home.keyslots.write_text("{ not json", encoding="utf-8")
    shell = _shell(qtbot, home)
    problem = shell.problem_screen
    assert isinstance(problem, VaultProblemScreen)
    assert shell.stack.currentWidget() is problem
    assert "keyslots.json" in problem.happened.text()
    assert "Do not delete anything" in problem.todo.text()
    assert "vault-before-migration-20260101T000000Z.db" in problem.backups.text()

    # IT support restores the key slot file; "Check again" goes on to the unlock screen.
    home.keyslots.unlink()
    Vault.create(HomePaths.resolve(home.root / "other"), admin="admin", password=PASSWORD).lock()
    shutil.copy(home.root / "other" / "keyslots.json", home.keyslots)
    problem.again.click()
    assert shell.stack.currentWidget() is shell.unlock_screen


def test_a_vault_without_its_key_slots_is_not_taken_for_a_new_laptop(qtbot, home, vault) -> None:
    vault.lock()
    home.keyslots.unlink()
    shell = _shell(qtbot, home)
    assert shell.first_run is None
    assert shell.problem_screen is not None
    assert "key slot file (keyslots.json) is missing" in shell.problem_screen.happened.text()


def test_a_vault_from_a_newer_hjdesk_says_to_install_it(qtbot, home, vault, monkeypatch) -> None:
    vault.lock()

    def too_new(_engine: object) -> bool:
        raise VaultTooNew("This vault was made by a newer HJDesk (schema 9999).")

    monkeypatch.setattr("hjdesk.storage.migrate.needs_upgrade", too_new)
    shell = _shell(qtbot, home)
    shell.unlock_screen.password.setText(PASSWORD)
    qtbot.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    problem = shell.problem_screen
    assert problem is not None
    assert shell.stack.currentWidget() is problem
    assert "newer HJDesk" in problem.happened.text()
    assert "Install the newer HJDesk" in problem.todo.text()
