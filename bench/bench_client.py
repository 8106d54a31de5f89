"""Client overhead, upload size and cancellation latency (issue 2). Printed, not asserted.

- overhead: a 1024×1024 sketch file → decode → binarize → PNG → the backend's submit
  (base64, JSON, the shared httpx client) → the request's first byte at a loopback
  server; median of 50.
  The server runs in its own process and reads the time the first byte arrives
  (CLOCK_MONOTONIC, shared by all processes): a server thread in the bench's own
  process had to win the GIL before it could read the clock, which added up to the
  5 ms switch interval to some rounds. Reference, same run: the same warm httpx client
  posting an already-built body of the same size.
- upload size: the bytes sent for each shared scribble against an RGBA PNG of the same
  picture (what a browser canvas sends).
- cancel: task.cancel() during a slow request → the task has finished; reference:
  cancelling a task that only sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from PIL import Image

from bench._table import median_ms, p95_ms, print_table
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import decode_image, export_scribble
from scribble_studio.services.backends import JobRequest, Progress, Ticket, create_backend
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind_wire import SLUG, request_body
from scribble_studio.services.config import ApiKey, ClientSettings
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault

REPO = Path(__file__).resolve().parent.parent
SCRIBBLES = REPO.parent / "shared" / "scribbles"
RUNS = 50
# Pillow's block allocator page-faults fresh memory for its first large images: the
# first few dozen exports are ~4 ms slower. A running app is past that; measure there.
WARMUP = 20
ROUNDS = 3


class FirstByteServer:
    """A keep-alive HTTP/1.1 sink in a child process that prints, for each request, the
    ``time.perf_counter()`` at which its first byte arrived."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bench.bench_client",
                                         "--first-byte-server"], stdout=subprocess.PIPE,
                                        text=True, cwd=REPO)
        assert self.process.stdout is not None
        self._lines = self.process.stdout
        self.port = int(self._lines.readline())

    def first_byte(self) -> float:
        """When the last request's first byte arrived (call once per request)."""
        return float(self._lines.readline())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


def serve_first_bytes() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=_first_byte_connection, args=(conn,), daemon=True).start()


def _first_byte_connection(conn: socket.socket) -> None:
    buffer = b""
    while True:
        chunk = conn.recv(1 << 20)
        if not chunk:
            return
        if not buffer:
            print(time.perf_counter(), flush=True)
        buffer += chunk
        head, sep, rest = buffer.partition(b"\r\n\r\n")
        if not sep:
            continue
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length")), 0)
        if len(rest) >= length:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            buffer = b""


def sketch_file(folder: Path) -> Path:
    picture = Image.open(SCRIBBLES / "human_line.png").convert("RGB").resize((1024, 1024))
    path = folder / "sketch-1024.png"
    picture.save(path)
    return path


class NoEvents:
    async def submitted(self, ticket: Ticket) -> None:
        pass

    def progress(self, progress: Progress) -> None:
        pass


async def overhead(path: Path, server: FirstByteServer) -> tuple[list[float], list[float]]:
    ours, reference = [], []
    base = f"http://127.0.0.1:{server.port}/v1"
    params = GenerationParams("a person", seed=1)
    backend = create_backend(ApiKey(API_KEY), ClientSettings(base),
                             retry=RetryPolicy(attempts=1))
    async with httpx.AsyncClient() as plain:
        for _ in range(RUNS + WARMUP):
            started = time.perf_counter()
            scribble = export_scribble(decode_image(path.read_bytes()))
            # The sink answers 200 with no request id: a StudioError, after the first byte.
            with contextlib.suppress(StudioError):
                await backend.run(JobRequest(params, scribble), NoEvents())
            ours.append(server.first_byte() - started)
            body = json.dumps(request_body(params, scribble.base64())).encode()
            started = time.perf_counter()
            await plain.post(f"{base[:-3]}/v2/{SLUG}", content=body,
                             headers={"content-type": "application/json"})
            reference.append(server.first_byte() - started)
    await backend.aclose()
    return ours[WARMUP:], reference[WARMUP:]


async def cancel_latency(fake: FakeSegmind, scribble_png: Path) -> tuple[list[float], list[float]]:
    scribble = export_scribble(decode_image(scribble_png.read_bytes()))
    ours, reference = [], []
    client = create_backend(ApiKey(API_KEY), ClientSettings(fake.base_url))
    try:
        for _ in range(20):
            fake.script(Fault.slow(30))
            seen = len(fake.requests)
            task = asyncio.create_task(client.run(JobRequest(GenerationParams("x", seed=1),
                                                             scribble), NoEvents()))
            while len(fake.requests) == seen:
                await asyncio.sleep(0.005)
            started = time.perf_counter()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            ours.append(time.perf_counter() - started)
            sleeper = asyncio.create_task(asyncio.sleep(30))
            await asyncio.sleep(0.01)
            started = time.perf_counter()
            sleeper.cancel()
            await asyncio.gather(sleeper, return_exceptions=True)
            reference.append(time.perf_counter() - started)
    finally:
        await client.aclose()
    return ours, reference


def upload_sizes() -> list[list[object]]:
    rows: list[list[object]] = []
    for path in sorted(SCRIBBLES.glob("*.png")):
        picture = Image.open(path)
        sent = export_scribble(picture).png
        rgba = io.BytesIO()
        picture.convert("RGBA").save(rgba, format="PNG")
        rgba_size = len(rgba.getvalue())
        rows.append([path.name, f"{picture.width}×{picture.height}", len(sent), rgba_size,
                     f"1/{rgba_size / len(sent):.1f}", "≤ 1/8"])
    return rows


def main() -> None:
    server = FirstByteServer()
    with tempfile.TemporaryDirectory() as folder:
        path = sketch_file(Path(folder))
        # Three rounds, each a fresh loop and connection; each round's median is shown.
        rounds = [asyncio.run(overhead(path, server)) for _ in range(ROUNDS)]
    server.close()
    ours = [t for r in rounds for t in r[0]]
    ref = [t for r in rounds for t in r[1]]
    per_round = " / ".join(f"{median_ms(r[0]):.1f}" for r in rounds)
    with FakeSegmind() as fake:
        cancel, cancel_ref = asyncio.run(cancel_latency(fake, SCRIBBLES / "user_1.png"))
    print_table("Client (median of runs; reference measured in the same run)",
                ["measure", "runs", "median ms", "p95 ms", "reference median ms", "ratio",
                 "target"],
                [[f"sketch file → first request byte (1024×1024); rounds {per_round} ms",
                  len(ours),
                  f"{median_ms(ours):.2f}", f"{p95_ms(ours):.2f}", f"{median_ms(ref):.2f}",
                  f"{median_ms(ours) / median_ms(ref):.1f}×", "≤ 20 ms"],
                 ["cancel → task finished", len(cancel), f"{median_ms(cancel):.2f}",
                  f"{p95_ms(cancel):.2f}", f"{median_ms(cancel_ref):.2f}",
                  f"{median_ms(cancel) / median_ms(cancel_ref):.1f}×", "≤ 100 ms"]])
    print_table("Upload size (PNG bytes sent vs an RGBA PNG of the same picture)",
                ["scribble", "size", "sent bytes", "RGBA PNG bytes", "ratio", "target"],
                upload_sizes())


if __name__ == "__main__":
    if "--first-byte-server" in sys.argv:
        serve_first_bytes()
    else:
        main()
