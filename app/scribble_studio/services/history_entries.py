"""What the history stores of one generation: an :class:`Entry` and its images."""

from __future__ import annotations

import dataclasses
import json

from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams

State = JobState


@dataclasses.dataclass(frozen=True, slots=True)
class StoredImage:
    sha256: str
    width: int
    height: int
    position: int = 0              # its place in the generation (kept when others go)


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One generation as stored."""

    id: int
    created: float
    updated: float
    state: State
    source: str
    params: GenerationParams
    scribble: str
    width: int
    height: int
    credits_after: float | None
    request_id: str | None
    elapsed: float | None
    error: str | None
    starred: bool
    images: tuple[StoredImage, ...] = ()
    owner: str | None = None       # the lock name of the process working on it
    api: str | None = None         # "v2" or "v1"
    sent_at: float | None = None   # when its submit went out (epoch seconds)
    cost: float | None = None      # dollars, as the server said
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    # Where its paid images were written when the history could not store them.
    saved_to: tuple[str, ...] = ()
    live: bool = False             # made by live mode: hidden from the gallery unless kept
    kept: bool = False             # a live result the user kept (shown like any other)


def paths_of(saved_to: str | None) -> tuple[str, ...]:
    """The ``saved_to`` column: a JSON list of paths (anything else reads as none)."""
    try:
        paths = json.loads(saved_to) if saved_to else []
    except ValueError:
        return ()
    return tuple(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()
