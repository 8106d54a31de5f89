"""The generation session: jobs queued from the canvas, recorded in the history before
anything is sent, run on the asyncio loop (the Qt loop, through qasync) in the order
queued with a concurrency limit, through one backend (one HTTP client) for the session.

The job states are the domain's, written by the outbox; a job here mirrors its stored
state. Jobs that cannot be sent wait in the outbox and go out by themselves when the API
can be reached; jobs the server already has are collected, at start too, never paid for
again. One funnel for every error."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.job import Connection, Job, thumbnail
from scribble_studio.controllers.session_backend import (
    BackendFactory,
    SessionBackend,
    segmind_backend,
)
from scribble_studio.controllers.session_live import LiveJobs
from scribble_studio.controllers.session_stopped import StoppedJobs
from scribble_studio.controllers.slots import FifoSlots
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NetworkError,
    Offline,
    RateLimited,
    StudioError,
    SubmitInDoubt,
)
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.models import ModelCatalog, builtin_catalog
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.budget import Budget, Figures, OverBudget, limits_from
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.ledger import Ledger
from scribble_studio.services.outbox import Outbox
from scribble_studio.services.settings_store import AppSettings

if TYPE_CHECKING:  # Pillow and the HTTP stack load after the window shows
    from PIL import Image

    from scribble_studio.domain.results import GenerationResult
    from scribble_studio.services.backends import Progress, Ticket

# (Job, Connection, thumbnail and JobState are imported from here by the UI and tests.)
__all__ = ["BackendFactory", "Connection", "GenerationSession", "Job", "JobState",
           "segmind_backend", "thumbnail"]
log = logging.getLogger(__name__)
# A job in doubt is looked up again after these waits (seconds): about two hours in all,
# the longest a request-history row is said to lag.
LOOKUP_WAITS = (60.0, 300.0, 900.0, 1800.0, 3600.0)


class _JobEvents:
    """What the backend says of one job, mirrored onto it (the outbox stores it first)."""

    def __init__(self, session: GenerationSession, job: Job) -> None:
        self._session, self._job = session, job

    async def submitted(self, ticket: Ticket) -> None:
        self._session._set(self._job, JobState.SUBMITTED)

    def progress(self, progress: Progress) -> None:
        self._job.progress, self._job.progress_at = progress, time.monotonic()
        self._session.job_changed.emit(self._job)


class GenerationSession(StoppedJobs, LiveJobs, QObject):
    job_added = Signal(object)
    job_changed = Signal(object)
    job_removed = Signal(object)
    error = Signal(object)             # every StudioError of a job or a call, in one place
    reported = Signal(object, object)  # the same, with the Job it belongs to (or None)
    notice = Signal(str)               # a plain message for the user (no action needed)
    credits_changed = Signal(object)   # float or None
    connection_changed = Signal(str)
    queue_changed = Signal(int)        # jobs queued, being sent or at the server

    def __init__(self, settings: Callable[[], AppSettings], key: Callable[[], ApiKey | None],
                 store: HistoryStore, parent: QObject | None = None,
                 probe_wait: tuple[float, float] = (2.0, 60.0),
                 backend_factory: BackendFactory = segmind_backend,
                 lookup_waits: tuple[float, ...] = LOOKUP_WAITS,
                 models: ModelCatalog | None = None,
                 rescue_folder: Path | None = None) -> None:
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
        self.jobs: list[Job] = []
        self.credits: float | None = None
        self.connection = Connection.UNKNOWN
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._job_tasks: dict[int, asyncio.Task[None]] = {}
        self._slots = FifoSlots(1)
        self._rng = random.SystemRandom()
        self._probe_wait = probe_wait
        self._lookup_waits = lookup_waits
        self._probing: asyncio.Task[None] | None = None
        self._backend = SessionBackend(backend_factory, settings, key, self._on_credits)

    # -- actions --------------------------------------------------------------------------

    def generate(self, sketch: Image.Image, params: GenerationParams) -> Job:
        """Queue a job for a snapshot (``sketch``, dark on white) with a drawn seed."""
        job = Job(next(self._ids), params.with_seed_drawn(self._rng), sketch)
        self._launch(self._add(job))
        return job

    def _add(self, job: Job) -> Job:
        self.jobs.append(job)
        self.job_added.emit(job)
        return job

    def _launch(self, job: Job, collect: bool = False) -> None:
        self._slots.set_limit(self._settings().concurrency)
        job.started, job.finished, job.error = None, None, None
        job.progress = None  # what the server said of an earlier run is not this one's
        if collect:
            self._job_tasks[job.id] = self._start(self._collect(job))
        else:
            job.state = JobState.QUEUED
            job.slot = self._slots.reserve()  # the place in line is taken now
            self._job_tasks[job.id] = self._start(self._run(job))
        self.job_changed.emit(job)
        self._emit_queue()

    def retry(self, job: Job) -> Job:
        """Queue the same snapshot and parameters (seed included) as a new job."""
        if job.sketch is None:
            raise ValueError("only jobs made in this session have their sketch")
        again = Job(next(self._ids), job.params, job.sketch)
        self._launch(self._add(again))
        return again

    def send_now(self) -> None:
        """Send every waiting item at once (the user's "Send now")."""
        for job in self.jobs:
            if job.state is JobState.WAITING and not job.elsewhere:
                self._launch(job)

    def send_anyway(self, job: Job) -> None:
        """Send a job the budget stopped: the user's word, for this job, once."""
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
                self.notice.emit(f"Job {job.number} is discarded: it is no longer looked up in "
                                 "Segmind's request history, so if Segmind did run it, its "
                                 "images are not collected.")
            self._start(self.outbox.discard(job.history_id))
        self.remove(job)

    @property
    def last_failed(self) -> Job | None:
        failed = [job for job in self.jobs if job.state is JobState.FAILED]
        return failed[-1] if failed else None

    def cancel(self, job: Job) -> None:
        """Cancel a job that has not left; one the server has keeps running there (there
        is no cancel at Segmind, and it is billed): it is hidden and still collected."""
        if job.at_server:
            job.hidden = True
            self.notice.emit(f"Job {job.number} is already at Segmind, which keeps working on it "
                             "and bills it: its images will still be kept in the gallery.")
            if job in self.jobs:
                self.jobs.remove(job)
                self.job_removed.emit(job)
                self._emit_queue()
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
        if job in self.jobs:
            self.jobs.remove(job)
            self.job_removed.emit(job)
            self._emit_queue()

    def refresh_credits(self) -> None:
        """Ask the (free) credits endpoint, if there is a key."""
        if self._key() is not None:
            self._start(self._fetch_credits())

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
            job = Job(next(self._ids), entry.params, None, entry.id, created=entry.created)
            job.state, job.entry, job.elsewhere = entry.state, entry, elsewhere
            if entry.error and entry.state is JobState.UNKNOWN:
                job.error = StudioError(entry.error, "")
            self._add(job)
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
        waiting = any(job.state is JobState.WAITING and not job.elsewhere for job in self.jobs)
        if waiting and (self._probing is None or self._probing.done()):
            self._probing = self._start(self._probe_then_send(after))

    @property
    def at_server(self) -> list[Job]:
        return [job for job in self.jobs if job.at_server and not job.elsewhere]

    async def shutdown(self) -> None:
        """Cancel every job and call, wait for them (and the warm-up), close the client.
        Jobs the server has stay ``submitted`` and are collected at the next start."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._backend.aclose()
        await asyncio.to_thread(self.outbox.lock.release)

    @property
    def active_jobs(self) -> list[Job]:
        return [job for job in self.jobs if job.active]

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

    async def _run(self, job: Job) -> None:
        assert job.slot is not None
        slot = job.slot
        try:
            if job.history_id is None:
                await self._record(job)
                self.job_changed.emit(job)  # its number (the history id) is known now
            if self._key() is None:
                self._set(job, JobState.WAITING)
                return
            await slot
            job.started = time.monotonic()
            self._set(job, JobState.SUBMITTING)
            backend = await self._backend.get()
            result = await self.outbox.send(backend, job.history_id or 0, force=job.force,
                                            events=_JobEvents(self, job),
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
            self.wake_outbox(after=self._rate_limit_wait(exc))
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
            self._emit_queue()

    async def _collect(self, job: Job) -> None:
        """Collect a job of an earlier session that the server has or may have."""
        try:
            job.started = time.monotonic()
            backend = await self._backend.get()
            result = await self.outbox.collect(backend, job.history_id or 0,
                                               events=_JobEvents(self, job))
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
            self._emit_queue()

    async def _done(self, job: Job, result: GenerationResult) -> None:
        job.entry = await asyncio.to_thread(self.store.get, job.history_id or 0)
        assert job.entry is not None
        # From the received JPEG bytes, which decode at reduced size (draft), not from
        # the stored PNGs, which would each be decoded whole.
        job.thumbnails = await asyncio.gather(*(asyncio.to_thread(thumbnail, image.data)
                                                for image in result.images))
        self._set_connection(Connection.ONLINE)
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

    async def _record(self, job: Job) -> None:
        from scribble_studio.domain.scribble import export_scribble

        assert job.sketch is not None
        settings = self._settings()
        scribble = await asyncio.to_thread(export_scribble, job.sketch, invert=settings.invert,
                                           encoding=settings.encoding())
        waiting = JobState.WAITING if self._key() is None else JobState.QUEUED
        recording = asyncio.ensure_future(self.outbox.record(job.params, scribble, "app",
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

    def _set(self, job: Job, state: JobState) -> None:
        job.state = state
        if not job.active:
            job.finished = time.monotonic()
            if job.started is None:
                job.started = job.finished
        self._price_when_stopped(job)
        self.job_changed.emit(job)

    def _rate_limit_wait(self, error: RateLimited) -> float:
        initial, cap = self._probe_wait
        if error.reset_at is None:
            return initial
        import datetime as dt  # (kept off the app's start-up)

        left = (error.reset_at - dt.datetime.now(dt.UTC)).total_seconds()
        return min(max(left, initial), cap)

    async def _probe_then_send(self, after: float = 0.0) -> None:
        import stamina

        if after > 0:  # a rate limit's reset: sending earlier would only be refused again
            await asyncio.sleep(after)
        initial, cap = self._probe_wait
        try:
            # (a rate limit may cover the credits call too: it is waited out as well)
            async for attempt in stamina.retry_context(on=(Offline, RateLimited),
                                                       attempts=None, timeout=None,
                                                       wait_initial=initial, wait_max=cap):
                with attempt:
                    await (await self._backend.get()).credits()
        except StudioError as exc:  # a rejected key, say: reported, nothing is sent
            self.report(exc)
            return
        self._set_connection(Connection.ONLINE)
        self.send_now()

    async def _fetch_credits(self) -> None:
        try:
            await (await self._backend.get()).credits()
            self._set_connection(Connection.ONLINE)
        except StudioError as exc:
            self.report(exc, quiet=isinstance(exc, NetworkError))

    def report(self, error: StudioError, quiet: bool = False, job: Job | None = None) -> None:
        """The one error funnel: connection state follows the error, then the UI is told
        (with the job the error belongs to, so that its banner acts on that job)."""
        log.warning("%s: %s", error.kind, error.message)
        if isinstance(error, AuthenticationFailed):
            self._set_connection(Connection.KEY_REJECTED)
        elif isinstance(error, Offline):
            self._set_connection(Connection.OFFLINE)
        if error.credits is not None:
            self._on_credits(error.credits)
        if not quiet:
            self.error.emit(error)
            self.reported.emit(error, job)

    def _on_credits(self, credits: float) -> None:
        self.credits = credits
        self.credits_changed.emit(credits)

    def _set_connection(self, state: Connection) -> None:
        if state != self.connection:
            self.connection = state
            self.connection_changed.emit(state.value)

    def _emit_queue(self) -> None:
        self.queue_changed.emit(len(self.active_jobs))
