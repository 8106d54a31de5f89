"""One notices channel, injected: every error of the session reaches it with the job it
belongs to, so that the Retry of a notice retries that notice's job, not the last one to
fail. A real session over a real history and the scripted backend."""

from __future__ import annotations

import asyncio

from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.history import HistoryStore
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs, params
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


def test_two_jobs_fail_and_retry_on_the_first_ones_notice_retries_the_first(
        aloop: asyncio.AbstractEventLoop, knobs: Knobs, backend: ScriptedBackend,
        history_folder: object) -> None:
    notices = Notices()
    session = GenerationSession(lambda: knobs.settings, lambda: knobs.key,
                                HistoryStore(history_folder),  # type: ignore[arg-type]
                                probe_wait=(0.01, 0.05), backend_factory=backend.factory,
                                notices=notices)
    knobs.concurrency(1)  # one after the other: the scripts go in this order
    backend.script(Step.submitted(), Step.failed("the first run failed"))
    backend.script(Step.submitted(), Step.failed("the second run failed"))
    heard: list[tuple[StudioError, Job | None]] = []
    notices.reported.connect(lambda error, job: heard.append((error, job)))

    async def scenario() -> tuple[Job, Job]:
        first = session.generate(drawn_sketch(), params(seed=111))
        second = session.generate(drawn_sketch(), params(seed=222))
        await until(lambda: len(heard) == 2)
        return first, second

    first, second = run(aloop, scenario())
    assert [job for _, job in heard] == [first, second]
    assert "first run" in str(heard[0][0]) and "second run" in str(heard[1][0])
    assert session.last_failed is second and first.sketch is None  # (memory given back)

    async def retry_first_notice() -> Job:
        session.retry_job(heard[0][1])  # type: ignore[arg-type]  # the notice's own job
        await until(lambda: len(session.jobs) == 3 and session.jobs[-1].state
                    is JobState.DONE)
        return session.jobs[-1]

    again = run(aloop, retry_first_notice())
    assert backend.runs[-1].params is not None and backend.runs[-1].params.seed == 111
    assert again.retry_of == first.id
    old, new = (session.store.get(job.history_id or 0) for job in (first, again))
    assert old is not None and new is not None and new.scribble == old.scribble
