"""The Admin page driven through its widgets: users, roll import and settings."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import func, select

from hjdesk.services import patients, settings
from hjdesk.storage.errors import UserDisabled
from hjdesk.storage.models import AuditEvent, OutboxOp, Patient, Staff
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui import theme
from hjdesk.ui.admin import roll_panel
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.admin import AdminPage
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD, RollWriter, valid_nhs_number

NEW_PASSWORD = "battery staple"


def _page(qtbot, opened: OpenVault) -> AdminPage:
    page = AdminPage(PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=opened))
    qtbot.addWidget(page)
    page.show()
    page.set_vault(opened)
    page.on_shown()
    return page


def _users_table(page: AdminPage) -> dict[str, tuple[str, str]]:
    table = page.users.table
    return {
        table.item(r, 0).text(): (table.item(r, 2).text(), table.item(r, 3).text())
        for r in range(table.rowCount())
    }


@pytest.fixture
def _plain_theme() -> Iterator[None]:
    yield
    theme.apply_theme(high_contrast=False)


def test_admin_adds_disables_and_resets_a_user(qtbot, admin_vault: OpenVault) -> None:
    page = _page(qtbot, admin_vault)
    users = page.users
    assert users.admin_box.isVisibleTo(page)
    assert not users.read_only.isVisibleTo(page)

    qtbot.keyClicks(users.new_username, "jsmith")
    qtbot.keyClicks(users.new_display, "Jo Smith")
    users.new_role.setCurrentText("RMN")
    qtbot.keyClicks(users.new_password, PASSWORD)
    qtbot.keyClicks(users.new_repeat, "something else")
    users.add_button.click()
    assert users.message.text() == "Not done: The two passwords differ."
    assert "jsmith" not in _users_table(page)

    users.new_repeat.clear()
    qtbot.keyClicks(users.new_repeat, PASSWORD)
    users.add_button.click()
    assert users.message.text() == "Added jsmith (RMN)."
    assert _users_table(page)["jsmith"] == ("RMN", "active")
    assert users.new_password.text() == ""  # passwords never linger in the form
    home = admin_vault.home
    Vault(home).unlock("jsmith", PASSWORD).lock()

    # The role lives in the key slot: changed here, it is the role the next unlock gets.
    users.select_user("jsmith")
    assert users.role_choice.currentText() == "RMN"
    users.role_choice.setCurrentText("RN")
    users.role_button.click()
    assert users.message.text() == "jsmith is now RN."
    assert _users_table(page)["jsmith"] == ("RN", "active")
    opened = Vault(home).unlock("jsmith", PASSWORD)
    assert opened.actor.role == "RN"
    opened.lock()

    users.select_user("jsmith")
    users.disable_button.click()
    assert "changed the vault key" in users.message.text()
    assert _users_table(page)["jsmith"] == ("RN", "disabled")
    assert next(u for u in Vault(home).users() if u.username == "jsmith").disabled
    with pytest.raises(UserDisabled):
        Vault(home).unlock("jsmith", PASSWORD)

    users.select_user("jsmith")
    qtbot.keyClicks(users.reset_password, NEW_PASSWORD)
    qtbot.keyClicks(users.reset_repeat, NEW_PASSWORD)
    users.reset_button.click()
    assert users.message.text().startswith("Reset the password of jsmith")
    assert _users_table(page)["jsmith"] == ("RN", "active")
    Vault(home).unlock("jsmith", NEW_PASSWORD).lock()

    # The administrator cannot disable themselves: the button is not offered.
    users.select_user("admin")
    assert not users.disable_button.isEnabled()
    assert not users.role_button.isEnabled()  # nor change their own role


def test_admin_renames_a_user_and_the_list_and_the_staff_row_say_the_new_name(
    qtbot, admin_vault: OpenVault
) -> None:
    admin_vault.add_user("jsmith", PASSWORD, display_name="Jo Smith", role="RMN")
    page = _page(qtbot, admin_vault)
    users = page.users
    users.select_user("jsmith")
    assert users.rename_field.text() == "Jo Smith"
    users.rename_field.clear()
    users.rename_button.click()
    assert users.message.is_error
    assert users.message.text() == "Not done: Type the user's full name."

    users.rename_field.clear()
    qtbot.keyClicks(users.rename_field, "  Jo   Smith-Jones ")
    users.rename_button.click()
    assert users.message.text() == (
        "jsmith is now shown as Jo Smith-Jones; other laptops and prisons see it after the next "
        "sync."
    )
    listed = {u.username: u.display_name for u in admin_vault.vault.users()}
    assert listed["jsmith"] == "Jo Smith-Jones"
    with admin_vault.session() as session:
        assert (
            session.scalar(select(Staff.display_name).where(Staff.username == "jsmith"))
            == "Jo Smith-Jones"
        )
    users.select_user("jsmith")
    assert users.rename_field.text() == "Jo Smith-Jones"
    # The administrator may put their own name right too.
    users.select_user("admin")
    assert users.rename_button.isEnabled()


def test_a_weak_password_is_refused_in_words(qtbot, admin_vault: OpenVault) -> None:
    page = _page(qtbot, admin_vault)
    users = page.users
    qtbot.keyClicks(users.new_username, "short")
    qtbot.keyClicks(users.new_password, "abc")
    qtbot.keyClicks(users.new_repeat, "abc")
    users.add_button.click()
    assert users.message.is_error
    assert "at least" in users.message.text()
    assert "short" not in [u.username for u in admin_vault.vault.users()]


def test_a_non_admin_sees_read_only_users_and_changes_their_own_password(
    qtbot, admin_vault: OpenVault
) -> None:
    admin_vault.add_user("hca1", PASSWORD, display_name="Hca One", role="HCA")
    opened = Vault(admin_vault.home).unlock("hca1", PASSWORD)
    try:
        page = _page(qtbot, opened)
        users = page.users
        assert not users.admin_box.isVisibleTo(page)
        assert users.read_only.isVisibleTo(page)
        assert "Only an administrator can add users" in users.read_only.text()
        assert set(_users_table(page)) == {"admin", "hca1"}
        # The roll is not theirs to import either: said, not a dead button.
        assert not page.roll.choose.isVisibleTo(page)
        assert "Only these roles can import the roll" in page.roll.read_only.text()
        assert page.settings.pathway_high.isReadOnly()

        qtbot.keyClicks(users.own_current, "not my password")
        qtbot.keyClicks(users.own_new, NEW_PASSWORD)
        qtbot.keyClicks(users.own_repeat, NEW_PASSWORD)
        users.own_button.click()
        assert users.message.is_error
        qtbot.keyClicks(users.own_current, PASSWORD)
        qtbot.keyClicks(users.own_new, NEW_PASSWORD)
        qtbot.keyClicks(users.own_repeat, NEW_PASSWORD)
        users.own_button.click()
        assert users.message.text().startswith("Your password is changed")
    finally:
        opened.lock()
    Vault(admin_vault.home).unlock("hca1", NEW_PASSWORD).lock()


def _on_roll(opened: OpenVault) -> set[str]:
    return {r.prison_number for r in patients.caseload(opened) if r.on_roll}


def _choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "CSV"))


def test_roll_import_reports_the_bad_row_and_loads_the_good_ones(
    qtbot, admin_vault: OpenVault, roll: RollWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, admin_vault)
    panel = page.roll
    path = roll.write([
        roll.line("A1111AA"),
        roll.line("A2222AA", date_of_birth="1980-02-30"),
        roll.line("A3333AA", location="B-2-010"),
    ])  # fmt: skip
    _choose(monkeypatch, path)
    with qtbot.waitSignal(page.context.navigator.data_changed):
        panel.choose.click()
    assert panel.result.text().startswith("Added 2, moved 0, left 0, returned 0")
    assert "rejected 1 rows" in panel.result.text()
    assert panel.rows.rowCount() == 1
    assert panel.rows.item(0, 0).text() == "3"  # the header is row 1
    assert panel.rows.item(0, 1).text() == "REJECTED"
    assert panel.rows.item(0, 2).text() == "date_of_birth '1980-02-30' is not a date (YYYY-MM-DD)"
    assert _on_roll(admin_vault) == {"A1111AA", "A3333AA"}
    assert panel.busy.isHidden()
    assert panel.choose.isEnabled()


def _written(opened: OpenVault) -> tuple[int, int, int]:
    with opened.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Patient)) or 0,
            s.scalar(select(func.count()).select_from(OutboxOp)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_a_file_that_is_not_a_roll_says_so_and_writes_nothing(
    qtbot, admin_vault: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, admin_vault)
    notes = tmp_path / "notes.csv"
    notes.write_text("name,phone\nAnn,0123\n", encoding="utf-8")
    before = _written(admin_vault)
    _choose(monkeypatch, notes)
    page.roll.choose.click()
    message = page.roll.message.text()
    assert message.startswith("Not done: This is not a prison roll: the header lacks prison_number")
    assert message.endswith("Nothing was imported.")
    assert page.roll.result.text() == ""
    assert _written(admin_vault) == before


def test_a_full_roll_that_would_empty_the_prison_asks_first(
    qtbot, admin_vault: OpenVault, roll: RollWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, admin_vault)
    numbers = [f"A{n:04d}BC" for n in range(12)]
    page.roll.import_file(roll.write([roll.line(n) for n in numbers], name="full.csv"))
    assert _on_roll(admin_vault) == set(numbers)
    asked: list[str] = []

    def answer(choice: QMessageBox.StandardButton):
        def question(parent, title, text, *rest):
            asked.append(text)
            return choice

        return question

    one = roll.write([roll.line(numbers[0])], name="one.csv")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    before = _written(admin_vault)
    page.roll.import_file(one)
    assert "would mark 11 people as left" in asked[0]
    assert page.roll.file_label.text() == "Not imported: one.csv. Nothing was changed."
    assert _written(admin_vault) == before
    assert _on_roll(admin_vault) == set(numbers)

    page.roll.partial.setChecked(True)  # what the question suggests: nobody marked as left
    page.roll.import_file(one)
    assert len(asked) == 1
    assert _on_roll(admin_vault) == set(numbers)

    page.roll.partial.setChecked(False)
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    page.roll.import_file(one)
    assert page.roll.result.text().startswith("Added 0, moved 0, left 11")
    assert _on_roll(admin_vault) == {numbers[0]}


@pytest.mark.usefixtures("_plain_theme")
def test_idle_minutes_high_contrast_and_pathways_are_saved(qtbot, admin_vault: OpenVault) -> None:
    page = _page(qtbot, admin_vault)
    panel = page.settings
    assert panel.idle.value() == 5
    panel.idle.setValue(0)
    assert panel.idle.value() == 1  # the spin box keeps to the declared range
    panel.idle.setValue(7)
    panel.pathway_medium.setPlainText("Ring the duty GP on 4321")
    qtbot.keyClicks(panel.establishment, "mdi")
    with qtbot.waitSignal(page.idle_minutes_changed) as changed:
        panel.save.click()
    assert changed.args == [7]
    assert panel.message.text().startswith("Saved: lock after idle minutes, news2 medium pathway")
    assert settings.get(admin_vault, settings.IDLE_MINUTES) == 7
    assert settings.get(admin_vault, settings.ESTABLISHMENT) == "MDI"
    assert settings.escalation_pathways(admin_vault).medium == "Ring the duty GP on 4321"
    with admin_vault.session() as s:
        keys = [
            e.detail
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "setting_changed"))
        ]
    assert len(keys) == 3

    with qtbot.waitSignal(page.high_contrast_changed):
        panel.high_contrast.click()
    assert theme.is_high_contrast()  # applied at once, before any Save
    assert settings.get(admin_vault, settings.HIGH_CONTRAST) is True

    panel.establishment.setText("NOT")
    panel.establishment.setText("X1")
    panel.save.click()
    assert panel.message.text() == (
        "Not done: The establishment code 'X1' must be three letters, e.g. MDI."
    )
    assert settings.get(admin_vault, settings.ESTABLISHMENT) == "MDI"


def _roll_as_of(opened: OpenVault) -> str:
    with opened.session() as s:
        events = list(
            s.scalars(
                select(AuditEvent.detail)
                .where(AuditEvent.action == "roll_import")
                .order_by(AuditEvent.seq)
            )
        )
    return str(json.loads(events[-1])["as_of"])


def test_the_roll_is_dated_by_its_file_or_by_the_time_typed_in(
    qtbot, admin_vault: OpenVault, roll: RollWriter
) -> None:
    page = _page(qtbot, admin_vault)
    panel = page.roll
    path = roll.write([roll.line("A1111AA")])
    saved = datetime(2026, 11, 30, 6, 15, tzinfo=UTC)
    os.utime(path, (saved.timestamp(), saved.timestamp()))
    assert panel.use_file_time.isChecked()
    assert not panel.taken.isEnabled()
    panel.import_file(path)
    assert _roll_as_of(admin_vault) == saved.isoformat()
    shown = panel.taken.dateTime().toSecsSinceEpoch()
    assert shown == int(saved.timestamp())  # the field shows the file's time

    panel.use_file_time.click()
    assert panel.taken.isEnabled()
    typed = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    panel.taken.setDateTime(QDateTime.fromSecsSinceEpoch(int(typed.timestamp())))
    panel.import_file(path)
    assert _roll_as_of(admin_vault) == typed.isoformat()


def test_a_new_prison_number_with_a_known_nhs_number_is_listed_until_checked(
    qtbot, admin_vault: OpenVault, roll: RollWriter
) -> None:
    page = _page(qtbot, admin_vault)
    panel = page.roll
    nhs = "9990000018"
    panel.import_file(roll.write([roll.line("A1111AA", nhs_number=nhs)], name="one.csv"))
    assert panel.flags.rowCount() == 0
    assert panel.flags_label.text() == "NHS numbers to check: none."
    both = [roll.line("A1111AA", nhs_number=nhs), roll.line("Z9999ZZ", nhs_number=nhs)]
    panel.import_file(roll.write(both, name="two.csv"))
    assert panel.flags.rowCount() == 1
    assert [panel.flags.item(0, c).text() for c in range(3)] == ["Z9999ZZ", "A1111AA", nhs]
    assert "not merged" in panel.flags_label.text()
    page.context.privacy.set_masked(True)  # a wing laptop others can see: identifiers masked
    assert all(nhs not in panel.flags.item(0, c).text() for c in range(3))
    assert panel.flags.item(0, 0).text() != "Z9999ZZ"
    page.context.privacy.set_masked(False)
    assert _on_roll(admin_vault) == {"A1111AA", "Z9999ZZ"}  # two records, never one
    assert not panel.check_flag.isEnabled()
    panel.flags.selectRow(0)
    panel.check_flag.click()
    assert panel.message.text() == "Marked Z9999ZZ as checked."
    assert panel.flags.rowCount() == 0
    with admin_vault.session() as s:
        actions = list(s.scalars(select(AuditEvent.action)))
    assert "roll_link_checked" in actions


def test_the_privacy_switch_masks_the_nhs_flags_without_reading_them_again(
    qtbot, admin_vault: OpenVault, roll: RollWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, admin_vault)
    panel = page.roll
    panel.partial.setChecked(True)
    nhs = valid_nhs_number(77)
    panel.import_file(roll.write([roll.line("A1111AA", nhs_number=nhs)], name="one.csv"))
    panel.import_file(roll.write([roll.line("A9999ZZ", nhs_number=nhs)], name="two.csv"))

    def shown() -> list[str]:
        return [panel.flags.item(0, c).text() for c in range(3)]

    assert panel.flags.rowCount() == 1
    assert shown() == ["A9999ZZ", "A1111AA", nhs]
    reads: list[object] = []
    monkeypatch.setattr(roll_panel, "open_link_flags", lambda vault: reads.append(vault) or [])
    page.context.privacy.set_masked(True)
    assert panel.flags.rowCount() == 1
    assert all("•" in text for text in shown())
    assert not {"A9999ZZ", "A1111AA", nhs} & set(shown())
    page.context.privacy.set_masked(False)
    assert shown() == ["A9999ZZ", "A1111AA", nhs]
    assert reads == []  # the switch read nothing from the vault
    page.context.vault = None  # locked: the switch shows no flags, as a read would find
    page.context.privacy.set_masked(True)
    assert panel.flags.rowCount() == 0
