"""Field encryption: AES-256-GCM values, key derivation, the column type's contract."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grins_platform.core import crypto
from grins_platform.core.config import Environment, load_settings
from grins_platform.core.crypto import (
    DecryptionFailed,
    EncryptedString,
    EncryptionNotConfigured,
    FieldCipher,
    configure_encryption,
    derive_key,
    get_cipher,
)

pytestmark = pytest.mark.unit

KEY = "k" * 48
OTHER_KEY = "o" * 48
GATE = "Gate #4417, then lockbox 9921"


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(KEY)


@given(st.text(max_size=300), st.none() | st.text(max_size=40))
def test_round_trip_any_text(plaintext: str, aad: str | None) -> None:
    cipher = FieldCipher(KEY)
    token = cipher.encrypt(plaintext, associated_data=aad)
    assert cipher.decrypt(token, associated_data=aad) == plaintext


def test_format_is_versioned_base64url(cipher: FieldCipher) -> None:
    token = cipher.encrypt(GATE)
    prefix, _, body = token.partition(":")
    assert prefix == "v1"
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    # 96-bit nonce + ciphertext (same length as the UTF-8 text) + 128-bit tag
    assert len(raw) == 12 + len(GATE.encode()) + 16
    assert GATE not in token
    assert all(ch.isalnum() or ch in "-_:" for ch in token)


def test_same_plaintext_gives_different_ciphertexts(cipher: FieldCipher) -> None:
    tokens = {cipher.encrypt("1234") for _ in range(50)}
    assert len(tokens) == 50
    assert {cipher.decrypt(t) for t in tokens} == {"1234"}


@pytest.mark.parametrize("position", [0, 11, 12, 20, -16, -1])
def test_tampering_is_detected(cipher: FieldCipher, position: int) -> None:
    """Flipping one bit of the nonce, the ciphertext or the tag is caught."""
    body = cipher.encrypt(GATE).partition(":")[2]
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position] ^= 0x01
    forged = "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptionFailed, match="failed authentication"):
        cipher.decrypt(forged)


def test_truncated_value_is_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt(GATE)
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token[:-4])


def test_wrong_key_is_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt(GATE)
    with pytest.raises(DecryptionFailed, match="wrong key"):
        FieldCipher(OTHER_KEY).decrypt(token)


def test_other_purpose_is_another_key(cipher: FieldCipher) -> None:
    token = cipher.encrypt(GATE)
    with pytest.raises(DecryptionFailed):
        FieldCipher(KEY, purpose="documents").decrypt(token)
    assert derive_key(KEY, "a") != derive_key(KEY, "b")
    assert len(derive_key(KEY, "a")) == 32


def test_associated_data_mismatch_is_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt(GATE, associated_data="properties.gate_code")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token, associated_data="properties.lockbox_code")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token)
    assert cipher.decrypt(token, associated_data="properties.gate_code") == GATE


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("1234", "encrypted format"),
        ("x1:abcd", "encrypted format"),
        ("v:abcd", "encrypted format"),
        ("v1:@@@@", "base64"),
        ("v1:" + base64.urlsafe_b64encode(b"short").decode(), "too short"),
        ("v7:" + base64.urlsafe_b64encode(b"x" * 40).decode(), "no key"),
    ],
)
def test_malformed_values_name_the_reason(
    cipher: FieldCipher, token: str, reason: str
) -> None:
    with pytest.raises(DecryptionFailed, match=reason) as info:
        cipher.decrypt(token)
    assert info.value.status_code == 500
    assert info.value.code == "decryption_failed"


def test_version_prefix_cannot_be_swapped() -> None:
    old = FieldCipher(KEY)
    token = old.encrypt(GATE)
    rotated = FieldCipher(KEY, version=2, retired={1: KEY})
    forged = "v2:" + token.partition(":")[2]
    with pytest.raises(DecryptionFailed):
        rotated.decrypt(forged)


def test_rotation_reads_old_values_and_writes_new_ones() -> None:
    old_token = FieldCipher(KEY).encrypt(GATE)
    rotated = FieldCipher(OTHER_KEY, version=2, retired={1: KEY})
    assert rotated.decrypt(old_token) == GATE
    new_token = rotated.encrypt(GATE)
    assert new_token.startswith("v2:")
    assert rotated.decrypt(new_token) == GATE
    with pytest.raises(DecryptionFailed, match="no key"):
        FieldCipher(KEY).decrypt(new_token)


def test_cipher_from_settings_uses_data_encryption_key() -> None:
    settings = load_settings(environment=Environment.TEST, data_encryption_key=KEY)
    token = FieldCipher.from_settings(settings).encrypt(GATE)
    assert FieldCipher(KEY).decrypt(token) == GATE


def test_column_type_without_configuration_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(crypto, "_KEYRING", crypto._Keyring())
    column = EncryptedString("properties.gate_code")
    with pytest.raises(EncryptionNotConfigured, match="configure_encryption"):
        column.process_bind_param(GATE, dialect=None)  # type: ignore[arg-type]


def test_column_type_encrypts_with_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_KEYRING", crypto._Keyring())
    configure_encryption(
        load_settings(environment=Environment.TEST, data_encryption_key=KEY)
    )
    gate = EncryptedString("properties.gate_code")
    lockbox = EncryptedString("properties.lockbox_code")
    stored = gate.process_bind_param(GATE, dialect=None)  # type: ignore[arg-type]
    assert stored is not None
    assert GATE not in stored
    assert get_cipher().decrypt(stored, associated_data="properties.gate_code") == GATE
    assert gate.process_result_value(stored, dialect=None) == GATE  # type: ignore[arg-type]
    with pytest.raises(DecryptionFailed):
        lockbox.process_result_value(stored, dialect=None)  # type: ignore[arg-type]
    assert gate.process_bind_param(None, dialect=None) is None  # type: ignore[arg-type]
    assert gate.process_result_value(None, dialect=None) is None  # type: ignore[arg-type]


def test_reconfiguring_with_another_key_replaces_the_ciphers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(crypto, "_KEYRING", crypto._Keyring())
    configure_encryption(
        load_settings(environment=Environment.TEST, data_encryption_key=KEY)
    )
    first = get_cipher()
    assert get_cipher() is first
    configure_encryption(
        load_settings(environment=Environment.TEST, data_encryption_key=OTHER_KEY)
    )
    token = get_cipher().encrypt(GATE)
    assert FieldCipher(OTHER_KEY).decrypt(token) == GATE
