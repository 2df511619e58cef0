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
    changed = Credential(credential.id, credential.kind, credential.issuer, credential.issued_on, fields, credential.salts)
    assert changed.data_hash() != credential.data_hash()


def test_salts_differ_between_fields_and_documents(credential):
    salts = list(credential.salts.values())
    assert len(set(salts)) == len(salts)
    other = Credential.new(credential.kind, credential.issuer, credential.issued_on, credential.fields)
    assert other.data_hash() != credential.data_hash()


def test_leaf_binds_the_pdf(credential):
    assert credential.leaf(sha256(b"pdf one")) != credential.leaf(sha256(b"pdf two"))


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(format="other/1"),
    lambda d: d.pop("salts"),
    lambda d: d["salts"].update(conduct="zz"),
    lambda d: d.update(id="short"),
])
def test_malformed_credentials_are_refused_with_a_code(credential, mutate):
    d = json.loads(credential.to_json())
    mutate(d)
    with pytest.raises(InvalidInput) as e:
        Credential.from_json(json.dumps(d).encode())
    assert e.value.code in ("bad_credential", "bad_document_id")
