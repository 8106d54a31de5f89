"""The jobs the fake has accepted, and what each one looks like from every side: the v2
status and result bodies, and the request history's rows.

A job keeps no thread of its own: its state follows from the time since it was accepted,
worked out again whenever anyone asks (a poll, a history query, ``server.billed``), and the
first time it is worked out as finished it is billed. So a job whose client went away is
still finished and billed, as the contract says a real one is."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from tests.fakes.segmind.wire import iso_utc

QUEUED, PROCESSING, COMPLETED, FAILED = "QUEUED", "PROCESSING", "COMPLETED", "FAILED"
TERMINAL = (COMPLETED, FAILED)


@dataclasses.dataclass
class FakeJob:
    """One accepted submit (v2) or one v1 call that got its 200.

    ``created`` is wall time (the history's timestamps and date windows read it: a test may
    move it back to make a job old); ``started`` is the monotonic clock the state and the
    expiry are worked out from."""

    request_id: str
    seed: int
    prompt: str
    body: dict[str, Any]
    created: float
    state: str
    api: str
    cost: float
    error: str | None = None
    outputs: list[str] = dataclasses.field(default_factory=list)
    size: tuple[int, int] = (512, 512)
    samples: int = 1
    slug: str = "sd1.5-controlnet-scribble"
    started: float = dataclasses.field(default_factory=time.monotonic)
    queue_seconds: float = 0.0
    job_seconds: float = 0.0
    fail_message: str | None = None
    bill_failure: bool = False
    billed: bool = False
    output_base: str = ""
    report_cost: bool = True   # False: metrics carry no "cost" (the server's cost_headers)

    @property
    def hex_id(self) -> str:
        return self.request_id.replace("-", "")

    @property
    def duration(self) -> float:
        return self.queue_seconds + self.job_seconds

    def state_now(self) -> str:
        """The state as of now, from the clock alone (billing is the server's business)."""
        if self.state in TERMINAL:
            return self.state
        elapsed = time.monotonic() - self.started
        if elapsed < self.queue_seconds:
            return QUEUED
        if elapsed < self.duration:
            return PROCESSING
        return FAILED if self.fail_message is not None else COMPLETED

    def finish(self, state: str) -> None:
        """Record the terminal state: outputs for a completed job, the error for a failed."""
        self.state = state
        if state == COMPLETED:
            self.outputs = [f"{self.output_base}/outputs/{self.request_id}/{n}.jpg"
                            for n in range(self.samples)]
        else:
            self.error = self.fail_message

    def expired(self, ttl: float | None) -> bool:
        return ttl is not None and time.monotonic() - self.started > ttl

    # -- the v2 bodies ---------------------------------------------------------------
    def metrics(self, remaining: float) -> dict[str, Any]:
        elapsed = time.monotonic() - self.started
        queue = min(elapsed, self.queue_seconds)
        metrics: dict[str, Any] = {"queue_time": round(queue, 3)}
        if self.state in TERMINAL:
            if self.report_cost:
                metrics["cost"] = self.cost if self.billed else 0.0
            metrics.update(remaining_credits=remaining, inference_time=self.job_seconds,
                           queue_time=self.queue_seconds, total_time=round(self.duration, 3))
        return metrics

    def status_body(self, remaining: float) -> dict[str, Any]:
        if self.state == FAILED:
            return {"status": FAILED, "error": self.error}
        return {"status": self.state, "metrics": self.metrics(remaining)}

    def result_body(self, remaining: float, shape: str, images: list[bytes]) -> dict[str, Any]:
        """The body of ``GET /v2/requests/{id}``. Before the job finishes it is only the
        status and metrics (no ``output`` key): the contract describes the result body only
        for a COMPLETED job, and a client must poll the status endpoint first anyway."""
        if self.state != COMPLETED:
            return self.status_body(remaining)
        body: dict[str, Any] = {"status": COMPLETED, "error": None}
        objects = [{"url": url, "content_type": "image/jpeg", "file_name": url.rsplit("/", 1)[1],
                    "file_size": len(data)} for url, data in zip(self.outputs, images, strict=True)]
        if shape in ("both", "output-only"):
            body["output"] = self.outputs[0]
        if shape in ("both", "images-objects"):
            body["images"] = objects
        elif shape == "images-strings":
            body["images"] = list(self.outputs)
        body["seed"] = self.seed
        body["metrics"] = self.metrics(remaining)
        return body

    # -- the request history ---------------------------------------------------------
    def history_status(self) -> str:
        return self.state if self.state in TERMINAL else "PENDING"

    def history_rows(self, hex_ids: bool, status_key: str, landed: bool) -> list[dict[str, Any]]:
        """One row per output (one for a job without outputs). Before the record has
        ``landed`` only the id and the status are known: every other field is null."""
        request_id = self.hex_id if hex_ids else self.request_id
        if not landed:
            blank = dict.fromkeys(("model_name", "credits_deduction", "request_body",
                                   "generation_url", "latency_ms", "created_at", "updated_at",
                                   "error"))
            return [{"request_id": request_id, status_key: "PENDING", **blank}]
        finished = self.state in TERMINAL
        row = {
            "request_id": request_id,
            "model_name": self.slug,
            status_key: self.history_status(),
            "credits_deduction": self.cost if self.billed else 0,
            "request_body": {k: v for k, v in self.body.items() if k != "image"},
            "generation_url": None,
            "latency_ms": round(self.duration * 1000) if finished else None,
            "created_at": iso_utc(self.created),
            "updated_at": iso_utc(self.created + (self.duration if finished else 0.0)),
            "error": self.error,
        }
        if not self.outputs:
            return [row]
        return [{**row, "generation_url": url} for url in self.outputs]
