"""The real unlock screen and the roll by wing, driven through their widgets (offscreen)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD


def _shell(qtbot, home, user="nurse"):
    shell = Shell(Vault(home), InlineRunner(), user)
    qtbot.addWidget(shell)
    shell.show()
    return shell


def _caseload(shell):
    shell.workspace.show_page("Patients")
    return shell.workspace.page("Patients").caseload


def _type_and_unlock(qtbot, shell, password):
    screen = shell.unlock_screen
    screen.password.setText(password)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)


def test_user_picker_lists_the_laptop_users(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    names = [shell.unlock_screen.user.itemData(i) for i in range(shell.unlock_screen.user.count())]
    assert names == ["admin", "gp", "hca", "mhnurse", "nurse", "pharmacist"]
    assert shell.unlock_screen.user.currentData() == "nurse"
    assert shell.stack.currentWidget() is shell.unlock_screen


def test_unlock_shows_the_roll_by_wing(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    _type_and_unlock(qtbot, shell, PASSWORD)
    assert shell.stack.currentWidget() is shell.workspace
    model = _caseload(shell).model
    wings = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert [w.split(" (")[0] for w in wings[:6]] == [f"Wing {c}" for c in "ABCDEF"]
    assert {"Healthcare unit", "Reception", "Segregation"} <= {w.split(" (")[0] for w in wings}
    assert sum(model.rowCount(model.index(r, 0)) for r in range(model.rowCount())) == 1200
    assert _caseload(shell).count.text() == "1,200 on the roll"
    assert "never synced" in shell.workspace.sync_label.text()
    assert "records waiting" in shell.workspace.sync_label.text()


def test_typing_filters_the_roll(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    _type_and_unlock(qtbot, shell, PASSWORD)
    caseload = _caseload(shell)
    model = caseload.model
    first = model.index(0, 1, model.index(0, 0)).data()  # a prison number
    qtbot.keyClicks(caseload.search, first)
    qtbot.waitUntil(lambda: caseload.count.text() == "1 of 1,200 on the roll", timeout=2000)
    proxy = caseload.model
    visible = [
        proxy.index(c, 1, proxy.index(w, 0)).data()
        for w in range(proxy.rowCount())
        for c in range(proxy.rowCount(proxy.index(w, 0)))
    ]
    assert visible == [first]
    # Names match whatever their accents and case; every word must match.
    caseload.search.clear()
    person = caseload.model.row_at(caseload.model.index(0, 0, caseload.model.index(0, 0)))
    caseload.search.setText(f"{person.given_names.split()[0].lower()} {person.family_name.upper()}")
    caseload.filter_now()
    shown = [
        caseload.model.row_at(caseload.model.index(c, 0, caseload.model.index(w, 0))).id
        for w in range(caseload.model.rowCount())
        for c in range(caseload.model.rowCount(caseload.model.index(w, 0)))
    ]
    assert person.id in shown
    caseload.search.setText("zzzz-nobody")
    caseload.filter_now()
    assert caseload.model.rowCount() == 0
    assert caseload.count.text() == "0 of 1,200 on the roll"


def test_wrong_password_says_so_and_stays_locked(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    _type_and_unlock(qtbot, shell, "not the password")
    assert shell.stack.currentWidget() is shell.unlock_screen
    assert shell.unlock_screen.message.text() == "Wrong password for 'nurse'."
    assert shell.unlock_screen.password.text() == ""


def test_lockout_countdown_after_five_failures(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    for _ in range(5):
        _type_and_unlock(qtbot, shell, "nope nope")
    screen = shell.unlock_screen
    assert "Too many wrong passwords. Try again in" in screen.message.text()
    assert not screen.button.isEnabled()
    assert not screen.password.isEnabled()
    # Another user of the shared laptop is not held up.
    screen.user.setCurrentIndex(screen.user.findData("gp"))
    assert screen.button.isEnabled()


def test_lock_returns_to_the_unlock_screen_and_forgets_the_roll(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    _type_and_unlock(qtbot, shell, PASSWORD)
    opened = shell.opened
    qtbot.mouseClick(shell.workspace.lock_button, Qt.MouseButton.LeftButton)
    assert shell.stack.currentWidget() is shell.unlock_screen
    assert opened is not None
    assert opened.is_locked
    assert _caseload(shell).model.rowCount() == 0
    _type_and_unlock(qtbot, shell, PASSWORD)
    assert _caseload(shell).count.text() == "1,200 on the roll"


def test_disabled_user_is_not_offered(qtbot, demo_home):
    admin = Vault(demo_home).unlock("admin", PASSWORD)
    admin.disable_user("hca")
    admin.lock()
    shell = _shell(qtbot, demo_home)
    names = [shell.unlock_screen.user.itemData(i) for i in range(shell.unlock_screen.user.count())]
    assert "hca" not in names
    assert KeySlots.load(demo_home.keyslots).get("hca").disabled


def test_privacy_switch_masks_names_and_numbers(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    _type_and_unlock(qtbot, shell, PASSWORD)
    model = _caseload(shell).model
    person = model.index(0, 0, model.index(0, 0))
    number = model.index(0, 1, model.index(0, 0))
    name, prison_number = person.data(), number.data()
    qtbot.mouseClick(shell.workspace.privacy_switch, Qt.MouseButton.LeftButton)
    assert shell.privacy.masked
    assert person.data() != name
    assert person.data().startswith(name[0])
    assert "•" in person.data()
    assert number.data() == "•••••" + prison_number[-2:]
    # Filtering still works on the real values while masked.
    qtbot.keyClicks(_caseload(shell).search, prison_number)
    qtbot.waitUntil(lambda: _caseload(shell).count.text() == "1 of 1,200 on the roll", timeout=2000)
    shell.workspace.privacy_switch.setChecked(False)
    assert person.data() == name


def test_idle_timeout_locks(qtbot, demo_home):
    shell = _shell(qtbot, demo_home)
    _type_and_unlock(qtbot, shell, PASSWORD)
    opened = shell.opened
    assert shell.idle.active
    shell.idle.set_interval_ms(50)
    shell.idle.start()
    qtbot.waitUntil(lambda: shell.stack.currentWidget() is shell.unlock_screen, timeout=3000)
    assert opened is not None
    assert opened.is_locked
