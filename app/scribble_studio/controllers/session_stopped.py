"""What the session does for a job that stopped (failed, cancelled, in doubt), of this
session or an earlier one: Retry it as a new job from its stored scribble and seed, with
its cost said; look it up again; discard it. A mixin of
:class:`~scribble_studio.controllers.session.GenerationSession`, kept apart so the
session stays an orchestrator of readable size."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from scribble_studio.controllers.job import Job
from scribble_studio.domain.errors import StudioError, UnreadableImage
from scribble_studio.domain.job_state import JobState

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from scribble_studio.services.budget import Budget
    from scribble_studio.services.config import ApiKey
    from scribble_studio.services.history import HistoryStore
    from scribble_studio.services.outbox import Outbox


class StoppedJobs:
    if TYPE_CHECKING:
        store: HistoryStore
        outbox: Outbox
        budget: Budget
        jobs: list[Job]
        job_changed: SignalInstance
        _ids: itertools.count[int]
        _job_tasks: dict[int, asyncio.Task[None]]
        _key: Callable[[], ApiKey | None]

        def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
        def _launch(self, job: Job, collect: bool = False) -> None: ...
        def _add(self, job: Job) -> Job: ...
        def retry(self, job: Job) -> Job: ...
        def report(self, error: StudioError, quiet: bool = False) -> None: ...

    def retry_job(self, job: Job) -> None:
        """The row's (or a banner's) Retry of this very job: its stored scribble and
        parameters, seed included, as a new job; one not recorded yet from its sketch."""
        if job.history_id is not None:
            self.retry_stored(job.history_id)
        elif job.sketch is not None:
            self.retry(job)

    def retry_stored(self, history_id: int) -> None:
        """Queue stored job ``history_id`` (failed, cancelled or unknown; of this session
        or an earlier one) again as a new job: the exact scribble bytes and parameters,
        seed included. The old row stays as it was (it may have been billed)."""
        self._start(self._retry_stored(history_id))

    async def _retry_stored(self, history_id: int) -> None:
        from scribble_studio.domain.scribble_spec import ScribbleExport

        entry = await asyncio.to_thread(self.store.get, history_id)
        data = await asyncio.to_thread(self.store.read_file, entry.scribble) \
            if entry is not None else None
        if entry is None or data is None:
            self.report(UnreadableImage(f"Job #{history_id} cannot be sent again: its "
                                        "scribble is missing from the data folder."))
            return
        state = JobState.WAITING if self._key() is None else JobState.QUEUED
        scribble = ScribbleExport(data, entry.width, entry.height, True)
        new_id = await self.outbox.record(entry.params, scribble, "app", state)
        self._launch(self._add(Job(next(self._ids), entry.params, None, new_id)))

    def look_up(self, job: Job) -> None:
        """Look a job in doubt up in the request history now (free): found, it is
        collected."""
        if job.state is JobState.UNKNOWN and not job.elsewhere \
                and job.id not in self._job_tasks and self._key() is not None:
            self._launch(job, collect=True)

    def job_of(self, history_id: int) -> Job | None:
        """This session's job for history entry ``history_id``, if it shows one."""
        return next((job for job in self.jobs if job.history_id == history_id), None)

    def discard_stored(self, history_id: int) -> None:
        """Discard a stored job this session does not show (failed in an earlier one)."""
        self._start(self.outbox.discard(history_id))

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
        self.job_changed.emit(job)
