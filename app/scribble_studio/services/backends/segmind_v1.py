"""Segmind's v1 API: one blocking call. Kept as the fallback where a model is not served
on v2, with recovery too: the ``x-request-id`` header is stored as soon as the headers
arrive, so an answer cut off later is collected through the request history."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from scribble_studio.domain.errors import (
    BadResponse,
    ConnectionLost,
    StudioError,
    SubmitInDoubt,
    TimedOut,
)
from scribble_studio.domain.results import GenerationResult
from scribble_studio.services.backends.base import JobEvents, JobRequest, Ticket
from scribble_studio.services.backends.retry import (
    RetryListener,
    RetryPolicy,
    submit_with_retries,
)
from scribble_studio.services.backends.segmind_errors import parse_credits
from scribble_studio.services.backends.segmind_wire import parse_images, request_body, spec_of
from scribble_studio.services.backends.transport import Transport

API = "v1"
# Gateway trouble: the request reached something, and whether the model ran is unknown.
_GATEWAY = (502, 503, 504)


class TicketedFailure(Exception):
    """The server took the job (its request id arrived) and then the answer was lost:
    collect it through the request history instead of failing."""

    def __init__(self, ticket: Ticket, error: StudioError) -> None:
        super().__init__(error.message)
        self.ticket = ticket
        self.error = error


def _cost(headers: httpx.Headers) -> float | None:
    return parse_credits(headers.get("x-cost"))


async def run(transport: Transport, request: JobRequest, events: JobEvents,
              policy: RetryPolicy, on_retry: RetryListener | None) -> GenerationResult:
    params = request.params
    spec = spec_of(params, request.spec)
    body = json.dumps(request_body(params, request.scribble.base64(), spec)).encode()
    url = transport.settings.url(spec.slug)
    ticket: Ticket | None = None

    async def headers_arrived(status: int, headers: httpx.Headers) -> None:
        nonlocal ticket
        # Only an answer that may carry a billed job gives a ticket: a 200 (the image
        # follows) or a 5xx (ambiguous). A 4xx or 429 refused the job: never billed, and
        # an id on it must not make it "submitted, collected later".
        if status != 200 and status < 500:
            return
        request_id = headers.get("x-request-id", "").strip()[:128]
        # An id that echoes the key is no id: it is never stored, written or shown.
        if request_id and ticket is None and transport.redact(request_id) == request_id:
            ticket = Ticket(API, request_id)
            await events.submitted(ticket)

    async def once() -> GenerationResult:
        started = time.monotonic()
        try:
            answer = await transport.call("POST", url, body, on_headers=headers_arrived)
        except (TimedOut, ConnectionLost) as exc:
            if ticket is not None:
                raise TicketedFailure(ticket, exc) from None
            raise SubmitInDoubt(f"{exc.message} The job may have reached Segmind.") from None
        if answer.status in _GATEWAY:
            message = transport.error_of(answer).message
            raise SubmitInDoubt(f"{message} The job may have reached Segmind.")
        if not answer.ok or answer.status != 200:
            error = transport.error_of(answer) if answer.status >= 400 else BadResponse(
                f"The server answered HTTP {answer.status} instead of an image.")
            raise error
        try:
            images = await asyncio.to_thread(parse_images, answer.body)
        except BadResponse as exc:
            if ticket is not None:
                raise TicketedFailure(ticket, exc) from None
            raise
        return GenerationResult(
            images=tuple(images[: params.samples]), params=params,
            credits=transport.last_credits,
            request_id=ticket.request_id if ticket else None,
            elapsed_s=time.monotonic() - started, api=API, cost=_cost(answer.headers))

    return await submit_with_retries(once, policy, on_retry, server_errors_are_safe=False)

