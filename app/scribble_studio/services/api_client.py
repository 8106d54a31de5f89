"""The Segmind client: generate and credits over ``httpx.AsyncClient``.

Billing rule (see the API contract): a ``200`` is billed and there is no idempotency
key, so a request that may have reached the server is never re-sent here. Only a
connection that never opened, and a 429 (after its reset time), are retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import ssl
import time
from collections.abc import Callable
from types import TracebackType
from typing import Final

import certifi
import httpx
import stamina

from scribble_studio.domain.error_text import (
    clean_message,
    error_for_status,
    parse_credits,
)
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    BadResponse,
    ConnectionLost,
    InvalidInput,
    InvalidParameters,
    Offline,
    RateLimited,
    StudioError,
    TimedOut,
)
from scribble_studio.domain.params import MODEL_SLUG, GenerationParams
from scribble_studio.domain.results import GenerationResult, parse_images
from scribble_studio.domain.scribble_spec import ScribbleExport
from scribble_studio.services.config import ApiKey, ClientSettings

log = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 64 * 1024 * 1024
CREDITS_PATH: Final = "get-user-credits"


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped, jittered backoff for the two retry-safe failures. Seconds."""

    attempts: int = 3
    wait_initial: float = 1.0
    wait_max: float = 10.0
    wait_jitter: float = 1.0
    # A 429 whose reset is further away than this is the user's decision, not ours.
    max_rate_limit_wait: float = 65.0
    # When a 429 names no reset time (the free tier allows about 5 requests a minute).
    rate_limit_fallback_wait: float = 12.0


def tls_context() -> ssl.SSLContext:
    """The TLS settings httpx would build for each client (certifi's CA bundle). Building
    one takes ~20 ms, so callers on an event loop build it once, on a worker thread."""
    return ssl.create_default_context(cafile=certifi.where())


def warm_up() -> ssl.SSLContext:
    """Do once, on a worker thread, what the first request would otherwise do on the
    event loop: import httpx's transport stack (httpcore, anyio, h11: ~60 modules) and
    the Pillow plugins results come in (JPEG, PNG: Pillow's five common formats; all of
    its ~40 would cost ~4 MB more, and a rarer format is loaded where it is decoded, on a
    worker), and build the TLS context. Returns the context."""
    import anyio._backends._asyncio  # noqa: F401  (httpcore's asyncio backend)
    import h11  # noqa: F401
    import httpcore  # noqa: F401
    from PIL import Image

    Image.preinit()
    return tls_context()


@dataclasses.dataclass(frozen=True, slots=True)
class Credits:
    credits: float
    free_credits: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


RetryListener = Callable[[int, StudioError], None]
CreditsListener = Callable[[float], None]


