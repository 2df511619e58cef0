import json
import unicodedata
from pathlib import Path

import pytest

from core.credential import Credential, is_document_id, new_document_id
from core.errors import InvalidInput
from core.hashes import sha256
from core.transcript import cohort_from_json

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"


@pytest.fixture
def credential():
    transcript = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))[0]
    return transcript.to_credential("2026-06-05")


def test_document_ids_are_128_random_bits():
    ids = {new_document_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_document_id(i) for i in ids)


def test_json_round_trip_keeps_the_data_hash(credential):
    again = Credential.from_json(credential.to_json())
    assert again == credential
    assert again.data_hash() == credential.data_hash()


def test_nfd_text_from_another_machine_hashes_the_same(credential):
    text = credential.to_json().decode("utf-8")
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert Credential.from_json(nfd.encode()).data_hash() == credential.data_hash()


def test_any_changed_field_changes_the_hash(credential):
    fields = dict(credential.fields)
    fields["conduct"] = "Khá"
    changed = Credential(credential.id, credential.kind, credential.issuer, credential.issued_on, fields, credential.salt)
    assert changed.data_hash() != credential.data_hash()


def test_the_same_content_issued_twice_hashes_differently(credential):
    other = Credential.new(credential.kind, credential.issuer, credential.issued_on, credential.fields)
    assert other.salt != credential.salt
    assert other.data_hash() != credential.data_hash()


def test_a_guessed_birth_date_cannot_be_confirmed_without_the_salt(credential):
    """Someone holding the public id and guessing every field still needs the 128-bit salt."""
    guess = Credential(credential.id, credential.kind, credential.issuer, credential.issued_on,
                       credential.fields, "00" * 16)
    assert guess.data_hash() != credential.data_hash()


@pytest.mark.parametrize("bad", [1.5, float("nan"), {"a": [2.0]}])
def test_content_without_a_canonical_form_is_refused_at_construction(credential, bad):
    with pytest.raises(InvalidInput):
        Credential(credential.id, credential.kind, credential.issuer, credential.issued_on,
                   {**credential.fields, "days_absent": bad}, credential.salt)


def test_leaf_binds_the_pdf(credential):
    assert credential.leaf(sha256(b"pdf one")) != credential.leaf(sha256(b"pdf two"))


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(format="other/1"),
    lambda d: d.pop("salt"),
    lambda d: d.update(salt="zz"),
    lambda d: d.update(salt="AA" * 16),
    lambda d: d.update(salts={"conduct": "00" * 16}),
    lambda d: d.update(id="short"),
])
def test_malformed_credentials_are_refused_with_a_code(credential, mutate):
    d = json.loads(credential.to_json())
    mutate(d)
    with pytest.raises(InvalidInput) as e:
        Credential.from_json(json.dumps(d).encode())
    assert e.value.code in ("bad_credential", "bad_document_id")
