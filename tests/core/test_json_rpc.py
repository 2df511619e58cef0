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

    def __init__(self, answer: dict | None = None, status: int = 200) -> None:
        self.answer, self.status, self.connections = answer, status, 0
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
