"""The credential format's published test vectors (docs/credential-format.md) stay true."""

import hashlib
import json
import unicodedata
from pathlib import Path

import rfc8785
from Crypto.Hash import keccak

from core.canonical import canonical_json
from core.credential import Credential
from core.hashes import Hash32

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "credential.json").read_text("utf-8"))


def test_published_vectors():
    credential = Credential.from_json(json.dumps(VECTORS["credential"]).encode())
    assert credential.to_json().decode() == VECTORS["canonical_json"]
    assert credential.data_hash().hex0x == VECTORS["data_hash"]
    assert credential.leaf(Hash32.from_hex(VECTORS["pdf_sha256"])).hex0x == VECTORS["leaf"]


def test_vectors_follow_from_the_specification_alone():
    """Recomputed with the reference JCS package and another keccak: the vectors are not just our own output."""
    canonical = rfc8785.dumps(VECTORS["credential"])
    data_hash = hashlib.sha256(canonical).digest()
    pdf_sha256 = bytes.fromhex(VECTORS["pdf_sha256"][2:])
    inner = keccak.new(digest_bits=256, data=data_hash + pdf_sha256).digest()
    assert canonical.decode() == VECTORS["canonical_json"]
    assert "0x" + data_hash.hex() == VECTORS["data_hash"]
    assert "0x" + keccak.new(digest_bits=256, data=inner).hexdigest() == VECTORS["leaf"]


def test_vectors_hold_for_nfd_input():
    nfd = unicodedata.normalize("NFD", json.dumps(VECTORS["credential"], ensure_ascii=False))
    assert Credential.from_json(nfd.encode()).data_hash().hex0x == VECTORS["data_hash"]
    assert canonical_json(json.loads(nfd)) == VECTORS["canonical_json"].encode()
