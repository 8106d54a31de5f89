"""The HTTP plumbing every listener shares: one handler class, the listener it serves
named on its server, requests recorded, faults picked and applied.

The routes themselves live in ``api.py`` (v1 and v2) and ``history.py`` (the request
history and the image host); this module only decides which one runs and how a fault
bends the answer it gives."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.fakes.segmind.api import ApiRoutes
from tests.fakes.segmind.faults import Fault
from tests.fakes.segmind.history import HistoryRoutes
from tests.fakes.segmind.wire import CREDITS_PATH, GENERATE_PATHS, Recorded, iso_utc

if TYPE_CHECKING:
    from tests.fakes.segmind.server import FakeSegmind

# Faults that replace the answer before the request is routed: no job is created.
BEFORE_ROUTING = ("status", "rate", "close", "slow")
# Faults that bend the body of whatever answer the route gives.
BODY_FAULTS = ("drop", "raw", "truncated", "oversized", "trickle")


class Server(ThreadingHTTPServer):
    """One listener. Counts the TCP connections it accepts (and, over TLS, the handshakes)
    so a benchmark can tell whether a client reuses its connections."""

    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSegmind
    name: str
    ssl_context: ssl.SSLContext | None = None

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        self.fake.note_connection(self.name)
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left mid-answer (or refused the certificate) is not news."""


class Handler(ApiRoutes, HistoryRoutes, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    fault: Fault | None = None
    route: str = ""
    query: str = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
            self.server.fake.note_handshake(self.server.name)
        super().setup()

    @property
    def fake(self) -> FakeSegmind:
        return self.server.fake

    # -- verbs -----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        counted = self.server.name == "api"  # in_flight counts the API, as it always did
        if counted:
            self.fake.enter()
        try:
            self._handle_counted(method)
        finally:
            if counted:
                self.fake.leave()

    def _handle_counted(self, method: str) -> None:
        body = self._read_body()
        fake = self.fake
        self.route, _, self.query = self.path.partition("?")
        fake.record(Recorded(method, self.path, {k.lower(): v for k, v in self.headers.items()},
                             body, self.server.name))
        kind = self._kind(method)
        if kind == "status":
            fake.note_poll(self.route.split("/")[3])
        fault = fake.next_fault(kind)
        if fault is None and fake.delay and self.route in GENERATE_PATHS:
            fault = Fault.slow(fake.delay)
        self.fault = fault
        if fault is not None and fault.kind in BEFORE_ROUTING:
            self.fault = None
            if self._fault_before_routing(fault):
                return
        routes = {"api": self._route_api, "history": self._route_history,
                  "images": self._route_image}
        routes[self.server.name](method, body)

    def _kind(self, method: str) -> str:
        """Which ``script_for`` queue this request draws from."""
        if self.server.name == "history":
            return "history"
        if self.server.name == "images":
            return "image"
        parts = self.route.split("/")
        if parts[1:2] == ["v2"]:
            if len(parts) == 3 and method == "POST":
                return "submit"
            if len(parts) >= 4 and parts[2] == "requests":
                return "status" if parts[4:] == ["status"] else "result"
            return ""
        if self.route in GENERATE_PATHS:
            return "v1"
        return "credits" if self.route == CREDITS_PATH else ""

    def _fault_before_routing(self, fault: Fault) -> bool:
        """Apply a fault that replaces the answer; False when the request goes on."""
        if fault.kind == "status":
            self._send(fault.status, fault.body, fault.content_type,
                       {**self._credit_headers(), **fault.headers})
        elif fault.kind == "rate":
            reset = iso_utc(time.time() + fault.delay)
            self._send(429, fault.body, headers={"x-rate-limit-reset-at-utc": reset})
        elif fault.kind == "close":
            self._close_now()
        elif self._client_left(fault.delay):  # slow
            self.fake.note_disconnect()
            self.close_connection = True
        else:
            return False
        return True

    # -- plumbing ------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _credit_headers(self) -> dict[str, str]:
        return self.fake.credit_headers() if self.server.name == "api" else {}

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(),
                   headers=self._credit_headers())

    def _json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        """A JSON answer of a route: the one place a body fault bends it."""
        self._answer(status, json.dumps(document).encode(), "application/json", headers)

    def _answer(self, status: int, body: bytes, content_type: str = "application/json",
                headers: dict[str, str] | None = None) -> None:
        """Send a route's answer, bent by the pending body fault if there is one."""
        fault, self.fault = self.fault, None
        kind = fault.kind if fault is not None and fault.kind in BODY_FAULTS else ""
        if fault is not None and kind == "raw":
            self._send(200, fault.body, fault.content_type, headers)
        elif kind == "truncated":
            self._send(status, body[: len(body) * 2 // 3], content_type, headers)
        elif fault is not None and kind == "oversized":
            self._stream_oversized(fault.size, headers or {})
        elif kind == "drop":
            self._send(status, body[: len(body) // 2], content_type, headers, length=len(body))
            self._close_now()
        elif fault is not None and kind == "trickle":
            self._trickle(status, body, content_type, headers or {}, fault.delay)
        else:
            self._send(status, body, content_type, headers)

    def _answer_after_job(self, status: int, body: bytes, content_type: str,
                          headers: dict[str, str] | None = None) -> None:
        """The answer to a call that created a job, bent by ``after_job_created``."""
        fault = self.fault
        if fault is None or fault.kind != "after":
            self._answer(status, body, content_type, headers)
            return
        self.fault = None
        if fault.then == "close":
            self._close_now()
        elif fault.then == "drop":
            self._send(status, body[: len(body) // 2], content_type, headers, length=len(body))
            self._close_now()
        elif self._client_left(fault.delay):
            self.fake.note_disconnect()
            self.close_connection = True
        else:
            self._send(status, body, content_type, headers)

    def _close_now(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _client_left(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True as soon as the client closes the connection.
        Over TLS a peek is not possible, so it only waits (and says the client stayed)."""
        if isinstance(self.connection, ssl.SSLSocket):
            time.sleep(seconds)
            return False
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.connection], [], [], min(left, 0.01))
            if ready:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except OSError:
                    return True
        return False

    def _trickle(self, status: int, body: bytes, content_type: str, headers: dict[str, str],
                 delay: float) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for offset in range(len(body)):  # stops when the client leaves
                self.wfile.write(body[offset:offset + 1])
                self.wfile.flush()
                if self._client_left(delay):
                    break
        except OSError:
            pass
        self.close_connection = True

    def _stream_oversized(self, size: int, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(size))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        chunk = b"\xff\xd8\xff" + b"\x00" * 65533
        sent = 0
        try:
            while sent < size:  # bounded by size; stops early when the client leaves
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True
