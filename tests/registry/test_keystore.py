"""The encrypted chain keystore: nothing readable without the passphrase, and no weak production set-up."""

import json

import pytest

from registry.keystore import DEVELOPMENT_PASSPHRASE, Keystore, KeystoreError, passphrase, scrypt_n


def test_keys_are_encrypted_and_open_only_with_the_passphrase(tmp_path):
    keys = Keystore(tmp_path / "ks", "correct horse", scrypt_n=2**10)
    address = keys.create("THPT-A")
    raw = (tmp_path / "ks" / "THPT-A.json").read_text()
    assert keys["THPT-A"].key.hex() not in raw and json.loads(raw)["crypto"]["kdf"] == "scrypt"
    assert (tmp_path / "ks" / "THPT-A.json").stat().st_mode & 0o077 == 0
    assert Keystore(tmp_path / "ks", "correct horse")["THPT-A"].address == address
    assert Keystore(tmp_path / "ks", "x").address("THPT-A") == address  # the address needs no passphrase
    with pytest.raises(KeystoreError) as e:
        Keystore(tmp_path / "ks", "wrong")["THPT-A"]
    assert e.value.code == "wrong_passphrase" and "correct horse" not in str(e.value)
    with pytest.raises(KeystoreError) as e:
        keys.create("THPT-A")
    assert e.value.code == "key_exists"


def test_the_passphrase_comes_from_the_environment_or_a_prompt_and_development_needs_neither():
    assert passphrase("development", {}) == DEVELOPMENT_PASSPHRASE
    assert passphrase("production", {"SOGOC_KEYSTORE_PASSPHRASE": "s3cret"}) == "s3cret"
    assert passphrase("production", {}, prompt=lambda _q: "typed") == "typed"
    with pytest.raises(KeystoreError) as e:
        passphrase("production", {"SOGOC_KEYSTORE_PASSPHRASE": DEVELOPMENT_PASSPHRASE})
    assert e.value.code == "weak_passphrase"


def test_production_keys_get_a_strong_kdf_and_refuse_a_weak_one():
    assert scrypt_n("production", 0) == 2**18 and scrypt_n("development", 0) == 2**14
    with pytest.raises(KeystoreError):
        scrypt_n("production", 2**10)
    with pytest.raises(KeystoreError):
        scrypt_n("development", 1000)
