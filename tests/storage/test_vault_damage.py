"""A damaged vault or key slot file is a `VaultDamaged` a person can act on, never a crash."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from hjdesk.services import patients
from hjdesk.services.settings.audit_check import verify_chain
from hjdesk.storage.errors import KnownError, VaultDamaged, WrongPassword
from hjdesk.storage.models import Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD

PAGE = 4096  # SQLCipher 4's default page size


def _flip(path, offset: int, length: int = 16) -> None:
    data = bytearray(path.read_bytes())
    assert offset + length <= len(data)
    for i in range(offset, offset + length):
        data[i] ^= 0xA5
    path.write_bytes(bytes(data))


def _read_everything(home: HomePaths) -> None:
    """Unlock, then touch every page: every table and every index, plus the services' reads."""
    opened = Vault(home).unlock("nurse", PASSWORD)
    try:
        with opened.session() as session:
            objects = session.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE rootpage > 0")
            ).all()
            for kind, name, table, sql in objects:
                if kind == "table":
                    session.execute(text(f'SELECT * FROM "{name}"')).all()
                else:  # an ordered scan of a covering index reads every page of its b-tree
                    column = session.execute(text(f'PRAGMA index_info("{name}")')).all()[0][2]
                    # A partial index answers only a query with its own condition.
                    _, where, condition = (sql or "").partition(" WHERE ")
                    session.execute(
                        text(
                            f'SELECT "{column}" FROM "{table}" INDEXED BY "{name}" '
                            + (f"WHERE {condition} " if where else "")
                            + f'ORDER BY "{column}"'
                        )
                    ).all()
        rows = patients.caseload(opened)
        patients.search(opened, rows[0].prison_number)
        verify_chain(opened)
    finally:
        opened.lock()


def _root_pages(home: HomePaths) -> tuple[dict[str, int], int]:
    opened = Vault(home).unlock("nurse", PASSWORD)
    try:
        with opened.engine.connect() as conn:
            roots = dict(conn.exec_driver_sql("SELECT name, rootpage FROM sqlite_master").all())
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            assert conn.exec_driver_sql("PRAGMA freelist_count").scalar_one() == 0
    finally:
        opened.lock()
    return roots, pages


def test_an_undamaged_copy_reads_cleanly(demo_home):
    _read_everything(demo_home)  # the probe itself raises nothing on a good vault


@pytest.mark.parametrize("offset", [0, 5, 15], ids=["salt-start", "salt-middle", "salt-end"])
def test_damaged_header_is_refused_at_unlock(demo_home, offset):
    _flip(demo_home.vault, offset, 1)
    with pytest.raises(VaultDamaged) as caught:
        Vault(demo_home).unlock("nurse", PASSWORD)
    assert "damaged" in caught.value.message


def test_damaged_first_page_after_the_salt_is_refused(demo_home):
    _flip(demo_home.vault, 100)  # sqlite_master lives on page 1
    with pytest.raises(VaultDamaged):
        Vault(demo_home).unlock("nurse", PASSWORD)


