"""Automatic outbox capture (architecture.md §4): one op per inserted or updated synced row, in
the same transaction, through any Session; bypasses are refused."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only

from hjdesk.storage import audit
from hjdesk.storage.engine import make_engine
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.models import (
    Alert,
    AuditEvent,
    Condition,
    Establishment,
    Location,
    OutboxOp,
    Patient,
    Setting,
    Staff,
)
from hjdesk.storage.outbox import OutboxBypassRefused
from tests.conftest import PASSWORD


def _ops(session: Session) -> list[OutboxOp]:
    return list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))


def _op_count(opened) -> int:
    with Session(opened.engine) as session:
        return session.scalar(select(func.count()).select_from(OutboxOp))


def _patient(establishment: Establishment, **values) -> Patient:
    fields = dict(
        prison_number="A1234BC",
        nhs_number="9434765919",
        family_name="Featherstonehaugh",
        given_names="Hugo",
        family_fold="featherstonehaugh",
        given_fold="hugo",
        date_of_birth=date(1961, 7, 23),
        sex="M",
        establishment_id=establishment.id,
    )
    fields.update(values)
    return Patient(**fields)


@pytest.fixture
def ward(admin_vault):
    """An establishment, a location and a patient, committed; returns their ids."""
    with Session(admin_vault.engine) as session:
        establishment = Establishment(code="MDI", name="HMP Moorland")
        session.add(establishment)
        session.flush()
        location = Location(establishment_id=establishment.id, path="A-1-001", wing="A", depth=3)
        session.add(location)
        session.flush()
        patient = _patient(establishment, location_id=location.id)
        session.add(patient)
        session.commit()
        return {"establishment": establishment.id, "location": location.id, "patient": patient.id}


def _check_insert_op(op: OutboxOp, row, kind: str, device_id: str) -> None:
    assert op.kind == kind
    assert op.record_id == row.id
    assert op.rev == 1
    assert op.base_rev is None
    assert op.device_id == device_id
    assert op.op_id == f"{device_id}:{op.seq}"
    assert op.hlc == row.hlc != ""
    assert op.acked_at is None
    payload = json.loads(op.payload)
    columns = {attr.key for attr in inspect(type(row)).column_attrs}
    assert set(payload) == columns  # the full row, every column
    assert payload["id"] == row.id
    assert payload["rev"] == 1
    assert payload["origin_device"] == device_id


def test_every_synced_kind_queues_one_op_on_insert_through_a_plain_session(admin_vault):
    """A Session the vault did not make (a worker's, a script's) is covered all the same."""
    with Session(admin_vault.engine, expire_on_commit=False) as session:
        start = len(_ops(session))
        establishment = Establishment(code="MDI", name="HMP Moorland")
        session.add(establishment)
        session.flush()
        patient = _patient(establishment)
        session.add(patient)
        session.flush()
        alert = Alert(patient_id=patient.id, code="HA")
        condition = Condition(patient_id=patient.id, code="ASTHMA", onset=date(2020, 1, 2))
        staff = Staff(username="nurse", display_name="Nurse", role="RN")
        session.add_all([alert, condition, staff])
        session.flush()
        event = audit.append(
            session, admin_vault.actor, "test_event", device_id=admin_vault.device_id
        )
        # Visible inside the transaction that wrote the rows: same transaction, not after it.
        ops = _ops(session)[start:]
        session.commit()

    expected = [
        (establishment, "establishment"),
        (patient, "patient"),
        (alert, "alert"),
        (condition, "condition"),
        (staff, "staff"),
        (event, "audit_event"),
    ]
    assert len(ops) == len(expected)
    by_record = {op.record_id: op for op in ops}
    for row, kind in expected:  # exactly one op per row (flush order is SQLAlchemy's)
        _check_insert_op(by_record[row.id], row, kind, admin_vault.device_id)
    by_kind = {op.kind: op for op in ops}
    assert by_kind["patient"].patient_id == patient.id
    assert by_kind["alert"].patient_id == patient.id
    assert by_kind["condition"].patient_id == patient.id
    assert by_kind["establishment"].patient_id is None
    payload = json.loads(by_kind["patient"].payload)
    assert payload["family_name"] == "Featherstonehaugh"
    assert payload["date_of_birth"] == "1961-07-23"
    assert payload["nhs_number"] == "9434765919"
    assert payload["author_id"] == admin_vault.actor.staff_id
    assert json.loads(by_kind["audit_event"].payload)["action"] == "test_event"


def test_vault_transactions_and_audit_are_captured_too(admin_vault):
    before = _op_count(admin_vault)
    admin_vault.audit("something_viewed")
    assert _op_count(admin_vault) == before + 1


def test_update_queues_one_op_based_on_the_old_rev(admin_vault, ward):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        patient = session.get(Patient, ward["patient"])
        assert patient.rev == 1
        patient.family_name = "Fanshawe"
        patient.family_fold = "fanshawe"
        session.commit()
    with Session(admin_vault.engine) as session:
        (op,) = _ops(session)[before:]
        assert (op.kind, op.record_id, op.base_rev, op.rev) == ("patient", ward["patient"], 1, 2)
        payload = json.loads(op.payload)
        assert payload["family_name"] == "Fanshawe"
        assert payload["rev"] == 2
        assert session.get(Patient, ward["patient"]).rev == 2

        patient = session.get(Patient, ward["patient"])
        patient.given_names = "Hugh"
        session.commit()
        (op,) = _ops(session)[before + 1 :]
        assert (op.base_rev, op.rev) == (2, 3)


def test_an_update_of_a_partly_loaded_row_still_carries_the_whole_stored_row(admin_vault, ward):
    """The payload reads loaded columns from the instance; the ones never loaded (deferred) or
    expired must still be read from the vault, not sent as empty."""
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        patient = session.scalars(
            select(Patient)
            .where(Patient.id == ward["patient"])
            .options(load_only(Patient.id, Patient.rev, Patient.given_names))
        ).one()
        session.expire(patient, ["given_names"])
        assert "family_name" not in patient.__dict__  # not loaded: the payload must fetch it
        patient.given_names = "Hugh"
        session.commit()
    with Session(admin_vault.engine) as session:
        (op,) = _ops(session)[before:]
        payload = json.loads(op.payload)
        assert payload["given_names"] == "Hugh"
        assert payload["family_name"] == "Featherstonehaugh"
        assert payload["date_of_birth"] == "1961-07-23"
        assert payload["nhs_number"] == "9434765919"
        assert (op.base_rev, op.rev, payload["rev"]) == (1, 2, 2)


def test_setting_the_same_value_queues_nothing(admin_vault, ward):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        patient = session.get(Patient, ward["patient"])
        patient.family_name = "Featherstonehaugh"
        patient.on_roll = True
        patient.date_of_birth = date(1961, 7, 23)
        session.commit()
        assert session.get(Patient, ward["patient"]).rev == 1
    assert _op_count(admin_vault) == before


def test_adding_a_child_row_queues_the_child_not_the_parent(admin_vault, ward):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        patient = session.get(Patient, ward["patient"])
        patient.alerts.append(Alert(code="PEEP"))
        session.commit()
        (op,) = _ops(session)[before:]
        assert op.kind == "alert"
        assert session.get(Patient, ward["patient"]).rev == 1


def test_rollback_leaves_neither_row_nor_op(admin_vault, ward):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        establishment = session.get(Establishment, ward["establishment"])
        session.add(_patient(establishment, prison_number="B2222CD"))
        session.get(Patient, ward["patient"]).family_name = "Changed"
        session.flush()
        assert len(_ops(session)) == before + 2
        session.rollback()
    with Session(admin_vault.engine) as session:
        assert session.scalar(select(Patient).where(Patient.prison_number == "B2222CD")) is None
        patient = session.get(Patient, ward["patient"])
        assert (patient.family_name, patient.rev) == ("Featherstonehaugh", 1)
    assert _op_count(admin_vault) == before


def _change_then_fail(opened, patient_id: str) -> None:
    with opened.transaction() as session:
        session.get(Patient, patient_id).family_name = "Changed"
        session.flush()
        raise RuntimeError("boom")


def test_failed_vault_transaction_leaves_neither_row_nor_op(admin_vault, ward):
    before = _op_count(admin_vault)
    with pytest.raises(RuntimeError, match="boom"):
        _change_then_fail(admin_vault, ward["patient"])
    assert _op_count(admin_vault) == before
    with admin_vault.session() as session:
        assert session.get(Patient, ward["patient"]).family_name == "Featherstonehaugh"


def test_savepoint_rollback_drops_only_its_own_ops(admin_vault, ward):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        session.get(Patient, ward["patient"]).given_names = "Kept"
        session.flush()
        nested = session.begin_nested()
        session.add(Staff(username="temp", display_name="Temp", role="HCA"))
        session.flush()
        nested.rollback()
        session.commit()
    with Session(admin_vault.engine) as session:
        ops = _ops(session)[before:]
        assert [op.kind for op in ops] == ["patient"]
        assert session.scalar(select(Staff).where(Staff.username == "temp")) is None


def test_ops_of_a_flush_that_failed_are_never_written_later(admin_vault, ward):
    """A flush writes its ops in one go at its end; a flush that fails after some rows were
    inserted (their ops queued) must not leave those ops for the session's next flush."""
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        nested = session.begin_nested()
        establishment = Establishment(code="LFI", name="HMP Lowdham")
        session.add(establishment)
        # Inserted after the establishment it points at, and refused (NOT NULL).
        session.add(_patient(establishment, prison_number="C3333DE", family_name=None))
        with pytest.raises(IntegrityError):
            session.flush()
        nested.rollback()
        session.get(Patient, ward["patient"]).given_names = "Kept"
        session.commit()
    with Session(admin_vault.engine) as session:
        ops = _ops(session)[before:]
        assert [(op.kind, op.record_id) for op in ops] == [("patient", ward["patient"])]
        assert session.scalar(select(Establishment).where(Establishment.code == "LFI")) is None