class SegmindClient:
    """Async client; use as ``async with SegmindClient(...) as client``.

    The ``httpx.AsyncClient`` is created on entry, inside the running loop.
    ``on_retry(attempt, error)`` is called just before each automatic re-attempt;
    ``on_credits(balance)`` whenever an answer (error or not) carries the balance.
    """

    def __init__(
        self,
        api_key: ApiKey | None,
        settings: ClientSettings,
        *,
        retry: RetryPolicy | None = None,
        on_retry: RetryListener | None = None,
        on_credits: CreditsListener | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._key = api_key
        self._settings = settings
        self._retry = retry or RetryPolicy()
        self._on_retry = on_retry
        self._on_credits = on_credits
        self._max_body = max_body_bytes
        self._tls = tls
        self._http: httpx.AsyncClient | None = None
        self.last_credits: float | None = None

    async def __aenter__(self) -> SegmindClient:
        s = self._settings
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(
                s.read_timeout, connect=s.connect_timeout, pool=s.connect_timeout
            ),
            follow_redirects=False,
            headers={"user-agent": "scribble-studio"},
            verify=self._tls if self._tls is not None else True,
        )
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- public calls -------------------------------------------------------------

    async def generate(
        self, scribble: ScribbleExport, params: GenerationParams
    ) -> GenerationResult:
        """Send one generate request. ``params`` must be valid and have a drawn seed.

        Raises a :class:`StudioError`; never re-sends a request that may have been
        billed. Fewer images than asked are kept (see ``GenerationResult.missing``).
        """
        problems = params.validate()
        if problems:
            raise InvalidParameters(problems)
        if params.seed is None:
            raise ValueError("draw the seed before sending (GenerationParams.with_seed_drawn)")
        body = json.dumps(params.to_request_body(scribble.base64())).encode()
        started = time.monotonic()
        answer = await self._send("POST", MODEL_SLUG, body)
        images = await asyncio.to_thread(parse_images, answer.body)
        return GenerationResult(
            images=tuple(images[: params.samples]),
            params=params,
            credits=self.last_credits,
            request_id=answer.headers.get("x-request-id"),
            elapsed_s=time.monotonic() - started,
        )

    async def credits(self) -> Credits:
        """The balance from the (free) credits endpoint."""
        answer = await self._send("GET", CREDITS_PATH, None)
        try:
            document = json.loads(answer.body)
            credits = float(document["credits"])
            free = document.get("free-credits")
            free_credits = float(free) if free is not None else None
        except (ValueError, TypeError, KeyError, RecursionError):
            raise BadResponse("The credits answer could not be read.") from None
        self._note_credits(credits)
        return Credits(credits, free_credits)

    # -- sending --------------------------------------------------------------------

    def _backoff_hook(self, exc: Exception) -> bool | float:
        if isinstance(exc, Offline):
            return True
        if isinstance(exc, RateLimited):
            if exc.reset_at is None:
                return self._retry.rate_limit_fallback_wait
            wait = (exc.reset_at - dt.datetime.now(dt.UTC)).total_seconds()
            if wait > self._retry.max_rate_limit_wait:
                return False
            return max(wait, 0.0) + 0.05
        return False

    async def _send(self, method: str, path: str, body: bytes | None) -> _Answer:
        if self._key is None:
            raise AuthenticationFailed("No API key is set.",
                                       "Add your Segmind API key in Settings or SEGMIND_API_KEY.")
        r = self._retry
        last: StudioError | None = None
        async for attempt in stamina.retry_context(
            on=self._backoff_hook,
            attempts=r.attempts,
            timeout=None,
            wait_initial=r.wait_initial,
            wait_max=r.wait_max,
            wait_jitter=r.wait_jitter,
        ):
            with attempt:
                if last is not None and self._on_retry is not None:
                    self._on_retry(attempt.num, last)
                try:
                    return await self._send_once(method, path, body)
                except StudioError as exc:
                    last = exc
                    raise
        raise AssertionError("unreachable: stamina re-raises the last error")

    async def _send_once(self, method: str, path: str, body: bytes | None) -> _Answer:
        if self._http is None:
            raise RuntimeError("use SegmindClient inside 'async with'")
        assert self._key is not None
        url = self._settings.url(path)
        headers = {"x-api-key": self._key.reveal(), "accept": "image/*, application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        started = time.monotonic()
        try:
            async with self._http.stream(method, url, content=body, headers=headers) as resp:
                data = await self._read_body(resp)
        except httpx.ConnectTimeout:
            raise Offline(
                f"Could not connect to {self._host()}: the connection timed out."
            ) from None
        except (httpx.ConnectError, httpx.PoolTimeout):
            raise Offline(f"Could not connect to {self._host()}.") from None
        except httpx.TimeoutException:
            raise TimedOut(
                f"{self._host()} did not answer within {self._settings.read_timeout:g} seconds."
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                httpx.CloseError):
            raise ConnectionLost("The connection dropped before the answer was complete.") from None
        except httpx.HTTPError as exc:  # invalid URL, unsupported protocol, ...
            raise InvalidInput(f"Could not send the request ({type(exc).__name__}).") from None
        log.info("%s /%s -> %d, %d bytes in %.3f s", method, path, resp.status_code, len(data),
                 time.monotonic() - started)
        credits = parse_credits(resp.headers.get("x-remaining-credits"))
        if credits is not None:
            self._note_credits(credits)
        if resp.status_code >= 400 or resp.status_code < 200:
            message = self._key.redact(clean_message(data, resp.status_code))
            error = error_for_status(resp.status_code, message, resp.headers)
            error.credits = credits
            raise error
        return _Answer(resp.status_code, resp.headers, data)

    async def _read_body(self, resp: httpx.Response) -> bytes:
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body:
            raise BadResponse(self._too_big())
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > self._max_body:
                raise BadResponse(self._too_big())
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_big(self) -> str:
        return f"The server's answer is larger than {self._max_body // 2**20} MB; it was dropped."

    def _note_credits(self, credits: float) -> None:
        self.last_credits = credits
        if self._on_credits is not None:
            self._on_credits(credits)

    def _host(self) -> str:
        return httpx.URL(self._settings.api_base).host or "the API"
