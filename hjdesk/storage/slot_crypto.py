"""The cryptography of one key slot (docs/vault.md has the design and why).

A slot holds a user's X25519 private key wrapped under Argon2id(password) and the vault's data key
sealed to the user's public key (an envelope). Re-sealing needs only the public key, so disabling a
user can move every other user to a new data key without knowing their passwords. A MAC under a key
derived from the data key (the "seal") authenticates the slot's metadata: role, disabled state,
KDF parameters, names and key material.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["InvalidTag", "KdfParams"]


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost. Defaults: above OWASP's floor (m ≥ 64 MiB, t ≥ 3), ~0.3 s on two cores."""

    memory_kib: int = 128 * 1024
    iterations: int = 3
    lanes: int = 2

    def at_least(self, floor: KdfParams) -> bool:
        return self.memory_kib >= floor.memory_kib and self.iterations >= floor.iterations


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def kek(password: str, salt: bytes, kdf: KdfParams) -> bytes:
    """The key-encryption key: the only slow step of an unlock."""
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=kdf.iterations,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.lanes,
        hash_len=32,
        type=Type.ID,
    )


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(secret)


def new_keypair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private.private_bytes_raw(), public


def public_of(private: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def seal_envelope(public: bytes, data_key: bytes, aad: bytes) -> dict[str, str]:
    """Encrypt the data key to one user's public key (ephemeral X25519 + HKDF + AES-GCM)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    key = _hkdf(shared, b"hjdesk envelope v1" + eph_public + public)
    nonce = os.urandom(12)
    return {
        "ephemeral": b64(eph_public),
        "nonce": b64(nonce),
        "sealed_key": b64(AESGCM(key).encrypt(nonce, data_key, aad)),
    }


def open_envelope(private: bytes, envelope: Mapping[str, str], aad: bytes) -> bytes:
    """The data key from an envelope; InvalidTag when it was not sealed to this key."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key_obj = X25519PrivateKey.from_private_bytes(private)
    eph_public = unb64(envelope["ephemeral"])
    public = public_of(private)
    shared = key_obj.exchange(X25519PublicKey.from_public_bytes(eph_public))
    key = _hkdf(shared, b"hjdesk envelope v1" + eph_public + public)
    return AESGCM(key).decrypt(unb64(envelope["nonce"]), unb64(envelope["sealed_key"]), aad)


def wrap(key: bytes, secret: bytes, aad: bytes) -> tuple[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return b64(nonce), b64(AESGCM(key).encrypt(nonce, secret, aad))


def unwrap(key: bytes, nonce: str, wrapped: str, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key).decrypt(unb64(nonce), unb64(wrapped), aad)


def canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def seal(data_key: bytes, vault_id: str, fields: Mapping[str, Any]) -> str:
    """MAC of a slot's metadata: only a holder of the data key can make one."""
    mac_key = _hkdf(data_key, b"hjdesk slot seal v1:" + vault_id.encode())
    return b64(hmac.new(mac_key, canonical(fields), hashlib.sha256).digest())


def seal_ok(data_key: bytes, vault_id: str, fields: Mapping[str, Any], mac: str) -> bool:
    return hmac.compare_digest(seal(data_key, vault_id, fields), mac)


def key_check(data_key: bytes, vault_id: str) -> str:
    """A fingerprint of the current data key: tells a stale envelope from the current one."""
    return b64(_hkdf(data_key, b"hjdesk key check v1:" + vault_id.encode())[:16])
