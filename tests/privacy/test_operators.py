from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from hqg.errors import PrivacyError
from privacy.operators import (
    MaskKeys,
    MaskKind,
    apply_mask,
    decrypt_value,
    encrypt_value,
    hash_value,
    partial,
    placeholder,
    redact,
)
from privacy.vault import PseudonymVault

SALT = SecretStr("deployment-salt")
KEY = SecretStr(Fernet.generate_key().decode())
KEYS = MaskKeys(hash_salt=SALT, encryption_key=KEY)


def test_mask_kind_names_are_the_policy_vocabulary() -> None:
    assert [k.value for k in MaskKind] == [
        "null",
        "redact",
        "placeholder",
        "pseudonym",
        "partial",
        "hash",
        "encrypt",
    ]


def test_null_removes_the_value_entirely() -> None:
    assert (
        apply_mask(
            "x@y.com", kind=MaskKind.NULL, entity_type="EMAIL_ADDRESS", keys=None, vault=None
        )
        is None
    )


def test_redact_and_placeholder_say_nothing_of_the_value() -> None:
    assert redact("John") == "[REDACTED]"
    assert placeholder("x@y.com", entity_type="EMAIL_ADDRESS") == "<EMAIL_ADDRESS>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4111111111111111", "****1111"),
        ("12345", "****2345"),
        ("1234", "****"),
        ("ab", "****"),
        ("", "****"),
    ],
)
def test_partial_keeps_only_the_last_four_characters(value: str, expected: str) -> None:
    assert partial(value) == expected


def test_hash_is_salted_sha256_prefix_and_stable_across_calls() -> None:
    expected = hashlib.sha256(b"deployment-saltjane@example.com").hexdigest()[:16]
    assert hash_value("jane@example.com", salt=SALT) == expected
    assert hash_value("jane@example.com", salt=SALT) == hash_value("jane@example.com", salt=SALT)
    assert hash_value("jane@example.com", salt=SecretStr("other-salt")) != expected


def test_hash_without_salt_fails_closed() -> None:
    with pytest.raises(PrivacyError):
        hash_value("x", salt=SecretStr(""))
    with pytest.raises(PrivacyError):
        apply_mask("x", kind=MaskKind.HASH, entity_type="PERSON", keys=None, vault=None)


def test_encrypt_is_reversible_with_the_key_only() -> None:
    token = encrypt_value("John Smith", key=KEY)
    assert "John" not in token
    assert decrypt_value(token, key=KEY) == "John Smith"
    with pytest.raises(PrivacyError):
        decrypt_value(token, key=SecretStr(Fernet.generate_key().decode()))


@pytest.mark.parametrize("key", [None, SecretStr("not-a-fernet-key")])
def test_encrypt_without_a_valid_key_fails_closed(key: SecretStr | None) -> None:
    with pytest.raises(PrivacyError) as info:
        encrypt_value("John Smith", key=key)
    assert "John" not in str(info.value)


def test_pseudonym_goes_through_the_vault_and_needs_one() -> None:
    vault = PseudonymVault()
    assert (
        apply_mask("John", kind=MaskKind.PSEUDONYM, entity_type="PERSON", keys=None, vault=vault)
        == "<PERSON_1>"
    )
    with pytest.raises(PrivacyError):
        apply_mask("John", kind=MaskKind.PSEUDONYM, entity_type="PERSON", keys=None, vault=None)


def test_every_kind_is_implemented_for_text() -> None:
    for kind in MaskKind:
        result = apply_mask(
            "John Smith", kind=kind, entity_type="PERSON", keys=KEYS, vault=PseudonymVault()
        )
        assert result is None or "John Smith" not in result