@pytest.mark.parametrize(
    "target",
    [
        "patients",
        "audit_events",
        "settings",
        "staff",
        "ix_patients_prison_number",
        "middle-of-file",
        "last-page",
    ],
)
def test_damage_anywhere_is_found_by_reading(demo_home, target):
    roots, pages = _root_pages(demo_home)
    page = {"middle-of-file": pages // 2, "last-page": pages}.get(target) or roots[target]
    _flip(demo_home.vault, (page - 1) * PAGE + PAGE // 2)
    with pytest.raises(VaultDamaged):
        _read_everything(demo_home)


def test_damage_met_by_a_plain_read_session_is_vault_damaged(demo_home):
    """Services read through `vault.session()`, outside `transaction()`: still a KnownError."""
    roots, _ = _root_pages(demo_home)
    opened = Vault(demo_home).unlock("nurse", PASSWORD)
    try:
        # Damage a page the open vault has not cached yet, under its feet.
        opened.engine.dispose()
        _flip(demo_home.vault, (roots["patients"] - 1) * PAGE + 1000)
        with pytest.raises(VaultDamaged), opened.session() as session:
            session.scalars(select(Patient)).all()
        with pytest.raises(VaultDamaged):
            patients.caseload(opened)
    finally:
        opened.lock()


def test_truncated_vault_is_damaged(demo_home):
    data = demo_home.vault.read_bytes()
    demo_home.vault.write_bytes(data[: len(data) // 3])
    with pytest.raises(KnownError) as caught:
        _read_everything(demo_home)
    assert isinstance(caught.value, VaultDamaged)


def test_garbage_instead_of_a_vault_is_damaged(vault):
    vault.lock()
    vault.home.vault.write_bytes(b"this is not a database at all" * 500)
    with pytest.raises(VaultDamaged):
        Vault(vault.home).unlock("admin", PASSWORD)


def test_sqlite_plaintext_file_in_place_of_the_vault_is_damaged(vault, tmp_path):
    import sqlite3

    vault.lock()
    vault.home.vault.unlink()
    with sqlite3.connect(vault.home.vault) as plain:
        plain.execute("CREATE TABLE t (x)")
    plain.close()
    with pytest.raises(VaultDamaged):
        Vault(vault.home).unlock("admin", PASSWORD)


# -- key slots --------------------------------------------------------------------------------


def _slot_mutations():
    def slot(field, value):
        def mutate(raw):
            raw["slots"]["admin"][field] = value
            return raw

        return mutate

    def kdf(field, value):
        def mutate(raw):
            raw["slots"]["admin"]["kdf"][field] = value
            return raw

        return mutate

    return {
        "not-json": lambda raw: "{ this is not json",
        "truncated": lambda raw: json.dumps(raw)[:40],
        "empty": lambda raw: "",
        "a-list": lambda raw: [],
        "slots-null": lambda raw: {**raw, "slots": None},
        "no-slots": lambda raw: {k: v for k, v in raw.items() if k != "slots"},
        "no-vault-id": lambda raw: {k: v for k, v in raw.items() if k != "vault_id"},
        "unknown-format": lambda raw: {**raw, "format": 99},
        "slot-is-a-list": lambda raw: {**raw, "slots": {"admin": [1, 2]}},
        "slot-missing-salt": lambda raw: (raw["slots"]["admin"].pop("salt"), raw)[1],
        "salt-not-base64": slot("salt", "!!not base64!!"),
        "nonce-wrong-length": slot("nonce", "AAAA"),
        "wrapped-not-base64": slot("wrapped_key", "***"),
        "failed-count-text": slot("failed_count", "many"),
        "failed-count-negative": slot("failed_count", -1),
        "last-failure-garbage": slot("last_failure", "yesterday"),
        "unreported-not-list": slot("unreported_failures", "x"),
        "kdf-memory-zero": kdf("memory_kib", 0),
        "kdf-iterations-text": kdf("iterations", "3"),
        "kdf-unknown-field": kdf("speed", 1),
        "renamed-slot": lambda raw: {**raw, "slots": {"root": raw["slots"]["admin"]}},
    }


@pytest.mark.parametrize("mutation", sorted(_slot_mutations()))
def test_damaged_key_slot_file_is_vault_damaged(admin_vault, mutation):
    home = admin_vault.home
    admin_vault.lock()
    raw = json.loads(home.keyslots.read_text(encoding="utf-8"))
    damaged = _slot_mutations()[mutation](raw)
    home.keyslots.write_text(
        damaged if isinstance(damaged, str) else json.dumps(damaged), encoding="utf-8"
    )
    with pytest.raises(VaultDamaged):
        Vault(home).unlock("admin", PASSWORD)
    with pytest.raises(VaultDamaged):
        Vault(home).users()


def test_binary_key_slot_file_is_vault_damaged(vault):
    vault.lock()
    vault.home.keyslots.write_bytes(b"\xff\xfe\x00\x01 binary junk")
    with pytest.raises(VaultDamaged):
        Vault(vault.home).unlock("admin", PASSWORD)


def test_a_tampered_wrapped_key_is_indistinguishable_from_a_wrong_password(vault):
    vault.lock()
    raw = json.loads(vault.home.keyslots.read_text(encoding="utf-8"))
    wrapped = raw["slots"]["admin"]["wrapped_private"]
    raw["slots"]["admin"]["wrapped_private"] = ("B" if wrapped[0] != "B" else "C") + wrapped[1:]
    vault.home.keyslots.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(WrongPassword):
        Vault(vault.home).unlock("admin", PASSWORD)


def test_a_slot_moved_to_another_vault_does_not_open_it(vault):
    """The vault id is authenticated with the slot: a different id opens nothing."""
    vault.lock()
    raw = json.loads(vault.home.keyslots.read_text(encoding="utf-8"))
    raw["vault_id"] = "0" * 32
    vault.home.keyslots.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(WrongPassword):
        Vault(vault.home).unlock("admin", PASSWORD)
