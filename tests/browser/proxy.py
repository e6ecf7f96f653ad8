"""A small HTTP proxy in front of a live server that can lose responses on purpose: it forwards
the request, lets the server answer (so the work is committed), then drops the connection
instead of passing the answer on, as a phone losing signal at the wrong moment would. With
``hang`` set it is a network that accepts every connection and never answers (a captive portal,
one bar of signal): the request is read, then nothing, until the proxy closes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


@dataclass
class LossyProxy:
    upstream_port: int
    drop_prefix: bytes = b"POST /sync/push"
    drops_left: int = 0
    dropped: int = 0
    port: int = 0
    # Called (in the proxy's thread) once the next matching request has reached the server.
    after_forward: Callable[[], None] | None = None
    hang: bool = False
    # Answer requests starting with ``drop_prefix`` with this status, unforwarded (0: forward).
    fail_with: int = 0
    _server: socket.socket = field(init=False)
    _held: list[socket.socket] = field(default_factory=list)

    def start(self) -> LossyProxy:
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((HOST, self.port))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        if self.hang:
            _read_request(client)
            self._held.append(client)  # accepted, read, never answered
            return
        with client:
            request = _read_request(client)
            if not request:
                return
            if self.fail_with and request.startswith(self.drop_prefix):
                body = b'{"error": {"code": "unavailable", "message": "Try again later."}}'
                client.sendall(
                    b"HTTP/1.1 %d Failed\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                    % (self.fail_with, len(body), body)
                )
                return
            try:
                upstream = socket.create_connection((HOST, self.upstream_port), timeout=30)
            except OSError:
                return  # the server is down: the browser sees a dropped connection
            with upstream:
                upstream.sendall(request)
                hook = self.after_forward
                if hook is not None and request.startswith(self.drop_prefix):
                    self.after_forward = None
                    hook()
                response = b""
                try:
                    while chunk := upstream.recv(65536):
                        response += chunk
                except OSError:
                    return  # the server died mid-request
            if request.startswith(self.drop_prefix) and self.drops_left > 0 and response:
                self.drops_left -= 1
                self.dropped += 1
                return  # committed on the server, never told to the browser
            client.sendall(response)

    def close(self) -> None:
        self._server.close()
        self.release()

    def release(self) -> None:
        """Close the connections held while hanging."""
        while self._held:
            self._held.pop().close()
