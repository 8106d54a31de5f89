"""The generation session: jobs queued from the canvas, recorded in the history before
anything is sent, run on the asyncio loop (the Qt loop, through qasync) in the order
queued with a concurrency limit; jobs that cannot be sent wait in the outbox and go out
by themselves when the API can be reached. One funnel for every error."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import io
import itertools
import logging
import random
import ssl
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.slots import FifoSlots
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NetworkError,
    Offline,
    StudioError,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import Entry, HistoryStore, State
from scribble_studio.services.settings_store import AppSettings

if TYPE_CHECKING:  # Pillow and the HTTP stack load after the window shows
    from PIL import Image

    from scribble_studio.services.api_client import SegmindClient

log = logging.getLogger(__name__)
THUMBNAIL_SIDE = 256  # pixels: crisp at 128 logical pixels on a 2× screen


class JobState(enum.StrEnum):
    QUEUED = "queued"
    WAITING = "waiting"       # in the outbox: will be sent when the API can be reached
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "outcome unknown"  # was being sent when the app stopped


class Connection(enum.StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"
    KEY_REJECTED = "key rejected"


@dataclasses.dataclass(eq=False)
class Job:
    """One Generate: the snapshot of the canvas and parameters, and what became of it."""

    id: int
    params: GenerationParams
    sketch: Image.Image | None
    history_id: int | None = None
    created: float = dataclasses.field(default_factory=time.time)
    state: JobState = JobState.QUEUED
    started: float | None = None
    finished: float | None = None
    error: StudioError | None = None
    entry: Entry | None = None
    thumbnails: list[QImage] = dataclasses.field(default_factory=list)
    force: bool = False  # the user chose to send an item whose outcome was unknown
    ticket: asyncio.Future[None] | None = None

    @property
    def active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.SENDING)

    def elapsed(self, now: float | None = None) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or now or time.monotonic()) - self.started


def thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> QImage:
    """A small RGB copy of an image file's bytes, as a QImage (made on a worker thread)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (side, side))  # JPEG decodes at reduced size: much faster
        small = image.convert("RGB")
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
    raw = small.tobytes()
    return QImage(raw, small.width, small.height, small.width * 3,
                  QImage.Format.Format_RGB888).copy()


def _warm_up_network() -> ssl.SSLContext:
    # The HTTP stack is imported here, on a worker thread, when first needed (a key is
    # there to call the credits endpoint with, or a job is sent), not at start-up:
    # httpx and its transport cost ~130 ms of imports and ~10 MB (bench/bench_app.py).
    from scribble_studio.services.api_client import warm_up

    return warm_up()


