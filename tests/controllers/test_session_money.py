"""Money review of the session and live mode: a live job in doubt is findable in the
gallery's "Failed & unknown" view; quitting while live mode claims a job cancels it when
nothing left (never "unknown", never billed); "Send anyway" of a job the budget stopped
sends the scribble it was recorded with, whatever the export settings say now; a Look up
of a job in doubt asked while one is under way is done, not dropped. A real session, a
real history, the scripted backend."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from pathlib import Path

from scribble_studio.controllers.gallery import STOPPED
from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.budget import OverBudget
from scribble_studio.services.history import HistoryStore, State, sha256
from scribble_studio.services.job_locks import send_gate
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs, MakeSession, params
from tests.controllers.test_live_mode import Rig
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch


def test_a_live_job_in_doubt_is_findable_among_the_failed_and_unknown(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    rig = Rig(session, knobs)
    backend.script(Step.in_doubt())   # the submit's answer was lost: it may be billed
    backend.will_find(None)

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.live_rows() == [(State.UNKNOWN, True)], what="in doubt")
        await rig.idle()
        rig.live.set_on(False)

    run(aloop, scenario())
    [row] = session.store.page(states=STOPPED)
    assert row.live and row.state is State.UNKNOWN
    assert session.store.count(states=STOPPED) == 1
    assert session.store.page(states=(State.DONE,)) == []  # (its results view: none yet)


def _claiming() -> bool:
    """Whether a thread is in the outbox's claim (under the send gate) right now."""
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code.co_name == "_check_and_claim":
                return True
            frame = frame.f_back  # type: ignore[assignment]
    return False


def test_quitting_while_live_mode_claims_a_job_cancels_it_unsent(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend, history_folder: Path, make_session: MakeSession) -> None:
    rig = Rig(session, knobs)
    gate = send_gate(history_folder)  # (another sender's check: the claim waits for it)

    async def scenario() -> None:
        gate.__enter__()
        try:
            rig.live.set_on(True)
            rig.stroke()
            await until(_claiming, what="the claim to wait at the send gate")
        finally:
            gate.__exit__(None, None, None)
        # The claim is made on its thread while the loop does nothing else, so the quit
        # below comes after it was made and before the sender hears of it.
        deadline = time.monotonic() + 10
        while rig.live_rows() != [(State.SUBMITTING, True)]:
            assert time.monotonic() < deadline, "the claim was not made"
        await rig.live.shutdown()
        await session.shutdown()

    run(aloop, scenario())
    assert backend.runs == []  # nothing left this machine
    assert rig.live_rows() == [(State.CANCELLED, True)]
    later = make_session(ScriptedBackend())  # the next start: nothing to collect, no doubt
    later.outbox.recover()
    assert later.outbox.pending() == [] and rig.live_rows() == [(State.CANCELLED, True)]


def test_send_anyway_sends_the_scribble_recorded_not_a_new_export(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.settings = dataclasses.replace(knobs.settings, budget_day=0.001, invert=False)
    sketch = drawn_sketch()
    heard: list[tuple[object, Job | None]] = []
    session.reported.connect(lambda error, job: heard.append((error, job)))

    async def scenario() -> Job:
        job = session.generate(sketch, params(seed=3))
        await until(lambda: job.state is JobState.WAITING and bool(heard))
        # The user inverts the export, then says "Send anyway" on the budget's notice.
        knobs.settings = dataclasses.replace(knobs.settings, invert=True)
        error, of = heard[0]
        assert isinstance(error, OverBudget) and of is job is session.over_budget_job
        session.send_anyway(job)
        await until(lambda: job.state is JobState.DONE)
        return job

    job = run(aloop, scenario())
    made_with = export_scribble(sketch, invert=False, encoding=knobs.settings.encoding()).png
    now = export_scribble(sketch, invert=True, encoding=knobs.settings.encoding()).png
    assert made_with != now  # (the change would show)
    [sent] = backend.runs
    assert sent.scribble == made_with
    entry = session.store.get(job.history_id or 0)
    assert entry is not None and entry.scribble == sha256(made_with)
    assert isinstance(session.store, HistoryStore)


def test_look_up_asked_while_the_start_look_up_runs_is_not_lost(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    from tests.controllers.conftest import record

    gen_id = record(session.store, State.QUEUED, seed=9)
    session.store.release(gen_id, State.UNKNOWN, "Scribble Studio stopped while sending it.")
    backend.will_find(None)
    backend.will_find(None)
    heard: list[object] = []
    session.reported.connect(lambda error, job: heard.append(job))

    async def scenario() -> None:
        session.load_outbox(session.outbox.pending())  # (looks it up at once)
        [job] = session.jobs
        session.look_up(job)  # the user's Look up, while that one is under way
        await until(lambda: len(backend.of("find")) == 2, what="the second look-up")
        await until(lambda: session.jobs[0].error is not None and len(heard) == 2)

    run(aloop, scenario())
    assert backend.runs == [] and session.jobs[0].state is JobState.UNKNOWN
