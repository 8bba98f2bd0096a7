"""Field encryption at rest: AES-256-GCM with per-purpose keys derived by HKDF.

A stored value looks like ``v1:<base64url(nonce | ciphertext | tag)>``. The ``v1``
names the key generation, so a later key rotation can add ``v2`` and still read the
old values. Each value gets a fresh random 96-bit nonce, so the same plaintext never
encrypts to the same text twice. The optional *associated data* (for columns: the
``table.column`` name) is authenticated but not stored: a ciphertext copied into
another column no longer decrypts.

Keys are derived from the ``DATA_ENCRYPTION_KEY`` setting with HKDF-SHA256, one key
per *purpose* label, so a key leaked for one use does not open another.

For ORM columns use :class:`EncryptedString` with the process-wide key set once at
start-up by :func:`configure_encryption`. Encrypted columns cannot be searched or
compared in SQL: the stored text differs on every write.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import status
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from grins_platform.core.config import Settings
from grins_platform.core.errors import AppError

DEFAULT_PURPOSE: Final = "field-encryption"
CURRENT_VERSION: Final = 1
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
_KEY_BYTES: Final = 32
_HKDF_SALT: Final = b"grins-platform/hkdf-salt/v1"
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class EncryptionError(AppError):
    """Encrypted data could not be handled; a server-side fault (500)."""

    status_code: ClassVar[int] = status.HTTP_500_INTERNAL_SERVER_ERROR
    code: ClassVar[str] = "encryption_error"


class DecryptionFailed(EncryptionError):
    """A stored value is malformed, was tampered with, or belongs to another key."""

    code: ClassVar[str] = "decryption_failed"


class EncryptionNotConfigured(EncryptionError):
    """``configure_encryption`` was not called before an encrypted column was used."""

    code: ClassVar[str] = "encryption_not_configured"


def derive_key(key_material: str | bytes, purpose: str) -> bytes:
    """Derive the 256-bit AES key for ``purpose`` from the configured key material."""
    if not key_material:
        raise EncryptionError("encryption key material is empty")
    raw = key_material.encode() if isinstance(key_material, str) else key_material
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_BYTES,
        salt=_HKDF_SALT,
        info=f"grins-platform:{purpose}".encode(),
    )
    return hkdf.derive(raw)


def _aad(version: int, associated_data: str | None) -> bytes:
    # The version is authenticated too, so a prefix cannot be swapped.
    return f"v{version}|{associated_data or ''}".encode()


class FieldCipher:
    """Encrypts and decrypts text values for one purpose.

    Args:
        key_material: The secret the keys are derived from (``DATA_ENCRYPTION_KEY``).
        purpose: Label bound into the key derivation; one key per purpose.
        version: Key generation written into new values (``v<version>:``).
        retired: Older key materials by version, still accepted for decryption
            after a rotation.
    """

    def __init__(
        self,
        key_material: str | bytes,
        *,
        purpose: str = DEFAULT_PURPOSE,
        version: int = CURRENT_VERSION,
        retired: Mapping[int, str | bytes] | None = None,
    ) -> None:
        if version < 1:
            raise EncryptionError("key version must be at least 1")
        self.purpose = purpose
        self.version = version
        self._keys: dict[int, AESGCM] = {
            old: AESGCM(derive_key(material, purpose))
            for old, material in (retired or {}).items()
        }
        self._keys[version] = AESGCM(derive_key(key_material, purpose))

    @classmethod
    def from_settings(
        cls, settings: Settings, *, purpose: str = DEFAULT_PURPOSE
    ) -> FieldCipher:
        """A cipher keyed by the settings' ``DATA_ENCRYPTION_KEY``."""
        return cls(settings.encryption_key(), purpose=purpose)

    def encrypt(self, plaintext: str, *, associated_data: str | None = None) -> str:
        """Encrypt ``plaintext``; a different text comes out on every call."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.version].encrypt(
            nonce, plaintext.encode(), _aad(self.version, associated_data)
        )
        token = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"v{self.version}:{token}"

    def decrypt(self, token: str, *, associated_data: str | None = None) -> str:
        """Decrypt a value made by :meth:`encrypt` with the same associated data.

        Raises:
            DecryptionFailed: The value is malformed, was altered, was made with
                another key or purpose, or with other associated data.
        """
        version, payload = self._split(token)
        key = self._keys.get(version)
        if key is None:
            raise DecryptionFailed(f"no key for encrypted value version v{version}")
        nonce, sealed = payload[:NONCE_BYTES], payload[NONCE_BYTES:]
        try:
            plain = key.decrypt(nonce, sealed, _aad(version, associated_data))
        except InvalidTag:
            raise DecryptionFailed(
                "encrypted value failed authentication "
                "(wrong key, altered data or wrong column)"
            ) from None
        return plain.decode()

    @staticmethod
    def _split(token: str) -> tuple[int, bytes]:
        prefix, sep, body = token.partition(":")
        if not sep or not prefix.startswith("v") or not prefix[1:].isdigit():
            raise DecryptionFailed("value is not in the encrypted format v<n>:<data>")
        if not _BASE64URL.fullmatch(body):
            raise DecryptionFailed("encrypted value is not valid base64")
        body = body.rstrip("=")
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionFailed("encrypted value is not valid base64") from None
        if len(payload) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed("encrypted value is too short")
        return int(prefix[1:]), payload


class _Keyring:
    """The process-wide key material and the ciphers made from it, per purpose."""

    def __init__(self) -> None:
        self.material: str | None = None
        self.ciphers: dict[str, FieldCipher] = {}


_KEYRING = _Keyring()


def configure_encryption(settings: Settings) -> None:
    """Set the process-wide key used by :class:`EncryptedString` columns.

    Called once in the app lifespan (and by the test settings fixture). Calling it
    again with other settings replaces the key.
    """
    material = settings.encryption_key()
    if material != _KEYRING.material:
        _KEYRING.material = material
        _KEYRING.ciphers.clear()


def get_cipher(purpose: str = DEFAULT_PURPOSE) -> FieldCipher:
    """The process-wide cipher for ``purpose``.

    Raises:
        EncryptionNotConfigured: :func:`configure_encryption` has not been called.
    """
    cipher = _KEYRING.ciphers.get(purpose)
    if cipher is None:
        if _KEYRING.material is None:
            raise EncryptionNotConfigured(
                "encryption key not configured: call configure_encryption(settings)"
            )
        cipher = FieldCipher(_KEYRING.material, purpose=purpose)
        _KEYRING.ciphers[purpose] = cipher
    return cipher


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted, read back as the plain string.

    Args:
        associated_data: A label bound to every value, normally ``"table.column"``,
            so a value copied to another column fails to decrypt.
        purpose: Key-derivation purpose; the default suits access secrets.

    Example:
        ``gate_code: Mapped[str | None] = mapped_column(
        EncryptedString("properties.gate_code"))``
    """

    impl = Text
    cache_ok = True

    def __init__(self, associated_data: str, *, purpose: str = DEFAULT_PURPOSE) -> None:
        super().__init__()
        self.associated_data = associated_data
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way into the database."""
        del dialect
        if value is None:
            return None
        return get_cipher(self.purpose).encrypt(
            value, associated_data=self.associated_data
        )

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        """Decrypt on the way out of the database."""
        del dialect
        if value is None:
            return None
        return get_cipher(self.purpose).decrypt(
            str(value), associated_data=self.associated_data
        )
