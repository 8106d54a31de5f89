"""Review (money safety, 7): the v1 path took x-request-id from any answer's headers, an
error's too. A refused (429/406, never billed) live job that carries one was kept
"submitted" ("it is collected later") instead of cancelled: an unbilled job shown as paid,
followed for hours, counted against live mode's cap."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.outbox import Outbox
from tests.fakes.segmind_server import API_KEY
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch((64, 64)))


@pytest.mark.parametrize("status, error, live, expected", [
    (429, "Too many requests", True, "cancelled"),
    (406, "Insufficient credits: balance 0.001, estimated cost 0.003", True, "cancelled"),
    (429, "Too many requests", False, "waiting"),      # sent again once the limit resets
    (406, "Insufficient credits: balance 0.001, estimated cost 0.003", False, "failed"),
])
def test_a_refused_job_with_a_request_id_header_is_never_kept_as_submitted(
        tmp_path: Path, status: int, error: str, live: bool, expected: str) -> None:
    class Refuses(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = json.dumps({"error": error}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("x-request-id", "3f0c9a6e-0000-4000-8000-000000000001")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuses)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    store = HistoryStore(tmp_path)
    box = Outbox(store)

    async def send() -> None:
        settings = ClientSettings(base, connect_timeout=2.0, read_timeout=5.0,
                                  history_base=base, api=ApiChoice.V1)
        backend = SegmindBackend(ApiKey(API_KEY), settings,
                                 retry=RetryPolicy(attempts=1, wait_initial=0.01,
                                                   wait_max=0.01, wait_jitter=0.0))
        try:
            gen_id = await box.record(GenerationParams("live", seed=3), SCRIBBLE,
                                      "live" if live else "app", live=live)
            with pytest.raises(StudioError):
                await box.send(backend, gen_id)
        finally:
            await backend.aclose()

    try:
        asyncio.run(send())
    finally:
        server.shutdown()
        box.lock.release()
    [row] = store.read("SELECT state, request_id, error FROM generations")
    print(tuple(row))
    assert row["state"] == expected, f"a refused, unbilled job is {tuple(row)}"
