"""When a request is tried again by itself, and how long it waits first.

Billing rule (``segmind-api.md``): only a 200 (v1) or a COMPLETED job (v2) is billed and
there is no idempotency key, so a request that may have reached the server is never
re-sent. A submit is retried only after a connection that never opened, a 429 (after
its reset time), or, on v2, a 5xx from the submit itself (no job exists). Polls and
downloads are free and are retried after any network failure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import stamina

from scribble_studio.domain.errors import Offline, RateLimited, ServerError, StudioError

T = TypeVar("T")
RetryListener = Callable[[int, StudioError], None]


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped, jittered backoff for the retry-safe failures of a submit. Seconds."""

    attempts: int = 3
    wait_initial: float = 1.0
    wait_max: float = 10.0
    wait_jitter: float = 1.0
    # A 429 whose reset is further away than this is the user's decision, not ours.
    max_rate_limit_wait: float = 65.0
    # When a 429 names no reset time (the free tier allows about 5 requests a minute).
    rate_limit_fallback_wait: float = 12.0
    # Polls: the first just after the model's usual time (a job that takes its usual
    # time is seen done at once), then backing off with jitter.
    first_poll: float = 1.05       # × the usual time
    first_poll_max: float = 30.0   # however long the last jobs took
    poll_initial: float = 0.1      # × the usual time
    poll_growth: float = 1.5
    poll_max: float = 10.0
    poll_jitter: float = 0.15      # ± this fraction
    network_wait_max: float = 30.0
    # The request history: rows may lag (up to two hours, older docs say).
    history_wait_initial: float = 2.0
    history_wait_max: float = 60.0


def rate_limit_wait(error: RateLimited, policy: RetryPolicy) -> float:
    if error.reset_at is None:
        return policy.rate_limit_fallback_wait
    return max((error.reset_at - dt.datetime.now(dt.UTC)).total_seconds(), 0.0) + 0.05


async def submit_with_retries(send: Callable[[], Awaitable[T]], policy: RetryPolicy,
                              on_retry: RetryListener | None,
                              server_errors_are_safe: bool) -> T:
    """Call ``send`` until it succeeds or fails in a way that is not safe to retry."""

    def hook(exc: Exception) -> bool | float:
        if isinstance(exc, Offline):
            return True
        if isinstance(exc, RateLimited):
            wait = rate_limit_wait(exc, policy)
            return False if wait > policy.max_rate_limit_wait else wait
        return server_errors_are_safe and isinstance(exc, ServerError)

    last: StudioError | None = None
    async for attempt in stamina.retry_context(
            on=hook, attempts=policy.attempts, timeout=None, wait_initial=policy.wait_initial,
            wait_max=policy.wait_max, wait_jitter=policy.wait_jitter):
        with attempt:
            if last is not None and on_retry is not None:
                on_retry(attempt.num, last)
            try:
                return await send()
            except StudioError as exc:
                last = exc
                raise
    raise AssertionError("unreachable: stamina re-raises the last error")


def next_poll_wait(n: int, expected: float, policy: RetryPolicy, rng: random.Random) -> float:
    """Seconds before status poll ``n`` (0 is the first, just after the usual time: its
    jitter only ever delays it a little, so many clients do not poll in step while a
    job of the usual length is still seen done at the first poll)."""
    if n == 0:
        first = min(policy.first_poll * expected, policy.first_poll_max)
        return max(first * (1 + rng.uniform(0, 0.05)), 0.05)
    base = min(policy.poll_initial * expected * policy.poll_growth ** (n - 1), policy.poll_max)
    return max(base * (1 + rng.uniform(-policy.poll_jitter, policy.poll_jitter)), 0.05)


def network_wait(n: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Seconds before retrying a free call after network failure ``n`` (from 0)."""
    wait: float = min(policy.wait_initial * 2.0 ** n, policy.network_wait_max)
    return wait * rng.uniform(0.8, 1.2)
