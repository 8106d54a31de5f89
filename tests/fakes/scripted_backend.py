"""A scripted backend: the Backend protocol with no network, where each job's fate is
written by the test and released by the test, never by time (after Krita AI Diffusion's
``tests/mock/client.py``). The HTTP fake (``segmind_server``) stays for the backend's own
tests and a few end-to-end ones.

    backend = ScriptedBackend()
    gate = backend.hold()
    backend.script(Step.submitted("req-1"), Step.progress(Phase.GENERATING), gate,
                   Step.done(images=2))
    session = GenerationSession(..., backend_factory=backend.factory)
    job = session.generate(sketch, params)
    await gate.reached.wait()     # the job is submitted and stopped at the gate
    ...                           # assert what the session and the UI show meanwhile
    gate.release()                # let it finish

Each :meth:`ScriptedBackend.run` takes the next script of :meth:`script` (default:
submitted, then done with one image per sample); each :meth:`resume` the next of
:meth:`script_resume` (default: done); each :meth:`find` the next answer of
:meth:`will_find` (default: not found). Every call is recorded in ``calls``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import ssl
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

from scribble_studio.domain.errors import (
    JobFailed,
    Offline,
    RateLimited,
    StillRunning,
    StudioError,
    SubmitInDoubt,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult, check_image
from scribble_studio.services.backends import (
    BackendFeatures,
    Credits,
    JobEvents,
    JobRequest,
    Lookup,
    LostJob,
    Phase,
    Progress,
    Ticket,
)
from scribble_studio.services.config import ApiKey
from scribble_studio.services.settings_store import AppSettings
from tests.fakes.segmind_server import result_jpeg

CallKind = Literal["run", "resume", "find", "credits"]
COST = 0.003  # dollars a job, as Segmind's page says for this model


class Gate:
    """A point a job stops at until the test releases it. ``reached`` is set when a job
    arrives (so a test can wait for "the job is here"); a gate lets every job through
    once released."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self._open = asyncio.Event()
        self.waiting = 0   # jobs stopped here now

    def release(self) -> None:
        self._open.set()

    async def pass_through(self) -> None:
        self.waiting += 1
        self.reached.set()
        try:
            await self._open.wait()
        finally:
            self.waiting -= 1


@dataclasses.dataclass(frozen=True)
class Step:
    """One thing that happens to a job, in script order."""

    kind: str
    request_id: str | None = None
    phase: Phase | None = None
    seconds: float = 0.0
    images: int | None = None
    error: StudioError | None = None

    @classmethod
    def submitted(cls, request_id: str | None = None) -> Step:
        """The server has the job (awaited by the backend, as the real one does)."""
        return cls("submitted", request_id=request_id)

    @classmethod
    def progress(cls, phase: Phase, seconds: float = 0.0) -> Step:
        return cls("progress", phase=phase, seconds=seconds)

    @classmethod
    def done(cls, images: int | None = None) -> Step:
        """Finished with ``images`` images (default: the job's samples); billed."""
        return cls("done", images=images)

    @classmethod
    def raises(cls, error: StudioError) -> Step:
        return cls("raise", error=error)

    @classmethod
    def offline(cls) -> Step:
        """No connection could be opened (before ``submitted``: nothing exists)."""
        return cls.raises(Offline("Cannot reach Segmind."))

    @classmethod
    def in_doubt(cls) -> Step:
        """The submit went out and no answer came back (the server may have it)."""
        return cls.raises(SubmitInDoubt("Segmind did not answer the submit."))

    @classmethod
    def failed(cls, words: str = "the model failed") -> Step:
        return cls.raises(JobFailed(words))

    @classmethod
    def rate_limited(cls) -> Step:
        return cls.raises(RateLimited("Too many requests to Segmind."))

    @classmethod
    def still_running(cls) -> Step:
        """The job is at the server and could not be collected yet."""
        return cls.raises(StillRunning("Segmind has the job but its result could not be "
                                       "collected yet."))


ScriptItem = Step | Gate


@dataclasses.dataclass
class Call:
    kind: CallKind
    params: GenerationParams | None = None
    ticket: Ticket | None = None
    lost: LostJob | None = None
    cancelled: bool = False   # the caller went away while it ran (a quit, a cancel)
    scribble: bytes | None = None   # the PNG bytes a run was sent


