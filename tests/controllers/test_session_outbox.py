"""The session's outbox with the scripted backend: jobs that wait (offline, rate limited,
no key) and go out by themselves or on "Send now"; retry, resend and discard; and what a
start finds: jobs the server has are collected, jobs in doubt looked up, jobs another
process holds shown and left alone. Nothing is ever submitted twice by itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scribble_studio.controllers.session import Connection, GenerationSession, Job
from scribble_studio.domain import errors
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.backends import Phase
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.ui.jobs_panel import JobRow, state_text
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs, params, stored_state
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


def test_offline_jobs_wait_in_the_outbox_and_go_out_by_themselves(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.online = False
    backend.script(Step.offline())
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.WAITING)
        assert session.connection is Connection.OFFLINE
        assert stored_state(session, job) is State.WAITING
        await until(lambda: len(backend.of("credits")) >= 2, what="the outbox probing")
        assert len(backend.runs) == 1  # nothing is sent while the probe fails
        backend.online = True
        await until(lambda: job.state is JobState.DONE)
        return job

    job = run(aloop, scenario())
    assert [type(e) for e in seen] == [errors.Offline] and len(backend.runs) == 2
    assert stored_state(session, job) is State.DONE and session.connection is Connection.ONLINE


def test_send_now_sends_the_waiting_jobs_without_waiting_for_the_probe(
        aloop: asyncio.AbstractEventLoop, knobs: Knobs, history_folder: Path,
        backend: ScriptedBackend) -> None:
    session = GenerationSession(lambda: knobs.settings, lambda: knobs.key,
                                HistoryStore(history_folder), probe_wait=(600.0, 600.0),
                                backend_factory=backend.factory)
    backend.online = False
    backend.script(Step.offline())

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.WAITING)
        await until(lambda: len(backend.of("credits")) == 1)  # the probe's first try failed
        session.send_now()  # (the next try is ten minutes away)
        assert job.state is JobState.QUEUED
        await until(lambda: not job.active)
        return job

    assert run(aloop, scenario()).state is JobState.DONE
    assert len(backend.runs) == 2 and len(backend.of("credits")) == 1


def test_a_rate_limited_job_waits_then_goes_out_by_itself(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.rate_limited())
    states: list[JobState] = []
    session.job_changed.connect(lambda job: states.append(job.state))

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.DONE, what="the job sent again by itself")
        return job

    job = run(aloop, scenario())
    assert JobState.WAITING in states and len(backend.runs) == 2
    assert stored_state(session, job) is State.DONE


def test_a_rate_limit_on_the_credits_call_too_is_waited_out(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.rate_limited())
    backend.credits_error = errors.RateLimited("Too many requests to Segmind.")

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: len(backend.of("credits")) >= 2, what="the probe trying again")
        assert job.state is JobState.WAITING and len(backend.runs) == 1
        backend.credits_error = None  # the limit resets
        await until(lambda: job.state is JobState.DONE, what="the job sent again by itself")
        return job

    run(aloop, scenario())
    assert len(backend.runs) == 2


def test_without_a_key_jobs_wait_and_go_once_there_is_one(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.key = None

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.WAITING)
        assert stored_state(session, job) is State.WAITING and backend.made == []
        knobs.key = Knobs().key  # the user enters one in Settings
        session.wake_outbox()
        await until(lambda: not job.active and job.state is not JobState.WAITING)
        return job

    assert run(aloop, scenario()).state is JobState.DONE
    assert len(backend.runs) == 1


def test_retry_queues_the_same_snapshot_and_seed_as_a_new_job(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.submitted(), Step.failed("the model could not run"))

    async def scenario() -> tuple[Job, Job]:
        job = session.generate(drawn_sketch(), params(seed=5))
        await until(lambda: not job.active)
        assert session.last_failed is job and "could not run" in str(job.error)
        again = session.retry(job)
        await until(lambda: not again.active)
        return job, again

    job, again = run(aloop, scenario())
    assert job.state is JobState.FAILED and again.state is JobState.DONE
    assert again.id != job.id and again.history_id != job.history_id
    assert [c.params.seed for c in backend.runs if c.params] == [5, 5]
    assert stored_state(session, job) is State.FAILED


def test_a_job_in_doubt_is_looked_up_and_sent_again_only_on_the_users_word(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.in_doubt())
    backend.will_find(None)
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: not job.active)
        assert job.state is JobState.UNKNOWN and stored_state(session, job) is State.UNKNOWN
        assert "Not in Segmind's request history" in str(job.error)
        assert JobRow(job).resend.isHidden() is False
        session.send_now()
        session.wake_outbox()
        assert job.state is JobState.UNKNOWN  # neither sends it
        session.resend(job)
        await until(lambda: not job.active)
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.DONE and len(backend.runs) == 2
    assert len(backend.of("find")) == 1 and isinstance(seen[0], errors.SubmitInDoubt)


def test_a_job_in_doubt_found_in_the_history_is_collected_not_sent_again(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.in_doubt())
    backend.will_find("req-found")

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(seed=8))
        await until(lambda: not job.active)
        return job

    job = run(aloop, scenario())
    assert job.state is JobState.DONE and len(backend.runs) == 1
    [resume] = backend.of("resume")
    assert resume.ticket is not None and resume.ticket.request_id == "req-found"
    [find] = backend.of("find")
    assert find.lost is not None and find.lost.params.seed == 8
    assert session.store.get(job.history_id or 0).request_id == "req-found"  # type: ignore[union-attr]


def test_discard_drops_a_waiting_job_for_good(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.key = None
    removed: list[Job] = []
    session.job_removed.connect(removed.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.WAITING)
        session.discard(job)
        await until(lambda: stored_state(session, job) is State.CANCELLED)
        knobs.key = Knobs().key
        session.wake_outbox()
        session.send_now()
        return job

    job = run(aloop, scenario())
    assert removed == [job] and session.jobs == [] and backend.runs == []
    assert session.store.get(job.history_id or 0).error == "Discarded."  # type: ignore[union-attr]


def test_a_job_whose_collection_stopped_stays_at_the_server_and_is_collected_on_wake(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.submitted("req-s"), Step.still_running())
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: bool(seen), what="the collection to stop")
        entry = session.store.get(job.history_id or 0)
        assert entry is not None and entry.state is State.SUBMITTED and entry.owner is None
        assert job.state is JobState.SUBMITTED and isinstance(seen[0], errors.StillRunning)
        session.wake_outbox()  # the network is back, the key was changed, ...
        await until(lambda: job.state is JobState.DONE)
        return job

    job = run(aloop, scenario())
    assert len(backend.runs) == 1 and stored_state(session, job) is State.DONE
    assert [c.ticket.request_id for c in backend.of("resume") if c.ticket] == ["req-s"]


def test_what_the_server_said_of_an_earlier_send_is_not_shown_for_the_next(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.progress(Phase.GENERATING, 30.0), Step.in_doubt())
    backend.will_find(None)
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done())

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.UNKNOWN)
        session.resend(job)
        await gate.reached.wait()
        assert job.progress is None
        assert state_text(job, job.started or 0.0).startswith("at Segmind")
        gate.release()
        await until(lambda: not job.active)
        return job

    assert run(aloop, scenario()).state is JobState.DONE


def test_a_key_rejected_while_probing_is_reported_and_nothing_is_sent(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.online = False
    backend.script(Step.offline())
    seen: list[errors.StudioError] = []
    session.error.connect(seen.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: len(backend.of("credits")) >= 1, what="the outbox probing")
        backend.online = True
        backend.credits_error = errors.AuthenticationFailed("API key is invalid.")
        await until(lambda: len(seen) == 2, what="the probe's error")
        return job

    job = run(aloop, scenario())
    assert [type(e) for e in seen] == [errors.Offline, errors.AuthenticationFailed]
    assert session.connection is Connection.KEY_REJECTED
    assert job.state is JobState.WAITING and len(backend.runs) == 1


def test_a_job_in_doubt_is_looked_up_again_later_and_collected_when_its_row_lands(
        aloop: asyncio.AbstractEventLoop, knobs: Knobs, history_folder: Path,
        backend: ScriptedBackend) -> None:
    """Request-history rows may lag: the first lookup does not find the job, a later one
    does, and it is collected, never sent again."""
    session = GenerationSession(lambda: knobs.settings, lambda: knobs.key,
                                HistoryStore(history_folder), probe_wait=(0.01, 0.05),
                                backend_factory=backend.factory, lookup_waits=(0.01, 0.01))
    backend.script(Step.in_doubt())
    backend.will_find(None)           # the first lookup: the row has not landed
    backend.will_find("req-landed")   # the next one finds it

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.DONE, what="the job collected later")
        return job

    job = run(aloop, scenario())
    assert len(backend.runs) == 1 and len(backend.of("find")) == 2
    assert session.store.get(job.history_id or 0).request_id == "req-landed"  # type: ignore[union-attr]


def test_discarding_a_job_in_doubt_says_it_is_no_longer_looked_up(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    backend.script(Step.in_doubt())
    notices: list[str] = []
    session.notice.connect(notices.append)

    async def scenario() -> None:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.UNKNOWN)
        session.discard(job)

    run(aloop, scenario())
    assert notices and "no longer looked up" in notices[-1]
