"""How the session runs a job: recorded in the history before anything is sent (the
snapshot exported once, on a worker), then sent through the outbox in the order queued
within the concurrency limit, its stored state mirrored onto it, what it became reported
with the job. A mixin of :class:`~scribble_studio.controllers.session.GenerationSession`,
kept apart so the session stays an orchestrator of readable size."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from scribble_studio.controllers.job import Job
from scribble_studio.domain.errors import Offline, RateLimited, StudioError, SubmitInDoubt
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.budget import OverBudget

if TYPE_CHECKING:
    from scribble_studio.controllers.connection import ConnectionController
    from scribble_studio.controllers.job_queue import JobQueue
    from scribble_studio.controllers.session_backend import SessionBackend
    from scribble_studio.controllers.slots import FifoSlots
    from scribble_studio.domain.results import GenerationResult
    from scribble_studio.services.backends import Progress, Ticket
    from scribble_studio.services.config import ApiKey
    from scribble_studio.services.history import HistoryStore
    from scribble_studio.services.outbox import Outbox
    from scribble_studio.services.settings_store import AppSettings

log = logging.getLogger(__name__)


class _JobEvents:
    """What the backend says of one job, mirrored onto it (the outbox stores it first)."""

    def __init__(self, session: JobRuns, job: Job) -> None:
        self._session, self._job = session, job

    async def submitted(self, ticket: Ticket) -> None:
        self._session._set(self._job, JobState.SUBMITTED)

    def progress(self, progress: Progress) -> None:
        self._job.progress, self._job.progress_at = progress, time.monotonic()
        self._session.queue.changed(self._job)


class JobRuns:
    if TYPE_CHECKING:
        store: HistoryStore
        outbox: Outbox
        queue: JobQueue
        link: ConnectionController
        over_budget_job: Job | None
        _settings: Callable[[], AppSettings]
        _key: Callable[[], ApiKey | None]
        _backend: SessionBackend
        _slots: FifoSlots
        _job_tasks: dict[int, asyncio.Task[None]]
        _over_budget_ok: set[int]

        def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
        def report(self, error: StudioError, quiet: bool = False,
                   job: Job | None = None) -> None: ...
        def wake_outbox(self, after: float = 0.0) -> None: ...
        async def _collect(self, job: Job) -> None: ...
        async def _look_up_again(self, job: Job) -> None: ...
        def _price_when_stopped(self, job: Job) -> None: ...

    def _launch(self, job: Job, collect: bool = False) -> None:
        self._slots.set_limit(self._settings().concurrency)
        job.started, job.finished, job.error = None, None, None
        job.progress = None  # what the server said of an earlier run is not this one's
        if collect:
            self._job_tasks[job.id] = self._start(self._collect(job))
        else:
            job.state = JobState.QUEUED
            job.slot = self._slots.reserve()  # the place in line is taken now
            task = self._job_tasks[job.id] = self._start(self._run(job))
            task.add_done_callback(lambda task: self._on_run_ended(task, job))
        self.queue.changed(job)
        self.queue.emit_queue()

    async def _run(self, job: Job) -> None:
        assert job.slot is not None
        slot = job.slot
        try:
            if job.history_id is None:
                await self._record(job)
                self.queue.changed(job)  # its number (the history id) is known now
            if self._key() is None:
                self._set(job, JobState.WAITING)
                return
            await slot
            job.started = time.monotonic()
            self._set(job, JobState.SUBMITTING)
            backend = await self._backend.get()
            result = await self.outbox.send(backend, job.history_id or 0, force=job.force,
                                            events=self._events(job),
                                            over_budget=job.id in self._over_budget_ok)
            await self._done(job, result)
        except asyncio.CancelledError:
            try:  # (cancelled again meanwhile, e.g. by "cancel all": the state still shows)
                if job.history_id is not None and not job.at_server:
                    await asyncio.shield(self.outbox.cancel_unsent(job.history_id))
            finally:
                if not job.at_server:
                    self._set(job, JobState.CANCELLED)
        except Offline as exc:  # nothing left this machine: the item waits in the outbox
            await self._failed(job, exc)
            self.wake_outbox()
        except OverBudget as exc:  # not sent: it waits in the outbox for the user's word
            await asyncio.shield(asyncio.to_thread(
                self.store.set_state, job.history_id or 0, JobState.WAITING, exc.message,
                (JobState.QUEUED, JobState.WAITING)))
            self.over_budget_job = job
            await self._failed(job, exc)
        except RateLimited as exc:  # refused before any job existed: it waits for the reset
            await self._failed(job, exc)
            self.wake_outbox(after=self.link.rate_limit_wait(exc))
        except StudioError as exc:
            await self._failed(job, exc)
        except Exception as exc:  # a bug: logged with its traceback, shown as one line
            log.exception("job %d failed", job.id)
            await self._failed(job, StudioError(
                f"The job failed unexpectedly ({type(exc).__name__}).",
                "The details are in the log file."))
        finally:
            self._over_budget_ok.discard(job.id)  # "send anyway" is for one attempt
            self._slots.release(slot)
            self._job_tasks.pop(job.id, None)
            self.queue.emit_queue()

    async def _done(self, job: Job, result: GenerationResult) -> None:
        job.entry = await asyncio.to_thread(self.store.get, job.history_id or 0)
        assert job.entry is not None  # (its thumbnails: the history stored them with it)
        self.link.answered()
        self._set(job, JobState.DONE)

    async def _failed(self, job: Job, error: StudioError) -> None:
        """Mirror what the outbox stored (waiting, unknown, failed, or still at the
        server to be collected), then report."""
        job.error = error
        job.progress = None  # (the server's last word, "downloading" say, is over)
        entry = await asyncio.to_thread(self.store.get, job.history_id or 0) \
            if job.history_id is not None else None
        job.entry = entry or job.entry
        state = entry.state if entry is not None else JobState.FAILED
        if state in (JobState.QUEUED, JobState.SUBMITTING):
            state = JobState.FAILED
        self._set(job, state)
        if state is JobState.SUBMITTED or (state is JobState.UNKNOWN
                                            and isinstance(error, SubmitInDoubt)):
            self._start(self._look_up_again(job))
        self.report(error, quiet=job.hidden, job=job)

    async def _record(self, job: Job) -> None:
        if job.scribble is None:
            from scribble_studio.domain.scribble import export_scribble

            assert job.sketch is not None
            settings = self._settings()
            job.scribble = await asyncio.to_thread(
                export_scribble, job.sketch, invert=settings.invert,
                encoding=settings.encoding())
        waiting = JobState.WAITING if self._key() is None else JobState.QUEUED
        recording = asyncio.ensure_future(self.outbox.record(job.params, job.scribble, "app",
                                                             waiting))
        try:
            job.history_id = await asyncio.shield(recording)
        except asyncio.CancelledError:
            # The row is being written: wait for it so that it is cancelled in the store
            # too (left queued, it would be sent at the next start).
            while not recording.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([recording])
            if not recording.cancelled() and recording.exception() is None:
                job.history_id = recording.result()
            raise

    def _on_run_ended(self, task: asyncio.Task[None], job: Job) -> None:
        # A run cancelled before it started (a Cancel in the same turn of the loop as its
        # Generate) never ran its own clean-up: its place in line is given back, or the
        # jobs after it would wait for ever; a job never recorded is simply cancelled.
        if task.cancelled() and job.state is JobState.QUEUED and job.slot is not None:
            self._slots.release(job.slot)
            self._job_tasks.pop(job.id, None)
            if job.history_id is None:  # (nothing to price a Retry of: nothing was kept)
                job.state, job.started = JobState.CANCELLED, time.monotonic()
                job.finished = job.started
                self.queue.changed(job)
            self.queue.emit_queue()

    def _events(self, job: Job) -> _JobEvents:
        return _JobEvents(self, job)

    def _set(self, job: Job, state: JobState) -> None:
        job.state = state
        if not job.active:
            job.finished = time.monotonic()
            if job.started is None:
                job.started = job.finished
        self._price_when_stopped(job)
        self.queue.changed(job)
