"""The generation session: jobs queued from the canvas, recorded in the history before
anything is sent, run on the asyncio loop (the Qt loop, through qasync) in the order
queued with a concurrency limit, through one backend (one HTTP client) for the session.

The job states are the domain's, written by the outbox; a job here mirrors its stored
state. Jobs that cannot be sent wait in the outbox and go out by themselves when the API
can be reached; jobs the server already has are collected, at start too, never paid for
again. One funnel for every error: the notices.

This module is the orchestrator (the actions, and what is wired to what); the jobs are in
``job_queue``, the connection in ``connection``, a job's run in ``session_run``, what
stopped or was left unfinished in ``session_stopped``, live jobs in ``session_live``."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from scribble_studio.controllers.connection import ConnectionController
from scribble_studio.controllers.job import Connection, Job
from scribble_studio.controllers.job_queue import JobQueue
from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.session_backend import (
    BackendFactory,
    SessionBackend,
    segmind_backend,
)
from scribble_studio.controllers.session_live import LiveJobs
from scribble_studio.controllers.session_run import JobRuns
from scribble_studio.controllers.session_stopped import StoppedJobs
from scribble_studio.controllers.slots import FifoSlots
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.models import ModelCatalog, builtin_catalog
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.budget import Budget, Figures, limits_from
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.ledger import Ledger
from scribble_studio.services.outbox import Outbox
from scribble_studio.services.settings_store import AppSettings

if TYPE_CHECKING:  # Pillow loads after the window shows
    from PIL import Image


# (Job, Connection and JobState are imported from here by the UI and tests.)
__all__ = ["BackendFactory", "Connection", "GenerationSession", "Job", "JobState",
           "segmind_backend"]
# A job in doubt is looked up again after these waits (seconds): about two hours in all,
# the longest a request-history row is said to lag.
LOOKUP_WAITS = (60.0, 300.0, 900.0, 1800.0, 3600.0)


class GenerationSession(JobRuns, StoppedJobs, LiveJobs, QObject):
    """The orchestrator: generate, retry, resend, send now or anyway, discard, cancel,
    and the run of a job. The jobs are the :class:`JobQueue`'s (``queue``), the API's
    state the :class:`ConnectionController`'s (``link``), errors and messages go to the
    :class:`Notices` (``notices``, injected or its own); the signals the UI follows are
    theirs, under the names it has always used."""

    connection_changed = Signal(str)
    credits_changed = Signal(object)   # float or None

    def __init__(self, settings: Callable[[], AppSettings], key: Callable[[], ApiKey | None],
                 store: HistoryStore, parent: QObject | None = None,
                 probe_wait: tuple[float, float] = (2.0, 60.0),
                 backend_factory: BackendFactory = segmind_backend,
                 lookup_waits: tuple[float, ...] = LOOKUP_WAITS,
                 models: ModelCatalog | None = None,
                 rescue_folder: Path | None = None,
                 notices: Notices | None = None,
                 queue: JobQueue | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._key = key
        self.store = store
        self.models = models or builtin_catalog()
        self.budget = Budget(Ledger(store), self.models, lambda: limits_from(settings()))
        # (a paid result the history cannot store goes to the rescue folder)
        self.outbox = Outbox(store, budget=self.budget,
                             keep_in=(rescue_folder,) if rescue_folder is not None else ())
        self._over_budget_ok: set[int] = set()   # jobs the user said to send anyway
        self.over_budget_job: Job | None = None  # the last job the budget stopped
        self.notices = notices or Notices(self)
        self.queue = queue or JobQueue(parent=self)
        self.error: SignalInstance = self.notices.error
        self.reported: SignalInstance = self.notices.reported
        self.notice: SignalInstance = self.notices.notice
        self.job_added: SignalInstance = self.queue.job_added
        self.job_changed: SignalInstance = self.queue.job_changed
        self.job_removed: SignalInstance = self.queue.job_removed
        self.queue_changed: SignalInstance = self.queue.queue_changed
        self._tasks: set[asyncio.Task[Any]] = set()
        self._job_tasks: dict[int, asyncio.Task[None]] = {}
        self._look_up_asked: set[int] = set()    # jobs to look up again once collected
        self._slots = FifoSlots(1)
        self._rng = random.SystemRandom()
        self._lookup_waits = lookup_waits
        self._backend = SessionBackend(backend_factory, settings, key,
                                       lambda credits: self.link.on_credits(credits))
        self.link = ConnectionController(self._backend, key, self.notices, self._start,
                                         probe_wait, self)
        self.link.state_changed.connect(self.connection_changed)
        self.link.credits_changed.connect(self.credits_changed)
        self.link.online.connect(self.send_now)

    @property
    def jobs(self) -> list[Job]:
        return self.queue.jobs

    @property
    def connection(self) -> Connection:
        return self.link.state

    @property
    def credits(self) -> float | None:
        return self.link.credits

    @property
    def active_jobs(self) -> list[Job]:
        return self.queue.active

    @property
    def at_server(self) -> list[Job]:
        return self.queue.at_server

    @property
    def last_failed(self) -> Job | None:
        return self.queue.last_failed

    # -- actions --------------------------------------------------------------------------

    def generate(self, sketch: Image.Image, params: GenerationParams) -> Job:
        """Queue a job for a snapshot (``sketch``, dark on white) with a drawn seed."""
        job = Job(self.queue.next_id(), params.with_seed_drawn(self._rng), sketch)
        self._launch(self.queue.add(job))
        return job

    def retry(self, job: Job) -> Job | None:
        """Queue the same scribble and parameters (seed included) as a new job: the bytes
        this session exported for it, or its snapshot, or else the history's copy (then
        the new job comes a moment later, and None is returned)."""
        if job.scribble is None and job.sketch is None:
            if job.history_id is None:
                raise ValueError("a job never exported nor recorded cannot be sent again")
            self.retry_stored(job.history_id, retry_of=job.id)
            return None
        again = Job(self.queue.next_id(), job.params, job.sketch, scribble=job.scribble,
                    retry_of=job.id)
        self._launch(self.queue.add(again))
        return again

    def send_now(self) -> None:
        """Send every waiting item at once (the user's "Send now")."""
        for job in self.queue.waiting:
            self._launch(job)

    def send_anyway(self, job: Job) -> None:
        """Send a job the budget stopped: the user's word, for this job, once. What goes
        is what was recorded when it was made (the outbox sends the stored scribble)."""
        if job.state is JobState.WAITING and not job.elsewhere:
            self._over_budget_ok.add(job.id)
            self._launch(job)

    async def money_figures(self, params: GenerationParams) -> Figures:
        """The estimate of ``params`` and the spend figures (read on a worker)."""
        return await asyncio.to_thread(self.budget.figures, params)

    def resend(self, job: Job) -> None:
        """Send an item whose outcome is unknown (or that failed) again: the user's
        decision (it may have been billed already)."""
        if job.state in (JobState.UNKNOWN, JobState.FAILED) and not job.elsewhere:
            job.force = True
            self._launch(job)

    def discard(self, job: Job) -> None:
        """Drop an outbox item the user does not want sent."""
        if job.state in (JobState.WAITING, JobState.UNKNOWN, JobState.FAILED) \
                and job.history_id is not None and not job.elsewhere:
            if job.state is JobState.UNKNOWN:
                self.notices.say(f"Job {job.number} is discarded: it is no longer looked up "
                                 "in Segmind's request history, so if Segmind did run it, "
                                 "its images are not collected.")
            self._start(self.outbox.discard(job.history_id))
        self.remove(job)

    def cancel(self, job: Job) -> None:
        """Cancel a job that has not left; one the server has keeps running there (there
        is no cancel at Segmind, and it is billed): it is hidden and still collected."""
        if job.at_server:
            job.hidden = True
            self.notices.say(f"Job {job.number} is already at Segmind, which keeps working "
                             "on it and bills it: its images will still be kept in the "
                             "gallery.")
            self.queue.remove(job)
            return
        task = self._job_tasks.get(job.id)
        if task is not None and not task.done():
            task.cancel()

    def cancel_all(self) -> None:
        for job in list(self.jobs):
            if not job.at_server:
                self.cancel(job)

    def remove(self, job: Job) -> None:
        self.cancel(job)
        self.queue.remove(job)

    def refresh_credits(self) -> None:
        """Ask the (free) credits endpoint, if there is a key."""
        self.link.refresh_credits()

    def report(self, error: StudioError, quiet: bool = False, job: Job | None = None) -> None:
        """The one error funnel (the notices'): the connection's state follows the error,
        then the UI is told, with the job it belongs to (its banner acts on that job)."""
        self.notices.report(error, quiet=quiet, job=job)

    async def shutdown(self) -> None:
        """Cancel every job and call, wait for them (and the warm-up), close the client.
        Jobs the server has stay ``submitted`` and are collected at the next start."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._backend.aclose()
        await asyncio.to_thread(self.outbox.lock.release)

    # -- running ----------------------------------------------------------------------------

    def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)  # kept referenced until done (asyncio holds weak refs only)
        task.add_done_callback(self._tasks.discard)
        return task

    def prepare(self) -> None:
        """Warm up off the GUI thread (imports, TLS). The first call to the API does it
        anyway; calling it earlier (the benchmark does) only moves it."""
        self._backend.prepare()

    async def wait_ready(self) -> None:
        await self._backend.wait_ready()
