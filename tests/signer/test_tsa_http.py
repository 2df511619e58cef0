"""The production path of time-stamping: an RFC 3161 TSA reached over HTTP (``SOGOC_TSA_URL``).

A licensed TSA answers ``application/timestamp-query`` POSTs; here a small HTTP server in a
thread answers with the development TSA's tokens, so the client side (pyHanko's
``HTTPTimeStamper`` behind :func:`signer.sign.make_timestamper`) runs for real, over a socket.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import tsp

from signer.errors import SignerError
from signer.render import render_transcript
from signer.sign import make_timestamper, sign_transcript
from verifier.pdf import check_signatures


class _Tsa(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_error(415)
            return
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests += 1
        answer = self.server.stamper.request_tsa_response(request).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def tsa_url(dev_pki, signing_time):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tsa)
    server.stamper, server.requests = dev_pki.timestamper(signing_time), 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", server
    server.shutdown()
    server.server_close()


def test_a_transcript_time_stamped_by_a_tsa_over_http_validates(tsa_url, demo_cohort, transcripts, dev_keys,
                                                                   dev_ltv, dev_pki, signing_time, verify_url_for):
    url, server = tsa_url
    transcript = transcripts[0]
    credential = transcript.to_credential(demo_cohort["issued_on"])
    pdf = render_transcript(transcript, credential, verify_url_for(credential))
    signed = sign_transcript(pdf, *dev_keys, make_timestamper(url, None), dev_ltv)
    reports = check_signatures(signed, dev_pki.trust_roots())
    assert [(r.ok, r.timestamped, r.signing_time) for r in reports] == [(True, True, signing_time)] * 2
    assert server.requests >= 2  # each signature's token came over HTTP


def test_an_unreachable_tsa_is_a_clear_error_and_nothing_is_signed(demo_cohort, transcripts, dev_keys, dev_ltv,
                                                                  verify_url_for):
    transcript = transcripts[0]
    credential = transcript.to_credential(demo_cohort["issued_on"])
    pdf = render_transcript(transcript, credential, verify_url_for(credential))
    with pytest.raises(SignerError) as raised:
        sign_transcript(pdf, *dev_keys, make_timestamper("http://127.0.0.1:9/tsa", None), dev_ltv)
    assert raised.value.code == "timestamp_unavailable" and "http://127.0.0.1:9/tsa" in str(raised.value)
