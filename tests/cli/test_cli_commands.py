"""`hjdesk init`, `demo`, `import-roll`, `users` and where the home and user come from."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hjdesk.clinical import estate_ids
from hjdesk.storage.models import AuditEvent, OutboxOp, Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

PW = {"HJDESK_PASSWORD": PASSWORD}


def _counts(home: HomePaths, user: str = "admin") -> dict[str, int]:
    opened = Vault(home).unlock(user, PASSWORD)
    try:
        with opened.session() as session:
            return {
                "patients": session.scalar(select(func.count()).select_from(Patient)),
                "imports": session.scalar(
                    select(func.count()).where(AuditEvent.action == "roll_import")
                ),
                "patient_ops": session.scalar(
                    select(func.count()).where(OutboxOp.kind == "patient")
                ),
            }
    finally:
        opened.lock()


# -- init -------------------------------------------------------------------------------------


def test_init_creates_a_vault_with_its_admin(cli, tmp_path):
    home = tmp_path / "laptop"
    result = cli("init", "--home", home, "--admin", "Boss", env=PW)
    assert result.code == 0, result.err
    assert result.err == ""
    assert str(home) in result.out
    assert "'boss'" in result.out
    opened = Vault(HomePaths.resolve(home)).unlock("boss", PASSWORD)
    assert opened.actor.role == "ADMIN"
    opened.lock()


def test_init_into_an_existing_vault_fails_and_keeps_it(cli, tmp_path):
    home = tmp_path / "laptop"
    assert cli("init", "--home", home, "--admin", "boss", env=PW).code == 0
    before = (home / "keyslots.json").read_bytes()
    result = cli("init", "--home", home, "--admin", "other", env=PW)
    assert result.code == 1
    assert "already exists" in result.one_line_error
    assert (home / "keyslots.json").read_bytes() == before


@pytest.mark.parametrize(
    ("admin", "password", "words"),
    [
        ("boss", "short", "at least 8"),
        ("two words", PASSWORD, "user name"),
    ],
)
def test_init_refuses_bad_input_in_one_line(cli, tmp_path, admin, password, words):
    home = tmp_path / "laptop"
    result = cli("init", "--home", home, "--admin", admin, env={"HJDESK_PASSWORD": password})
    assert result.code == 1
    assert words in result.one_line_error
    assert not (home / "vault.db").exists()


def test_init_without_a_password_or_terminal_says_so(cli, tmp_path):
    result = cli("init", "--home", tmp_path / "x", "--admin", "boss")
    assert result.code == 1
    assert "HJDESK_PASSWORD" in result.one_line_error


# -- where the home and the user come from ----------------------------------------------------


def test_home_from_the_environment(cli, tmp_path):
    home = tmp_path / "from-env"
    assert cli("init", "--admin", "boss", env={**PW, "HJDESK_HOME": str(home)}).code == 0
    assert (home / "vault.db").exists()
    result = cli("audit", "verify", "--user", "boss")
    assert result.code == 0, result.err


def test_home_option_before_the_subcommand_is_honoured(cli, tmp_path, monkeypatch):
    """`hjdesk --home X init` must not fall back to the default home."""
    home = tmp_path / "global-option"
    default = tmp_path / "default"
    monkeypatch.setenv("XDG_DATA_HOME", str(default))
    assert cli("--home", home, "init", "--admin", "boss", env=PW).code == 0
    assert (home / "vault.db").exists()
    assert not default.exists()
    result = cli("--home", home, "--user", "boss", "audit", "verify")
    assert result.code == 0, result.err


def test_home_option_wins_over_the_environment(cli, tmp_path):
    chosen, other = tmp_path / "chosen", tmp_path / "other"
    result = cli("init", "--home", chosen, "--admin", "boss", env={**PW, "HJDESK_HOME": str(other)})
    assert result.code == 0
    assert (chosen / "vault.db").exists()
    assert not other.exists()


def test_default_home_is_the_per_user_data_folder(cli, tmp_path):
    assert cli("init", "--admin", "boss", env=PW).code == 0
    assert (tmp_path / "xdg" / "hjdesk" / "vault.db").exists()  # XDG_DATA_HOME set by conftest


@pytest.fixture
def two_users(admin_vault):
    admin_vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    admin_vault.lock()
    return admin_vault.home


def _last_actor(home: HomePaths, action: str) -> str:
    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        with opened.session() as session:
            return session.scalar(
                select(AuditEvent.actor_username)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            )
    finally:
        opened.lock()


def test_user_from_the_environment_and_the_option(cli, two_users):
    home = two_users.root
    result = cli("audit", "verify", "--home", home, env={**PW, "HJDESK_USER": "nurse"})
    assert result.code == 0, result.err
    assert _last_actor(two_users, "audit_verified") == "nurse"
    result = cli("audit", "verify", "--home", home, "--user", "admin")  # option beats env
    assert result.code == 0, result.err
    assert _last_actor(two_users, "audit_verified") == "admin"


def test_without_a_user_on_a_shared_laptop_the_cli_asks_who(cli, two_users):
    result = cli("audit", "verify", "--home", two_users.root, env=PW)
    assert result.code == 1
    assert "HJDESK_USER" in result.one_line_error


def test_a_single_user_laptop_needs_no_user(cli, admin_vault):
    admin_vault.lock()
    result = cli("audit", "verify", "--home", admin_vault.home.root, env=PW)
    assert result.code == 0, result.err


# -- demo -------------------------------------------------------------------------------------


def test_demo_builds_a_synthetic_vault(cli, tmp_path):
    home = tmp_path / "demo"
    result = cli("demo", "--home", home, "--patients", 60, "--seed", 3, env=PW)
    assert result.code == 0, result.err
    assert "60 synthetic patients" in result.out
    assert "admin, nurse, mhnurse, hca, gp, pharmacist" in result.out
    assert _counts(HomePaths.resolve(home), "nurse")["patients"] == 60


def test_demo_refuses_a_silly_size_and_an_existing_vault(cli, tmp_path, admin_vault):
    result = cli("demo", "--home", tmp_path / "d", "--patients", 0, env=PW)
    assert result.code == 1
    assert "--patients" in result.one_line_error
    admin_vault.lock()
    result = cli("demo", "--home", admin_vault.home.root, "--patients", 5, env=PW)
    assert result.code == 1
    assert "already exists" in result.one_line_error


# -- import-roll ------------------------------------------------------------------------------


def test_import_roll_prints_the_summary_and_each_rejected_row(cli, admin_vault, roll):
    admin_vault.lock()
    lines = [
        roll.line("A1000AA", family_name="Ní Bhriain", alerts="HA"),
        roll.line("BAD", family_name="Bad"),
        roll.line("A1002AA", date_of_birth="2999-01-01"),
        roll.line("A1003AA", family_name="O'Connor-Smyth"),
    ]
    path = roll.write(lines)
    home = admin_vault.home.root
    result = cli("import-roll", path, "--home", home, env=PW)
    assert result.code == 0, result.err
    assert result.err == ""
    out = result.out.splitlines()
    assert out[0] == "added 2, moved 0, left 0, returned 0, updated 0, unchanged 0, rejected 2"
    assert out[1] == "row 3: rejected: prison number 'BAD' is not of the form A1234BC"
    assert out[2] == "row 4: rejected: date_of_birth is in the future"
    assert len(out) == 3
    # Again: idempotent.
    result = cli("import-roll", path, "--home", home, env=PW)
    assert result.out.splitlines()[0] == (
        "added 0, moved 0, left 0, returned 0, updated 0, unchanged 2, rejected 2"
    )


def test_import_roll_partial_marks_nobody_left(cli, admin_vault, roll):
    admin_vault.lock()
    home = admin_vault.home.root
    everyone = [roll.line("A1000AA"), roll.line("A1001AA")]
    assert cli("import-roll", roll.write(everyone), "--home", home, env=PW).code == 0
    one = roll.write(everyone[:1], name="one.csv")
    result = cli("import-roll", one, "--home", home, "--partial", env=PW)
    assert ", left 0," in result.out
    result = cli("import-roll", one, "--home", home, env=PW)
    assert ", left 1," in result.out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"name,age\nBob,3\n", "not a prison roll"),
        (b"\x00\x01\x02binary", "not text"),
        (b"prison_number,family_name\n\xff\xfe\n", "not UTF-8"),
    ],
)
def test_import_roll_of_a_file_that_is_not_a_roll(cli, admin_vault, roll, content, words):
    admin_vault.lock()
    home = admin_vault.home.root
    assert cli("import-roll", roll.write([roll.line("A1000AA")]), "--home", home, env=PW).code == 0
    before = _counts(admin_vault.home)
    bad = roll.folder / "bad.csv"
    bad.write_bytes(content)
    result = cli("import-roll", bad, "--home", home, env=PW)
    assert result.code == 1
    assert words in result.one_line_error
    assert result.out == ""
    assert _counts(admin_vault.home) == before  # no patient, no op, no import event


def test_import_roll_of_a_missing_file(cli, admin_vault, tmp_path):
    admin_vault.lock()
    result = cli("import-roll", tmp_path / "nope.csv", "--home", admin_vault.home.root, env=PW)
    assert result.code == 1
    assert "No file at" in result.one_line_error


# -- users ------------------------------------------------------------------------------------


def test_users_add_list_reset_disable(cli, admin_vault):
    admin_vault.lock()
    home = admin_vault.home.root
    new = {**PW, "HJDESK_NEW_PASSWORD": "nurse password"}
    result = cli(
        "users", "add", "nurse", "--role", "RN", "--name", "N Urse", "--home", home, env=new
    )
    assert result.code == 0, result.err
    Vault(admin_vault.home).unlock("nurse", "nurse password").lock()
    listing = cli("users", "list", "--home", home, "--user", "admin").out
    assert "nurse\tRN\tactive\tN Urse" in listing.splitlines()
    result = cli(
        "users", "add", "x", "--role", "WIZARD", "--home", home, "--user", "admin", env=new
    )
    assert result.code == 1
    assert "Unknown role" in result.one_line_error
    reset = {**PW, "HJDESK_NEW_PASSWORD": "reset password"}
    assert (
        cli("users", "reset-password", "nurse", "--home", home, "--user", "admin", env=reset).code
        == 0
    )
    Vault(admin_vault.home).unlock("nurse", "reset password").lock()
    assert cli("users", "role", "nurse", "rmn", "--home", home, "--user", "admin").code == 0
    assert "nurse\tRMN\tactive" in cli("users", "list", "--home", home, "--user", "admin").out
    renamed = cli("users", "rename", "nurse", "Nina Urse", "--home", home, "--user", "admin")
    assert renamed.code == 0, renamed.err
    assert "nurse\tRMN\tactive\tNina Urse" in (
        cli("users", "list", "--home", home, "--user", "admin").out.splitlines()
    )
    before = json.loads(admin_vault.home.keyslots.read_text())["key_check"]
    result = cli("users", "disable", "nurse", "--home", home, "--user", "admin")
    assert result.code == 0, result.err
    assert "key was changed" in result.out
    assert "nurse\tRMN\tdisabled" in cli("users", "list", "--home", home, "--user", "admin").out
    assert json.loads(admin_vault.home.keyslots.read_text())["key_check"] != before
    result = cli("users", "rekey", "--home", home, "--user", "admin")
    assert result.code == 0, result.err
    Vault(admin_vault.home).unlock("admin", PASSWORD).lock()


def test_users_non_admin_and_own_password(cli, two_users):
    home = two_users.root
    nurse = {**PW, "HJDESK_USER": "nurse", "HJDESK_NEW_PASSWORD": "another secret"}
    result = cli("users", "add", "x", "--role", "RN", "--home", home, env=nurse)
    assert result.code == 1
    assert "administrator" in result.one_line_error
    result = cli("users", "passwd", "--home", home, env=nurse)
    assert result.code == 0, result.err
    Vault(two_users).unlock("nurse", "another secret").lock()


def test_import_roll_as_of_orders_rolls_by_when_they_were_taken(cli, admin_vault, roll):
    admin_vault.lock()
    home = admin_vault.home.root
    newer = roll.write([roll.line("A1000AA", location="C-1-001")], name="newer.csv")
    older = roll.write([roll.line("A1000AA", location="A-1-001")], name="older.csv")
    done = cli("import-roll", newer, "--home", home, "--partial", "--as-of",
               "2026-12-01T06:00+00:00", env=PW)  # fmt: skip
    assert done.code == 0, done.err
    late = cli("import-roll", older, "--home", home, "--partial", "--as-of",
               "2026-11-30T06:00+00:00", env=PW)  # fmt: skip
    assert late.code == 0, late.err
    assert "1 rows kept the values of a newer roll already here" in late.out
    opened = Vault(HomePaths.resolve(home)).unlock("admin", PASSWORD)
    try:
        with opened.session() as session:
            patient = session.scalar(select(Patient))
            assert patient is not None
            assert patient.location is not None
            assert patient.location.path == "C-1-001"
    finally:
        opened.lock()


@pytest.mark.parametrize(
    ("value", "words"),
    [("yesterday", "is not a date and time"), ("2999-01-01T00:00+00:00", "in the future")],
)
def test_import_roll_refuses_a_bad_as_of_and_writes_nothing(cli, admin_vault, roll, value, words):
    admin_vault.lock()
    home = HomePaths.resolve(admin_vault.home.root)
    before = _counts(home)
    path = roll.write([roll.line("A1000AA")])
    result = cli("import-roll", path, "--home", home.root, "--as-of", value, env=PW)
    assert result.code == 1
    assert words in result.one_line_error
    after = _counts(home)
    assert (after["patients"], after["imports"]) == (before["patients"], before["imports"])


def test_init_with_an_establishment_gives_users_their_estate_ids(cli, tmp_path):
    home = tmp_path / "laptop"
    result = cli("init", "--home", home, "--admin", "boss", "--establishment", "brx", env=PW)
    assert result.code == 0, result.err
    opened = Vault(HomePaths.resolve(home)).unlock("boss", PASSWORD)
    try:
        assert opened.actor.staff_id == estate_ids.staff_id("BRX", "boss")
        nurse = opened.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
        assert nurse == estate_ids.staff_id("BRX", "nurse")
    finally:
        opened.lock()
    bad = cli("init", "--home", tmp_path / "other", "--admin", "boss", "--establishment", "BR",
              env=PW)  # fmt: skip
    assert bad.code == 1
    assert "three letters" in bad.one_line_error
