"""The hub's log of administrators' commands: each command writes exactly its event, in the
transaction of its change, with ids and codes only; `hjdesk hub admin-log --verify` finds an
edited or deleted event. Every test runs on SQLite and PostgreSQL (`hub_db_url`)."""

from __future__ import annotations

import getpass
import itertools
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from hjdesk.cli import main
from hjdesk.sync.hub import admin_log, devices, schema
from hjdesk.sync.hub.devices import HubRefusal, create_enrol_code, normalise_code
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import HubStore, hash_secret
from hjdesk.sync.protocol import PATIENT_KIND
from tests.sync.helpers import HubProcess

PATIENT_NAME = "Zebedee Quixotic"
PRISON_NUMBER = "A9876ZZ"
DEVICE_NAME = "Laptop of Wendy Staffnurse"


@pytest.fixture
def store(hub_db_url: str) -> Iterator[HubStore]:
    opened = HubStore(hub_db_url)
    yield opened
    opened.close()


def _rows(store: HubStore) -> list[dict[str, Any]]:
    with store.reading() as conn:
        table = schema.admin_events
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.seq)).mappings()]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _enrol_code(capsys: pytest.CaptureFixture[str], db: str, est: str = "dmo") -> str:
    code, out, err = _run(capsys, "hub", "enrol-code", "--db", db, "--establishment", est)
    assert code == 0, err
    return out.strip().splitlines()[-1]


def _pending_transfer(store: HubStore) -> int:
    """A patient held at AAA whom BBB's roll claims: the hub's state before a confirm."""
    patient = str(uuid.uuid4())
    payload = {"name": PATIENT_NAME, "prison_number": PRISON_NUMBER,
               "establishment_id": "est-aaa", "on_roll": True}  # fmt: skip
    with store.writing() as (conn, seqs):
        conn.execute(
            schema.documents.insert().values(
                kind=PATIENT_KIND, id=patient, rev=1, patient_id=patient, payload=payload,
                origin_device="dev-a", updated_at=utcnow(), change_seq=seqs.next(),
            )
        )  # fmt: skip
        done = conn.execute(
            schema.transfers.insert().values(
                patient_id=patient, from_code="AAA", to_code="BBB", status="pending",
                placement={"establishment_id": "est-bbb", "on_roll": True},
                claimed_by="dev-b", claimed_at=utcnow(),
            )
        )  # fmt: skip
        return int(done.inserted_primary_key[0])