class ScriptedBackend:
    """The Backend protocol, scripted. One instance serves every factory call."""

    features = BackendFeatures(needs_key=True, bills=True, can_resume=True,
                               reports_progress=True)

    def __init__(self, credits: float = 100.0, api: str = "v2") -> None:
        self.balance = credits
        self.reported: float | None = None
        self._api = api
        self.image_side = 64                   # pixels, of each result image
        self.calls: list[Call] = []
        self.made: list[tuple[ApiKey | None, AppSettings]] = []   # factory calls
        self.closed = 0
        self.online = True                     # False: credits() raises Offline
        self.credits_error: StudioError | None = None   # set: credits() raises it
        self.credits_asked = asyncio.Event()   # set at each credits() call
        self.in_flight = 0
        self.max_in_flight = 0
        self.billed = 0
        self._runs: deque[list[ScriptItem]] = deque()
        self._resumes: deque[list[ScriptItem]] = deque()
        self._finds: deque[Lookup | StudioError] = deque()
        self._ids = itertools.count(1)
        self._on_credits: Callable[[float], None] = lambda credits: None

    # -- scripting ------------------------------------------------------------------------

    def script(self, *steps: ScriptItem) -> None:
        """The fate of the next job sent (``run``)."""
        self._runs.append(list(steps))

    def script_resume(self, *steps: ScriptItem) -> None:
        """The fate of the next job collected (``resume``)."""
        self._resumes.append(list(steps))

    def will_find(self, request_id: str | None, failed: str | None = None,
                  error: StudioError | None = None) -> None:
        """The next ``find``: found as ``request_id``, found failed, not found (None), or
        the history could not be read (``error``)."""
        if error is not None:
            self._finds.append(error)
        else:
            ticket = Ticket(self._api, request_id) if request_id else None
            self._finds.append(Lookup(ticket, failed, time.time()))

    def hold(self) -> Gate:
        """A gate to put in a script; the test releases it."""
        return Gate()

    def factory(self, key: ApiKey | None, settings: AppSettings, tls: ssl.SSLContext | None,
                on_credits: Callable[[float], None]) -> ScriptedBackend:
        """Matches ``session.BackendFactory``."""
        self.made.append((key, settings))
        self._on_credits = on_credits
        return self

    # -- what the tests read -------------------------------------------------------------

    def of(self, kind: CallKind) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    @property
    def runs(self) -> list[Call]:
        return self.of("run")

    # -- the Backend protocol ------------------------------------------------------------

    @property
    def last_credits(self) -> float | None:
        """The balance last reported (a test sets ``reported``; None: not known)."""
        return self.reported

    @property
    def api(self) -> str:
        return self._api

    async def run(self, request: JobRequest, events: JobEvents) -> GenerationResult:
        if request.params.seed is None:
            raise ValueError("draw the seed before sending")
        call = Call("run", request.params, scribble=request.scribble.png)
        steps: list[ScriptItem] = self._runs.popleft() if self._runs else [
            Step.submitted(), Step.done()]
        return await self._play(call, steps, request.params, events)

    async def resume(self, ticket: Ticket, params: GenerationParams,
                     events: JobEvents) -> GenerationResult:
        call = Call("resume", params, ticket)
        steps: list[ScriptItem] = self._resumes.popleft() if self._resumes else [Step.done()]
        return await self._play(call, steps, params, events, ticket)

    async def find(self, lost: LostJob) -> Lookup:
        self.calls.append(Call("find", lost.params, lost=lost))
        await asyncio.sleep(0)  # an answer comes later, as from the network
        answer = self._finds.popleft() if self._finds else Lookup(None, checked_at=time.time())
        if isinstance(answer, StudioError):
            raise answer
        return answer

    async def credits(self) -> Credits:
        self.calls.append(Call("credits"))
        self.credits_asked.set()
        await asyncio.sleep(0)
        if not self.online:
            raise Offline("Cannot reach Segmind.")
        if self.credits_error is not None:
            raise self.credits_error
        self._on_credits(self.balance)
        return Credits(self.balance, None)

    async def aclose(self) -> None:
        self.closed += 1

    # -- playing a script ----------------------------------------------------------------

    async def _play(self, call: Call, steps: list[ScriptItem], params: GenerationParams,
                    events: JobEvents, ticket: Ticket | None = None) -> GenerationResult:
        self.calls.append(call)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        started = time.monotonic()
        try:
            await asyncio.sleep(0)  # nothing happens within the caller's own step
            for step in steps:
                if isinstance(step, Gate):
                    await step.pass_through()
                elif step.kind == "submitted":
                    ticket = Ticket(self._api, step.request_id or f"req-{next(self._ids)}")
                    call.ticket = ticket
                    await events.submitted(ticket)
                elif step.kind == "progress":
                    assert step.phase is not None
                    events.progress(Progress(step.phase, step.seconds))
                elif step.kind == "raise":
                    assert step.error is not None
                    raise step.error
                elif step.kind == "done":
                    return self._result(params, step.images, ticket, started)
            return self._result(params, None, ticket, started)
        except asyncio.CancelledError:
            call.cancelled = True
            raise
        finally:
            self.in_flight -= 1

    def _result(self, params: GenerationParams, count: int | None, ticket: Ticket | None,
                started: float) -> GenerationResult:
        assert params.seed is not None
        images = tuple(check_image(result_jpeg(self.image_side, self.image_side, params.seed, n))
                       for n in range(params.samples if count is None else count))
        self.billed += 1
        self.balance = round(self.balance - COST, 6)
        self._on_credits(self.balance)
        return GenerationResult(images, params, self.balance,
                                ticket.request_id if ticket else None,
                                time.monotonic() - started, self._api, COST)
