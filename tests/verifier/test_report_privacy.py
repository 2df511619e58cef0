"""What the public report (by document id: the QR code) leaves out, for every kind of document."""

from __future__ import annotations

from core.status import CheckCode, CheckStatus, Verdict
from verifier.report import Check, PublishedReport, Report

HOLDER = {"full_name": "Lò Thị Mai", "date_of_birth": "2007-03-09", "gender": "Nữ",
          "place_of_birth": "Tỉnh Sơn La", "ethnicity": "Thái"}


def report(fields: dict) -> Report:
    return Report(Verdict.VALID, "mfrggzdfmztwq2lknnwg23tpoa",
                  [Check("status", CheckStatus.PASSED, CheckCode.IN_FORCE, "In force.")],
                  document={"id": "mfrggzdfmztwq2lknnwg23tpoa", "kind": "diploma", "issuer": "SGD-14",
                            "fields": fields})


def test_a_diplomas_public_report_has_no_place_of_birth_and_no_ethnicity():
    diploma = report({"holder": HOLDER, "serial_number": "B 0123456"})
    copy = report({"diploma": {"holder": HOLDER, "serial_number": "B 0123456"}, "copy_number": "12"})
    for full in (diploma, copy):
        published = PublishedReport.of(full)
        text = published.body.decode()
        assert "Lò Thị Mai" in text and "2007-03-09" in text and "B 0123456" in text
        assert "Sơn La" not in text and "Thái" not in text and published.private_withheld
        assert "Sơn La" in str(full.to_json())  # the full report (of an uploaded file) keeps them


def test_a_transcripts_public_report_has_no_personal_id_and_no_place_of_birth():
    published = PublishedReport.of(report({"student": {"full_name": "Nguyễn Văn An", "personal_id": "079308001234",
                                                       "place_of_birth": "Thành phố Hồ Chí Minh"}}))
    assert "Nguyễn Văn An" in published.body.decode() and "079308001234" not in published.body.decode()
    assert "Hồ Chí Minh" not in published.body.decode()
