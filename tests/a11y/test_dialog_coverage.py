"""Every dialog of hjdesk/ui is in the accessibility walk (tests/a11y/driver.py's DIALOGS).

A QDialog subclass that is neither in DIALOGS nor the base of one there fails here, fast, without
the AT-SPI stack: add it to DIALOGS with how its page opens it, and the walk reads it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from PySide6.QtWidgets import QDialog

import hjdesk.ui
from tests.a11y.driver import DIALOGS


def _dialog_classes() -> set[type[QDialog]]:
    found: set[type[QDialog]] = set()
    for module in pkgutil.walk_packages(hjdesk.ui.__path__, "hjdesk.ui."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, QDialog) and cls.__module__.startswith("hjdesk.ui."):
                found.add(cls)
    return found


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_scan_finds_the_dialogs_it_should():
    # A scan that found nothing would pass the test below whatever the walk covers.
    names = {_name(cls) for cls in _dialog_classes()}
    assert "hjdesk.ui.record.amend_dialog.AmendDialog" in names
    assert "hjdesk.ui.widgets.withdraw_dialog.WithdrawDialog" in names


def test_every_dialog_in_hjdesk_ui_is_walked():
    walked = {case.kind for case in DIALOGS}
    # A base class is walked in its subclasses (WriteDialog, KeptDialog).
    covered = {base for cls in walked for base in cls.__mro__}
    missing = sorted(_name(cls) for cls in _dialog_classes() - covered)
    assert not missing, "not in tests/a11y/driver.py DIALOGS: " + ", ".join(missing)


def test_each_walk_step_has_its_own_name():
    names = [case.name for case in DIALOGS]
    assert len(names) == len(set(names))
