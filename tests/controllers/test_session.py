"""The session on the qasync loop against the fake server: queueing, the concurrency
limit, cancellation, the error funnel, credits and connection state."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from scribble_studio.controllers.session import Connection, GenerationSession, Job, JobState
from scribble_studio.domain import errors
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.settings_store import AppSettings
from tests.asyncqt import run, until
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch


@pytest.fixture
def settings(fake_api: FakeSegmind) -> dict[str, AppSettings]:
    return {"now": AppSettings(api_base=fake_api.base_url, concurrency=2)}


@pytest.fixture
def session(settings: dict[str, AppSettings], tmp_path: Path) -> GenerationSession:
    return GenerationSession(lambda: settings["now"], lambda: ApiKey(API_KEY),
                             HistoryStore(tmp_path), probe_wait=(0.05, 0.2))


def params(**changes: object) -> GenerationParams:
    return dataclasses.replace(GenerationParams("a lighthouse"), **changes)  # type: ignore[arg-type]


def test_a_job_runs_to_done_with_thumbnails_and_files(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        fake_api: FakeSegmind) -> None:
    states: list[JobState] = []
    session.job_changed.connect(lambda job: states.append(job.state))
    credits: list[object] = []
    session.credits_changed.connect(credits.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(samples=2, seed=99))
        await until(lambda: not job.active, what="the job")
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.DONE, job.error
    assert states == [JobState.QUEUED, JobState.SENDING, JobState.DONE]
    assert len(job.thumbnails) == 2 and max(job.thumbnails[0].width(),
                                            job.thumbnails[0].height()) == 256
    assert job.entry is not None and len(job.entry.images) == 2
    stored = session.store.get(job.history_id or 0)
    assert stored is not None and stored.state is State.DONE and stored.params.seed == 99
    assert credits == [fake_api.credits] and session.connection is Connection.ONLINE
    sent = fake_api.generate_requests[0].json()
    assert sent["seed"] == 99 and sent["samples"] == 2


def test_the_seed_is_drawn_when_the_job_is_queued(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession) -> None:
    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(seed=None))
        assert job.params.seed is not None  # known before anything is sent
        await until(lambda: not job.active)
        return job

    assert run(aloop, scenario()).state is JobState.DONE


def test_concurrency_one_runs_jobs_one_after_the_other(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        settings: dict[str, AppSettings], fake_api: FakeSegmind) -> None:
    settings["now"] = dataclasses.replace(settings["now"], concurrency=1)
    fake_api.script(Fault.slow(0.4), Fault.slow(0.4))

    async def scenario() -> tuple[Job, Job]:
        first = session.generate(drawn_sketch(), params())
        second = session.generate(drawn_sketch(), params())
        await until(lambda: first.state is JobState.SENDING)
        await asyncio.sleep(0.2)
        assert second.state is JobState.QUEUED  # waits for the first
        await until(lambda: not first.active and not second.active)
        return first, second

    first, second = run(aloop, scenario())
    assert first.state is second.state is JobState.DONE
    assert fake_api.max_in_flight == 1


def test_jobs_start_in_the_order_they_were_queued(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        settings: dict[str, AppSettings], fake_api: FakeSegmind) -> None:
    settings["now"] = dataclasses.replace(settings["now"], concurrency=1)
    started: list[int] = []
    session.job_changed.connect(
        lambda job: job.state is JobState.SENDING and started.append(job.id))

    async def scenario() -> None:
        jobs = [session.generate(drawn_sketch((512 + 64 * (4 - i), 512)), params())
                for i in range(5)]
        await until(lambda: not any(j.active for j in jobs))

    run(aloop, scenario())
    assert started == [1, 2, 3, 4, 5]


def test_two_jobs_run_together_with_concurrency_two(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        fake_api: FakeSegmind) -> None:
    fake_api.script(Fault.slow(0.5), Fault.slow(0.5))

    async def scenario() -> None:
        jobs = [session.generate(drawn_sketch(), params()) for _ in range(2)]
        await until(lambda: all(j.state is JobState.SENDING for j in jobs))
        await until(lambda: not any(j.active for j in jobs))

    run(aloop, scenario())
    assert fake_api.max_in_flight == 2


def test_cancel_one_job_and_all(aloop: asyncio.AbstractEventLoop, session: GenerationSession,
                                fake_api: FakeSegmind) -> None:
    fake_api.script(Fault.slow(5), Fault.slow(5), Fault.slow(5))
    queue: list[int] = []
    session.queue_changed.connect(queue.append)

    async def scenario() -> list[Job]:
        jobs = [session.generate(drawn_sketch(), params()) for _ in range(3)]
        await until(lambda: jobs[0].state is JobState.SENDING)
        session.cancel(jobs[0])
        await until(lambda: jobs[0].state is JobState.CANCELLED)
        session.cancel_all()
        await until(lambda: not any(j.active for j in jobs))
        return jobs

    jobs = run(aloop, scenario())
    assert [j.state for j in jobs] == [JobState.CANCELLED] * 3
    assert fake_api.billed == 0 and queue[-1] == 0


def test_errors_go_through_one_funnel_and_set_the_connection_state(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        fake_api: FakeSegmind) -> None:
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)
    fake_api.script(Fault.status_code(401, {"error": "API key is invalid or may have expired"}))

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: not job.active)
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.FAILED and isinstance(job.error, errors.AuthenticationFailed)
    assert seen == [job.error] and session.connection is Connection.KEY_REJECTED
    assert session.credits == fake_api.credits  # read from the error's header too


def test_offline_jobs_wait_in_the_outbox_and_go_out_by_themselves(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    probe = FakeSegmind().start()
    port = probe.port
    probe.stop()
    server = FakeSegmind(port=port)  # not listening yet
    session = GenerationSession(lambda: AppSettings(api_base=server.base_url),
                                lambda: ApiKey(API_KEY), HistoryStore(tmp_path),
                                probe_wait=(0.05, 0.2))
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.WAITING, timeout=20)
        assert session.connection is Connection.OFFLINE
        assert session.store.get(job.history_id or 0).state is State.WAITING  # type: ignore[union-attr]
        await asyncio.sleep(0.5)  # the outbox probes with backoff meanwhile
        server.start()
        await until(lambda: job.state is JobState.DONE, timeout=20)
        return job

    try:
        job = run(aloop, scenario(), timeout=40)
    finally:
        server.stop()
    assert isinstance(seen[0], errors.Offline) and server.billed == 1
    assert session.store.get(job.history_id or 0).state is State.DONE  # type: ignore[union-attr]


def test_credits_are_fetched_on_request(aloop: asyncio.AbstractEventLoop,
                                        session: GenerationSession) -> None:
    async def scenario() -> None:
        session.refresh_credits()
        await until(lambda: session.credits is not None)

    run(aloop, scenario())
    assert session.credits == 100.0


def test_shutdown_cancels_running_jobs(aloop: asyncio.AbstractEventLoop,
                                       session: GenerationSession, fake_api: FakeSegmind) -> None:
    fake_api.script(Fault.slow(5))

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.SENDING)
        await session.shutdown()
        return job

    assert run(aloop, scenario()).state is JobState.CANCELLED


def test_cancelling_one_job_while_the_network_warms_up_leaves_the_others(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        fake_api: FakeSegmind) -> None:
    # Both jobs wait for the one shared warm-up (imports, TLS context) when the first is
    # cancelled: the warm-up, and so the second job, must go on.
    async def scenario() -> list[Job]:
        jobs = [session.generate(drawn_sketch(), params()) for _ in range(2)]
        await until(lambda: all(j.state is JobState.SENDING for j in jobs))
        session.cancel(jobs[0])
        await until(lambda: not any(j.active for j in jobs))
        later = session.generate(drawn_sketch(), params())
        await until(lambda: not later.active)
        return [*jobs, later]

    jobs = run(aloop, scenario())
    assert [j.state for j in jobs] == [JobState.CANCELLED, JobState.DONE, JobState.DONE]
    assert fake_api.billed == 2


def test_a_job_cancelled_again_while_it_is_being_cancelled_still_shows_cancelled(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        fake_api: FakeSegmind) -> None:
    fake_api.script(Fault.slow(5))

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.SENDING)
        session.cancel(job)
        for _ in range(20):  # the user presses "cancel all" while the cancel is recorded
            await asyncio.sleep(0)
            session.cancel_all()
        await until(lambda: not job.active)
        return job

    assert run(aloop, scenario()).state is JobState.CANCELLED
    assert fake_api.billed == 0
