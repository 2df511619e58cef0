"""Templates load with their fixed texts written in; what they render must not change."""

from __future__ import annotations

import jinja2

from core.status import CheckCode, CheckStatus, Verdict
from verifier import pages
from verifier.report import Check, Report


def plain_render(template: str, lang: str, **context) -> str:
    """The same template through a plain loader: every text looked up and escaped per page."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(pages.HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(pages._templates(lang).globals)
    other = "en" if lang == "vi" else "vi"
    return env.get_template(template).render(
        lang=lang, other_lang=other, t=pages.i18n.translator(lang), q="?lang=en" if lang == "en" else "",
        switch_url=f"?lang={other}", max_mb=20, **context)


def test_pages_with_texts_written_in_are_the_pages_of_the_plain_templates():
    report = Report(Verdict.REVOKED, "mfrggzdfmztwq2lknnwg23tpoa",
                    [Check("status", CheckStatus.FAILED, CheckCode.REVOKED, "Revoked.", Verdict.REVOKED)],
                    document={"id": "mfrggzdfmztwq2lknnwg23tpoa", "kind": "transcript", "issuer": "THPT-A",
                              "fields": {"student": {"full_name": "Nguyễn Thị Ánh <Tuyết>"}}},
                    revocation={"reason": 6, "decision": "Quyết định số 15/QĐ-SGDĐT & \"sửa\""})
    for lang in ("vi", "en"):
        context = pages.result_context(report, lang)
        assert pages.render("result.html", lang, uploaded=True, **context) == plain_render(
            "result.html", lang, uploaded=True, **context)
        assert pages.render("home.html", lang) == plain_render("home.html", lang)
        scan = {"public_base_url": "https://x", "script_versions": {"scan.js": "1", "vendor/jsQR.js": "2"}}
        assert pages.render("scan.html", lang, **scan) == plain_render("scan.html", lang, **scan)
        error = {"code": "rate_limited", "title": "<b>", "text": "&"}
        assert pages.render("error.html", lang, **error) == plain_render("error.html", lang, **error)


def _signer(name: str, revocation: str | None, trusted: bool = True) -> dict:
    signature = {"field": name, "signer": name, "organization": "Trường THPT A", "intact": True, "trusted": trusted,
                 "covers_document": True, "timestamped": True, "signing_time": "2026-06-05T02:15:00+00:00"}
    return signature if revocation is None else {**signature, "certificate_revocation": revocation}


def test_each_signer_line_says_whether_its_certificate_was_checked_for_revocation():
    signatures = [_signer("Người A", "checked"), _signer("Người B", "not_checked"),
                  _signer("Người C", "revoked", trusted=False), _signer("Người D", None),  # stored before
                  _signer("Người E", "not_checked", trusted=False)]  # untrusted anyway: nothing to add
    report = Report(Verdict.VALID, "mfrggzdfmztwq2lknnwg23tpoa", [], document=None, signatures=signatures)
    texts = {"vi": ("Đã kiểm tra: chứng thư chưa bị thu hồi",
                    "Chưa kiểm tra thu hồi chứng thư (tài liệu không kèm đủ dữ liệu để kiểm tra)",
                    "Chứng thư đã bị thu hồi"),
             "en": ("Checked: certificate not revoked",
                    "Certificate revocation not checked (the document does not carry enough data to check it)",
                    "Certificate revoked")}
    for lang, (checked, not_checked, revoked) in texts.items():
        html = pages.render("result.html", lang, uploaded=True, **pages.result_context(report, lang))
        lines = html.split('<li class="signer">')[1:]
        assert checked in lines[0] and not_checked not in lines[0]
        assert not_checked in lines[1]
        assert revoked in lines[2]
        assert not any(text in lines[3] for text in (checked, not_checked, revoked))
        assert not_checked not in lines[4]
