"""Three classes, three homeroom teachers, on real parts: `sogoc transcripts issue` refuses teachers
without a key when told to act as in production, then signs each transcript with its own teacher's
certificate, registers the new certificates on anvil, anchors, and `sogoc verify` says valid."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from classes_helpers import CLASSES, EXAMPLES, three_classes_csv  # tests/
from demo_helpers import running_demo  # tests/e2e/

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo of its own: the documents issued here must not change the shared demo's counts."""
    yield from running_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def profile(demo, tmp_path_factory):
    """The example profile with only Trần Thị Thu Hương's key declared (the dev PKI's teacher.p12)."""
    path = tmp_path_factory.mktemp("profile") / "school.toml"
    path.write_text((EXAMPLES / "school-THPT-79-NTMK.toml").read_text("utf-8")
                    + f'\n[teachers]\n"Trần Thị Thu Hương" = "{demo.data_dir / "pki" / "teacher.p12"}"\n', "utf-8")
    return path


@pytest.fixture(scope="module")
def outcome(demo, profile, tmp_path_factory):
    csv = three_classes_csv(tmp_path_factory.mktemp("export") / "hoc-ba-3-lop.csv")
    imported = demo.sogoc("transcripts", "import", str(csv), "--school", str(profile))
    assert imported.returncode == 0, imported.stderr
    demo.env["SOGOC_TEACHER_P12_PASSPHRASE"] = "sogoc-dev-only-not-a-secret"
    issue = ("transcripts", "issue", "--school", "THPT-79-NTMK", "--year", "2025-2026", "--issued-on",
             "2026-06-05", "--workers", "2", "--profile", str(profile))
    refused = demo.sogoc(*issue, "--no-dev-teacher-keys", "--lang", "en")
    out_dir = demo.data_dir / "issued" / "THPT-79-NTMK" / "2025-2026"
    signed_after_refusal = sorted(out_dir.glob("*.pdf"))
    issued = demo.sogoc(*issue)
    assert issued.returncode == 0, issued.stderr + issued.stdout
    return refused, signed_after_refusal, issued, out_dir


def test_teachers_without_a_key_are_listed_and_nothing_is_signed(outcome):
    refused, signed, _issued, _out = outcome
    assert refused.returncode == 2 and signed == []
    assert "teacher_key_missing: homeroom teacher Lê Văn Bình (class 12A2)" in refused.stderr
    assert "teacher_key_missing: homeroom teacher Phạm Thị Hoa (class 12A3)" in refused.stderr
    assert "Trần Thị Thu Hương" not in refused.stderr
    assert "sogoc-dev-only-not-a-secret" not in refused.stderr + refused.stdout


def test_each_transcript_verifies_valid_signed_by_its_classs_teacher(demo, outcome):
    _refused, _signed, issued, out_dir = outcome
    assert "3 học bạ: 3 vừa ký" in issued.stdout and "Đã neo 3 văn bản" in issued.stdout, issued.stdout
    for personal_id, (_class_name, teacher) in CLASSES.items():
        result = demo.sogoc("verify", str(out_dir / f"{personal_id}.pdf"), "--json")
        report = json.loads(result.stdout)
        assert result.returncode == 0 and report["status"] == "valid", result.stdout
        assert [s["signer"] for s in report["signatures"]] == [teacher, "Nguyễn Văn Đức"]
        assert all(s["intact"] and s["trusted"] for s in report["signatures"])
        assert report["document"]["fields"]["homeroom_teacher"] == teacher


@pytest.mark.skipif(not (shutil.which("pdfsig") and shutil.which("certutil")), reason="needs poppler-utils, nss")
def test_pdfsig_finds_each_teachers_signature_valid_and_trusted(demo, outcome, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("pdfsig_helpers", EXAMPLES.parent / "tests/signer/test_pdfsig.py")
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    nss_db, pdfsig = helpers.nss_db, helpers.pdfsig
    db = nss_db(tmp_path / "nss", demo.data_dir / "pki" / "root.pem")
    for personal_id, (_class_name, teacher) in CLASSES.items():
        report = pdfsig((outcome[3] / f"{personal_id}.pdf").read_bytes(), db, tmp_path)
        assert [r["Signer Certificate Common Name"] for r in report] == [teacher, "Nguyễn Văn Đức"]
        assert all(r["Signature Validation"] == "Signature is Valid." for r in report), report
        assert all(r["Certificate Validation"] == "Certificate is Trusted." for r in report), report