class GenerationSession(QObject):
    job_added = Signal(object)
    job_changed = Signal(object)
    job_removed = Signal(object)
    error = Signal(object)             # every StudioError of a job or a call, in one place
    credits_changed = Signal(object)   # float or None
    connection_changed = Signal(str)
    queue_changed = Signal(int)        # jobs queued or being sent

    def __init__(self, settings: Callable[[], AppSettings], key: Callable[[], ApiKey | None],
                 store: HistoryStore, parent: QObject | None = None,
                 probe_wait: tuple[float, float] = (2.0, 60.0)) -> None:
        super().__init__(parent)
        self._settings = settings
        self._key = key
        self.store = store
        self.jobs: list[Job] = []
        self.credits: float | None = None
        self.connection = Connection.UNKNOWN
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._job_tasks: dict[int, asyncio.Task[None]] = {}
        self._slots = FifoSlots(1)
        self._rng = random.SystemRandom()
        self._ready: asyncio.Task[ssl.SSLContext] | None = None
        self._probe_wait = probe_wait
        self._probing: asyncio.Task[None] | None = None

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

    def _launch(self, job: Job) -> None:
        self._slots.set_limit(self._settings().concurrency)
        job.state, job.started, job.finished, job.error = JobState.QUEUED, None, None, None
        job.ticket = self._slots.reserve()  # the place in line is taken now
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
            if job.state is JobState.WAITING:
                self._launch(job)

    def resend(self, job: Job) -> None:
        """Send an item whose outcome is unknown again: the user's decision (it may have
        been billed already)."""
        if job.state in (JobState.UNKNOWN, JobState.FAILED):
            job.force = True
            self._launch(job)

    def discard(self, job: Job) -> None:
        """Drop an outbox item the user does not want sent."""
        if job.state in (JobState.WAITING, JobState.UNKNOWN) and job.history_id is not None:
            self._start(asyncio.to_thread(self.store.set_state, job.history_id,
                                          State.CANCELLED, "Discarded."))
        self.remove(job)

    @property
    def last_failed(self) -> Job | None:
        failed = [job for job in self.jobs if job.state is JobState.FAILED]
        return failed[-1] if failed else None

    def cancel(self, job: Job) -> None:
        task = self._job_tasks.get(job.id)
        if task is not None and not task.done():
            task.cancel()

    def cancel_all(self) -> None:
        for job in self.jobs:
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

    def load_outbox(self, entries: list[Entry]) -> None:
        """Show stored outbox items (at start): waiting ones go out by themselves once
        the API answers; unknown ones wait for the user."""
        for entry in entries:
            job = Job(next(self._ids), entry.params, None, entry.id, created=entry.created)
            job.state = JobState.UNKNOWN if entry.state is State.UNKNOWN else JobState.WAITING
            job.entry = entry
            self._add(job)
        self.wake_outbox()

    def wake_outbox(self) -> None:
        """Probe the API with backoff, then send what waits (nothing if nothing waits)."""
        waiting = any(job.state is JobState.WAITING for job in self.jobs)
        if waiting and self._key() is not None and (self._probing is None
                                                    or self._probing.done()):
            self._probing = self._start(self._probe_then_send())

    async def shutdown(self) -> None:
        """Cancel every job and call, and wait for them (and the warm-up) to finish."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ready is not None:  # a thread cannot be cancelled; it ends in ~0.1 s
            await asyncio.wait([self._ready])

    @property
    def active_jobs(self) -> list[Job]:
        return [job for job in self.jobs if job.active]

    # -- running ----------------------------------------------------------------------------

    def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        # The app always runs inside the qasync loop; outside one this is a bug, and
        # create_task says so at once instead of leaving a coroutine never awaited.
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)  # kept referenced until done (asyncio holds weak refs only)
        task.add_done_callback(self._tasks.discard)
        return task

    def prepare(self) -> None:
        """Warm up off the GUI thread (imports, TLS). The first call to the API does it
        anyway; calling it earlier (the benchmark does) only moves it."""
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_task(
                asyncio.to_thread(_warm_up_network))

    async def wait_ready(self) -> None:
        await self._wait_ready()

    async def _wait_ready(self) -> ssl.SSLContext:
        self.prepare()
        assert self._ready is not None
        # Shared by every job and call: cancelling one of them must not cancel it.
        return await asyncio.shield(self._ready)

    async def _client(self) -> SegmindClient:
        tls = await self._wait_ready()
        from scribble_studio.services.api_client import SegmindClient  # imported by now

        return SegmindClient(self._key(), self._settings().client_settings(),
                             on_credits=self._on_credits, tls=tls)

    async def _run(self, job: Job) -> None:
        assert job.ticket is not None
        ticket = job.ticket
        try:
            if job.history_id is None:
                await self._record(job)
            if self._key() is None:
                self._set(job, JobState.WAITING)
                return
            await ticket
            job.started = time.monotonic()
            self._set(job, JobState.SENDING)
            from scribble_studio.services import outbox

            async with await self._client() as client:
                result = await outbox.send(self.store, client, job.history_id or 0,
                                           force=job.force)
            job.entry = await asyncio.to_thread(self.store.get, job.history_id or 0)
            assert job.entry is not None
            # From the received JPEG bytes, which decode at reduced size (draft), not from
            # the stored PNGs, which would each be decoded whole: that cost 30 ms stalls.
            job.thumbnails = await asyncio.gather(*(asyncio.to_thread(thumbnail, image.data)
                                                    for image in result.images))
            self._set_connection(Connection.ONLINE)
            self._set(job, JobState.DONE)
        except asyncio.CancelledError:
            try:  # (cancelled again meanwhile, e.g. by "cancel all": the state still shows)
                if job.history_id is not None:  # not yet claimed: it never left
                    await asyncio.shield(asyncio.to_thread(
                        self.store.set_state, job.history_id, State.CANCELLED, "Cancelled.",
                        (State.QUEUED, State.WAITING)))
            finally:
                self._set(job, JobState.CANCELLED)
        except Offline as exc:  # nothing left this machine: the item waits in the outbox
            job.error = exc
            self._set(job, JobState.WAITING)
            self.report(exc)
            self.wake_outbox()
        except StudioError as exc:
            job.error = exc
            self._set(job, JobState.FAILED)
            self.report(exc)
        except Exception as exc:  # a bug: logged with its traceback, shown as one line
            log.exception("job %d failed", job.id)
            job.error = StudioError(f"The job failed unexpectedly ({type(exc).__name__}).",
                                    "The details are in the log file.")
            self._set(job, JobState.FAILED)
            self.report(job.error)
        finally:
            self._slots.release(ticket)
            self._job_tasks.pop(job.id, None)
            self._emit_queue()

    async def _record(self, job: Job) -> None:
        from scribble_studio.domain.scribble import export_scribble
        from scribble_studio.services import outbox

        assert job.sketch is not None
        settings = self._settings()
        scribble = await asyncio.to_thread(export_scribble, job.sketch, invert=settings.invert,
                                           encoding=settings.encoding())
        waiting = State.WAITING if self._key() is None else State.QUEUED
        job.history_id = await outbox.record(self.store, job.params, scribble, "app", waiting)

    def _set(self, job: Job, state: JobState) -> None:
        job.state = state
        if state not in (JobState.QUEUED, JobState.SENDING):
            job.finished = time.monotonic()
            if job.started is None:
                job.started = job.finished
        self.job_changed.emit(job)

    async def _probe_then_send(self) -> None:
        import stamina

        initial, cap = self._probe_wait
        async for attempt in stamina.retry_context(on=Offline, attempts=None, timeout=None,
                                                   wait_initial=initial, wait_max=cap):
            with attempt:
                async with await self._client() as client:
                    await client.credits()
        self._set_connection(Connection.ONLINE)
        self.send_now()

    async def _fetch_credits(self) -> None:
        try:
            async with await self._client() as client:
                await client.credits()
            self._set_connection(Connection.ONLINE)
        except StudioError as exc:
            self.report(exc, quiet=isinstance(exc, NetworkError))

    def report(self, error: StudioError, quiet: bool = False) -> None:
        """The one error funnel: connection state follows the error, then the UI is told."""
        log.warning("%s: %s", error.kind, error.message)
        if isinstance(error, AuthenticationFailed):
            self._set_connection(Connection.KEY_REJECTED)
        elif isinstance(error, Offline):
            self._set_connection(Connection.OFFLINE)
        if error.credits is not None:
            self._on_credits(error.credits)
        if not quiet:
            self.error.emit(error)

    def _on_credits(self, credits: float) -> None:
        self.credits = credits
        self.credits_changed.emit(credits)

    def _set_connection(self, state: Connection) -> None:
        if state != self.connection:
            self.connection = state
            self.connection_changed.emit(state.value)

    def _emit_queue(self) -> None:
        self.queue_changed.emit(len(self.active_jobs))
