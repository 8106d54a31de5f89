"""The generation session: jobs queued from the canvas, run on the asyncio loop (the Qt
loop, through qasync), with a concurrency limit; one funnel for every error."""

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NetworkError,
    Offline,
    StudioError,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.domain.scribble import ScribbleExport, export_scribble
from scribble_studio.services.config import ApiKey

if TYPE_CHECKING:
    from scribble_studio.services.api_client import SegmindClient
from scribble_studio.services.result_files import save_results
from scribble_studio.services.settings_store import AppSettings

log = logging.getLogger(__name__)
THUMBNAIL_SIDE = 256  # pixels: crisp at 128 logical pixels on a 2× screen


class JobState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


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
    sketch: Image.Image
    created: float = dataclasses.field(default_factory=time.time)
    state: JobState = JobState.QUEUED
    started: float | None = None
    finished: float | None = None
    error: StudioError | None = None
    result: GenerationResult | None = None
    paths: list[Path] = dataclasses.field(default_factory=list)
    thumbnails: list[QImage] = dataclasses.field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.SENDING)

    def elapsed(self, now: float | None = None) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or now or time.monotonic()) - self.started


def _warm_up_network() -> ssl.SSLContext:
    # The HTTP stack is imported here, on a worker thread after the window shows, not
    # at start-up: httpx and its transport cost ~130 ms of imports (bench/bench_app.py).
    from scribble_studio.services.api_client import warm_up

    return warm_up()


def thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> QImage:
    """A small RGB copy of a result image, as a QImage (made on a worker thread)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (side, side))  # JPEG decodes at reduced size: much faster
        small = image.convert("RGB")
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
    raw = small.tobytes()
    return QImage(raw, small.width, small.height, small.width * 3,
                  QImage.Format.Format_RGB888).copy()


class GenerationSession(QObject):
    job_added = Signal(object)
    job_changed = Signal(object)
    error = Signal(object)             # every StudioError of a job or a call, in one place
    credits_changed = Signal(object)   # float or None
    connection_changed = Signal(str)
    queue_changed = Signal(int)        # jobs not yet finished

    def __init__(self, settings: Callable[[], AppSettings], key: Callable[[], ApiKey | None],
                 results_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._key = key
        self.results_dir = results_dir
        self.jobs: list[Job] = []
        self.credits: float | None = None
        self.connection = Connection.UNKNOWN
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._job_tasks: dict[int, asyncio.Task[None]] = {}
        self._limit = 0
        self._semaphore = asyncio.Semaphore(1)
        self._rng = random.SystemRandom()
        self._ready: asyncio.Task[ssl.SSLContext] | None = None

    # -- actions --------------------------------------------------------------------------

    def generate(self, sketch: Image.Image, params: GenerationParams) -> Job:
        """Queue a job for a snapshot (``sketch``, dark on white) with a drawn seed."""
        job = Job(next(self._ids), params.with_seed_drawn(self._rng), sketch)
        self.jobs.append(job)
        self.job_added.emit(job)
        self._job_tasks[job.id] = self._start(self._run(job))
        self._emit_queue()
        return job

    def retry(self, job: Job) -> Job:
        """Queue the same snapshot and parameters (seed included) again."""
        return self.generate(job.sketch, job.params)

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

    def refresh_credits(self) -> None:
        """Ask the (free) credits endpoint, if there is a key."""
        if self._key() is not None:
            self._start(self._fetch_credits())

    async def shutdown(self) -> None:
        """Cancel every job and call, and wait for them to finish."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def active_jobs(self) -> list[Job]:
        return [job for job in self.jobs if job.active]

    # -- running ----------------------------------------------------------------------------

    def _start(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # The app always runs inside the qasync loop; outside one this is a bug, and
        # create_task says so at once instead of leaving a coroutine never awaited.
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)  # kept referenced until done (asyncio holds weak refs only)
        task.add_done_callback(self._tasks.discard)
        return task

    def _gate(self) -> asyncio.Semaphore:
        limit = max(1, self._settings().concurrency)
        if limit != self._limit:  # a changed setting applies to jobs not yet waiting
            self._limit, self._semaphore = limit, asyncio.Semaphore(limit)
        return self._semaphore

    def prepare(self) -> None:
        """Warm up off the GUI thread (imports, TLS); call once the window is shown."""
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_task(
                asyncio.to_thread(_warm_up_network))

    async def wait_ready(self) -> None:
        await self._wait_ready()

    async def _wait_ready(self) -> ssl.SSLContext:
        self.prepare()
        assert self._ready is not None
        return await self._ready

    async def _client(self) -> SegmindClient:
        tls = await self._wait_ready()
        from scribble_studio.services.api_client import SegmindClient  # imported by now

        return SegmindClient(self._key(), self._settings().client_settings(),
                             on_credits=self._on_credits, tls=tls)

    async def _run(self, job: Job) -> None:
        settings = self._settings()
        try:
            # The slot is taken before the export, so jobs start in the order queued
            # (exports finish on worker threads in any order).
            async with self._gate():
                job.state, job.started = JobState.SENDING, time.monotonic()
                self.job_changed.emit(job)
                scribble: ScribbleExport = await asyncio.to_thread(
                    export_scribble, job.sketch, invert=settings.invert,
                    encoding=settings.encoding())
                async with await self._client() as client:
                    result = await client.generate(scribble, job.params)
            job.result = result
            job.paths = await asyncio.to_thread(save_results, result, f"job{job.id}",
                                                self.results_dir)
            job.thumbnails = await asyncio.gather(
                *(asyncio.to_thread(thumbnail, image.data) for image in result.images))
            self._set_connection(Connection.ONLINE)
            self._finish(job, JobState.DONE)
        except asyncio.CancelledError:
            self._finish(job, JobState.CANCELLED)
        except StudioError as exc:
            job.error = exc
            self._finish(job, JobState.FAILED)
            self.report(exc)
        except Exception as exc:  # a bug: logged with its traceback, shown as one line
            log.exception("job %d failed", job.id)
            job.error = StudioError(f"The job failed unexpectedly ({type(exc).__name__}).",
                                    "The details are in the log file.")
            self._finish(job, JobState.FAILED)
            self.report(job.error)

    def _finish(self, job: Job, state: JobState) -> None:
        job.state, job.finished = state, time.monotonic()
        if job.started is None:
            job.started = job.finished
        self._job_tasks.pop(job.id, None)
        self.job_changed.emit(job)
        self._emit_queue()

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
