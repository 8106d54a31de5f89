"""The session's connection to the API: its state (what the API last said), the credits,
the free calls that learn them (a credits refresh; the probe, with backoff, before what
waits in the outbox is sent), and the state that follows each error reported.

The session asks it (``probe``, ``refresh_credits``) and listens (``online``: the API
answers, what waits may go). It never sends a job itself. "No key" is the window's word
(:class:`~scribble_studio.controllers.connection_model.ConnectionModel` derives it from
the settings and this state): without a key nothing here calls the API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.job import Connection
from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.session_backend import SessionBackend
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NetworkError,
    Offline,
    RateLimited,
    StudioError,
)
from scribble_studio.services.config import ApiKey

Start = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]


class ConnectionController(QObject):
    state_changed = Signal(str)        # a Connection's value
    credits_changed = Signal(object)   # float or None
    online = Signal()                  # the probe got an answer: what waits may be sent

    def __init__(self, backend: SessionBackend, key: Callable[[], ApiKey | None],
                 notices: Notices, start: Start,
                 probe_wait: tuple[float, float] = (2.0, 60.0),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend, self._key, self._notices, self._start = backend, key, notices, start
        self.probe_wait = probe_wait
        self.state = Connection.UNKNOWN
        self.credits: float | None = None
        self._probing: asyncio.Task[None] | None = None
        # Every error reported, quiet ones too, says something of the connection; "heard"
        # goes out before the signals the UI follows, so the state has changed by then.
        notices.heard.connect(self._on_notices_heard)

    # -- asking -----------------------------------------------------------------------------

    def refresh_credits(self) -> None:
        """Ask the (free) credits endpoint, if there is a key."""
        if self._key() is not None:
            self._start(self._fetch_credits())

    def probe(self, after: float = 0.0) -> None:
        """Probe the API with backoff (``after``: seconds before the first call, a rate
        limit's reset) until it answers, then say ``online``; once at a time."""
        if self._key() is not None and (self._probing is None or self._probing.done()):
            self._probing = self._start(self._probe(after))

    def rate_limit_wait(self, error: RateLimited) -> float:
        """How long to wait before probing again after ``error`` (its reset, within the
        probe's bounds)."""
        initial, cap = self.probe_wait
        if error.reset_at is None:
            return initial
        import datetime as dt  # (kept off the app's start-up)

        left = (error.reset_at - dt.datetime.now(dt.UTC)).total_seconds()
        return min(max(left, initial), cap)

    # -- hearing ----------------------------------------------------------------------------

    def answered(self) -> None:
        """The API answered a call (a job went through, a credits call came back)."""
        self._set(Connection.ONLINE)

    def on_credits(self, credits: float) -> None:
        """The balance, as any call of the backend learns it."""
        self.credits = credits
        self.credits_changed.emit(credits)

    def _on_notices_heard(self, error: StudioError) -> None:
        if isinstance(error, AuthenticationFailed):
            self._set(Connection.KEY_REJECTED)
        elif isinstance(error, Offline):
            self._set(Connection.OFFLINE)
        if error.credits is not None:
            self.on_credits(error.credits)

    # -- running ----------------------------------------------------------------------------

    async def _fetch_credits(self) -> None:
        try:
            await (await self._backend.get()).credits()
            self.answered()
        except StudioError as exc:
            self._notices.report(exc, quiet=isinstance(exc, NetworkError))

    async def _probe(self, after: float) -> None:
        import stamina

        if after > 0:  # a rate limit's reset: sending earlier would only be refused again
            await asyncio.sleep(after)
        initial, cap = self.probe_wait
        try:
            # (a rate limit may cover the credits call too: it is waited out as well)
            async for attempt in stamina.retry_context(on=(Offline, RateLimited),
                                                       attempts=None, timeout=None,
                                                       wait_initial=initial, wait_max=cap):
                with attempt:
                    await (await self._backend.get()).credits()
        except StudioError as exc:  # a rejected key, say: reported, nothing is sent
            self._notices.report(exc)
            return
        self.answered()
        self.online.emit()

    def _set(self, state: Connection) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state.value)
