"""The handover check (`hjdesk sync --check`): from the hub's own receipt, is everything this
laptop holds at the office? Exit 0 when it is; 1, with what is missing, when it is not."""

from __future__ import annotations

from collections.abc import Callable

from hjdesk.sync.hub import schema
from tests.sync.helpers import HubProcess, Laptop, run_cli


def _check(laptop: Laptop) -> tuple[int, str]:
    result = run_cli("sync", "--check", "--home", str(laptop.home.root))
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout


def test_everything_at_the_office_passes(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    laptop.add_patients(laptop.add_establishment("DMO"), 5)
    laptop.enrol(hub, "DMO")
    code, out = _check(laptop)
    assert code == 0, out
    assert "Everything on this laptop is at the office" in out
    assert "by the hub's own receipt" in out


def test_ops_the_hub_lost_are_found_from_its_receipt(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    """The laptop believes all was sent; the hub (restored from a backup) no longer holds some.
    Only the hub's receipt can tell."""
    laptop = make_laptop("a")
    laptop.add_patients(laptop.add_establishment("DMO"), 5)
    laptop.enrol(hub, "DMO")
    laptop.sync()
    device = laptop.device_id()
    with hub.store.engine.begin() as conn:
        conn.execute(
            schema.ops.delete().where(schema.ops.c.device_id == device, schema.ops.c.seq > 3)
        )
        conn.execute(schema.audit_chains.update().values(last_seq=1))
    code, out = _check(laptop)
    assert code == 1
    assert "NOT everything on this laptop is at the office" in out
    assert "changes are not at the office" in out
    assert "break(s) in this laptop's audit trail" in out  # events 2..N missing at the hub


def test_a_change_the_hub_refused_is_listed_as_not_at_the_office(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    est = laptop.add_establishment("DMO")
    laptop.enrol(hub, "DMO")
    other = laptop.add_establishment("ZZZ")  # another prison's record: the hub refuses it
    code, out = _check(laptop)
    assert code == 1
    assert f"establishment {other}" in out
    assert "establishment-own-only" in out
    listed = run_cli("sync", "--quarantine", "--home", str(laptop.home.root))
    assert listed.returncode == 0
    assert "establishment-own-only" in listed.stdout
    assert "tell the system administrator" in listed.stdout.lower()
    refusals = run_cli("hub", "refusals", "--db", hub.db_url)
    assert "establishment-own-only" in refusals.stdout
    assert est not in refusals.stdout
