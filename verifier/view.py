"""From a :class:`~verifier.report.Report` to what the pages show: labels, dates, rows.

Pure functions of the report and the language; the templates only lay them out. Dates are
DD/MM/YYYY in Vietnamese; times are Vietnam time (UTC+7, no daylight saving).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Sequence

from core.credential import is_document_id, verification_code
from core.status import REASON_LABELS, CheckStatus, RevocationReason, Verdict
from verifier.report import Check, Report

VIETNAM = timezone(timedelta(hours=7))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Colour of the verdict banner: green only for valid, red where the document must not be used.
TONES = {
    Verdict.VALID: "ok",
    Verdict.SUPERSEDED: "warn",
    Verdict.NOT_ANCHORED: "warn",
    Verdict.UNKNOWN: "neutral",
    Verdict.REVOKED: "bad",
    Verdict.CANCELLED: "bad",
    Verdict.TAMPERED: "bad",
    Verdict.UNTRUSTED_SIGNER: "bad",
}

#: Verdicts under which the content shown was proven (signed, intact, anchored); otherwise it is
#: only what the file claims, and the page says so.
_CONTENT_PROVEN = {Verdict.VALID, Verdict.REVOKED, Verdict.CANCELLED, Verdict.SUPERSEDED}

Translate = Callable[..., str]
_EMPHASISED = {"doc.student", "doc.date_of_birth", "doc.school"}


def fmt_date(value: Any, lang: str) -> str:
    """``2008-03-14`` as ``14/03/2008`` (vi) or ``14 Mar 2008`` (en); anything else as given."""
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return "" if value is None else str(value)
    return f"{d:%d/%m/%Y}" if lang == "vi" else f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def fmt_time(value: Any, lang: str) -> str:
    """An ISO time or a Unix timestamp, in Vietnam time."""
    if value in (None, "", 0):
        return ""
    try:
        t = (datetime.fromtimestamp(value, timezone.utc) if isinstance(value, (int, float))
             else datetime.fromisoformat(str(value)))
    except (ValueError, OSError, OverflowError):
        return str(value)
    t = (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(VIETNAM)
    if lang == "vi":
        return f"{t:%H:%M} ngày {t:%d/%m/%Y} (giờ Việt Nam)"
    return f"{fmt_date(t.date().isoformat(), 'en')}, {t:%H:%M} (UTC+7)"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def document_view(document: dict[str, Any] | None, t: Translate, lang: str) -> dict[str, Any] | None:
    """The document's identity rows, its subjects and its results, leaving out empty ones; a
    multi-year transcript's classes and span of years, and each year's subjects and results.

    The personal id and the place of birth stay off the page: whoever scans the QR code needs
    the name and the date of birth to compare with an identity document, not the id number.
    """
    if not document:
        return None
    fields = _dict(document.get("fields"))
    school, student = _dict(fields.get("school")), _dict(fields.get("student"))
    kind = _text(document.get("kind"))
    identity = [  # in pairs: two columns on a wide screen
        ("doc.student", _text(student.get("full_name"))),
        ("doc.date_of_birth", fmt_date(student.get("date_of_birth"), lang) if student.get("date_of_birth") else ""),
        ("doc.school", _text(school.get("name"))),
        ("doc.authority", _text(school.get("authority"))),
        ("doc.class_name", _text(fields.get("class_name"))),
        ("doc.school_year", _text(fields.get("school_year"))),
        ("doc.kind", t(f"kind.{kind}") if kind else ""),
        ("doc.issued_on", fmt_date(document.get("issued_on"), lang) if document.get("issued_on") else ""),
    ]
    years = [_dict(y) for y in fields.get("years") or [] if isinstance(y, dict)]
    if years:  # a multi-year transcript: the span here, each year below
        identity[4:6] = [("doc.classes", ", ".join(_text(y.get("class_name")) for y in years)),
                         ("doc.school_years", f"{_text(years[0].get('school_year'))} – "
                                              f"{_text(years[-1].get('school_year'))}")]
    one_year = _year_view(fields, t)
    return {
        "identity": [(t(k), v, k in _EMPHASISED) for k, v in identity if v],
        "results": one_year["results"],
        "subjects": one_year["subjects"],
        "years": [{**_year_view(y, t, teacher=True), "heading": t("doc.year_heading", year=_text(y.get("school_year")),
                                                  class_name=_text(y.get("class_name")))} for y in years],
        "student": _text(student.get("full_name")),
        "private_hidden": bool(student.get("personal_id") or student.get("place_of_birth")),
    }


def _year_view(fields: dict[str, Any], t: Translate, *, teacher: bool = False) -> dict[str, Any]:
    """One school year's subjects and results (a one-year transcript's fields, or one of ``years``,
    which also names that year's homeroom teacher: only the current one signed)."""
    keys = ("doc.learning_result", "doc.conduct", "doc.promotion", "doc.days_absent") + (
        ("doc.homeroom_teacher",) if teacher else ())
    results = [(key, _text(fields.get(key.split(".")[1]))) for key in keys]
    subjects = [{k: _text(_dict(s).get(k)) for k in ("subject", "term1", "term2", "year")}
                for s in fields.get("subjects") or [] if isinstance(s, dict)]
    return {"results": [(t(k), v) for k, v in results if v], "subjects": subjects}


