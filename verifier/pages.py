"""Rendering the verifier's pages: templates with their texts in one language, and the QR landing
page of a stored report.

A landing page changes only when its report does, so it is rendered when the report is stored
(:func:`render_landing`) and served as bytes, with one thing filled in per request: the moment
up to which its chain state is known (:func:`fill_checked_at`). docs/verifier-lookups.md.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from verifier import i18n, view
from core.status import Verdict
from verifier.report import Report

HERE = Path(__file__).parent
#: The largest upload, as the pages state it.
MAX_UPLOAD = 20 * 1024 * 1024

#: ``{{ t['key'] }}`` in a template: a fixed text, written in when the template is loaded.
_FIXED_TEXT = re.compile(r"\{\{ t\['([A-Za-z0-9_.]+)'\] \}\}")


class _TranslatedLoader(jinja2.FileSystemLoader):
    """Loads templates with their fixed texts already in one language.

    ``{{ t['key'] }}`` becomes the escaped text itself, so a page does not look up and escape
    some hundred texts each time it is rendered; the output is the same. Texts computed in the
    template (``t['verdict.' ~ verdict ~ '.title']``) stay look-ups.
    """

    def __init__(self, lang: str) -> None:
        super().__init__(HERE / "templates")
        self.t = i18n.translator(lang)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        source, filename, uptodate = super().get_source(environment, template)

        def text(match: re.Match[str]) -> str:
            escaped = str(escape(self.t[match.group(1)]))
            return match.group(0) if "{" in escaped or "}" in escaped else escaped  # never template syntax

        return _FIXED_TEXT.sub(text, source), filename, uptodate


@lru_cache(maxsize=len(i18n.LANGUAGES))
def _templates(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=_TranslatedLoader(lang), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = (HERE / "static" / "site.css").read_bytes()
    env.globals["css_version"] = hashlib.sha256(css).hexdigest()[:12]
    return env


def render(template: str, lang: str, *, switch: str | None = None, **context: Any) -> str:
    """One page as text; ``switch`` is where the language link goes (default: this page, other language)."""
    other = "en" if lang == "vi" else "vi"
    return _templates(lang).get_template(template).render(
        lang=lang, other_lang=other, t=i18n.translator(lang), q="?lang=en" if lang == "en" else "",
        switch_url=switch or f"?lang={other}", max_mb=MAX_UPLOAD // (1024 * 1024), **context)


def result_context(report: Report, lang: str | None, now: datetime | None = None) -> dict[str, Any]:
    """What ``result.html`` shows of one report (``now``: when its chain state was read)."""
    lang = i18n.language(lang)
    return view.result_context(report, i18n.translator(lang), lambda key: i18n.has(lang, key), lang, now=now)


# -- stored landing pages

#: Where a stored landing page says when its chain state was read; filled in on every request
#: (the follower moves that moment on without the page changing). Escaped text never contains "<".
CHECKED_AT_MARK = "<!--sogoc:checked-at-->"
_MARK = CHECKED_AT_MARK.encode()
#: What a landing page is made of besides its report and the texts (:func:`page_version`).
#: ``examples.py``: its valid report is the dictionary stored pages are compressed against.
_SOURCES = ("templates/base.html", "templates/result.html", "view.py", "pages.py", "examples.py",
            "static/site.css")
#: A family of texts (``"ev.` in ``t['ev.anchor']``) named in a source.
_FAMILY = re.compile(r"""['"]([a-z_]+)\.""")


@lru_cache(maxsize=1)
def page_version() -> str:
    """The version of the code that renders landing pages (templates, view, style, texts).

    Stored pages carry it. A page of another version (stored before a deployment) is not
    served: the page is rendered from its report instead, until the follower has stored it
    again (:meth:`sogoc.reports.ReportStore.render_stale_pages`), so a fix shows at once.

    Narrowed to what a landing page can show: of ``i18n.py``, the families of texts the sources
    name (``ev.``, ``verdict.``...), so a new text of the home, scan, error or disclosure pages
    leaves stored pages current; the rest of that file (its code) counts whole.

    It also covers the rendered compression dictionaries (:func:`page_dictionary`): they come
    from code outside these files too (the report model, status codes, the template engine's
    version), and a page stored against another dictionary cannot be decompressed.
    """
    digest = hashlib.sha256()
    for lang in i18n.LANGUAGES:
        digest.update(lang.encode() + b"\0" + hashlib.sha256(page_dictionary(lang)).digest())
    sources = {name: (HERE / name).read_bytes() for name in _SOURCES}
    for name, body in sources.items():
        digest.update(name.encode() + b"\0" + body + b"\0")
    families = {m.group(1) for body in sources.values() for m in _FAMILY.finditer(body.decode())}
    unused = tuple(f'"{family}.' for family in {key.split(".")[0] for key in i18n.VI} - families)
    lines = (HERE / "i18n.py").read_text().splitlines()
    digest.update("\n".join(line for line in lines if not line.lstrip().startswith(unused)).encode())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=len(i18n.LANGUAGES))
def page_dictionary(lang: str) -> bytes:
    """A landing page of this version (the example valid report's): stored pages are compressed
    against it (zlib preset dictionary), which makes them a fifth of their plain zlib size and
    halves the time to decompress one (about 20 µs instead of 40), since a page is mostly the
    same markup and texts as every other page."""
    from verifier.examples import reports  # the dictionary's own digest is part of page_version()

    return render_landing(reports()[Verdict.VALID], lang, private_withheld=True)


def render_landing(report: Report, lang: str, *, private_withheld: bool) -> bytes:
    """The QR landing page of a stored report in one language, with :data:`CHECKED_AT_MARK`
    where the time of its chain state goes (``private_withheld``: the report is the public one,
    and the page says that some fields are not shown)."""
    context = result_context(report, lang)
    context["checked_at"] = Markup(CHECKED_AT_MARK)
    if private_withheld and context.get("doc"):
        context["doc"]["private_hidden"] = True
    return render("result.html", lang, uploaded=False, **context).encode()


def fill_checked_at(html: bytes, checked_at: int, lang: str) -> bytes:
    """A stored landing page with the time of its chain state written in."""
    return html.replace(_MARK, _checked_at_text(checked_at, lang), 1)


@lru_cache(maxsize=256)
def _checked_at_text(checked_at: int, lang: str) -> bytes:
    """The "checked at" time as the page writes it. Most pages show the follower's last poll, so
    a scan finds it here rather than formatting it again (about 10 µs)."""
    checked = view.fmt_time(datetime.fromtimestamp(checked_at, timezone.utc).isoformat(), lang)
    return str(escape(checked)).encode()
