"""The session end to end through the real Segmind backend against the HTTP fake: what
the scripted backend stands for holds over real HTTP too (a job runs to its images, a
job left at the server when the app quits is collected at the next start, billed once)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from scribble_studio.controllers.session import Connection, GenerationSession, Job
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.settings_store import AppSettings
from tests.asyncqt import run, until
from tests.controllers.conftest import params, stored_thumbnail_sides
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.fakes.sketches import drawn_sketch


@pytest.fixture
def slow_api() -> Iterator[FakeSegmind]:
    """Each v2 job generates for a minute unless a test finishes it."""
    with FakeSegmind(job_seconds=60.0) as server:
        yield server


def http_session(server: FakeSegmind, folder: Path) -> GenerationSession:
    settings = AppSettings(api_base=server.base_url, history_base=server.history_base)
    return GenerationSession(lambda: settings, lambda: ApiKey(API_KEY), HistoryStore(folder),
                             probe_wait=(0.05, 0.2))


def test_a_job_runs_to_done_over_http(aloop: asyncio.AbstractEventLoop,
                                      fake_api: FakeSegmind, tmp_path: Path) -> None:
    session = http_session(fake_api, tmp_path)
    states: list[JobState] = []

    def on_job_changed(job: Job) -> None:  # (progress changes the job too: states once)
        if states[-1:] != [job.state]:
            states.append(job.state)

    session.job_changed.connect(on_job_changed)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(samples=2, seed=99))
        await until(lambda: not job.active, timeout=20, what="the job")
        await session.shutdown()
        return job

    job = run(aloop, scenario(), timeout=40)
    assert job.state is JobState.DONE, job.error
    assert states == [JobState.QUEUED, JobState.SUBMITTING, JobState.SUBMITTED, JobState.DONE]
    assert job.entry is not None and len(job.entry.images) == 2
    assert stored_thumbnail_sides(session.store, job.entry) == [256, 256]
    entry = session.store.get(job.history_id or 0)
    assert entry is not None and entry.state is State.DONE and len(entry.images) == 2
    [submit] = fake_api.submits
    assert entry.request_id == submit.request_id and entry.api == "v2"
    assert fake_api.billed == 1 and submit.seed == 99
    assert session.credits == fake_api.credits and session.connection is Connection.ONLINE


def test_a_job_left_at_segmind_when_quitting_is_collected_at_the_next_start(
        aloop: asyncio.AbstractEventLoop, slow_api: FakeSegmind, tmp_path: Path) -> None:
    first = http_session(slow_api, tmp_path)
    later = http_session(slow_api, tmp_path)

    async def scenario() -> Job:
        job = first.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.SUBMITTED, timeout=20)
        await first.shutdown()  # quit while Segmind generates it
        [submit] = slow_api.submits
        submit.started -= 120.0  # and it finishes meanwhile
        later.load_outbox(await asyncio.to_thread(later.outbox.pending))
        [collected] = later.jobs
        await until(lambda: not collected.active, timeout=20, what="the collection")
        await later.shutdown()
        return collected

    job = run(aloop, scenario(), timeout=60)
    assert job.state is JobState.DONE, job.error
    assert len(slow_api.submits) == 1 and slow_api.billed == 1
    entry = later.store.get(job.history_id or 0)
    assert entry is not None and entry.state is State.DONE and len(entry.images) == 1
    assert entry.request_id == slow_api.submits[0].request_id