def signers_view(signatures: list[dict[str, Any]], lang: str, checks: Sequence[Check] = ()) -> list[dict[str, Any]]:
    """Each signature: who, when, intact, trusted root, whether its certificate was checked for
    revocation, and (once anchored) registered on chain."""
    registered = {_text(c.details.get("signer")): c.status is CheckStatus.PASSED
                  for c in checks if c.name == "signer_registered"}
    return [{
        "name": _text(s.get("signer")),
        "organization": _text(s.get("organization")),
        "time": fmt_time(s.get("signing_time"), lang),
        "intact": bool(s.get("intact")) and s.get("covers_document", True) is not False,
        "trusted": bool(s.get("trusted")),
        "trust_root": _text(s.get("trust_root")),
        "timestamped": bool(s.get("timestamped")),
        "certificate_revocation": _certificate_revocation(s),
        "registered": registered.get(_text(s.get("signer"))),  # None: not checked
    } for s in signatures]


def _certificate_revocation(signature: dict[str, Any]) -> str | None:
    """``checked``, ``revoked`` or ``not_checked`` to show; None when there is nothing to add: a
    report stored before the check was reported, or a signer refused for another reason (its
    "not trusted" already says it)."""
    value = signature.get("certificate_revocation")
    if value not in ("checked", "revoked", "not_checked"):
        return None
    if value == "not_checked" and not signature.get("trusted"):
        return None
    return value


def reason_label(revocation: dict[str, Any], t: Translate, lang: str) -> str:
    """The reason in the page's language: the report's own (vi, en) pair, else the core's labels."""
    index = 0 if lang == "vi" else 1
    label = revocation.get("reason_label")
    if isinstance(label, (list, tuple)) and len(label) == 2:
        return str(label[index])
    reason = revocation.get("reason")
    if reason in RevocationReason._value2member_map_:
        return REASON_LABELS[RevocationReason(reason)][index]
    return t("rev.unknown_reason", reason=reason)


def revocation_view(revocation: dict[str, Any] | None, t: Translate, lang: str) -> dict[str, Any] | None:
    if not revocation:
        return None
    decision = revocation.get("decision")
    return {
        "reason": reason_label(revocation, t, lang),
        "decision": decision if isinstance(decision, str) else "",
        "decision_hash": _text(revocation.get("decision_hash")),
        "time": fmt_time(revocation.get("time") or revocation.get("revoked_at"), lang),
        "cancelled": revocation.get("cancelled") is True,
    }


