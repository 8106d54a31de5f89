"""The session's job queue, bounded by memory: finished jobs give back their snapshot
(they keep the scribble bytes they were sent as, which a Retry sends again) and only the
most recent finished jobs stay listed. A real session over a real history and the
scripted backend."""

from __future__ import annotations

import asyncio

from PIL import Image

from scribble_studio.controllers.job_queue import FINISHED, JobQueue
from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.history import sha256
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs, MakeSession, params
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


def bounded_session(make_session: MakeSession, backend: ScriptedBackend,
                    kept: int) -> GenerationSession:
    session = make_session(backend)
    session.queue.finished_kept = kept
    return session


def test_finished_jobs_hold_no_image_and_the_list_stays_within_its_bound(
        aloop: asyncio.AbstractEventLoop, make_session: MakeSession,
        backend: ScriptedBackend) -> None:
    session = bounded_session(make_session, backend, kept=5)
    removed: list[Job] = []
    session.job_removed.connect(removed.append)
    for n in range(12):  # failed, cancelled and done ones, mixed
        backend.script(Step.failed("it ran out of memory") if n % 4 == 1 else Step.done())
    most = 0

    def count_finished(_job: Job) -> None:
        nonlocal most
        most = max(most, sum(job.state in FINISHED for job in session.jobs))

    session.job_changed.connect(count_finished)

    async def scenario() -> list[Job]:
        made = []
        for n in range(12):
            made.append(session.generate(drawn_sketch(), params(seed=n + 1)))
            if n % 4 == 3:  # (once recorded: while it waits for its turn)
                await until(lambda: made[-1].history_id is not None)
                session.cancel(made[-1])
        for job in made:
            await until(lambda job=job: not job.active, what=f"job {job.id}")
        return made

    made = run(aloop, scenario())
    assert all(not job.active for job in made)
    assert len(session.jobs) == 5 and most == 5  # never more finished ones listed
    assert removed and all(job not in session.jobs for job in removed)
    images = [job for job in made if isinstance(job.sketch, Image.Image)]
    assert images == []  # no finished job, listed or not, holds its snapshot
    sent = [job for job in made if job.state is not JobState.CANCELLED]
    assert all(job.scribble is not None for job in sent)  # what it was sent as is kept
    entry = session.store.get(sent[0].history_id or 0)
    assert entry is not None and sent[0].scribble is not None
    assert sha256(sent[0].scribble.png) == entry.scribble  # the very bytes recorded


def test_the_oldest_done_go_first_and_a_job_in_doubt_is_never_dropped(
        aloop: asyncio.AbstractEventLoop, make_session: MakeSession,
        backend: ScriptedBackend, knobs: Knobs) -> None:
    knobs.concurrency(1)
    session = bounded_session(make_session, backend, kept=3)
    backend.script(Step.in_doubt())
    backend.will_find(None)
    backend.script(Step.failed())

    async def scenario() -> list[Job]:
        made = [session.generate(drawn_sketch(), params(seed=n + 1)) for n in range(6)]
        await until(lambda: all(not job.active for job in made))
        return made

    doubt, failed, *done = run(aloop, scenario())
    assert doubt.state is JobState.UNKNOWN and failed.state is JobState.FAILED
    assert session.jobs == [doubt, failed, done[-1]]  # the older done ones went first
    assert doubt.sketch is None and failed.sketch is None


def test_a_retry_of_a_finished_job_sends_the_bytes_it_kept_not_a_new_export(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend, knobs: Knobs) -> None:
    import dataclasses

    backend.script(Step.failed("the server had a hiccup"))

    async def scenario() -> tuple[Job, Job | None]:
        job = session.generate(drawn_sketch(), params(seed=7))
        await until(lambda: job.state is JobState.FAILED)
        # The export settings change after the job was made: its Retry is the same job.
        knobs.settings = dataclasses.replace(knobs.settings, invert=not knobs.settings.invert)
        again = session.retry(job)
        assert again is not None
        await until(lambda: again.state is JobState.DONE)
        return job, again

    job, again = run(aloop, scenario())
    assert job.sketch is None and again is not None and again.scribble is job.scribble
    first, second = (session.store.get(j.history_id or 0) for j in (job, again))
    assert first is not None and second is not None
    assert first.scribble == second.scribble and second.params.seed == 7


def test_the_bound_drops_cancelled_before_failed_and_never_the_job_just_finished(
        qapp: object) -> None:
    queue = JobQueue(finished_kept=2)
    jobs = []
    for n, state in enumerate((JobState.FAILED, JobState.CANCELLED, JobState.FAILED)):
        job = Job(queue.next_id(), params(seed=n + 1), drawn_sketch(), 10 + n)
        queue.add(job)
        job.state = state
        queue.changed(job)
        jobs.append(job)
    old, cancelled, new = jobs
    assert queue.jobs == [old, new]  # the cancelled one went before the older failed one
    assert queue.of_history(12) is new and queue.find(cancelled.id) is None
    assert all(job.sketch is None for job in jobs)


def test_a_job_cancelled_in_the_same_turn_as_its_generate_leaves_the_line(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.concurrency(1)
    counts: list[int] = []
    session.queue_changed.connect(counts.append)

    async def scenario() -> tuple[Job, Job]:
        first = session.generate(drawn_sketch(), params(seed=1))
        session.cancel(first)  # before its run began
        second = session.generate(drawn_sketch(), params(seed=2))
        await until(lambda: not first.active and not second.active)
        return first, second

    first, second = run(aloop, scenario())
    assert first.state is JobState.CANCELLED and first.sketch is None
    assert second.state is JobState.DONE  # (the first's place in line was given back)
    assert [call.params.seed for call in backend.runs if call.params] == [2]
    assert counts[-1] == 0
