"""HTTPS end to end: the hub serves a certificate signed by a CA the tests make; a laptop given
that CA syncs, and one without it refuses to talk to the hub."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hjdesk.sync.hub import schema
from tests.sync.helpers import HubProcess, Laptop, Tls, run_cli


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_tls(folder: Path) -> Tls:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("HJDesk test CA"))
        .issuer_name(_name("HJDesk test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = Tls(cert=folder / "hub.pem", key=folder / "hub.key", ca=folder / "ca.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture
def tls_hub(hub_db_url: str, tmp_path: Path) -> Iterator[HubProcess]:
    process = HubProcess(hub_db_url, tmp_path / "hubdir", tls=make_tls(tmp_path / "tls")).start()
    yield process
    process.close()


def test_sync_over_tls_with_the_hubs_ca(
    tls_hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    assert tls_hub.url.startswith("https://")
    assert tls_hub.tls is not None
    trusted, untrusted = make_laptop("trusted"), make_laptop("untrusted")
    patients = trusted.add_patients(trusted.add_establishment("DMO"), 5)

    code = tls_hub.enrol_code("DMO")
    refused = run_cli("enrol", "--home", str(untrusted.home.root), "--hub", tls_hub.url,
                      "--code", code)  # fmt: skip
    assert refused.returncode == 1
    assert "does not trust" in refused.stderr
    assert refused.stderr.count("\n") == 1

    enrolled = run_cli("enrol", "--home", str(trusted.home.root), "--hub", tls_hub.url,
                       "--code", code, "--ca-bundle", str(tls_hub.tls.ca))  # fmt: skip
    assert enrolled.returncode == 0, enrolled.stderr  # the refused attempt did not spend the code
    synced = run_cli("sync", "--home", str(trusted.home.root))
    assert synced.returncode == 0, synced.stderr
    assert tls_hub.doc("patient", patients[0]) is not None
    assert trusted.unsent() == 0
    assert tls_hub.count(schema.devices) == 1


def test_serve_refuses_half_a_tls_configuration(tmp_path: Path) -> None:
    tls = make_tls(tmp_path)
    result = run_cli("hub", "serve", "--db", str(tmp_path / "hub.db"), "--tls-cert", str(tls.cert))
    assert result.returncode == 1
    assert "both --tls-cert and --tls-key" in result.stderr
    result = run_cli("hub", "serve", "--db", str(tmp_path / "hub.db"), "--tls-cert", str(tls.ca),
                     "--tls-key", str(tls.key))  # fmt: skip
    assert result.returncode == 1
    assert "do not load" in result.stderr
