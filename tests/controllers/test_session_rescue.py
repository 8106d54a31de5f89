"""The app's side of a disk that fills up right after a paid answer (issue 17, item 2):
the session's outbox keeps the paid images in the rescue folder, the error says what was
kept where, the job stays at Segmind and is stored by the next collection, paid once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.errors import ResultNotStored, StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.settings_store import AppSettings
from tests.asyncqt import run, until
from tests.controllers.conftest import params
from tests.fakes.segmind_server import API_KEY
from tests.fakes.sketches import drawn_sketch
from tests.faults.conftest import FillsAtFirstPoll, fill, mount_small_disk, unmount


@pytest.fixture
def images_disk(tmp_path: Path) -> Iterator[Path]:
    """The history's images folder on a 2 MB tmpfs of its own."""
    disk = mount_small_disk(tmp_path / "history" / "images")
    yield disk
    unmount(disk)


def test_a_full_disk_after_a_paid_answer_keeps_the_images_and_says_where(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path, images_disk: Path) -> None:
    rescue = tmp_path / "rescued"
    fillers: list[Path] = []
    with FillsAtFirstPoll(lambda: fillers.append(fill(images_disk))) as server:
        settings = AppSettings(api_base=server.base_url, history_base=server.history_base)
        session = GenerationSession(lambda: settings, lambda: ApiKey(API_KEY),
                                    HistoryStore(tmp_path / "history"), probe_wait=(0.05, 0.2),
                                    lookup_waits=(0.05,), rescue_folder=rescue)
        shown: list[StudioError] = []

        def on_error(error: StudioError) -> None:
            shown.append(error)
            fillers[0].unlink()  # the user frees some space as the message shows

        session.error.connect(on_error)

        async def scenario() -> Job:
            job = session.generate(drawn_sketch(), params(samples=2, seed=7))
            await until(lambda: shown, timeout=20, what="the message")
            assert job.state is JobState.SUBMITTED  # at Segmind, to be collected
            assert job.progress is None  # (its row says so, not a stale "downloading")
            await until(lambda: job.state is JobState.DONE, timeout=20, what="the collection")
            await session.shutdown()
            return job

        job = run(aloop, scenario(), timeout=60)
        [error] = shown
        kept = sorted(rescue.glob("*.png"))
        assert isinstance(error, ResultNotStored) and error.kept == tuple(map(str, kept))
        assert error.message == (f"2 images kept in {rescue} (the history's disk is full); "
                                 "the job will be stored when there is room.")
        assert "without paying again" in error.action
        entry = session.store.get(job.history_id or 0)
        assert entry is not None and entry.state is State.DONE and len(entry.images) == 2
        assert entry.saved_to == error.kept
        assert len(server.submits) == 1 and server.billed == 1
