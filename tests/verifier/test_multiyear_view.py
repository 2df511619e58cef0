"""The verifier's page and JSON for a multi-year transcript: the span of years, then each year."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.status import CheckCode, CheckStatus, Verdict
from signer.importing import SchoolProfile, TranscriptStore, import_file
from verifier import pages
from verifier.report import Check, Report

from test_page_rendering import plain_render  # tests/verifier/

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    profile = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
    result = import_file(EXAMPLES / "hoc-ba-THPT-10-12.csv", profile,
                         TranscriptStore(tmp_path_factory.mktemp("s")), multi_year=True, dry_run=True)
    doc = next(d for d in result.transcripts if d.student.personal_id == "075208004567")
    credential = doc.to_credential("2026-06-05")
    document = {"id": credential.id, "kind": "transcript", "issuer": credential.issuer,
                "issued_on": credential.issued_on, "fields": credential.fields}
    return Report(Verdict.VALID, credential.id,
                  [Check("credential", CheckStatus.PASSED, CheckCode.CREDENTIAL_FOUND, "Found.")], document=document)


def test_the_page_shows_each_year_with_its_class_results_and_homeroom_teacher(report):
    html = pages.render("result.html", "vi", uploaded=False, **pages.result_context(report, "vi"))
    for text in ("Lê Hoàng Phúc", "Các lớp", "10A1, 11A1, 12A1", "Các năm học", "2023-2024 – 2025-2026",
                 "Năm học 2023-2024 · Lớp 10A1", "Năm học 2024-2025 · Lớp 11A1", "Năm học 2025-2026 · Lớp 12A1",
                 "Võ Thị Mỹ Lệ", "Đặng Quốc Bảo", "Trần Thị Thu Hương", "Được lên lớp",
                 "Hoàn thành chương trình trung học phổ thông", "Giáo dục kinh tế và pháp luật"):
        assert text in html, text
    assert html.index("Năm học 2023-2024 · Lớp 10A1") < html.index("Năm học 2024-2025") < html.index("Năm học 2025-2026 ·")
    assert html.count('<table class="scores">') == 3
    english = pages.render("result.html", "en", uploaded=False, **pages.result_context(report, "en"))
    assert "School year 2024-2025 · Class 11A1" in english and "Homeroom teacher" in english
    for lang in ("vi", "en"):
        context = pages.result_context(report, lang)
        assert pages.render("result.html", lang, uploaded=False, **context) == \
            plain_render("result.html", lang, uploaded=False, **context)


def test_the_public_json_keeps_the_years_and_withholds_the_personal_id(report):
    public = report.to_json(withhold_private=True)["document"]["fields"]
    assert [y["school_year"] for y in public["years"]] == ["2023-2024", "2024-2025", "2025-2026"]
    assert public["years"][0]["learning_result"] == "Đạt"
    assert "personal_id" not in public["student"] and "place_of_birth" not in public["student"]
