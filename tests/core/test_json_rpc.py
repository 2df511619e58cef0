"""The chain reader's JSON-RPC client: keep-alive, a node that drops idle connections, errors."""

import json
import socket
import threading

import pytest

from core.chain import JsonRpc
from core.errors import ChainError, ConfigurationError


class DroppingNode:
    """Answers one JSON-RPC request per connection, claims keep-alive, then hangs up anyway
    (as a node or proxy does with idle connections)."""

    def __init__(self, answer: dict | None = None, status: int = 200, answer_batch=None) -> None:
        self.answer, self.status, self.connections = answer, status, 0
        self.answer_batch, self.requests = answer_batch, []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/rpc"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, body = data.split(b"\r\n\r\n", 1)
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                while len(body) < length:
                    body += conn.recv(65536)
                request = json.loads(body)
                self.requests.append(request)
                if self.answer_batch is not None and isinstance(request, list):
                    answer = self.answer_batch(request)
                else:
                    answer = self.answer or {"jsonrpc": "2.0", "id": request["id"], "result": request["method"]}
                payload = json.dumps(answer).encode()
                conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (self.status, len(payload), payload))

    def close(self) -> None:
        self.server.close()


def test_a_dropped_keep_alive_connection_is_reopened_once():
    node = DroppingNode()
    try:
        rpc = JsonRpc(node.url, timeout=5)
        assert [rpc.request("eth_blockNumber", []) for _ in range(3)] == ["eth_blockNumber"] * 3
        assert node.connections == 3
    finally:
        node.close()


def test_an_error_answer_is_a_chain_error_naming_the_call():
    node = DroppingNode({"jsonrpc": "2.0", "id": 1, "error": {"code": 3, "message": "execution reverted"}})
    try:
        with pytest.raises(ChainError) as e:
            JsonRpc(node.url, timeout=5).request("eth_call", [], what="credentialStatus")
        assert "refused credentialStatus" in e.value.detail and "execution reverted" in e.value.detail
    finally:
        node.close()


def test_an_http_error_is_a_chain_error():
    node = DroppingNode({"oops": True}, status=502)
    try:
        with pytest.raises(ChainError) as e:
            JsonRpc(node.url, timeout=5).request("eth_call", [])
        assert "HTTP 502" in e.value.detail
    finally:
        node.close()


def test_only_http_urls_are_accepted():
    with pytest.raises(ConfigurationError):
        JsonRpc("ws://127.0.0.1:8546")


CALLS = [("eth_blockNumber", [], "head"), ("eth_call", [1], "credentialStatus"), ("eth_chainId", [], "chain")]


def values(replies):
    out = []
    for reply in replies:
        try:
            out.append(reply.value())
        except ChainError as e:
            out.append(e.detail)
    return out


def test_batch_answers_are_matched_by_id_whatever_their_order():
    node = DroppingNode(answer_batch=lambda items: [{"jsonrpc": "2.0", "id": i["id"], "result": i["method"]}
                                                    for i in reversed(items)])
    try:
        assert values(JsonRpc(node.url, timeout=5).batch(CALLS)) == ["eth_blockNumber", "eth_call", "eth_chainId"]
        assert node.connections == 1 and isinstance(node.requests[0], list)
    finally:
        node.close()


def test_an_item_answered_with_an_error_or_not_at_all_is_that_items_chain_error():
    def answer(items):
        first, second, _third = items  # the third gets no answer
        return [{"jsonrpc": "2.0", "id": second["id"], "error": {"code": 3, "message": "execution reverted"}},
                {"jsonrpc": "2.0", "id": first["id"], "result": "0x1"}]
    node = DroppingNode(answer_batch=answer)
    try:
        head, status, chain = values(JsonRpc(node.url, timeout=5).batch(CALLS))
        assert head == "0x1"
        assert "refused credentialStatus" in status and "execution reverted" in status
        assert "refused chain" in chain and "no answer" in chain
    finally:
        node.close()


def test_a_node_that_takes_no_batches_is_asked_each_call_alone():
    """A node or proxy answering a batch with one error object (Besu past --rpc-http-max-batch-size)."""
    node = DroppingNode(answer_batch=lambda items: {"jsonrpc": "2.0", "id": None,
                                                     "error": {"code": -32005, "message": "too many requests"}})
    try:
        assert values(JsonRpc(node.url, timeout=5).batch(CALLS)) == ["eth_blockNumber", "eth_call", "eth_chainId"]
        assert [type(r).__name__ for r in node.requests] == ["list", "dict", "dict", "dict"]
    finally:
        node.close()


def test_a_batch_answered_with_an_http_error_is_asked_call_by_call():
    node = DroppingNode({"oops": True}, status=502)
    try:
        answers = values(JsonRpc(node.url, timeout=5).batch(CALLS))
        assert [w in a for w, a in zip(("did not answer head", "did not answer credentialStatus",
                                            "did not answer chain"), answers)] == [True] * 3
        assert all("HTTP 502" in a for a in answers)
        assert len(node.requests) == 4  # the batch, then each call alone
    finally:
        node.close()


def test_a_batch_to_a_node_that_does_not_answer_is_a_chain_error_naming_its_first_call():
    server = socket.create_server(("127.0.0.1", 0))  # listens, never answers
    try:
        with pytest.raises(ChainError) as e:
            JsonRpc(f"http://127.0.0.1:{server.getsockname()[1]}/", timeout=0.5).batch(CALLS)
        assert "did not answer head" in e.value.detail
    finally:
        server.close()
