"""Every user error is one line on stderr and exit 1; usage errors exit 2; never a traceback."""

from __future__ import annotations

import json

import pytest

from hjdesk.cli import main
from hjdesk.storage.keyslots import FREE_ATTEMPTS
from tests.conftest import PASSWORD

PW = {"HJDESK_PASSWORD": PASSWORD}


@pytest.fixture
def home(admin_vault):
    admin_vault.lock()
    return admin_vault.home


def test_wrong_password(cli, home):
    result = cli(
        "audit",
        "verify",
        "--home",
        home.root,
        "--user",
        "admin",
        env={"HJDESK_PASSWORD": "not it at all"},
    )
    assert result.code == 1
    assert result.one_line_error == "hjdesk: Wrong password for 'admin'."
    assert result.out == ""
    slot = json.loads(home.keyslots.read_text())["slots"]["admin"]
    assert slot["failed_count"] == 1  # the CLI counts failures like the app


def test_locked_out_user(cli, home):
    wrong = {"HJDESK_PASSWORD": "not it at all"}
    for _ in range(FREE_ATTEMPTS):
        assert cli("audit", "verify", "--home", home.root, "--user", "admin", env=wrong).code == 1
    result = cli("audit", "verify", "--home", home.root, "--user", "admin", env=PW)
    assert result.code == 1
    assert "Too many wrong passwords" in result.one_line_error


def test_unknown_user(cli, home):
    result = cli("audit", "verify", "--home", home.root, "--user", "ghost", env=PW)
    assert result.code == 1
    assert "no user called 'ghost'" in result.one_line_error


def test_missing_vault(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv in (
        ("audit", "verify", "--home", empty),
        ("audit", "verify", "--home", empty, "--user", "admin"),
        ("import-roll", "roll.csv", "--home", empty, "--user", "admin"),
        ("users", "list", "--home", empty, "--user", "admin"),
    ):
        result = cli(*argv, env=PW)
        assert result.code == 1, argv
        assert "No vault in" in result.one_line_error
        assert "hjdesk init" in result.one_line_error
    assert list(empty.iterdir()) == []  # looking created nothing


def test_missing_home_folder(cli, tmp_path):
    result = cli("audit", "verify", "--home", tmp_path / "not" / "there", env=PW)
    assert result.code == 1
    assert "No vault in" in result.one_line_error
    assert not (tmp_path / "not").exists()


def test_damaged_key_slot_file(cli, home):
    home.keyslots.write_text("{ not json", encoding="utf-8")
    result = cli("audit", "verify", "--home", home.root, "--user", "admin", env=PW)
    assert result.code == 1
    assert "damaged" in result.one_line_error


def test_damaged_vault_header(cli, home):
    data = bytearray(home.vault.read_bytes())
    data[3] ^= 0xFF
    home.vault.write_bytes(bytes(data))
    result = cli("audit", "verify", "--home", home.root, "--user", "admin", env=PW)
    assert result.code == 1
    assert "damaged" in result.one_line_error


def test_damaged_audit_page(cli, home):
    """A page of the chain itself: found by unlock's or verify's read, reported in one line."""
    from hjdesk.storage.vault import Vault

    opened = Vault(home).unlock("admin", PASSWORD)
    with opened.engine.connect() as conn:
        page = conn.exec_driver_sql(
            "SELECT rootpage FROM sqlite_master WHERE name = 'audit_events'"
        ).scalar_one()
    opened.lock()
    data = bytearray(home.vault.read_bytes())
    for i in range((page - 1) * 4096 + 1000, (page - 1) * 4096 + 1016):
        data[i] ^= 0x5A
    home.vault.write_bytes(bytes(data))
    result = cli("audit", "verify", "--home", home.root, "--user", "admin", env=PW)
    assert result.code == 1
    assert "damaged" in result.one_line_error


def test_unreadable_roll_folder(cli, home, tmp_path):
    result = cli("import-roll", tmp_path, "--home", home.root, "--user", "admin", env=PW)
    assert result.code == 1
    assert "folder" in result.one_line_error


# -- usage errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["init"],  # --admin is required
        ["import-roll"],  # FILE is required
        ["audit"],  # a subcommand is required
        ["audit", "explode"],
        ["users", "add", "nurse"],  # --role is required
        ["demo", "--patients", "many"],
        ["--no-such-option"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_usage_errors_exit_2(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("usage: hjdesk")
    assert err.strip().splitlines()[-1].startswith("hjdesk")


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("hjdesk ")
