"""The credential format's published test vectors (docs/credential-format.md) stay true."""

import json
import unicodedata
from pathlib import Path

from core.canonical import canonical_json
from core.credential import Credential
from core.hashes import Hash32

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "credential.json").read_text("utf-8"))


def test_published_vectors():
    credential = Credential.from_json(json.dumps(VECTORS["credential"]).encode())
    assert credential.to_json().decode() == VECTORS["canonical_json"]
    assert {n: credential.field_digest(n).hex0x for n in credential.fields} == VECTORS["field_digests"]
    assert credential.data_hash().hex0x == VECTORS["data_hash"]
    assert credential.leaf(Hash32.from_hex(VECTORS["pdf_sha256"])).hex0x == VECTORS["leaf"]


def test_vectors_hold_for_nfd_input():
    nfd = unicodedata.normalize("NFD", json.dumps(VECTORS["credential"], ensure_ascii=False))
    assert Credential.from_json(nfd.encode()).data_hash().hex0x == VECTORS["data_hash"]
    assert canonical_json(json.loads(nfd)) == VECTORS["canonical_json"].encode()