def test_local_tables_do_not_queue(admin_vault):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session:
        session.add(Setting(key="idle_minutes", value="3"))
        session.commit()
    assert _op_count(admin_vault) == before


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(lambda: update(Patient).values(on_roll=False), id="orm-update"),
        pytest.param(lambda: delete(Patient), id="orm-delete"),
        pytest.param(lambda: update(Patient.__table__).values(on_roll=False), id="table-update"),
        pytest.param(lambda: delete(Patient.__table__), id="table-delete"),
        pytest.param(lambda: update(AuditEvent).values(action="x"), id="audit-update"),
        pytest.param(lambda: delete(Alert).where(Alert.code == "HA"), id="alert-delete"),
    ],
)
def test_bulk_statements_on_synced_tables_are_refused(admin_vault, ward, statement):
    before = _op_count(admin_vault)
    with Session(admin_vault.engine) as session, pytest.raises(OutboxBypassRefused):
        session.execute(statement())
    with admin_vault.session() as session:
        patient = session.get(Patient, ward["patient"])
        assert patient.on_roll is True
    assert _op_count(admin_vault) == before


def test_legacy_query_update_is_refused(admin_vault, ward):
    with Session(admin_vault.engine) as session, pytest.raises(OutboxBypassRefused):
        session.query(Patient).filter(Patient.id == ward["patient"]).update({"on_roll": False})


