"""The session on the qasync loop with the scripted backend: queueing in order under the
concurrency limit, what a job shows while the server has it, cancelling, quitting, the
error funnel, credits and connection state. Jobs move when the test releases them."""

from __future__ import annotations

import asyncio
import sqlite3

from scribble_studio.controllers.session import Connection, GenerationSession, Job
from scribble_studio.domain import errors
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.backends import Phase, Progress
from scribble_studio.services.history import State
from scribble_studio.services.outbox import Outbox
from scribble_studio.ui.jobs_panel import JobRow, state_text
from tests.asyncqt import run, until
from tests.controllers.conftest import (
    Knobs,
    MakeSession,
    params,
    stored_state,
    stored_thumbnail_sides,
)
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


def test_a_job_runs_to_done_with_thumbnails_and_files(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.image_side = 512
    states: list[JobState] = []
    session.job_changed.connect(lambda job: states.append(job.state))
    credits: list[object] = []
    session.credits_changed.connect(credits.append)
    backend.script(Step.submitted("req-1"), Step.done(images=2))

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(samples=2, seed=99))
        await until(lambda: not job.active, what="the job")
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.DONE, job.error
    # (job_changed also fires, still queued, once its number is known: its history id)
    moves = [s for n, s in enumerate(states) if n == 0 or states[n - 1] is not s]
    assert moves == [JobState.QUEUED, JobState.SUBMITTING, JobState.SUBMITTED, JobState.DONE]
    assert job.entry is not None and len(job.entry.images) == 2
    assert stored_thumbnail_sides(session.store, job.entry) == [256, 256]
    assert job.entry is not None and len(job.entry.images) == 2
    stored = session.store.get(job.history_id or 0)
    assert stored is not None and stored.state is State.DONE and stored.params.seed == 99
    assert stored.request_id == "req-1" and stored.owner is None
    assert credits == [backend.balance] and session.connection is Connection.ONLINE
    assert [call.params.seed for call in backend.runs if call.params] == [99]


def test_the_seed_is_drawn_when_the_job_is_queued_and_sent_as_drawn(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(seed=None))
        assert job.params.seed is not None  # known before anything is sent
        await until(lambda: not job.active)
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.DONE
    assert backend.runs[0].params == job.params


