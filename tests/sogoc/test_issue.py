"""Issuing a school year in bulk: every transcript signed once, submitted, and safe to re-run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from signer.importing import SchoolProfile, TranscriptStore, import_file
from sogoc.issue import SignerSetup, issue_year
from verifier.pdf import check_signatures, extract_credential_json

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def store(tmp_path) -> TranscriptStore:
    store = TranscriptStore(tmp_path / "transcripts")
    profile = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
    assert import_file(EXAMPLES / "hoc-ba-12A1.csv", profile, store).ok
    return store


@pytest.mark.parametrize("workers", [2])
def test_a_year_is_signed_once_and_a_rerun_only_resubmits(tmp_path, store, dev_pki, workers):
    setup = SignerSetup(dev_pki.directory, "", "https://xacminh.example.gov.vn", "2026-06-05")
    out = tmp_path / "issued"
    submitted: list[str] = []
    seen: list[tuple[int, int]] = []

    first = issue_year(store, "THPT-79-NTMK", "2025-2026", out, setup,
                       lambda credential, pdf: submitted.append(credential.id), workers=workers,
                       progress=lambda done, total: seen.append((done, total)))

    assert (first.total, first.signed, first.already) == (3, 3, 0)
    assert seen[-1] == (3, 3)
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.stem for p in pdfs] == sorted(["079308001234", "075208004567", "046308007890"])
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert [s.field_name for s in check_signatures(data, dev_pki.trust_roots())] == \
            ["GiaoVienChuNhiem", "HieuTruong"]
        assert b"sogoc.credential/2" in extract_credential_json(data)

    before = {p.name: p.read_bytes() for p in pdfs}
    pdfs[0].unlink()  # as if the run had been interrupted before this one was written
    again: list[str] = []
    second = issue_year(store, "THPT-79-NTMK", "2025-2026", out, setup,
                        lambda credential, pdf: again.append(credential.id), workers=workers)

    assert (second.signed, second.already) == (1, 2)
    assert len(again) == 3 and len(set(again) & set(submitted)) == 2  # the two kept files, submitted again
    for p in sorted(out.glob("*.pdf"))[1:]:
        assert p.read_bytes() == before[p.name], "a signed transcript is never signed again"
    assert not list(out.glob(".*.partial"))


def test_two_runs_for_one_school_year_cannot_sign_at_the_same_time(tmp_path, store, dev_pki):
    from sogoc.issue import AlreadyRunning, _lock

    out = tmp_path / "issued"
    out.mkdir()
    held = _lock(out)  # as if another run were signing
    try:
        with pytest.raises(AlreadyRunning):
            issue_year(store, "THPT-79-NTMK", "2025-2026", out,
                       SignerSetup(dev_pki.directory, "", "https://x.test", "2026-06-05"), lambda c, p: None)
    finally:
        import os

        os.close(held)
    assert not list(out.glob("*.pdf"))


def test_multi_year_transcripts_are_issued_apart_from_the_years_own(tmp_path, dev_pki):
    """`sogoc transcripts issue --multi-year`: one three-page document per student, signed twice."""
    store = TranscriptStore(tmp_path / "transcripts")
    profile = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
    assert import_file(EXAMPLES / "hoc-ba-THPT-10-12.csv", profile, store, multi_year=True).ok
    setup = SignerSetup(dev_pki.directory, "", "https://xacminh.example.gov.vn", "2026-06-05")
    out = tmp_path / "issued" / "nhieu-nam"
    submitted = []
    summary = issue_year(store, "THPT-79-NTMK", "2025-2026", out, setup,
                         lambda credential, pdf: submitted.append(credential), workers=1, multi_year=True)
    assert (summary.total, summary.signed) == (3, 3)
    assert sorted(p.stem for p in out.glob("*.pdf")) == ["046308007890", "075208004567", "079308001234"]
    for pdf in out.glob("*.pdf"):
        data = pdf.read_bytes()
        assert PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Count"] == 3
        assert [s.field_name for s in check_signatures(data, dev_pki.trust_roots())] == \
            ["GiaoVienChuNhiem", "HieuTruong"]
        years = json.loads(extract_credential_json(data))["fields"]["years"]
        assert [y["class_name"] for y in years] == ["10A1", "11A1", "12A1"]
        # signed by the last year's homeroom teacher, not by 10A1's or 11A1's
        assert [y["homeroom_teacher"] for y in years] == ["Võ Thị Mỹ Lệ", "Đặng Quốc Bảo", "Trần Thị Thu Hương"]
        signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
        signers = [s.signer_cert.subject.native["common_name"] for s in signatures]
        assert signers == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    assert {c.kind.name for c in submitted} == {"TRANSCRIPT"}
    # the one-year transcripts of 2025-2026 are not issued by this run (none were imported)
    assert issue_year(store, "THPT-79-NTMK", "2025-2026", tmp_path / "one", setup, lambda c, p: None).total == 0
