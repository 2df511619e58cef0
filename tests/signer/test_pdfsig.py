"""An independent check: poppler's pdfsig (NSS) accepts our signatures and our dev root.

pdfsig exits 0 even when a signature is broken, so the tests read its output.
"""

import re
import shutil
import subprocess

import pytest

from signer.sign import PRINCIPAL_FIELD, TEACHER_FIELD

pytestmark = [
    pytest.mark.pdfsig,
    pytest.mark.skipif(not (shutil.which("pdfsig") and shutil.which("certutil")),
                       reason="pdfsig (poppler-utils) or certutil (libnss3-tools) is not installed"),
]


def nss_db(directory, root_pem):
    """An NSS database in ``directory`` trusting exactly ``root_pem``."""
    directory.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "root", "-t", "CT,C,C", "-i", root_pem],
                   check=True)
    return directory


def pdfsig(pdf: bytes, db, tmp_path) -> list[dict[str, str]]:
    """pdfsig's report, one dict per signature (keys as pdfsig prints them)."""
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{db}", path], capture_output=True, text=True).stdout
    signatures = []
    for block in re.split(r"^Signature #\d+:$", out, flags=re.M)[1:]:
        lines = re.findall(r"^ +- ([^:\n]+): (.*)$", block, flags=re.M)
        signatures.append(dict(lines))
    return signatures


@pytest.fixture(scope="module")
def dev_db(dev_pki, tmp_path_factory):
    return nss_db(tmp_path_factory.mktemp("nss") / "dev", dev_pki.root_pem)


def test_pdfsig_finds_both_signatures_valid_and_trusted(signed_transcript, dev_db, tmp_path):
    report = pdfsig(signed_transcript.pdf, dev_db, tmp_path)
    assert [r["Signature Field Name"] for r in report] == [TEACHER_FIELD, PRINCIPAL_FIELD]
    assert [r["Signer Certificate Common Name"] for r in report] == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    for r in report:
        assert r["Signature Validation"] == "Signature is Valid.", r
        assert r["Certificate Validation"] == "Certificate is Trusted.", r
        assert r["Signature Type"] == "ETSI.CAdES.detached"


def test_pdfsig_distrusts_our_signatures_under_another_root(signed_transcript, untrusted_pki, tmp_path):
    report = pdfsig(signed_transcript.pdf, nss_db(tmp_path / "other", untrusted_pki.root_pem), tmp_path)
    assert len(report) == 2
    assert all(r["Signature Validation"] == "Signature is Valid." for r in report)
    assert all(r["Certificate Validation"] != "Certificate is Trusted." for r in report)


def test_pdfsig_sees_a_flipped_byte(signed_transcript, dev_db, tmp_path):
    pdf = bytearray(signed_transcript.pdf)
    pdf[pdf.index(b"stream", len(pdf) // 4) + 40] ^= 0x01  # inside a stream that both signatures cover
    report = pdfsig(bytes(pdf), dev_db, tmp_path)
    assert len(report) == 2
    assert all(r["Signature Validation"] != "Signature is Valid." for r in report)
