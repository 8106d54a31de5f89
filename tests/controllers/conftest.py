"""The session's tests: a session over a real history store in the test's folder, with the
scripted backend (jobs driven by script and gates, never by time)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import Entry, HistoryStore, State
from scribble_studio.services.settings_store import AppSettings
from tests.conftest import png_bytes
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY
from tests.fakes.sketches import drawn_sketch

MakeSession = Callable[[ScriptedBackend], GenerationSession]


@dataclasses.dataclass
class Knobs:
    """What the user can change under a running session."""

    settings: AppSettings = dataclasses.field(
        default_factory=lambda: AppSettings(concurrency=2))
    key: ApiKey | None = dataclasses.field(default_factory=lambda: ApiKey(API_KEY))

    def concurrency(self, limit: int) -> None:
        self.settings = dataclasses.replace(self.settings, concurrency=limit)


def params(**changes: object) -> GenerationParams:
    return dataclasses.replace(GenerationParams("a lighthouse"), **changes)  # type: ignore[arg-type]


def stored_state(session: GenerationSession, job: Job) -> State | None:
    entry = session.store.get(job.history_id or 0)
    return entry.state if entry is not None else None


def stored_thumbnail_sides(store: HistoryStore, entry: Entry) -> list[int]:
    """The long side of each of ``entry``'s thumbnails, as the history stored them."""
    from PIL import Image

    sides = []
    for image in entry.images:
        data = store.thumbnail(image.sha256)
        assert data is not None, "a stored image has a thumbnail"
        with Image.open(io.BytesIO(data)) as thumb:
            sides.append(max(thumb.size))
    return sides


def record(store: HistoryStore, state: State, seed: int, owner: str | None = None) -> int:
    """A job an earlier (or another) process left in the history."""
    return store.record(params(seed=seed), png_bytes(drawn_sketch((64, 64))), (64, 64),
                        state, "app", owner)


@pytest.fixture
def knobs() -> Knobs:
    return Knobs()


@pytest.fixture
def history_folder(tmp_path: Path) -> Path:
    return tmp_path / "history"


@pytest.fixture
def make_session(knobs: Knobs, history_folder: Path) -> MakeSession:
    """A session (as a new start of the app would make) over the same history folder."""

    def make(backend: ScriptedBackend) -> GenerationSession:
        return GenerationSession(lambda: knobs.settings, lambda: knobs.key,
                                 HistoryStore(history_folder), probe_wait=(0.01, 0.05),
                                 backend_factory=backend.factory)

    return make


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def session(make_session: MakeSession, backend: ScriptedBackend) -> GenerationSession:
    return make_session(backend)
