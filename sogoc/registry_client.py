"""A school's client of the department's registry API: signed transcripts submitted in bulk over HTTP.

``sogoc transcripts issue --registry URL`` signs on the school's machine and hands the PDFs to
the registry that runs at the education department (``POST /api/v1/documents/bulk``, an API key
``sgk_...`` as ``Authorization: Bearer``). The registry's own worker anchors them; this module
never touches the chain or the registry's database.

Why bounded batches: a bulk request is all or nothing and the registry holds it in memory, so a
year of 2,000 transcripts (about 105 KB each) goes as several requests of ``batch_size`` items
rather than one 280 MB body. Why retrying a POST is safe: the registry answers a document it
already holds with ``created: false`` and stores nothing, so a request whose answer was lost
(a timeout, a dropped connection, a 5xx) can simply be sent again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import httpx

from core.credential import Credential
from core.errors import SogocError

#: Items per bulk request: about 28 MB of base64 PDFs, far below the registry's 256 MB body limit.
DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True)
class RefusedItem:
    """One item of a bulk request the registry refused, named for the clerk."""

    label: str
    """Who it is: the student's name and personal id, and the document id."""
    code: str
    detail: str


class RegistryRefused(SogocError):
    """The registry answered 4xx: the request is wrong and sending it again will not help.

    ``code`` and ``detail`` are the registry's own; for ``bulk_rejected`` ``items`` names each bad
    document (nothing of that request was stored)."""

    code = "registry_refused"

    def __init__(self, status: int, code: str, detail: str, items: list[RefusedItem] | None = None) -> None:
        super().__init__(f"the registry answered {status}: {detail}", code=code)
        self.status = status
        self.items = items or []

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [f"  {item.label}: [{item.code}] {item.detail}" for item in self.items]
        return "\n".join(lines)


class RegistryUnreachable(SogocError):
    """No usable answer after every retry (connection refused, timeouts, 5xx)."""

    code = "registry_unreachable"


@dataclass
class SubmitTally:
    """What the registry said of the documents submitted so far."""

    created: int = 0
    """Stored now, state ``pending``: the registry's worker anchors them."""
    existing: int = 0
    """Already held (a re-run, or a retry whose first answer was lost): nothing stored twice."""
    document_ids: list[str] = field(default_factory=list)


class RegistryClient:
    """The registry's API as one institution (its API key). The key is sent only in the
    ``Authorization`` header: never printed, logged or put in an error message."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 120.0, retries: int = 4,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
                                  headers={"Authorization": f"Bearer {api_key}"})
        self._retries, self._backoff, self._sleep = retries, backoff, sleep
        self.base_url = base_url.rstrip("/")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "RegistryClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def submit_bulk(self, items: list[bytes], labels: list[str]) -> list[dict[str, Any]]:
        """Send one bulk request (``items``: each document's JSON, see :func:`bulk_item`); return
        the registry's ``documents`` (``document_id``, ``state``, ``created``), in order.
        Raises :class:`RegistryRefused` (with each bad item's ``labels`` entry) or
        :class:`RegistryUnreachable`."""
        body = b'{"documents":[' + b",".join(items) + b"]}"
        answer = self._post("/api/v1/documents/bulk", body)
        if answer.status_code >= 400:
            raise _refusal(answer, labels)
        return answer.json()["documents"]

    def status(self, document_id: str) -> dict[str, Any]:
        """``GET /api/v1/documents/{id}``: ``state`` pending / anchoring / anchored, and the batch."""
        answer = self._send(lambda: self._http.get(f"/api/v1/documents/{document_id}"))
        if answer.status_code >= 400:
            raise _refusal(answer, [])
        return answer.json()

    def _post(self, path: str, body: bytes) -> httpx.Response:
        return self._send(lambda: self._http.post(path, content=body,
                                                  headers={"Content-Type": "application/json"}))

    def _send(self, request: Callable[[], httpx.Response]) -> httpx.Response:
        """``request``, again after ``backoff``, 2 x ``backoff``, ... on a transport error or a 5xx."""
        for attempt in range(self._retries + 1):
            try:
                answer = request()
                if answer.status_code < 500:
                    return answer
                problem = f"{answer.status_code} {_error_body(answer).get('code', '')}".strip()
            except httpx.TransportError as e:  # refused, reset, timed out: the request may be sent again
                problem = type(e).__name__
            if attempt < self._retries:
                self._sleep(self._backoff * 2 ** attempt)
        raise RegistryUnreachable(f"no answer from the registry at {self.base_url} after "
                                  f"{self._retries + 1} attempts (last: {problem})")


def bulk_item(credential: Credential, pdf: bytes) -> bytes:
    """One item of a bulk body, as JSON bytes. The credential goes as the exact canonical bytes
    embedded in the PDF (no parse and re-serialise that could change its leaf)."""
    encoded = base64.b64encode(pdf).decode("ascii")
    return (b'{"credential":' + credential.to_json() + b',"pdf_base64":' + json.dumps(encoded).encode()
            + b',"pdf_sha256":"' + hashlib.sha256(pdf).hexdigest().encode() + b'"}')


def describe(credential: Credential) -> str:
    """The clerk's name for a document: the student and their personal id (the PDF's file name)."""
    student = credential.fields.get("student")
    if isinstance(student, Mapping):
        return f"{student.get('full_name', '?')} ({student.get('personal_id', '?')}.pdf, {credential.id})"
    return credential.id


class BulkSubmitter:
    """``submit`` for :func:`sogoc.issue.issue_year`: collects documents and sends a bulk request
    every ``batch_size``; call :meth:`flush` once the run is over to send the rest."""

    def __init__(self, client: RegistryClient, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.client, self.batch_size = client, batch_size
        self.tally = SubmitTally()
        self._items: list[bytes] = []
        self._labels: list[str] = []

    def __call__(self, credential: Credential, pdf: bytes) -> None:
        self._items.append(bulk_item(credential, pdf))
        self._labels.append(describe(credential))
        if len(self._items) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Send what is collected (nothing if empty); on success, add the answers to ``tally``."""
        if not self._items:
            return
        documents = self.client.submit_bulk(self._items, self._labels)
        self._items, self._labels = [], []
        for d in documents:
            if d["created"]:
                self.tally.created += 1
            else:
                self.tally.existing += 1
            self.tally.document_ids.append(d["document_id"])

    @property
    def pending(self) -> int:
        """Documents collected but not sent yet (those of a request that failed, say)."""
        return len(self._items)


def _error_body(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(answer: httpx.Response, labels: list[str]) -> RegistryRefused:
    """The registry's ``{"code", "detail"}``; for ``bulk_rejected``, each ``errors`` index mapped to its label."""
    body = _error_body(answer)
    items = []
    for e in body.get("errors") or []:
        index = e.get("index")
        label = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else f"item {index}"
        items.append(RefusedItem(label, str(e.get("code", "?")), str(e.get("detail", ""))))
    return RegistryRefused(answer.status_code, str(body.get("code", f"http_{answer.status_code}")),
                           str(body.get("detail", answer.text[:200])), items)