def supersession_view(supersession: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The correction. A ``document_id`` of the current version, if the report carries one, becomes a link."""
    if not supersession:
        return None
    replacement = _text(supersession.get("document_id"))
    return {
        "replacement_id": replacement if is_document_id(replacement) else None,
        "superseded_by": _text(supersession.get("superseded_by")),
        "time": fmt_time(supersession.get("time"), lang),
    }


def history_view(history: dict[str, Any] | None, t: Translate, has: Callable[[str], bool],
                 lang: str) -> dict[str, Any] | None:
    """A diploma's versions and copies, oldest first, each with its state on chain; the current one."""
    if not history or not isinstance(history.get("versions"), list):
        return None
    rows = []
    for v in history["versions"]:
        if not isinstance(v, dict) or not is_document_id(_text(v.get("document_id"))):
            continue
        kind, state = _text(v.get("kind")), _text(v.get("state"))
        rows.append({
            "document_id": v["document_id"], "code": verification_code(v["document_id"]),
            "kind": t(f"hist.kind.{kind}") if has(f"hist.kind.{kind}") else kind,
            "state": t(f"hist.state.{state}") if has(f"hist.state.{state}") else state,
            "tone": {"in_force": "ok", "superseded": "warn"}.get(state, "bad"),
            "entry": t("hist.entry", year=v.get("year"), number=v.get("number")) if v.get("number") else "",
            "this": v.get("this") is True, "time": fmt_time(v.get("anchored_at"), lang),
        })
    current = _text(history.get("current_document_id"))
    return {"versions": rows, "current_id": current if is_document_id(current) else None}


def anchor_view(anchor: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if not anchor:
        return None
    return {
        "tx_hash": _text(anchor.get("tx_hash")),
        "block_number": _text(anchor.get("block_number")),
        "time": fmt_time(anchor.get("time") or anchor.get("block_time"), lang),
        "chain_id": _text(anchor.get("chain_id")),
        "contract": _text(anchor.get("contract")),
        "root": _text(anchor.get("root")),
        "leaf": _text(anchor.get("leaf")),
        "proof": [str(p) for p in anchor.get("proof") or []],
    }


def accreditation_view(levels: list[dict[str, Any]] | None, t: Translate, lang: str) -> list[dict[str, Any]]:
    """Ministry first, school last: who accredited whom, and whether each was in force at issue."""
    out = []
    for level in levels or []:
        kind = _text(level.get("level"))
        name = _text(level.get("name")) or t("acc.ministry.default" if kind == "ministry" else "acc.unnamed")
        valid_from, valid_until = level.get("valid_from"), level.get("valid_until")
        period = ""
        if valid_from or valid_until:
            period = t("acc.period", start=fmt_date(valid_from, lang) if valid_from else "…",
                       end=fmt_date(valid_until, lang) if valid_until else t("acc.open_ended"))
        out.append({
            "role": t(f"acc.{kind}") if kind in ("ministry", "authority", "issuer") else t("acc.unregistered"),
            "name": name,
            "id": _text(level.get("id")),
            "account": _text(level.get("account")),
            "valid": bool(level.get("valid_at_issue")),
            "period": period,
            "suspended_now": bool(level.get("suspended_now")),
            "ministry": kind == "ministry",
        })
    return out


def check_message(check: Check, t: Translate, has: Callable[[str], bool]) -> str:
    if check.status is CheckStatus.SKIPPED:
        return t("check.skipped")
    specific = f"check.{check.name}.{check.code.value}"
    return t(specific if has(specific) else f"check.{check.code.value}")


def checks_view(checks: list[Check], t: Translate, has: Callable[[str], bool]) -> list[dict[str, Any]]:
    return [{
        "name": t(f"checkname.{c.name}") if has(f"checkname.{c.name}") else c.name,
        "status": c.status.value,
        "status_label": t(f"status.{c.status.value}"),
        "message": check_message(c, t, has),
        "subject": _text(c.details.get("signer")),
        "code": c.code.value,
    } for c in checks]


def result_context(report: Report, t: Translate, has: Callable[[str], bool], lang: str,
                   now: datetime | None = None) -> dict[str, Any]:
    """Everything ``result.html`` shows, from one report."""
    verdict = report.status.value
    return {
        "verdict": verdict,
        "tone": TONES.get(report.status, "neutral"),
        "document_id": report.document_id,
        "code": verification_code(report.document_id) if is_document_id(report.document_id or "") else None,
        "checked_at": fmt_time((now or datetime.now(timezone.utc)).isoformat(), lang),
        "doc": document_view(report.document, t, lang),
        "doc_verified": report.status in _CONTENT_PROVEN,
        "signers": signers_view(report.signatures, lang, report.checks),
        "revocation": revocation_view(report.revocation, t, lang),
        "supersession": supersession_view(report.supersession, lang),
        "history": history_view(report.history, t, has, lang),
        "anchor": anchor_view(report.anchor, lang),
        "accreditation": accreditation_view(report.accreditation, t, lang),
        "checks": checks_view(report.checks, t, has),
    }
