"""How the session sends a live-mode job: recorded in the history (live) before it is
sent, then sent at once or cancelled, never left waiting in the outbox (a stale live job
is worthless); one the server has is collected later like any other, out of sight. A
mixin of :class:`~scribble_studio.controllers.session.GenerationSession`, kept apart so
the session stays an orchestrator of readable size."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from scribble_studio.controllers.job import Job
from scribble_studio.domain.errors import AuthenticationFailed, StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams

if TYPE_CHECKING:
    from scribble_studio.controllers.connection import ConnectionController
    from scribble_studio.controllers.job_queue import JobQueue
    from scribble_studio.controllers.session_backend import SessionBackend
    from scribble_studio.domain.results import GenerationResult
    from scribble_studio.domain.scribble_spec import ScribbleExport
    from scribble_studio.services.config import ApiKey
    from scribble_studio.services.history import HistoryStore
    from scribble_studio.services.outbox import Outbox


class LiveJobs:
    if TYPE_CHECKING:
        store: HistoryStore
        outbox: Outbox
        queue: JobQueue
        link: ConnectionController
        _key: Callable[[], ApiKey | None]
        _backend: SessionBackend

        def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
        def report(self, error: StudioError, quiet: bool = False,
                   job: Job | None = None) -> None: ...
        async def _look_up_again(self, job: Job) -> None: ...

    def send_live(self, scribble: ScribbleExport, params: GenerationParams,
                  on_sending: Callable[[int], None]) -> asyncio.Task[tuple[int, GenerationResult]]:
        """Send one live job (``params`` with its seed): recorded in the history (live)
        before it is sent, then sent at once, or cancelled: never left in the outbox.
        ``on_sending(history id)`` when it goes to the outbox's send (from there a pause
        lets it finish: it may be paid for). Errors reach the funnel quietly, and raise."""
        return self._start(self._send_live(scribble, params, on_sending))

    async def _send_live(self, scribble: ScribbleExport, params: GenerationParams,
                         on_sending: Callable[[int], None]) -> tuple[int, GenerationResult]:
        if self._key() is None:
            raise AuthenticationFailed("No API key is set.", "Add your Segmind key in Settings.")
        recording = asyncio.ensure_future(self.outbox.record(params, scribble, "live",
                                                             JobState.QUEUED, live=True))
        gen_id: int | None = None
        try:
            gen_id = await asyncio.shield(recording)
            backend = await self._backend.get()
            on_sending(gen_id)
            result = await self.outbox.send(backend, gen_id)
        except BaseException as exc:
            while not recording.done():  # (the row is being written: it is cancelled too)
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([recording])
            if gen_id is None and not recording.cancelled() and recording.exception() is None:
                gen_id = recording.result()
            if gen_id is not None:  # what did not leave is cancelled, never sent later
                await asyncio.shield(self.outbox.cancel_unsent(gen_id, "A live job not sent."))
            if isinstance(exc, StudioError):
                self.report(exc, quiet=True)
                if gen_id is not None:
                    await self._collect_live_later(gen_id)
            raise
        self.link.answered()
        return gen_id, result

    async def _collect_live_later(self, gen_id: int) -> None:
        """A live job the server has (or may have) was paid for: it is collected (or
        looked up) later like any other, out of sight (its result stays live, hidden)."""
        entry = await asyncio.to_thread(self.store.get, gen_id)
        if entry is not None and entry.state in (JobState.SUBMITTED, JobState.UNKNOWN):
            job = Job(self.queue.next_id(), entry.params, None, gen_id, created=entry.created)
            job.state, job.entry, job.hidden = entry.state, entry, True
            self._start(self._look_up_again(job))
