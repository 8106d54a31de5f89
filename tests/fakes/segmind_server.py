"""A fake Segmind API: a real HTTP/1.1 server on 127.0.0.1 that follows
``shared/segmind-api.md`` strictly, bills like the real one and injects faults.

Use it as a context manager::

    with FakeSegmind() as server:
        server.base_url            # http://127.0.0.1:<port>/v1
        server.script(Fault.status(500))   # the next request gets a 500
        ...
        server.billed              # how many generate calls were charged
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import io
import json
import select
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

API_KEY = "sk-test-6f1e0c0ffee5ecret"
GENERATE_PATH = "/v1/sd1.5-controlnet-scribble"
CREDITS_PATH = "/v1/get-user-credits"
SCHEDULERS = {"DDIM", "DPM Multi", "DPM Single", "Euler a", "Euler", "Heun", "DPM2 a Karras",
              "DPM2 Karras", "LMS", "PNDM", "DDPM", "UniPC"}
HTML_405 = (b"<!DOCTYPE html><html><head><title>405 Method Not Allowed</title></head>"
            b"<body><h1>Method Not Allowed</h1><p>The method is not allowed for the "
            b"requested URL.</p></body></html>")


@dataclasses.dataclass
class Fault:
    """What the next request gets instead of the normal answer."""

    kind: str
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    shape: str = "image-list"
    count: int | None = None
    size: int = 0

    @classmethod
    def status_code(cls, status: int, body: bytes | str | dict[str, Any] = b"",
                    content_type: str = "application/json", **headers: str) -> Fault:
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        return cls("status", status=status, body=body, content_type=content_type,
                   headers=dict(headers))

    @classmethod
    def slow(cls, delay: float) -> Fault:
        """Answer normally, after ``delay`` seconds (and notice if the client leaves)."""
        return cls("slow", delay=delay)

    @classmethod
    def drop_mid_body(cls) -> Fault:
        return cls("drop")

    @classmethod
    def close_without_answer(cls) -> Fault:
        return cls("close")

    @classmethod
    def garbage(cls, body: bytes = b"\x00\x13garbage\xff" * 50,
                content_type: str = "image/jpeg") -> Fault:
        return cls("raw", body=body, content_type=content_type)

    @classmethod
    def truncated_image(cls) -> Fault:
        return cls("truncated")

    @classmethod
    def oversized(cls, size: int = 200 * 2**20) -> Fault:
        return cls("oversized", size=size)

    @classmethod
    def json_images(cls, shape: str, count: int | None = None) -> Fault:
        """Answer JSON in one of the shapes the contract allows:
        ``image-str``, ``image-list``, ``images-list``, ``data-url``."""
        return cls("json", shape=shape, count=count)


@dataclasses.dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@functools.lru_cache(maxsize=64)
def result_jpeg(width: int, height: int, seed: int, index: int) -> bytes:
    """A small, deterministic stand-in for a generated image."""
    shade = (seed * 2654435761 + index * 40503) & 0xFFFFFF
    image = Image.new("RGB", (width, height), (shade >> 16, (shade >> 8) & 255, shade & 255))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4),
                                  outline=(255, 255, 255), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing ------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(),
                   headers=self.server.fake.credit_headers())

    def _client_left(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True as soon as the client closes the connection."""
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

    # -- verbs -----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        fake.enter()
        try:
            self._handle_counted(method)
        finally:
            fake.leave()

    def _handle_counted(self, method: str) -> None:
        body = self._read_body()
        fake = self.server.fake
        fake.record(Recorded(method, self.path, {k.lower(): v for k, v in self.headers.items()},
                             body))
        fault = fake.next_fault()
        if fault is None and fake.delay and self.path == GENERATE_PATH:
            fault = Fault.slow(fake.delay)
        if fault is not None and fault.kind == "status":
            self._send(fault.status, fault.body, fault.content_type,
                       {**fake.credit_headers(), **fault.headers})
            return
        if fault is not None and fault.kind == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "slow" and self._client_left(fault.delay):
            fake.note_disconnect()
            self.close_connection = True
            return
        if self.path not in (GENERATE_PATH, CREDITS_PATH):
            self._error(404, f"Not found: {self.path}")
            return
        expected = "POST" if self.path == GENERATE_PATH else "GET"
        if method != expected:
            self._send(405, HTML_405, "text/html")
            return
        key = self.headers.get("x-api-key")
        if not key:
            self._error(401, "Missing Authorization or x-api-key in header")
            return
        if key != fake.api_key:
            self._error(401, "API key is invalid or may have expired")
            return
        if self.path == CREDITS_PATH:
            self._send(200, json.dumps({"credits": fake.credits, "free-credits": 0.0}).encode())
            return
        self._generate(body, fault)

    def _generate(self, body: bytes, fault: Fault | None) -> None:
        fake = self.server.fake
        if (self.headers.get("content-type") or "").split(";")[0].strip() != "application/json":
            self._error(406, "Invalid content type")
            return
        try:
            request = json.loads(body)
        except ValueError:
            self._error(400, "Request body is not valid JSON")
            return
        problem, size = validate_request(request)
        if problem:
            self._error(400, problem)
            return
        cost = fake.cost(request)
        if cost > fake.credits:
            self._error(406, f"Not enough credits: your balance is {fake.credits:g}, "
                             f"this request costs {cost:g}.")
            return
        fake.charge(cost, request["seed"])
        seed = request["seed"]
        images = [result_jpeg(size[0], size[1], seed, i) for i in range(request["samples"])]
        headers = {**fake.credit_headers(), "x-request-id": f"req-{fake.billed}"}
        self._answer_images(request, images, headers, fault)

    def _answer_images(self, request: dict[str, Any], images: list[bytes],
                       headers: dict[str, str], fault: Fault | None) -> None:
        kind = fault.kind if fault else ""
        if kind == "drop":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(images[0])))
            self.end_headers()
            self.wfile.write(images[0][: len(images[0]) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "raw":
            assert fault is not None
            self._send(200, fault.body, fault.content_type, headers)
            return
        if kind == "truncated":
            self._send(200, images[0][: len(images[0]) * 2 // 3], "image/jpeg", headers)
            return
        if kind == "oversized":
            assert fault is not None
            self._stream_oversized(fault.size, headers)
            return
        if kind == "json" or request["base64"]:
            shape = fault.shape if fault and kind == "json" else "image-list"
            count = fault.count if fault and fault.count is not None else len(images)
            self._send(200, json_body(images[:count], shape), "application/json", headers)
            return
        self._send(200, images[0], "image/jpeg", headers)

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


def json_body(images: list[bytes], shape: str) -> bytes:
    encoded = [base64.b64encode(data).decode() for data in images]
    if shape == "image-str":
        document: dict[str, Any] = {"image": encoded[0], "status": "Success", "interTime": 1.5}
    elif shape == "images-list":
        document = {"images": encoded}
    elif shape == "data-url":
        document = {"image": [f"data:image/jpeg;base64,{e}" for e in encoded]}
    else:
        document = {"image": encoded, "status": "Success", "interTime": 1.5}
    return json.dumps(document).encode()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def validate_request(req: Any) -> tuple[str | None, tuple[int, int]]:
    """The contract's field rules. Returns (problem, image size)."""
    if not isinstance(req, dict):
        return "Body must be a JSON object", (0, 0)
    allowed = {"image", "prompt", "negative_prompt", "samples", "scheduler",
               "num_inference_steps", "guidance_scale", "strength", "seed", "base64"}
    unknown = set(req) - allowed
    if unknown:
        return f"Unknown fields: {sorted(unknown)}", (0, 0)
    for field in ("image", "prompt", "base64"):
        if field not in req:
            return f"{field} is required", (0, 0)
    if not isinstance(req["prompt"], str) or not req["prompt"].strip():
        return "prompt must be a non-empty string", (0, 0)
    if "negative_prompt" in req and not isinstance(req["negative_prompt"], str):
        return "negative_prompt must be a string", (0, 0)
    if not isinstance(req["base64"], bool):
        return "base64 must be a boolean", (0, 0)
    rules = {"samples": (_is_int, 1, 4), "num_inference_steps": (_is_int, 20, 100),
             "guidance_scale": (_is_num, 0.1, 25), "strength": (_is_num, 0.1, 1)}
    for field, (kind, low, high) in rules.items():
        if field in req and not (kind(req[field]) and low <= req[field] <= high):
            return f"{field} must be a number in {low}..{high}", (0, 0)
    req.setdefault("samples", 1)
    seed = req.setdefault("seed", -1)
    if not _is_int(seed) or not (seed == -1 or 0 <= seed <= 2**53 - 1):
        return "seed must be an integer", (0, 0)
    if "scheduler" in req and req["scheduler"] not in SCHEDULERS:
        return f"scheduler must be one of {sorted(SCHEDULERS)}", (0, 0)
    image = req["image"]
    if not isinstance(image, str) or image.startswith("data:"):
        return "image must be plain base64 (no data: prefix)", (0, 0)
    try:
        raw = base64.b64decode(image, validate=True)
        with Image.open(io.BytesIO(raw)) as decoded:
            decoded.load()
            size = decoded.size
    except (binascii.Error, ValueError, OSError):
        return "image is not a valid base64-encoded image", (0, 0)
    return None, size


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSegmind


class FakeSegmind:
    """The fake API. ``credits_header`` chooses the header's spelling (or ``None``)."""

    def __init__(self, api_key: str = API_KEY, credits: float = 100.0,
                 credits_header: str | None = "x-remaining-credits", port: int = 0,
                 delay: float = 0.0) -> None:
        self.api_key = api_key
        self.delay = delay
        self.credits = credits
        self.credits_header = credits_header
        self.requests: list[Recorded] = []
        self.billed = 0
        self.billed_seeds: list[int] = []
        self.disconnects = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSegmind:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.fake = self
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: new connections are refused until :meth:`start` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSegmind:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    # -- scripting and accounting ---------------------------------------------------
    def script(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def note_disconnect(self) -> None:
        with self._lock:
            self.disconnects += 1

    @property
    def generate_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == GENERATE_PATH]

    @staticmethod
    def cost(request: dict[str, Any]) -> float:
        steps = request.get("num_inference_steps", 20)
        return round(0.25 * request["samples"] * steps / 20, 4)

    def charge(self, cost: float, seed: int) -> None:
        with self._lock:
            self.credits = round(self.credits - cost, 4)
            self.billed += 1
            self.billed_seeds.append(seed)

    def credit_headers(self) -> dict[str, str]:
        if self.credits_header is None:
            return {}
        return {self.credits_header: f"{self.credits:g}"}


def main() -> None:
    """Run the fake API on its own: ``python -m tests.fakes.segmind_server [--port N]
    [--delay S]``. Prints the base URL, serves until interrupted. For benchmarks and
    manual runs; every request waits ``--delay`` seconds (a model at work)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--credits", type=float, default=1000.0)
    args = parser.parse_args()
    server = FakeSegmind(credits=args.credits, port=args.port, delay=args.delay).start()
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
