"""The session's one backend: one HTTP client for every job and call of the session,
made after a shared warm-up off the GUI thread, and made anew when the key or the
settings change (the one it replaces serves its jobs to the end and is closed at quit)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

from scribble_studio.services.config import ApiKey
from scribble_studio.services.settings_store import AppSettings

if TYPE_CHECKING:  # the HTTP stack loads after the window shows
    from scribble_studio.services.backends import Backend

BackendFactory = Callable[[ApiKey | None, AppSettings, ssl.SSLContext | None,
                           Callable[[float], None]], "Backend"]


def _warm_up_network() -> ssl.SSLContext:
    # The HTTP stack is imported here, on a worker thread, when first needed (a key is
    # there to call the credits endpoint with, or a job is sent), not at start-up.
    # The backend's own modules too: imported on the loop as the first job starts, they
    # held the window up for a frame or two.
    from scribble_studio.services.backends import segmind  # noqa: F401
    from scribble_studio.services.backends.transport import warm_up

    return warm_up()


def segmind_backend(key: ApiKey | None, settings: AppSettings, tls: ssl.SSLContext | None,
                    on_credits: Callable[[float], None]) -> Backend:
    from scribble_studio.services.backends import create_backend

    # The app follows a job for an hour (a job that takes longer stays "submitted" and
    # is collected again later, or at the next start).
    return create_backend(key, settings.client_settings(), tls=tls, on_credits=on_credits,
                          follow_deadline=3600.0)


class SessionBackend:
    def __init__(self, factory: BackendFactory, settings: Callable[[], AppSettings],
                 key: Callable[[], ApiKey | None], on_credits: Callable[[float], None]) -> None:
        self._factory = factory
        self._settings = settings
        self._key = key
        self._on_credits = on_credits
        self._ready: asyncio.Task[ssl.SSLContext] | None = None
        self._backend: Backend | None = None
        self._made_for: tuple[ApiKey | None, AppSettings] | None = None
        self._retired: list[Backend] = []

    def prepare(self) -> None:
        """Start the warm-up (imports, TLS) on a worker, once."""
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_task(
                asyncio.to_thread(_warm_up_network))

    async def wait_ready(self) -> ssl.SSLContext:
        self.prepare()
        assert self._ready is not None
        # Shared by every job and call: cancelling one of them must not cancel it.
        return await asyncio.shield(self._ready)

    async def get(self) -> Backend:
        """The backend for the key and settings of now."""
        tls = await self.wait_ready()
        wanted = (self._key(), self._settings().for_backend())
        if self._backend is None or self._made_for != wanted:
            if self._backend is not None:
                self._retired.append(self._backend)
            self._backend = self._factory(wanted[0], wanted[1], tls, self._on_credits)
            self._made_for = wanted
        return self._backend

    async def aclose(self) -> None:
        """Wait for the warm-up (a thread cannot be cancelled; it ends in ~0.1 s), then
        close every backend made."""
        if self._ready is not None:
            await asyncio.wait([self._ready])
        for backend in [*self._retired, *([self._backend] if self._backend else [])]:
            await backend.aclose()
        self._backend, self._made_for, self._retired = None, None, []
