"""Shared fixtures: a cheap KDF, throwaway homes, and a small demo vault.

Qt runs offscreen; warnings fail tests (pyproject `filterwarnings = error`).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from hjdesk.storage import keyslots
from hjdesk.storage.keyslots import KdfParams
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

# Argon2id at production cost takes ~0.3 s per unlock; tests unlock hundreds of times. The cost
# is a slot parameter, so a cheap one exercises exactly the same code.
FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
PASSWORD = "correct horse"
# The explicit test profile: a real vault's slots must meet OWASP's floor (keyslots.KDF_FLOOR);
# the test process, and only it, accepts FAST_KDF. Set for the whole run, because session-scoped
# fixtures (templates) create vaults before any function-scoped fixture runs. Tests of the floor
# itself raise it back with monkeypatch.
keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
    monkeypatch.setattr("hjdesk.storage.vault.DEFAULT_KDF", FAST_KDF, raising=False)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HJDESK_HOME", "HJDESK_USER", "HJDESK_PASSWORD", "HJDESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture(autouse=True)
def _nothing_left_frozen() -> Iterator[None]:
    """The app freezes its long-lived objects out of the cycle collector after an unlock and
    after a large page loads (hjdesk.ui.heap); a test that drops its widgets without locking
    must not leave the next test's process with a collector that skips them."""
    yield
    gc.unfreeze()


@pytest.fixture
def home(tmp_path: Path) -> HomePaths:
    return HomePaths.resolve(tmp_path / "home")


@pytest.fixture
def vault(home: HomePaths) -> Iterator[OpenVault]:
    opened = Vault.create(home, admin="admin", password=PASSWORD, kdf=FAST_KDF)
    yield opened
    opened.lock()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 1,200-patient demo vault built per test run; tests copy it."""
    from hjdesk.demo.establishment import build_demo

    root = tmp_path_factory.mktemp("demo-template")
    opened, _ = build_demo(HomePaths.resolve(root), password=PASSWORD, kdf=FAST_KDF)
    opened.lock()
    return root


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path) -> HomePaths:
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return HomePaths.resolve(target)


@pytest.fixture
def demo(demo_home: HomePaths) -> Iterator[OpenVault]:
    opened = Vault(demo_home).unlock("nurse", PASSWORD)
    yield opened
    opened.lock()


@pytest.fixture(autouse=True)
def _fast_kdf_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_fast_kdf` patches the module constant, but every `kdf=DEFAULT_KDF` default was bound
    when its function was defined; patch those defaults too, so code called without `kdf=` (the
    command line, `add_user` from a test) also runs at the cheap cost."""
    from hjdesk.demo.establishment import build_demo
    from hjdesk.storage.keyslots import KeySlots

    for func in (
        Vault.create.__func__,  # type: ignore[attr-defined]
        OpenVault.add_user,
        OpenVault.reset_password,
        OpenVault.change_own_password,
        KeySlots.set_password,
        build_demo,
    ):
        defaults = func.__kwdefaults__
        if defaults is not None and "kdf" in defaults:
            monkeypatch.setitem(defaults, "kdf", FAST_KDF)


ROLL_HEADER = (
    "prison_number,nhs_number,family_name,given_names,date_of_birth,sex,establishment,location,"
    "reception_date,expected_release_date,alerts"
)


def valid_nhs_number(index: int) -> str:
    """A checksum-valid NHS number (outside the 999 test range, so it differs from demo data)."""
    body = 400_000_000 + index * 37
    while True:
        digits = f"{body:09d}"
        total = sum(w * int(d) for w, d in zip(range(10, 1, -1), digits, strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return digits + str(check)
        body += 1


class RollWriter:
    """Builds small roll CSV files: `line(...)` makes one row, `write([...])` a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def line(
        self,
        prison_number: str,
        *,
        nhs_number: str | None = None,
        family_name: str = "Smith",
        given_names: str = "John",
        date_of_birth: str = "1980-04-01",
        sex: str = "M",
        establishment: str = "MDI",
        location: str = "A-1-001",
        reception_date: str = "2024-01-15",
        expected_release_date: str = "",
        alerts: str = "",
    ) -> str:
        import csv
        import io

        nhs = nhs_number if nhs_number is not None else valid_nhs_number(self.count)
        self.count += 1
        out = io.StringIO()
        fields = [prison_number, nhs, family_name, given_names, date_of_birth, sex]
        fields += [establishment, location, reception_date, expected_release_date, alerts]
        # With "\n" as the terminator the writer quotes fields holding a line break.
        csv.writer(out, lineterminator="\n").writerow(fields)
        return out.getvalue()[:-1]

    def write(
        self,
        lines: list[str],
        *,
        name: str = "roll.csv",
        header: str = ROLL_HEADER,
        bom: bool = False,
        crlf: bool = False,
    ) -> Path:
        newline = "\r\n" if crlf else "\n"
        text = newline.join([header, *lines]) + newline
        path = self.folder / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path


@pytest.fixture
def roll(tmp_path: Path) -> RollWriter:
    folder = tmp_path / "rolls"
    folder.mkdir()
    return RollWriter(folder)


@pytest.fixture(scope="session")
def vault_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly created (admin-only) vault per run: creating runs every migration (~0.2 s)."""
    root = tmp_path_factory.mktemp("vault-template")
    Vault.create(HomePaths.resolve(root), admin="admin", password=PASSWORD, kdf=FAST_KDF).lock()
    return root


@pytest.fixture
def admin_vault(vault_template: Path, tmp_path: Path) -> Iterator[OpenVault]:
    """Like `vault`, but a copy of `vault_template` unlocked as admin: its audit chain is
    `vault_created, unlock`. Use `vault` where the moment of creation matters."""
    import shutil

    target = tmp_path / "admin-home"
    shutil.copytree(vault_template, target)
    opened = Vault(HomePaths.resolve(target)).unlock("admin", PASSWORD)
    yield opened
    opened.lock()


class CliResult:
    """What one `hjdesk` run left: its exit code, stdout and stderr."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def one_line_error(self) -> str:
        """The error message, asserting it is exactly one line and no traceback."""
        assert "Traceback" not in self.err, self.err
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        assert self.err.endswith("\n")
        return lines[0]


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run `hjdesk.cli.main` in-process: `cli("audit", "verify", env={"HJDESK_USER": "nurse"})`."""
    from hjdesk.cli import main

    def run(*argv: object, env: dict[str, str | None] | None = None) -> CliResult:
        for name, value in (env or {}).items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
