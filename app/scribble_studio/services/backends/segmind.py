"""The Segmind backend: v2 (submit, poll, fetch) with v1 where the model is not served
on v2, the request history for recovery, and the free credits call, over one client."""

from __future__ import annotations

import dataclasses
import json
import random
import ssl
import time

from scribble_studio.domain.errors import (
    BadResponse,
    EndpointNotFound,
    InvalidParameters,
    ModelRetired,
    StudioError,
)
from scribble_studio.domain.models import (
    ModelCatalog,
    ModelNotAllowed,
    ModelSpec,
    RetiredModel,
    builtin_catalog,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.services.backends import segmind_v1, segmind_v2
from scribble_studio.services.backends.base import (
    BackendFeatures,
    Credits,
    CreditsListener,
    JobEvents,
    JobRequest,
    Lookup,
    LostJob,
    Ticket,
)
from scribble_studio.services.backends.retry import RetryListener, RetryPolicy
from scribble_studio.services.backends.segmind_history import RequestHistory, normal_id
from scribble_studio.services.backends.transport import MAX_BODY_BYTES, Transport
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings

CREDITS_PATH = "get-user-credits"
# When v2 is chosen and the model is not on it (the CLI says it as its --api option).
API_ADVICE = "Choose the API auto or v1 in Settings."


class SegmindBackend:
    features = BackendFeatures(needs_key=True, bills=True, can_resume=True,
                               reports_progress=True)

    def __init__(self, key: ApiKey | None, settings: ClientSettings, *,
                 tls: ssl.SSLContext | None = None, retry: RetryPolicy | None = None,
                 on_retry: RetryListener | None = None,
                 on_credits: CreditsListener | None = None,
                 follow_deadline: float | None = 600.0,
                 rng: random.Random | None = None, max_body: int = MAX_BODY_BYTES,
                 models: ModelCatalog | None = None) -> None:
        self.settings = settings
        self.models = models or builtin_catalog()
        self.transport = Transport(key, settings, tls=tls, on_credits=on_credits,
                                   max_body=max_body)
        self._retry = retry or RetryPolicy()
        self._on_retry = on_retry
        self._history = RequestHistory(self.transport)
        self._follower = segmind_v2.Follower(self.transport, self._history, self._retry,
                                             rng or random.Random(), follow_deadline)
        # auto: v2 until a submit says the model is not served there (then v1, for this
        # backend's life: one per base URL and session).
        self._use_v2 = settings.api is not ApiChoice.V1

    @property
    def api(self) -> str:
        return segmind_v2.API if self._use_v2 else segmind_v1.API

    @property
    def last_credits(self) -> float | None:
        return self.transport.last_credits

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def run(self, request: JobRequest, events: JobEvents) -> GenerationResult:
        spec = request.spec or self.models.find(request.params.model)
        problems = request.params.validate(spec)
        if problems:
            raise InvalidParameters(problems)
        if request.params.seed is None:
            raise ValueError("draw the seed before sending (GenerationParams.with_seed_drawn)")
        assert spec is not None  # (validate names an unknown model)
        try:
            return await self._run(dataclasses.replace(request, spec=spec), events, spec)
        except (ModelRetired, ModelNotAllowed) as exc:  # (no job exists at the server)
            other = self.models.other_than(spec.id)
            named: StudioError = RetiredModel(spec, other, exc.message) \
                if isinstance(exc, ModelRetired) else \
                ModelNotAllowed.for_model(spec, other, exc.message)
            named.credits = exc.credits
            raise named from None

    async def _run(self, request: JobRequest, events: JobEvents,
                   spec: ModelSpec) -> GenerationResult:
        started = time.monotonic()
        if self._use_v2:
            try:
                ticket = await segmind_v2.submit(self.transport, request, self._retry,
                                                 self._on_retry)
            except segmind_v2.NotServedOnV2:
                if self.settings.api is ApiChoice.V2:
                    raise EndpointNotFound("The model is not served on Segmind's v2 API "
                                           "here.", API_ADVICE) from None
                self._use_v2 = False
            else:
                await events.submitted(ticket)
                expected = spec.usual_seconds if request.expected_seconds is None \
                    else request.expected_seconds
                return await self._follower.follow(ticket, request.params, events, expected)
        try:
            return await segmind_v1.run(self.transport, request, events, self._retry,
                                        self._on_retry)
        except segmind_v1.TicketedFailure as lost:
            return await self._follower.from_history(lost.ticket, request.params, events,
                                                     started)

    async def resume(self, ticket: Ticket, params: GenerationParams,
                     events: JobEvents) -> GenerationResult:
        if ticket.api == segmind_v2.API:
            spec = self.models.find(params.model) or self.models.default
            return await self._follower.follow(ticket, params, events, spec.usual_seconds,
                                               at_once=True)
        return await self._follower.from_history(ticket, params, events)

    async def find(self, lost: LostJob) -> Lookup:
        """By id when one is known, else by prompt and seed around the time it was sent.
        A row that says FAILED is a failed job; COMPLETED or PENDING, a job to collect."""
        if lost.request_id:
            row = await self._history.by_id(lost.request_id)
        else:
            rows = [r for r in await self._history.search(lost.params, lost.sent_at)
                    if normal_id(r.request_id) not in lost.taken]
            if len(rows) > 1:  # a retry with the same seed, say: which one is not known
                return Lookup(None, checked_at=time.time(), ambiguous=len(rows))
            row = rows[0] if rows else None
        now = time.time()
        if row is None:
            return Lookup(None, checked_at=now)
        if row.status == "FAILED":
            return Lookup(None, failed=self.transport.redact(row.error or "no reason given"),
                          checked_at=now)
        return Lookup(Ticket(lost.api or self.api, row.request_id), checked_at=now)

    async def credits(self) -> Credits:
        answer = await self.transport.call("GET", self.settings.url(CREDITS_PATH))
        if not answer.ok:
            raise self.transport.error_of(answer)
        try:
            document = json.loads(answer.body)
            credits = _finite(document["credits"])
            free = document.get("free-credits")
            free_credits = _finite(free) if free is not None else None
        except (ValueError, TypeError, KeyError, RecursionError):
            raise BadResponse("The credits answer could not be read.") from None
        self.transport.note_credits(credits)
        return Credits(credits, free_credits)


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("not a number")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not finite")
    return number

