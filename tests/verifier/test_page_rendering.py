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
