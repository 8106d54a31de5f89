"""One job of the session as the UI sees it: the snapshot it was made from (or, once it
is finished, the scribble bytes it was sent as), the stored
state it mirrors, what the server last said of it; and the connection's state."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import time
from typing import TYPE_CHECKING

from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import Entry

if TYPE_CHECKING:  # Pillow and the HTTP stack load after the window shows
    from PIL import Image

    from scribble_studio.domain.scribble_spec import ScribbleExport
    from scribble_studio.services.backends import Progress



class Connection(enum.StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"
    KEY_REJECTED = "key rejected"
    NO_KEY = "no key"  # the window's: no key set (the session never reports it)


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
    force: bool = False  # the user chose to send an item whose outcome was unknown
    slot: asyncio.Future[None] | None = None
    progress: Progress | None = None       # what the server last said of it
    progress_at: float = 0.0               # when (monotonic)
    elsewhere: bool = False                # another process is working on it
    hidden: bool = False                   # cancelled by the user while at the server
    lookups: int = 0                       # request-history lookups after the first
    retry_cost: str = ""                   # what sending it again would cost ("≈ $0.02 …")
    # The bytes exported from the snapshot, as recorded and sent: what a Retry sends
    # again (a finished job keeps these, not the snapshot: see JobQueue).
    scribble: ScribbleExport | None = None
    retry_of: int | None = None            # the id of the job this one retries

    @property
    def number(self) -> str:
        """What the user calls it: its history id, as the CLI shows it ("#12")."""
        return f"#{self.history_id}" if self.history_id is not None else "(new)"

    @property
    def active(self) -> bool:
        return not self.elsewhere and self.state in (
            JobState.QUEUED, JobState.SUBMITTING, JobState.SUBMITTED)

    @property
    def at_server(self) -> bool:
        return self.state in (JobState.SUBMITTING, JobState.SUBMITTED)

    @property
    def can_retry(self) -> bool:
        """Whether a Retry can send its scribble again (kept, or in the history)."""
        return self.scribble is not None or self.sketch is not None \
            or self.history_id is not None

    def elapsed(self, now: float | None = None) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or now or time.monotonic()) - self.started


