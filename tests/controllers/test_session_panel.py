"""The jobs panel wired to the session as the main window wires it, with the scripted
backend: what a row shows while Segmind has the job, its buttons, and what "Cancel" and
"Send now" do. (Real widgets; the jobs move when the test releases them.)"""

from __future__ import annotations

import asyncio

import pytest

from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.backends import Phase
from scribble_studio.services.history import State
from scribble_studio.ui.jobs_panel import JobsPanel
from tests.asyncqt import run, until
from tests.controllers.conftest import params
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


@pytest.fixture
def panel(session: GenerationSession) -> JobsPanel:
    panel = JobsPanel()
    for signal, slot in ((panel.cancel_requested, session.cancel),
                         (panel.resend_requested, session.resend),
                         (panel.discard_requested, session.discard),
                         (panel.cancel_all_requested, session.cancel_all),
                         (panel.send_now_requested, session.send_now),
                         (session.job_added, panel.add_job),
                         (session.job_changed, panel.update_job),
                         (session.job_removed, panel.remove_job)):
        signal.connect(slot)
    panel.resize(480, 300)
    panel.show()
    return panel


def test_a_row_shows_the_servers_progress_and_cancel_hides_the_job_but_keeps_it(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, panel: JobsPanel,
        backend: ScriptedBackend) -> None:
    gate = backend.hold()
    backend.script(Step.submitted(), Step.progress(Phase.GENERATING, 3.0), gate, Step.done())
    notices: list[str] = []
    session.notice.connect(notices.append)

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await gate.reached.wait()
        row = panel.rows[job.id]
        assert row.state.text().startswith("generating ")
        assert row.cancel.isVisible() and "bills it" in row.cancel.toolTip()
        assert panel.cancel_all.isEnabled() and not panel.send_now.isEnabled()
        assert panel._ticker.isActive()  # the time runs on
        row.cancel.click()
        assert panel.rows == {} and panel.list.count() == 0 and len(notices) == 1
        assert not panel._ticker.isActive() and not panel.cancel_all.isEnabled()
        gate.release()
        await until(lambda: job.state is JobState.DONE)
        return job

    job = run(aloop, scenario())
    entry = session.store.get(job.history_id or 0)
    assert entry is not None and entry.state is State.DONE and len(entry.images) == 1
    assert panel.rows == {}  # done, still hidden


def test_send_now_in_the_panel_sends_a_waiting_job(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, panel: JobsPanel,
        backend: ScriptedBackend) -> None:
    backend.online = False  # the outbox's probe keeps failing
    backend.script(Step.offline())

    async def scenario() -> Job:
        job = session.generate(drawn_sketch(), params())
        await until(lambda: job.state is JobState.WAITING)
        row = panel.rows[job.id]
        assert row.state.text() == "waiting" and row.discard.isVisible()
        assert not row.cancel.isVisible() and panel.send_now.isEnabled()
        panel.send_now.click()
        await until(lambda: job.state is JobState.DONE)
        assert row.state.text().startswith("done ") and not panel.send_now.isEnabled()
        return job

    run(aloop, scenario())
    assert len(backend.runs) == 2