def test_bulk_update_of_a_local_table_is_allowed(admin_vault):
    with Session(admin_vault.engine) as session:
        session.add(Setting(key="k", value="1"))
        session.flush()
        session.execute(update(Setting).where(Setting.key == "k").values(value="2"))
        session.commit()
        assert session.get(Setting, "k").value == "2"


def test_deleting_a_synced_row_is_refused(admin_vault, ward):
    with Session(admin_vault.engine) as session:
        session.delete(session.get(Patient, ward["patient"]))
        with pytest.raises(OutboxBypassRefused):
            session.flush()
        session.rollback()
    with admin_vault.session() as session:
        assert session.get(Patient, ward["patient"]) is not None


def test_an_engine_the_vault_did_not_open_cannot_write_synced_rows(admin_vault, ward):
    """Without the device context there is no op to queue, so the write is refused."""
    key = KeySlots.load(admin_vault.home.keyslots).unwrap("admin", PASSWORD)
    admin_vault.lock()
    engine = make_engine(admin_vault.home.vault, key)
    try:
        with Session(engine) as session:
            session.get(Patient, ward["patient"]).family_name = "Sneaky"
            with pytest.raises(OutboxBypassRefused):
                session.flush()
            session.rollback()
        with Session(engine) as session:
            session.add(Staff(username="sneaky", display_name="S", role="RN"))
            with pytest.raises(OutboxBypassRefused):
                session.flush()
    finally:
        engine.dispose()


