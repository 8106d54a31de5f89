"""A job that failed or was cancelled, in the Jobs dock: its reason on the row and in the
tooltip, Retry (the same scribble and seed, its cost said) and Discard; rows numbered as
the CLI numbers them. Real widgets, a real history, the scripted backend."""

from __future__ import annotations

import asyncio

import pytest

from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.job_state import JobState
from scribble_studio.ui.jobs_panel import JobsPanel
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs, params
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


@pytest.fixture
def panel(session: GenerationSession) -> JobsPanel:
    panel = JobsPanel()
    for signal, slot in ((panel.discard_requested, session.discard),
                         (panel.retry_requested, session.retry_job),
                         (session.job_added, panel.add_job),
                         (session.job_changed, panel.update_job),
                         (session.job_removed, panel.remove_job)):
        signal.connect(slot)
    panel.resize(520, 300)
    panel.show()
    return panel


def test_a_failed_row_says_why_and_retry_sends_that_job_again_with_its_seed(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, panel: JobsPanel,
        backend: ScriptedBackend, knobs: Knobs) -> None:
    knobs.concurrency(1)  # one after the other: the scripts go in this order
    backend.script(Step.failed("the model ran out of memory"))
    backend.script(Step.failed("the server had a hiccup"))

    async def scenario() -> tuple[Job, Job]:
        first = session.generate(drawn_sketch(), params(seed=111))
        second = session.generate(drawn_sketch(), params(seed=222))
        await until(lambda: first.state is JobState.FAILED and second.state is JobState.FAILED)
        await until(lambda: bool(first.retry_cost and second.retry_cost), what="the estimate")
        return first, second

    first, second = run(aloop, scenario())
    row = panel.rows[first.id]
    assert row.title.text().startswith(f"#{first.history_id} ")  # the CLI's number
    assert row.retry.accessibleName() == f"Retry job #{first.history_id}"
    assert row.reason.isVisible() and "out of memory" in row.reason.text()
    assert "out of memory" in row.state.toolTip() and "out of memory" in row.reason.toolTip()
    assert row.retry.isVisible() and row.discard.isVisible()
    assert "seed 111" in row.retry.toolTip() and "≈ $" in row.retry.toolTip()
    assert row.retry.text().startswith("Retry ≈ $")  # what pressing it costs
    assert "seed 222" in panel.rows[second.id].retry.toolTip()

    async def retry_first() -> None:
        row.retry.click()  # the first row's Retry, though the second failed last
        await until(lambda: len(backend.runs) == 3 and len(session.jobs) == 3)
        await until(lambda: session.jobs[-1].state is JobState.DONE)

    run(aloop, retry_first())
    assert backend.runs[-1].params.seed == 111
    again = session.jobs[-1]
    old = session.store.get(first.history_id or 0)
    new = session.store.get(again.history_id or 0)
    assert old is not None and new is not None and new.id != old.id
    assert new.scribble == old.scribble  # the very scribble bytes that failed
    assert old.state is JobState.FAILED  # the failed row stays as it was
    assert panel.rows[again.id].title.text().startswith(f"#{new.id} ")


def test_discard_on_a_failed_row_takes_it_off(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, panel: JobsPanel,
        backend: ScriptedBackend) -> None:
    backend.script(Step.failed())

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params(seed=5))
        await until(lambda: job.state is JobState.FAILED)
        panel.rows[job.id].discard.click()
        await until(lambda: session.store.get(job.history_id or 0).state  # type: ignore[union-attr]
                    is JobState.CANCELLED)
        return job

    job = run(aloop, scenario())
    assert job.id not in panel.rows and len(backend.runs) == 1


def test_a_cancelled_row_says_so_and_offers_retry(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, panel: JobsPanel,
        backend: ScriptedBackend, knobs: Knobs) -> None:
    knobs.concurrency(1)
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done())

    async def scenario() -> Job:
        session.generate(drawn_sketch(), params(seed=8))
        await gate.reached.wait()
        queued = session.generate(drawn_sketch(), params(seed=9))
        await until(lambda: queued.history_id is not None)
        session.cancel(queued)  # still in line: never sent
        await until(lambda: queued.state is JobState.CANCELLED)
        gate.release()
        return queued

    job = run(aloop, scenario())
    row = panel.rows[job.id]
    assert row.retry.isVisible() and row.discard.isVisible()
    assert row.reason.isVisible() and "Cancelled" in row.reason.text()
