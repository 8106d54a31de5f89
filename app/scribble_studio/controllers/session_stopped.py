"""What the session does for a job that stopped (failed, cancelled, in doubt) or that an
earlier session left unfinished: Retry it as a new job from its scribble and seed, with
its cost said; collect what the server has; look what is in doubt up again; discard it.
A mixin of :class:`~scribble_studio.controllers.session.GenerationSession`, kept apart so
the session stays an orchestrator of readable size."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from scribble_studio.controllers.job import Job
from scribble_studio.domain.errors import StudioError, UnreadableImage
from scribble_studio.domain.job_state import JobState

if TYPE_CHECKING:
    from scribble_studio.controllers.connection import ConnectionController
    from scribble_studio.controllers.job_queue import JobQueue
    from scribble_studio.controllers.session_backend import SessionBackend
    from scribble_studio.domain.results import GenerationResult
    from scribble_studio.services.backends import JobEvents
    from scribble_studio.services.budget import Budget
    from scribble_studio.services.config import ApiKey
    from scribble_studio.services.history import Entry, HistoryStore
    from scribble_studio.services.outbox import Outbox

log = logging.getLogger(__name__)


class StoppedJobs:
    if TYPE_CHECKING:
        store: HistoryStore
        outbox: Outbox
        budget: Budget
        queue: JobQueue
        link: ConnectionController
        _backend: SessionBackend
        _lookup_waits: tuple[float, ...]
        _job_tasks: dict[int, asyncio.Task[None]]
        _look_up_asked: set[int]
        _key: Callable[[], ApiKey | None]

        @property
        def jobs(self) -> list[Job]: ...
        def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
        def _launch(self, job: Job, collect: bool = False) -> None: ...
        def retry(self, job: Job) -> Job | None: ...
        def report(self, error: StudioError, quiet: bool = False,
                   job: Job | None = None) -> None: ...
        async def _done(self, job: Job, result: GenerationResult) -> None: ...
        async def _failed(self, job: Job, error: StudioError) -> None: ...
        def _events(self, job: Job) -> JobEvents: ...

    def retry_job(self, job: Job) -> None:
        """The row's (or a banner's) Retry of this very job: its scribble and parameters,
        seed included, as a new job (the bytes kept in memory, else the history's)."""
        if job.scribble is not None or job.sketch is not None:
            self.retry(job)
        elif job.history_id is not None:
            self.retry_stored(job.history_id, retry_of=job.id)

    def retry_stored(self, history_id: int, retry_of: int | None = None) -> None:
        """Queue stored job ``history_id`` (failed, cancelled or unknown; of this session
        or an earlier one) again as a new job: the exact scribble bytes and parameters,
        seed included. The old row stays as it was (it may have been billed)."""
        self._start(self._retry_stored(history_id, retry_of))

    async def _retry_stored(self, history_id: int, retry_of: int | None) -> None:
        from scribble_studio.domain.scribble_spec import ScribbleExport

        entry = await asyncio.to_thread(self.store.get, history_id)
        data = await asyncio.to_thread(self.store.read_file, entry.scribble) \
            if entry is not None else None
        if entry is None or data is None:
            self.report(UnreadableImage(f"Job #{history_id} cannot be sent again: its "
                                        "scribble is missing from the data folder."),
                        job=self.queue.find(retry_of) if retry_of is not None else None)
            return
        scribble = ScribbleExport(data, entry.width, entry.height, True)
        self._launch(self.queue.add(Job(self.queue.next_id(), entry.params, None,
                                        scribble=scribble, retry_of=retry_of)))

    def look_up(self, job: Job) -> None:
        """Look a job in doubt up in the request history now (free): found, it is
        collected. Asked while one is under way (the one at start, say), it is looked up
        again once that one ends, if it is still in doubt: the user's word is not lost."""
        if job.state is JobState.UNKNOWN and not job.elsewhere and self._key() is not None:
            if job.id in self._job_tasks:
                self._look_up_asked.add(job.id)
            else:
                self._launch(job, collect=True)

    def job_of(self, history_id: int) -> Job | None:
        """This session's job for history entry ``history_id``, if it shows one."""
        return self.queue.of_history(history_id)

    def discard_stored(self, history_id: int) -> None:
        """Discard a stored job this session does not show (failed in an earlier one)."""
        self._start(self.outbox.discard(history_id))

    # -- what an earlier session left, and what is in doubt ---------------------------------

    def load_outbox(self, pending: list[tuple[Entry, bool]]) -> None:
        """Show the unfinished jobs of earlier sessions (at start). What the server has
        is collected and what is in doubt looked up, at once (both are free); waiting
        ones go out once the API answers; those another process works on are shown.
        A job this session queued before the history was read is already here: it is
        not shown (and sent) twice."""
        known = {job.history_id for job in self.jobs if job.history_id is not None}
        for entry, elsewhere in pending:
            if entry.id in known or entry.owner == self.outbox.lock.name \
                    or (entry.live and entry.state.safe_to_send):  # (never sent later)
                continue
            job = Job(self.queue.next_id(), entry.params, None, entry.id,
                      created=entry.created)
            job.state, job.entry, job.elsewhere = entry.state, entry, elsewhere
            if entry.error and entry.state is JobState.UNKNOWN:
                job.error = StudioError(entry.error, "")
            self.queue.add(job)
            if not elsewhere and entry.state in (JobState.SUBMITTED, JobState.SUBMITTING,
                                                 JobState.UNKNOWN) and self._key() is not None:
                self._launch(job, collect=True)
        self.wake_outbox()

    def wake_outbox(self, after: float = 0.0) -> None:
        """Collect what the server has and nothing follows any more (its collection
        failed, or there was no key at start); probe the API with backoff, then send
        what waits (nothing if nothing waits). ``after``: seconds before the first probe
        (a rate limit's reset)."""
        if self._key() is None:
            return
        for job in self.jobs:
            if job.state is JobState.SUBMITTED and not job.elsewhere \
                    and job.id not in self._job_tasks:
                self._launch(job, collect=True)
        if self.queue.waiting:
            self.link.probe(after)

    async def _collect(self, job: Job) -> None:
        """Collect a job of an earlier session that the server has or may have."""
        try:
            job.started = time.monotonic()
            backend = await self._backend.get()
            result = await self.outbox.collect(backend, job.history_id or 0,
                                               events=self._events(job))
            await self._done(job, result)
        except asyncio.CancelledError:
            raise
        except StudioError as exc:
            await self._failed(job, exc)
        except Exception as exc:
            log.exception("collecting job %d failed", job.id)
            await self._failed(job, StudioError(
                f"Collecting the job failed unexpectedly ({type(exc).__name__}).",
                "The details are in the log file."))
        finally:
            self._job_tasks.pop(job.id, None)
            self.queue.emit_queue()
        if job.id in self._look_up_asked:  # (the user asked meanwhile: once more)
            self._look_up_asked.discard(job.id)
            self.look_up(job)

    async def _look_up_again(self, job: Job) -> None:
        """A job in doubt is looked up in the request history again, on a backoff, for
        about two hours (its rows may lag that long): found, it is collected. A job left
        at the server (its result could not be fetched yet) is collected again."""
        if job.lookups >= len(self._lookup_waits):
            return
        await asyncio.sleep(self._lookup_waits[job.lookups])
        job.lookups += 1
        if (job in self.jobs or job.hidden) \
                and job.state in (JobState.UNKNOWN, JobState.SUBMITTED) \
                and not job.elsewhere \
                and job.id not in self._job_tasks and self._key() is not None:
            self._launch(job, collect=True)

    # -- the cost of a Retry ----------------------------------------------------------------

    def _price_when_stopped(self, job: Job) -> None:
        """A job that failed or was cancelled gets the estimate of its Retry."""
        if job.state in (JobState.FAILED, JobState.CANCELLED) and not job.retry_cost:
            self._start(self._price_retry(job))

    async def _price_retry(self, job: Job) -> None:
        """What a Retry of this job would cost, from the money figures (on a worker)."""
        try:
            estimate = await asyncio.to_thread(self.budget.estimate, job.params)
        except StudioError:  # no figure: the Retry button just says less
            return
        job.retry_cost = estimate.text()  # "≈ $0.012 (4 images)"
        self.queue.changed(job)