def test_rows_written_while_applying_the_hubs_records_queue_nothing_and_keep_their_stamps(
    admin_vault, ward
):
    """The hub's records arrive with their own revision and clock: storing them must neither
    queue them back to the hub nor restamp them, and the bulk statements a pull needs (purges)
    are allowed there alone."""
    from hjdesk.sync.cycle import remote_session

    before = _op_count(admin_vault)
    with remote_session(admin_vault) as session:
        establishment = session.get(Establishment, ward["establishment"])
        arrived = _patient(establishment, prison_number="B2345CD", nhs_number="9434765870")
        arrived.rev, arrived.hlc, arrived.origin_device = 4, "0000001700000000.0001", "hub-laptop"
        session.add(arrived)
        session.flush()
        arrived_id = arrived.id
        patient = session.get(Patient, ward["patient"])
        patient.on_roll = False
        patient.rev, patient.hlc = 7, "0000001700000000.0002"
        session.flush()
        session.execute(update(Patient).where(Patient.id == arrived_id).values(on_roll=False))
    assert _op_count(admin_vault) == before
    with admin_vault.session() as session:
        stored = session.get(Patient, arrived_id)
        assert (stored.rev, stored.hlc, stored.origin_device, stored.on_roll) == (
            4,
            "0000001700000000.0001",
            "hub-laptop",
            False,
        )
        assert session.get(Patient, ward["patient"]).rev == 7


def test_an_op_is_written_whatever_connection_or_session_its_row_came_through(admin_vault, ward):
    """Defensive paths of the flush-time queue: a row outside any session writes its op at
    once, and a flush that moves to a second connection first writes the first one's ops."""
    from hjdesk.storage import outbox

    with admin_vault.engine.connect() as first, admin_vault.engine.connect() as second:
        loose = _patient(Establishment(code="MDI"), prison_number="C3456DE")
        loose.id, loose.rev, loose.hlc = "loose-patient", 1, "0000001700000000.0003"
        outbox._queue(first, loose, base_rev=None)  # in no session: written straight away
        assert first.scalar(select(func.count()).where(OutboxOp.record_id == loose.id)) == 1

        with Session(bind=first) as session:
            held = session.get(Patient, ward["patient"])
            ops_of_held = select(func.count()).where(OutboxOp.record_id == held.id)
            already = first.scalar(ops_of_held)  # its insert's
            outbox._queue(first, held, base_rev=1)
            assert first.scalar(ops_of_held) == already  # held until the flush ends
            outbox._queue(second, held, base_rev=2)  # the first connection's op goes out now
            assert first.scalar(ops_of_held) == already + 1
            session.info.pop(outbox._PENDING_KEY)
        first.rollback()
        second.rollback()
