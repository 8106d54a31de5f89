"""Faults: what a scripted request gets instead of the normal answer.

``server.script(fault)`` hands a fault to the next request of any kind;
``server.script_for(kind, fault)`` to the next request of one kind (see ``KINDS``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

# The kinds of request a fault can be aimed at with ``script_for``.
KINDS = frozenset({"submit", "status", "result", "image", "history", "v1", "credits"})
# What ``after_job_created`` may do once the job exists.
AFTER_ACTIONS = ("close", "drop", "slow:")


@dataclasses.dataclass
class Fault:
    """What the next request gets instead of the normal answer.

    Faults of kind ``status``, ``rate``, ``close`` and ``slow`` act before the request is
    routed (so no job is created); the others change the answer the route would give."""

    kind: str
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    shape: str = "image-list"
    count: int | None = None
    size: int = 0
    then: str = ""

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
    def rate_limited(cls, reset_in_s: float = 2.0) -> Fault:
        """A 429 as Segmind sends it: ``x-rate-limit-reset-at-utc`` (worked out when the
        answer goes out) and no Retry-After, so a client must read the reset time."""
        return cls("rate", status=429, body=json.dumps({"error": "Too many requests"}).encode(),
                   delay=reset_in_s)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        """Answer normally, after ``delay`` seconds (and notice if the client leaves)."""
        return cls("slow", delay=delay)

    @classmethod
    def drop_mid_body(cls) -> Fault:
        """Send the headers and half the body, then cut the connection."""
        return cls("drop")

    @classmethod
    def close_without_answer(cls) -> Fault:
        return cls("close")

    @classmethod
    def garbage(cls, body: bytes = b"\x00\x13garbage\xff" * 50,
                content_type: str = "image/jpeg") -> Fault:
        """A 200 whose body is not what the route would send."""
        return cls("raw", body=body, content_type=content_type)

    @classmethod
    def truncated_image(cls) -> Fault:
        """A complete HTTP answer whose body is the first two thirds of the real one."""
        return cls("truncated")

    @classmethod
    def oversized(cls, size: int = 200 * 2**20) -> Fault:
        """A 200 ``image/jpeg`` of ``size`` bytes, streamed until the client leaves."""
        return cls("oversized", size=size)

    @classmethod
    def trickle(cls, delay: float = 0.05) -> Fault:
        """The normal answer, its body one byte at a time ``delay`` seconds apart: a
        connection that is alive but too slow for any read deadline."""
        return cls("trickle", delay=delay)

    @classmethod
    def json_images(cls, shape: str, count: int | None = None) -> Fault:
        """Answer v1 JSON in one of the shapes the contract allows:
        ``image-str``, ``image-list``, ``images-list``, ``data-url``."""
        return cls("json", shape=shape, count=count)

    @classmethod
    def after_job_created(cls, then: str) -> Fault:
        """For a v2 submit or a v1 call: the job is created (it runs and is billed as
        usual), then the answer is replaced by ``then``: ``"close"`` (connection closed
        without an answer), ``"slow:<seconds>"`` (answer delayed, so a client timing out
        leaves a job behind) or ``"drop"`` (headers sent, then the body is cut)."""
        if not (then in ("close", "drop") or then.startswith("slow:")):
            raise ValueError(f"after_job_created: unknown action {then!r}")
        delay = float(then.split(":", 1)[1]) if then.startswith("slow:") else 0.0
        return cls("after", then=then.split(":", 1)[0], delay=delay)
