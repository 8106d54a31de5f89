"""One long-lived ``httpx.AsyncClient`` per backend, shared by every job, poll, download,
credits call and probe (a client per job paid a TCP and TLS handshake each time).

The key goes only to the configured API and history origins (scheme, host, port): it is
added per request, never as a client default, so a download or a redirect cannot carry
it; keyed requests follow no redirects. Every answer has a size cap and a total deadline
(a body trickling a byte a second does not hold a job forever).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Final

import certifi
import httpx

from scribble_studio.domain.errors import (
    BadResponse,
    ConnectionLost,
    InvalidInput,
    Offline,
    ServerError,
    StudioError,
    TimedOut,
)
from scribble_studio.domain.results import ResultImage, check_image
from scribble_studio.services.backends.base import CreditsListener
from scribble_studio.services.backends.segmind_errors import (
    clean_message,
    error_for_status,
    parse_credits,
)
from scribble_studio.services.config import ApiKey, ClientSettings

log = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 64 * 1024 * 1024
MAX_IMAGE_BYTES: Final = 32 * 1024 * 1024
MAX_REDIRECTS: Final = 5

# Told the status and headers of an answer as soon as they arrive (before the body).
HeadersHook = Callable[[int, httpx.Headers], Awaitable[None]]


def tls_context() -> ssl.SSLContext:
    """The TLS settings httpx would build for each client (certifi's CA bundle). Building
    one takes a while, so callers on an event loop build it once, on a worker thread."""
    return ssl.create_default_context(cafile=certifi.where())


def warm_up() -> ssl.SSLContext:
    """Do once, on a worker thread, what the first request would otherwise do on the
    event loop: import httpx's transport stack and the Pillow plugins results come in
    (Pillow's common formats only), and build the TLS context. Returns the context."""
    import anyio._backends._asyncio  # noqa: F401  (httpcore's asyncio backend)
    import h11  # noqa: F401
    import httpcore  # noqa: F401
    from PIL import Image

    Image.preinit()
    return tls_context()


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    u = httpx.URL(url)
    default = {"https": 443, "http": 80}.get(u.scheme)
    return u.scheme, (u.host or "").lower(), u.port or default


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Transport:
    """The shared client. Create inside the running loop; close with :meth:`aclose`."""

    def __init__(self, key: ApiKey | None, settings: ClientSettings, *,
                 tls: ssl.SSLContext | None = None, max_body: int = MAX_BODY_BYTES,
                 on_credits: CreditsListener | None = None) -> None:
        self.key = key
        self.settings = settings
        self.max_body = max_body
        self.last_credits: float | None = None
        self._on_credits = on_credits
        self._keyed = {origin(settings.api_base), origin(settings.history_base)}
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout,
                                  pool=settings.connect_timeout),
            follow_redirects=False,
            max_redirects=MAX_REDIRECTS,
            headers={"user-agent": "scribble-studio"},
            verify=tls if tls is not None else True,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def redact(self, text: str) -> str:
        return self.key.redact(text) if self.key is not None else text

    def host(self, url: str) -> str:
        u = httpx.URL(url)
        return f"{u.host}:{u.port}" if u.port else (u.host or "the API")

    # -- keyed calls to the API and the history ---------------------------------------

    async def call(self, method: str, url: str, body: bytes | None = None, *,
                   on_headers: HeadersHook | None = None,
                   deadline: float | None = None) -> Answer:
        """One request with the key, any status returned as an :class:`Answer`.
        Raises Offline (the connection never opened), TimedOut or ConnectionLost."""
        if self.key is None:
            from scribble_studio.domain.errors import AuthenticationFailed

            raise AuthenticationFailed("No API key is set.",
                                       "Add your Segmind API key in Settings or SEGMIND_API_KEY.")
        if origin(url) not in self._keyed:  # a bug if it ever happens: refuse, loudly
            raise InvalidInput(f"Refusing to send the API key to {self.host(url)}.")
        headers = {"x-api-key": self.key.reveal(), "accept": "image/*, application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        answer = await self._request(method, url, body, headers, on_headers, deadline,
                                     redirects=False)
        credits = parse_credits(answer.headers.get("x-remaining-credits"))
        if credits is not None:
            self.note_credits(credits)
        return answer

    def error_of(self, answer: Answer) -> StudioError:
        """The taxonomy error for an error answer, with the server's words, redacted."""
        message = self.redact(clean_message(answer.body, answer.status))
        error = error_for_status(answer.status, message, answer.headers)
        error.credits = parse_credits(answer.headers.get("x-remaining-credits"))
        return error

    def note_credits(self, credits: float) -> None:
        self.last_credits = credits
        if self._on_credits is not None:
            self._on_credits(credits)

    # -- downloads: never with the key -------------------------------------------------

    async def download_image(self, url: str) -> ResultImage:
        """A result image from wherever the server put it, without the key, following
        redirects (nothing secret travels), capped in size, checked to be an image."""
        if not url.startswith(("https://", "http://")):
            raise BadResponse("The result names an image address that is not a web address.")
        answer = await self._request("GET", url, None, {"accept": "image/*"}, None, None,
                                     redirects=True, cap=MAX_IMAGE_BYTES)
        if not answer.ok:
            message = (f"The result image could not be downloaded "
                       f"(HTTP {answer.status} from {self.host(url)}).")
            if answer.status >= 500 or answer.status == 429:  # passing trouble: try again
                raise ServerError(message, status=answer.status)
            raise BadResponse(message)
        return await asyncio.to_thread(check_image, answer.body)

    # -- plumbing -------------------------------------------------------------------------

    async def _request(self, method: str, url: str, body: bytes | None,
                       headers: dict[str, str], on_headers: HeadersHook | None,
                       deadline: float | None, *, redirects: bool,
                       cap: int | None = None) -> Answer:
        s = self.settings
        total = deadline if deadline is not None else s.read_timeout + s.connect_timeout
        started = time.monotonic()
        host = self.host(url)
        try:
            async with asyncio.timeout(total):
                async with self._http.stream(method, url, content=body, headers=headers,
                                             follow_redirects=redirects) as resp:
                    if on_headers is not None:
                        await on_headers(resp.status_code, resp.headers)
                    data = await self._read_body(resp, cap or self.max_body)
        except httpx.ConnectTimeout:
            raise Offline(f"Could not connect to {host}: the connection timed out.") from None
        except (httpx.ConnectError, httpx.PoolTimeout):
            raise Offline(f"Could not connect to {host}.") from None
        except httpx.TimeoutException:
            raise TimedOut(f"{host} did not answer within {s.read_timeout:g} seconds.") from None
        except TimeoutError:  # the whole answer's deadline (a body that trickles in)
            raise TimedOut(f"{host} did not finish its answer within {total:g} seconds.") \
                from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                httpx.CloseError):
            raise ConnectionLost(
                f"The connection to {host} dropped before the answer was complete.") from None
        except httpx.TooManyRedirects:
            raise BadResponse(f"{host} redirected too many times.") from None
        except httpx.HTTPError as exc:  # invalid URL, unsupported protocol, ...
            raise InvalidInput(f"Could not send the request ({type(exc).__name__}).") from None
        log.info("%s %s%s -> %d, %d bytes in %.3f s", method, host, httpx.URL(url).path,
                 resp.status_code, len(data), time.monotonic() - started)
        return Answer(resp.status_code, resp.headers, data)

    async def _read_body(self, resp: httpx.Response, cap: int) -> bytes:
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise BadResponse(self._too_big(cap))
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise BadResponse(self._too_big(cap))
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _too_big(cap: int) -> str:
        return f"The server's answer is larger than {cap // 2**20} MB; it was dropped."
