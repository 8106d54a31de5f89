"""The backend seam: what the outbox, the session, the CLI and live mode know of a
backend. Submit a job, follow it, collect its images, say what it cost and what is
left; look up a job whose answer was lost. No provider's words here."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from scribble_studio.domain.models import ModelSpec
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble_spec import ScribbleExport

if TYPE_CHECKING:  # results load Pillow, which the app keeps off its start-up
    from scribble_studio.domain.results import GenerationResult


@dataclasses.dataclass(frozen=True, slots=True)
class BackendFeatures:
    needs_key: bool
    bills: bool
    can_resume: bool         # a job with a request id can be collected after a restart
    reports_progress: bool   # the server says whether a job is queued or generating


@dataclasses.dataclass(frozen=True, slots=True)
class Ticket:
    """What the server knows a job by: enough to collect it from any process, later."""

    api: str
    request_id: str


class Phase(enum.StrEnum):
    SUBMITTING = "submitting"
    QUEUED = "queued at the server"
    GENERATING = "generating"
    DOWNLOADING = "downloading"
    WAITING_TO_POLL = "rate limited, waiting"
    RECONNECTING = "connection lost, retrying"


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    phase: Phase
    seconds: float = 0.0   # in this phase, as far as the client has seen


@dataclasses.dataclass(frozen=True, slots=True)
class JobRequest:
    params: GenerationParams
    scribble: ScribbleExport
    # How long a job of this kind usually takes here, to place the first status poll.
    expected_seconds: float | None = None
    # The job's model (``params.model``); None: the backend's own spec of that id.
    spec: ModelSpec | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LostJob:
    """What was recorded of a job whose submit went out without an answer: enough to
    find it in the provider's request history (prompt, seed, when it was sent)."""

    params: GenerationParams
    sent_at: float            # epoch seconds
    request_id: str | None = None
    api: str | None = None    # the API it was sent to, where known
    # Request ids other jobs here already have (lower case, no dashes): a match among
    # them is another job's request (a retry repeats the prompt and the seed).
    taken: frozenset[str] = frozenset()


class JobEvents(Protocol):
    async def submitted(self, ticket: Ticket) -> None:
        """The server has the job. Awaited: it is stored before anything waits on it."""

    def progress(self, progress: Progress) -> None: ...


@dataclasses.dataclass(slots=True)
class CallbackEvents:
    """JobEvents from two callables (``submitted`` is awaited)."""

    on_submitted: Callable[[Ticket], Awaitable[None]]
    on_progress: Callable[[Progress], None] = lambda progress: None

    async def submitted(self, ticket: Ticket) -> None:
        await self.on_submitted(ticket)

    def progress(self, progress: Progress) -> None:
        self.on_progress(progress)


CreditsListener = Callable[[float], None]


@dataclasses.dataclass(frozen=True, slots=True)
class Credits:
    credits: float
    free_credits: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Lookup:
    """What the provider's records say of a job."""

    ticket: Ticket | None       # found: collect it with this
    failed: str | None = None   # found, and it failed (the server's words)
    checked_at: float = 0.0     # epoch seconds
    ambiguous: int = 0          # this many requests match it: none is taken for it


class Backend(Protocol):
    features: BackendFeatures

    @property
    def api(self) -> str:
        """Which of the provider's APIs the next job goes through ("v2", "v1")."""

    @property
    def last_credits(self) -> float | None:
        """The balance as the provider last reported it (no call), or None."""

    async def run(self, request: JobRequest, events: JobEvents) -> GenerationResult:
        """Submit and follow the job to its images. Raises a StudioError; a request
        that may have reached the server is never sent a second time."""

    async def resume(self, ticket: Ticket, params: GenerationParams,
                     events: JobEvents) -> GenerationResult:
        """Collect a job the server already has (polls and downloads only: free)."""

    async def find(self, lost: LostJob) -> Lookup:
        """Look a lost job up in the provider's records."""

    async def credits(self) -> Credits: ...

    async def aclose(self) -> None: ...