def test_a_submitted_job_shows_what_the_store_says(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    gate = backend.hold()
    backend.script(Step.submitted("req-7"), gate, Step.done())
    queue: list[int] = []
    session.queue_changed.connect(queue.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await gate.reached.wait()
        stored = session.store.get(job.history_id or 0)
        assert stored is not None and stored.state is State.SUBMITTED
        assert stored.request_id == "req-7" and stored.api == "v2"
        assert job.state is JobState.SUBMITTED and job.active
        assert session.at_server == [job] and session.active_jobs == [job]
        assert queue[-1] == 1
        gate.release()
        await until(lambda: not job.active)
        return job

    assert run(aloop, scenario()).state is JobState.DONE
    assert queue[-1] == 0 and session.at_server == []


def test_progress_from_the_backend_reaches_the_job_and_its_row(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    queued, generating = backend.hold(), backend.hold()
    backend.script(Step.submitted(), Step.progress(Phase.QUEUED), queued,
                   Step.progress(Phase.GENERATING, 3.0), generating, Step.done())

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await queued.reached.wait()
        assert job.progress == Progress(Phase.QUEUED)
        assert state_text(job, job.progress_at) == "queued at Segmind"
        queued.release()
        await generating.reached.wait()
        assert job.progress == Progress(Phase.GENERATING, 3.0)
        assert state_text(job, job.progress_at) == "generating 3 s"
        assert state_text(job, job.progress_at + 2.0) == "generating 5 s"
        row = JobRow(job)
        assert row.state.text().startswith("generating") and not row.cancel.isHidden()
        generating.release()
        await until(lambda: not job.active)
        row.refresh()
        assert row.state.text().startswith("done") and row.cancel.isHidden()
        return job

    assert run(aloop, scenario()).state is JobState.DONE


def test_concurrency_one_runs_jobs_one_after_the_other(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.concurrency(1)
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done())

    async def scenario() -> tuple[Job, Job]:
        first = session.generate(drawn_sketch(), params())
        second = session.generate(drawn_sketch(), params())
        await gate.reached.wait()
        # Recorded, and so only waiting for the slot: it has not started.
        await until(lambda: second.history_id is not None)
        assert second.state is JobState.QUEUED and len(backend.runs) == 1
        gate.release()
        await until(lambda: not first.active and not second.active)
        return first, second

    first, second = run(aloop, scenario())
    assert first.state is second.state is JobState.DONE
    assert backend.max_in_flight == 1 and len(backend.runs) == 2


def test_two_jobs_run_together_with_concurrency_two(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    gate = backend.hold()
    for _ in range(3):
        backend.script(Step.submitted(), gate, Step.done())

    async def scenario() -> list[Job]:
        jobs = [session.generate(drawn_sketch(), params()) for _ in range(3)]
        await until(lambda: gate.waiting == 2, what="two jobs at the gate")
        await until(lambda: jobs[2].history_id is not None)
        assert jobs[2].state is JobState.QUEUED  # the third waits for a slot
        gate.release()
        await until(lambda: not any(j.active for j in jobs))
        return jobs

    jobs = run(aloop, scenario())
    assert [j.state for j in jobs] == [JobState.DONE] * 3
    assert backend.max_in_flight == 2


def test_jobs_start_in_the_order_they_were_queued(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.concurrency(1)
    started: list[int] = []

    def on_job_changed(job: Job) -> None:
        if job.state is JobState.SUBMITTING:
            started.append(job.id)

    session.job_changed.connect(on_job_changed)

    async def scenario() -> list[Job]:
        # The largest sketch first: its export finishes last, its place in line holds.
        jobs = [session.generate(drawn_sketch((512 + 64 * (4 - i), 512)), params())
                for i in range(5)]
        await until(lambda: not any(j.active for j in jobs))
        return jobs

    jobs = run(aloop, scenario())
    assert started == [job.id for job in jobs]
    assert [call.params.seed for call in backend.runs if call.params] == \
        [job.params.seed for job in jobs]


def test_cancel_a_queued_job_and_all_of_them(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.concurrency(1)
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done())
    queue: list[int] = []
    session.queue_changed.connect(queue.append)

    async def scenario() -> list[Job]:
        jobs = [session.generate(drawn_sketch(), params()) for _ in range(3)]
        await gate.reached.wait()
        await until(lambda: all(j.history_id is not None for j in jobs))
        session.cancel(jobs[1])
        await until(lambda: jobs[1].state is JobState.CANCELLED)
        session.cancel_all()  # the one at the server is not cancelled: it is paid for
        await until(lambda: jobs[2].state is JobState.CANCELLED)
        assert jobs[0].state is JobState.SUBMITTED and session.jobs == jobs
        gate.release()
        await until(lambda: not any(j.active for j in jobs))
        return jobs

    jobs = run(aloop, scenario())
    assert [j.state for j in jobs] == [JobState.DONE, JobState.CANCELLED, JobState.CANCELLED]
    assert [stored_state(session, j) for j in jobs] == [
        State.DONE, State.CANCELLED, State.CANCELLED]
    assert len(backend.runs) == 1 and queue[-1] == 0


def test_cancelling_a_job_at_the_server_hides_it_says_so_and_still_collects_it(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done(images=2))
    notices: list[str] = []
    session.notice.connect(notices.append)
    removed: list[Job] = []
    session.job_removed.connect(removed.append)
    queue: list[int] = []
    session.queue_changed.connect(queue.append)
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(samples=2))
        await gate.reached.wait()
        session.cancel(job)
        assert removed == [job] and job not in session.jobs and queue[-1] == 0
        assert len(notices) == 1 and "already at Segmind" in notices[0]
        assert backend.runs[0].cancelled is False  # it keeps running there
        gate.release()
        await until(lambda: stored_state(session, job) is State.DONE)
        return job

    job = run(aloop, scenario())
    entry = session.store.get(job.history_id or 0)
    assert entry is not None and len(entry.images) == 2 and not seen
    assert session.jobs == [] and len(backend.runs) == 1


def test_errors_go_through_one_funnel_and_set_the_connection_state(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)
    rejected = errors.AuthenticationFailed("API key is invalid or may have expired")
    rejected.credits = 12.5  # as read from the answer's header
    backend.script(Step.raises(rejected))

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: not job.active)
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.FAILED and job.error is rejected
    assert seen == [rejected] and session.connection is Connection.KEY_REJECTED
    assert session.credits == 12.5 and session.last_failed is job
    assert stored_state(session, job) is State.FAILED


def test_credits_are_fetched_on_request_and_only_with_a_key(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    backend.balance = 42.0
    changed: list[object] = []
    session.credits_changed.connect(changed.append)

    async def scenario() -> None:
        knobs.key = None
        session.refresh_credits()
        assert backend.of("credits") == [] and backend.made == []
        knobs.key = Knobs().key
        session.refresh_credits()
        await until(lambda: session.credits is not None)

    run(aloop, scenario())
    assert session.credits == 42.0 and changed == [42.0]
    assert session.connection is Connection.ONLINE and len(backend.of("credits")) == 1


def test_quitting_leaves_a_submitted_job_submitted_for_the_next_start(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend, make_session: MakeSession) -> None:
    knobs.concurrency(1)
    gate = backend.hold()
    backend.script(Step.submitted("req-q"), gate, Step.done())

    async def scenario() -> tuple[Job, Job]:
        sent = session.generate(drawn_sketch(), params())
        queued = session.generate(drawn_sketch(), params())
        await gate.reached.wait()
        await until(lambda: queued.history_id is not None)
        await session.shutdown()
        return sent, queued

    sent, queued = run(aloop, scenario())
    assert backend.runs[0].cancelled and len(backend.runs) == 1 and backend.closed == 1
    assert sent.state is JobState.SUBMITTED and queued.state is JobState.CANCELLED
    later = make_session(ScriptedBackend())  # the next start
    pending = Outbox(later.store).pending()
    assert [(e.id, e.state, e.request_id, busy) for e, busy in pending] == [
        (sent.history_id, State.SUBMITTED, "req-q", False)]
    assert later.store.get(queued.history_id or 0).state is State.CANCELLED  # type: ignore[union-attr]


def test_a_job_cancelled_again_while_it_is_being_cancelled_still_shows_cancelled(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.concurrency(1)
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done())

    async def scenario() -> Job:
        first = session.generate(drawn_sketch(), params())
        job = session.generate(drawn_sketch(), params())
        await gate.reached.wait()
        await until(lambda: job.history_id is not None)
        session.cancel(job)
        for _ in range(20):  # the user presses "cancel all" while the cancel is recorded
            await asyncio.sleep(0)
            session.cancel_all()
        await until(lambda: not job.active)
        gate.release()
        await until(lambda: not first.active)
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.CANCELLED and len(backend.runs) == 1
    assert stored_state(session, job) is State.CANCELLED


def test_a_job_cancelled_while_it_is_being_recorded_is_cancelled_in_the_store_too(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    session.store.open()
    blocker = sqlite3.connect(session.store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the job's row waits for this transaction

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        # Its scribble file is stored first: the row is being written now.
        await until(lambda: any(session.store.images_dir.glob("*.png")))
        session.cancel(job)
        blocker.execute("ROLLBACK")
        await until(lambda: not job.active)
        return job

    try:
        job = run(aloop, scenario())
    finally:
        blocker.close()
    assert job.state is JobState.CANCELLED and backend.runs == []
    # Left queued, it would be sent at the next start.
    assert session.store.outbox() == [] and stored_state(session, job) is State.CANCELLED
