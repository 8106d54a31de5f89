"""Segmind's v2 job API: submit (a request id at once), poll sparingly, fetch the result,
download the images without the key. A job that expired from the v2 records is
collected through the request history. Nothing here ever submits a job twice."""

from __future__ import annotations

import asyncio
import json
import random
import time
from urllib.parse import quote

from scribble_studio.domain.errors import (
    BadResponse,
    ConnectionLost,
    JobFailed,
    NetworkError,
    Offline,
    RateLimited,
    ServerError,
    StillRunning,
    SubmitInDoubt,
    TimedOut,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult, ResultImage, check_image
from scribble_studio.services.backends.base import JobEvents, JobRequest, Phase, Progress, Ticket
from scribble_studio.services.backends.retry import (
    RetryListener,
    RetryPolicy,
    network_wait,
    next_poll_wait,
    rate_limit_wait,
    submit_with_retries,
)
from scribble_studio.services.backends.segmind_history import RequestHistory
from scribble_studio.services.backends.segmind_wire import (
    RemoteStatus,
    is_terminal_body,
    parse_result,
    parse_status,
    parse_submit,
    request_body,
    spec_of,
)
from scribble_studio.services.backends.transport import Answer, Transport

API = "v2"
_TRANSIENT = (Offline, TimedOut, ConnectionLost)
DOWNLOAD_TRIES = 3
RESULT_FAILURES = 12   # network failures or 5xx in a row on the result: collected later
# Gateway errors: the submit reached a gateway that may have passed it on (the
# contract's billing table says "unknown" for them), so the job is looked up, not sent
# again; a 500 or 503 from the submit means no job exists and it is tried again.
_SUBMIT_IN_DOUBT = (502, 504)


class NotServedOnV2(Exception):
    """404/405 on submit: the model is not served on v2 at this base URL (no job exists)."""


class Follower:
    """Polls one job with a schedule: the first poll near the usual time, then backing
    off with jitter; a 429 waits for its reset, a network failure for a backoff. A
    ``deadline`` (seconds, or None for no end) turns into :class:`StillRunning`."""

    def __init__(self, transport: Transport, history: RequestHistory, policy: RetryPolicy,
                 rng: random.Random, deadline: float | None) -> None:
        self._t = transport
        self._history = history
        self._policy = policy
        self._rng = rng
        self._deadline = deadline

    async def get(self, url: str, events: JobEvents, give_up_at: float | None,
                  ticket: Ticket, max_failures: int | None = None) -> Answer:
        """A free GET, retried after network failures, 5xx and 429s until it answers (or,
        with ``max_failures``, until that many failures in a row: StillRunning)."""
        failures = 0
        while True:
            if max_failures is not None and failures >= max_failures:
                raise StillRunning(f"Segmind has the job (request {ticket.request_id}) but "
                                   "its result could not be fetched yet.")
            try:
                answer = await self._t.call("GET", url)
            except _TRANSIENT:
                events.progress(Progress(Phase.RECONNECTING))
                await self._sleep(network_wait(failures, self._policy, self._rng),
                                  give_up_at, ticket)
                failures += 1
                continue
            if answer.status == 429:
                error = self._t.error_of(answer)
                assert isinstance(error, RateLimited)
                events.progress(Progress(Phase.WAITING_TO_POLL))
                await self._sleep(rate_limit_wait(error, self._policy), give_up_at, ticket)
                continue
            if answer.status >= 500:
                await self._sleep(network_wait(failures, self._policy, self._rng),
                                  give_up_at, ticket)
                failures += 1
                continue
            return answer

    async def _sleep(self, seconds: float, give_up_at: float | None, ticket: Ticket) -> None:
        if give_up_at is not None and time.monotonic() + seconds > give_up_at:
            raise StillRunning(f"Segmind has the job (request {ticket.request_id}) but its "
                               "result has not come back yet.")
        await asyncio.sleep(seconds)

    async def follow(self, ticket: Ticket, params: GenerationParams, events: JobEvents,
                     expected: float, at_once: bool = False) -> GenerationResult:
        """Poll until the job is done. ``at_once`` (a job submitted earlier, being
        collected): the first poll goes now, then the schedule goes on from there."""
        started = time.monotonic()
        give_up_at = started + self._deadline if self._deadline is not None else None
        status_url = self._t.settings.v2_url(f"requests/{quote(ticket.request_id, safe='')}"
                                             "/status")
        polls = 0
        while True:
            if not (at_once and polls == 0):
                await self._sleep(next_poll_wait(polls, expected, self._policy, self._rng),
                                  give_up_at, ticket)
            polls += 1
            answer = await self.get(status_url, events, give_up_at, ticket)
            if answer.status == 404:  # the record expired: the history still knows it
                return await self.from_history(ticket, params, events, started)
            if not (answer.ok or is_terminal_body(answer.body)):
                raise self._t.error_of(answer)
            report = parse_status(answer.body)
            if report.status is RemoteStatus.COMPLETED:
                return await self._fetch(ticket, params, events, started)
            if report.status is RemoteStatus.FAILED:
                raise JobFailed(self._failure(report.error))
            # The time is the job's at the server so far (a phase's start is not known:
            # it changed somewhere between two polls).
            phase = Phase.QUEUED if report.status is RemoteStatus.QUEUED else Phase.GENERATING
            events.progress(Progress(phase, time.monotonic() - started))

    def _failure(self, error: str | None) -> str:
        text = self._t.redact(error or "no reason given")
        return f"Segmind could not generate the image: {text.rstrip('.')}."

    async def _fetch(self, ticket: Ticket, params: GenerationParams, events: JobEvents,
                     started: float) -> GenerationResult:
        events.progress(Progress(Phase.DOWNLOADING))
        url = self._t.settings.v2_url(f"requests/{quote(ticket.request_id, safe='')}")
        answer = await self.get(url, events, None, ticket, max_failures=RESULT_FAILURES)
        if answer.status == 404:
            return await self.from_history(ticket, params, events, started)
        if not answer.ok:
            if is_terminal_body(answer.body):
                raise JobFailed(self._failure(parse_status(answer.body).error))
            raise self._t.error_of(answer)
        document = parse_result(answer.body)
        images = [await asyncio.to_thread(check_image, data) for data in document.inline]
        for image_url in document.urls[: max(params.samples - len(images), 0)]:
            images.append(await self.download(image_url))
        metrics = document.metrics
        credits = metrics.get("remaining_credits")
        if credits is not None:
            self._t.note_credits(credits)
        timings = tuple((k, metrics[k]) for k in ("inference_time", "queue_time", "total_time")
                        if k in metrics)
        return GenerationResult(tuple(images[: params.samples]), params, credits,
                                ticket.request_id, time.monotonic() - started, api=ticket.api,
                                cost=metrics.get("cost"), timings=timings)

    async def download(self, url: str) -> ResultImage:
        for attempt in range(DOWNLOAD_TRIES):
            try:
                return await self._t.download_image(url)
            except (NetworkError, ServerError):
                if attempt == DOWNLOAD_TRIES - 1:
                    raise
                await asyncio.sleep(network_wait(attempt, self._policy, self._rng))
        raise AssertionError("unreachable")

    async def from_history(self, ticket: Ticket, params: GenerationParams, events: JobEvents,
                           started: float | None = None) -> GenerationResult:
        """Collect through the request history: for a v1 job whose answer was cut off
        after its id arrived, and for a v2 job whose record expired. Rows may lag: wait
        for the row (and its output) with backoff until the deadline."""
        started = started if started is not None else time.monotonic()
        give_up_at = started + self._deadline if self._deadline is not None else None
        waits = 0
        while True:
            try:
                row = await self._history.by_id(ticket.request_id)
            except (*_TRANSIENT, RateLimited, ServerError):  # free to ask again: it waits
                row = None
                events.progress(Progress(Phase.RECONNECTING))
            if row is not None and row.status == "FAILED":
                raise JobFailed(self._failure(row.error))
            if row is not None and row.status == "COMPLETED" and row.generation_url:
                events.progress(Progress(Phase.DOWNLOADING))
                image = await self.download(row.generation_url)
                return GenerationResult((image,), params, self._t.last_credits,
                                        ticket.request_id, time.monotonic() - started,
                                        api=ticket.api, cost=row.cost)
            events.progress(Progress(Phase.GENERATING, time.monotonic() - started))
            p = self._policy
            await self._sleep(min(p.history_wait_initial * p.poll_growth ** waits,
                                  p.history_wait_max), give_up_at, ticket)
            waits += 1


async def submit(transport: Transport, request: JobRequest, policy: RetryPolicy,
                 on_retry: RetryListener | None) -> Ticket:
    """POST the job to v2. Retried by itself only when no job can exist: a connection
    that never opened, a 429, a 5xx from the submit. A timeout or a dropped connection
    after sending is :class:`SubmitInDoubt`."""
    spec = spec_of(request.params, request.spec)
    body = json.dumps(request_body(request.params, request.scribble.base64(), spec)).encode()
    url = transport.settings.v2_url(spec.slug)

    async def once() -> Ticket:
        try:
            answer = await transport.call("POST", url, body)
        except (TimedOut, ConnectionLost) as exc:
            raise SubmitInDoubt(f"{exc.message} The job may have reached Segmind.") from None
        if answer.status in (404, 405):
            raise NotServedOnV2()
        if answer.status in _SUBMIT_IN_DOUBT:
            message = transport.error_of(answer).message
            raise SubmitInDoubt(f"{message} The job may have reached Segmind.")
        if not answer.ok:
            raise transport.error_of(answer)
        try:  # (an id that echoes the key is no id: it is never stored or shown)
            return Ticket(API, parse_submit(transport.redact(answer.body.decode(
                "utf-8", "replace")).encode()))
        except BadResponse as exc:  # a 200 without an id: a job may exist
            raise SubmitInDoubt(exc.message) from None

    return await submit_with_retries(once, policy, on_retry, server_errors_are_safe=True)

