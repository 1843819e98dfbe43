"""The demo establishment: a deterministic synthetic prison for trying HJDesk and for benchmarks.

Everything is invented: names are random combinations of common name parts, NHS numbers come from
the 999 range NHS England keeps for testing, prison numbers start with Z. The same seed always gives
the same people, places and conditions.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources

from sqlalchemy import select

from hjdesk.clinical import estate_ids
from hjdesk.demo.history import build_history
from hjdesk.services.roll import ImportSummary, RollRow, apply_rows
from hjdesk.storage.keyslots import DEFAULT_KDF, KdfParams
from hjdesk.storage.models import Condition, Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

ESTABLISHMENT = "DMO"
ESTABLISHMENT_NAME = "HMP Demoford (synthetic)"
STAFF = (
    ("nurse", "Alex Morgan", "RN", "PRIMARY_CARE"),
    ("mhnurse", "Sam Okoro", "RMN", "MH_IN_REACH"),
    ("hca", "Jo Whitfield", "HCA", "PRIMARY_CARE"),
    ("gp", "Dr Priya Raman", "GP", "PRIMARY_CARE"),
    ("pharmacist", "Chris Tan", "PHARMACIST", "PRIMARY_CARE"),
)
# Prevalence among people in prison (rough, from published prison health needs assessments);
# the second figure applies at 50 and over, where long-term conditions cluster.
PREVALENCE = {
    "DIABETES": (0.05, 0.18),
    "HYPERTENSION": (0.07, 0.35),
    "ASTHMA": (0.11, 0.10),
    "COPD": (0.01, 0.10),
    "EPILEPSY": (0.02, 0.03),
}
ALERT_RATES = {"HA": (0.012, 0.012), "HA1": (0.01, 0.01), "PEEP": (0.01, 0.12), "HID": (0.04, 0.05)}


@dataclass(frozen=True, slots=True)
class DemoResult:
    patients: int
    wings: int
    users: tuple[str, ...]


def _names() -> dict[str, list[str]]:
    text = resources.files("hjdesk.resources").joinpath("demo/names.json").read_text("utf-8")
    data: dict[str, list[str]] = json.loads(text)
    return data


def synthetic_nhs_number(rng: random.Random) -> str:
    """A checksum-valid number in NHS England's 999 test range."""
    while True:
        body = "999" + f"{rng.randrange(10**6):06d}"
        total = sum(w * int(d) for w, d in zip(range(10, 1, -1), body, strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return body + str(check)


def _age(rng: random.Random) -> int:
    if rng.random() < 0.17:
        return min(88, 50 + int(rng.expovariate(1 / 9)))
    return rng.randint(18, 49)


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _layout(count: int) -> tuple[list[str], int]:
    wings = max(6, min(26, math.ceil(count / 200)))
    cells = max(25, math.ceil(count / (wings * 4 * 2)))
    return [chr(ord("A") + i) for i in range(wings)], cells


def generate_rows(count: int, seed: int, today: date) -> list[RollRow]:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    names = _names()
    wings, cells = _layout(count)
    rows: list[RollRow] = []
    used: set[str] = set()
    for index in range(count):
        prison_number = ""
        while not prison_number or prison_number in used:
            prison_number = (
                "Z"
                + f"{rng.randrange(10**4):04d}"
                + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXY") for _ in range(2))
            )
        used.add(prison_number)
        age = _age(rng)
        dob = _years_before(today, age) - timedelta(days=rng.randrange(365))  # aged `age` today
        place = rng.random()
        reception = today - timedelta(days=rng.randrange(7, 1100))
        if place < 0.02:
            location: tuple[str, ...] = ("RECP",)
            reception = today - timedelta(days=rng.randrange(2))
        elif place < 0.03:
            location = ("HCU",)
        elif place < 0.04:
            location = ("SEG",)
        else:
            location = (rng.choice(wings), str(rng.randint(1, 4)), f"{rng.randint(1, cells):03d}")
        older = age >= 50
        alerts = tuple(c for c, rates in ALERT_RATES.items() if rng.random() < rates[older])
        release = today + timedelta(days=rng.randrange(14, 1800)) if rng.random() < 0.9 else None
        rows.append(
            RollRow(
                row=index + 2,
                prison_number=prison_number,
                nhs_number=synthetic_nhs_number(rng) if rng.random() < 0.93 else None,
                family_name=rng.choice(names["family"]),
                given_names=" ".join(
                    rng.sample(names["given_male"], 2 if rng.random() < 0.3 else 1)
                ),
                date_of_birth=dob,
                sex="M",
                establishment=ESTABLISHMENT,
                location=location,
                reception_date=reception,
                expected_release_date=release,
                alerts=tuple(a for a in alerts if not (a == "HA1" and "HA" in alerts)),
            )
        )
    return rows


def _conditions(
    rows: list[RollRow], by_number: dict[str, str], seed: int, today: date
) -> list[Condition]:
    rng = random.Random(seed + 1)  # noqa: S311 - as above
    out: list[Condition] = []
    for row in rows:
        older = (today - row.date_of_birth).days >= 50 * 365
        for code, rates in PREVALENCE.items():
            if rng.random() < rates[older]:
                onset = today - timedelta(days=rng.randrange(60, 3650))
                out.append(
                    Condition(patient_id=by_number[row.prison_number], code=code, onset=onset)
                )
    return out


def build_demo(
    home: HomePaths,
    *,
    password: str,
    patients: int = 1200,
    seed: int = 1,
    today: date | None = None,
    kdf: KdfParams = DEFAULT_KDF,
    history: bool = True,
    synced: bool = True,
) -> tuple[OpenVault, DemoResult]:
    """Create a vault at `home` filled with a synthetic establishment; returns it unlocked.

    With `history`, it also gets weeks of clinical history (`demo_history`); with `synced` too,
    as on a laptop in daily use, only the entries signed since its last sync wait to reach the
    office (`hjdesk.demo.last_sync`); without, everything waits, as on a laptop never synced."""
    day = today or date.today()
    vault = Vault.create(
        home,
        admin="admin",
        password=password,
        display_name="Demo Administrator",
        kdf=kdf,
        establishment=ESTABLISHMENT,
    )
    for username, name, role, team in STAFF:
        vault.add_user(username, password, display_name=name, role=role, team=team, kdf=kdf)
    rows = generate_rows(patients, seed, day)
    summary = ImportSummary()
    with vault.transaction() as session:
        now = datetime.now(UTC)
        stamp = estate_ids.roll_stamp(now, now, vault.device_id)
        apply_rows(session, rows, summary, full_roll=False, stamp=stamp)
        session.flush()
        by_number = {n: i for n, i in session.execute(select(Patient.prison_number, Patient.id))}
        session.add_all(_conditions(rows, by_number, seed, day))
        vault.audit("demo_built", detail={"patients": patients, "seed": seed}, session=session)
    _name_establishment(vault)
    if history:
        build_history(vault, seed=seed, today=day, synced=synced)
    wings, _ = _layout(patients)
    return vault, DemoResult(
        patients=patients, wings=len(wings), users=("admin", *(s[0] for s in STAFF))
    )


def _name_establishment(vault: OpenVault) -> None:
    from sqlalchemy import select

    from hjdesk.storage.models import Establishment

    with vault.transaction() as session:
        establishment = session.scalar(
            select(Establishment).where(Establishment.code == ESTABLISHMENT)
        )
        if establishment is not None:
            establishment.name = ESTABLISHMENT_NAME