def test_each_command_logs_exactly_its_event_and_never_a_secret(
    hub: HubProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    db, me = hub.db_url, getpass.getuser()
    code = _enrol_code(capsys, db)
    device = uuid.uuid4().hex
    reply = httpx.post(
        f"{hub.url}/v1/enrol",
        json={"code": code, "device_id": device, "device_name": DEVICE_NAME},
    )
    assert reply.status_code == 200, reply.text
    token = reply.json()["token"]
    assert _run(capsys, "hub", "revoke", "--db", db, "--device", device)[0] == 0
    assert _run(capsys, "hub", "wipe", "--db", db, "--device", device)[0] == 0
    transfer = _pending_transfer(hub.store)
    assert _run(capsys, "hub", "transfers", "--db", db, "--confirm", str(transfer))[0] == 0
    assert _run(capsys, "hub", "name-cards", "--db", db)[0] == 0

    rows = _rows(hub.store)
    assert [(r["seq"], r["who"], r["action"], r["target"]) for r in rows] == [
        (1, me, admin_log.CODE_ISSUED, "DMO"),
        (2, f"device {device}", admin_log.DEVICE_ENROLLED, device),
        (3, me, admin_log.DEVICE_REVOKED, device),
        (4, me, admin_log.WIPE_ORDERED, device),
        (5, me, admin_log.TRANSFER_CONFIRMED, str(transfer)),
        (6, me, admin_log.NAME_CARDS_WRITTEN, None),
    ]
    details = [r["detail"] for r in rows]
    assert '"establishment":"DMO"' in details[0]
    assert '"expires_at":' in details[0]
    assert details[1] == '{"establishment":"DMO"}'
    assert details[2] == details[3] == '{"establishment":"DMO","outcome":"done"}'
    assert details[4] == '{"cancelled":0,"from":"AAA","to":"BBB"}'
    assert details[5] == '{"current":0,"establishments":0,"written":0}'
    for earlier, later in itertools.pairwise(rows):
        assert later["prev_hash"] == earlier["hash"]

    everything = repr(rows)
    plain = normalise_code(code)
    for secret in (code, plain, hash_secret(plain), token, hash_secret(token), PATIENT_NAME,
                   PRISON_NUMBER, DEVICE_NAME):  # fmt: skip
        assert secret not in everything

    status, listed, _ = _run(capsys, "hub", "admin-log", "--db", db)
    assert status == 0
    lines = listed.splitlines()
    assert [line.split("\t")[3] for line in lines] == [r["action"] for r in rows]
    assert lines[2].split("\t")[2:5] == [me, admin_log.DEVICE_REVOKED, device]
    assert code not in listed
    assert _run(capsys, "hub", "admin-log", "--db", db, "--verify")[:2] == (
        0,
        "6 events, chain intact.\n",
    )


def test_a_refused_command_logs_nothing_and_says_why_in_one_line(
    store: HubStore, hub_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv, says in (
        (["revoke", "--device", "nobody"], "No device 'nobody' is enrolled"),
        (["wipe", "--device", "nobody"], "No device 'nobody' is enrolled"),
        (["transfers", "--confirm", "999"], "No transfer 999"),
        (["enrol-code", "--establishment", "not a code"], "An establishment code is"),
    ):
        status, _out, err = _run(capsys, "hub", argv[0], "--db", hub_db_url, *argv[1:])
        assert status == 1
        assert err.startswith("hjdesk: ")
        assert says in err
        assert len(err.strip().splitlines()) == 1  # no traceback
    with pytest.raises(HubRefusal, match="unknown, used or expired"):
        devices.enrol(store, "AAAA-BBBB-CCCC-DDDD", "dev-1", "")
    assert _rows(store) == []
    assert _run(capsys, "hub", "admin-log", "--db", hub_db_url)[1] == "No administrator events.\n"


def test_an_enrolment_refused_after_reading_its_code_leaves_the_code_and_no_event(
    store: HubStore,
) -> None:
    first, second = create_enrol_code(store, "DMO"), create_enrol_code(store, "DMO")
    devices.enrol(store, first, "dev-1", "")
    with pytest.raises(HubRefusal, match="already enrolled"):
        devices.enrol(store, second, "dev-1", "")
    actions = [r["action"] for r in _rows(store)]
    assert actions == [admin_log.CODE_ISSUED, admin_log.CODE_ISSUED, admin_log.DEVICE_ENROLLED]
    devices.enrol(store, second, "dev-2", "")  # the refused attempt did not spend it


def test_the_event_and_the_change_commit_together(
    store: HubStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    devices.enrol(store, create_enrol_code(store, "DMO"), "dev-1", "")

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the log could not be written")

    monkeypatch.setattr(admin_log, "append", broken)
    with pytest.raises(RuntimeError):
        devices.revoke(store, "dev-1")
    with pytest.raises(RuntimeError):
        create_enrol_code(store, "DMO")
    with store.reading() as conn:
        revoked = conn.execute(select(schema.devices.c.revoked_at)).scalar_one()
        codes = len(conn.execute(select(schema.enrol_codes)).all())
    assert revoked is None  # the revoke rolled back with its event
    assert codes == 1


def test_a_repeated_revoke_is_logged_as_changing_nothing(store: HubStore) -> None:
    devices.enrol(store, create_enrol_code(store, "DMO"), "dev-1", "")
    devices.revoke(store, "dev-1", who="alice")
    devices.revoke(store, "dev-1", who="bob")
    last_two = _rows(store)[-2:]
    assert [(r["who"], r["detail"]) for r in last_two] == [
        ("alice", '{"establishment":"DMO","outcome":"done"}'),
        ("bob", '{"establishment":"DMO","outcome":"already"}'),
    ]


@pytest.mark.parametrize(
    ("tamper", "bad"),
    [
        ('UPDATE admin_events SET detail = \'{"establishment":"XXX"}\' WHERE seq = 2', 2),
        ("UPDATE admin_events SET who = 'nobody' WHERE seq = 3", 3),
        ("DELETE FROM admin_events WHERE seq = 2", 3),
    ],
)
def test_verify_names_the_first_event_edited_or_missing(
    store: HubStore,
    hub_db_url: str,
    capsys: pytest.CaptureFixture[str],
    tamper: str,
    bad: int,
) -> None:
    for est in ("AAA", "BBB", "CCC", "DDD"):
        _enrol_code(capsys, hub_db_url, est)
    assert _run(capsys, "hub", "admin-log", "--db", hub_db_url, "--verify")[:2] == (
        0,
        "4 events, chain intact.\n",
    )
    with store.engine.begin() as conn:
        conn.execute(text(tamper))
    status, out, err = _run(capsys, "hub", "admin-log", "--db", hub_db_url, "--verify")
    assert status == 1
    assert out == ""
    assert err.startswith(f"hjdesk: The admin log is broken at event {bad}:")
    assert len(err.strip().splitlines()) == 1


def test_events_of_concurrent_commands_form_one_unbroken_chain(store: HubStore) -> None:
    """Several writers at once (several hub processes on one PostgreSQL): no fork, no gap."""
    errors: list[BaseException] = []

    def issue(est: str) -> None:
        try:
            for _ in range(5):
                create_enrol_code(store, est)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(f"E{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = _rows(store)
    assert [r["seq"] for r in rows] == list(range(1, 31))
    assert admin_log.verify(store) == admin_log.Verified(30, None)
    assert sorted(r["target"] for r in rows) == sorted(f"E{i}" for i in range(6) for _ in range(5))


def test_a_very_long_user_name_is_cut_to_fit_and_the_chain_still_verifies(store: HubStore) -> None:
    devices.enrol(store, create_enrol_code(store, "DMO", who="x" * 300), "dev-1", "")
    assert _rows(store)[0]["who"] == "x" * admin_log.WHO_LENGTH
    assert admin_log.verify(store) == admin_log.Verified(2, None)
