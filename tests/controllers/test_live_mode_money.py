"""Live mode and money (the money-safety review): a job Segmind has is never paid for
twice, a "send anyway" is for one state once, a billed job whose result comes later
counts against the dollar cap, and a job of an earlier live session never changes the
count of the next. Over a real session, a real history, the real pre-send checks and the
scripted backend (jobs move when the test releases them); nothing sleeps."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from PySide6.QtCore import QPointF

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.live_mode import LiveState
from scribble_studio.controllers.send_checks import SendChecks
from scribble_studio.domain.errors import BadResponse, ConnectionLost
from scribble_studio.services.history import State
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs
from tests.controllers.test_live_mode import Rig, rig  # noqa: F401
from tests.fakes.scripted_backend import ScriptedBackend, Step


def wire_checks(rig: Rig, knobs: Knobs) -> None:  # noqa: F811
    """The pre-send checks, as the window wires them."""
    rig.live.checks = SendChecks(rig.session.store, BackgroundRunner(),
                                 lambda: knobs.settings).line


def states(rig: Rig) -> list[State]:  # noqa: F811
    return [state for state, _live in rig.live_rows()]


def test_on_again_after_a_drop_does_not_pay_again_for_the_job_at_segmind(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,  # noqa: F811
        backend: ScriptedBackend) -> None:
    wire_checks(rig, knobs)
    hold = backend.hold()
    backend.script(Step.submitted("req-paid"),
                   Step.raises(ConnectionLost("The connection to Segmind was lost.")))
    backend.script_resume(hold, Step.done())   # collected later (the network is slow)
    lines: list[str] = []
    costs: list[float] = []

    async def scenario() -> None:
        rig.live.set_on(True)
        for _ in range(4):
            rig.stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED, what="the pause")
        lines.append(rig.live.line)
        costs.append(rig.live.cost)
        rig.live.set_on(True)   # "Turn live mode on again once the connection is back"
        await until(lambda: len(backend.runs) == 2 or rig.live.state is LiveState.PAUSED
                    or "Segmind has" in rig.live.line, what="a send, a pause or a wait")
        await rig.idle()
        lines.append(rig.live.line)
        hold.release()

    run(aloop, scenario())
    assert len(backend.runs) == 1, f"the same state was sent (paid) again: {lines}"
    assert "connection" in lines[0] and "paid for" in lines[0]
    assert "Segmind has this drawing's job" in lines[1]
    assert costs == [pytest.approx(0.003)]   # (paid for in that live session)


def test_a_job_at_segmind_is_a_repeat_for_the_checks_too(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,  # noqa: F811
        backend: ScriptedBackend) -> None:
    """The state left live mode's memory (another drawing went out, then an undo back):
    the history's repeat lookup still finds the job being collected."""
    wire_checks(rig, knobs)
    hold = backend.hold()
    backend.script(Step.submitted("req-slow"),   # billed; live mode stays on
                   Step.raises(BadResponse("The server's answer has no image in it.")))
    backend.script_resume(hold, Step.done())

    async def scenario() -> None:
        rig.live.set_on(True)
        for _ in range(4):
            rig.stroke()
        await until(lambda: len(backend.runs) == 1 and not rig.live.busy)
        for _ in range(4):
            rig.stroke()
        await until(lambda: len(rig.results) == 1, what="the second drawing's result")
        for _ in range(4):
            rig.document.undo()   # back to the drawing whose job is being collected
        await until(lambda: len(backend.runs) == 3 or rig.live.state is LiveState.PAUSED)
        await rig.idle()
        hold.release()

    run(aloop, scenario())
    assert len(backend.runs) == 2, "a job Segmind still has was paid for again"
    assert "#1 is this same job" in rig.live.line and "pays twice" in rig.live.line


def test_an_undo_back_to_a_state_sent_anyway_is_checked_again(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,  # noqa: F811
        backend: ScriptedBackend) -> None:
    wire_checks(rig, knobs)
    lines: list[str] = []

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.document.begin_stroke(QPointF(60, 60), 3)   # a dot: "almost nothing is drawn"
        rig.document.extend_stroke(QPointF(61, 60), 3)
        rig.document.end_stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED, what="the check's pause")
        lines.append(rig.live.line)
        rig.live.set_on(True)                          # "send anyway", for the dot
        await until(lambda: len(rig.results) == 1, what="the dot's result")
        for _ in range(4):                             # a real drawing: checked, sent
            rig.stroke()
        await until(lambda: len(rig.results) == 2 or rig.live.state is LiveState.PAUSED,
                    what="the drawing's result")
        assert len(rig.results) == 2, rig.live.line
        for _ in range(4):
            rig.document.undo()                        # back to the dot, result #1 has it
        await until(lambda: len(backend.runs) == 3 or rig.live.state is LiveState.PAUSED,
                    what="a send or a pause")
        await rig.idle()
        lines.append(rig.live.line)

    run(aloop, scenario())
    assert "Almost nothing is drawn" in lines[0]
    assert len(backend.runs) == 2, f"the dot was paid for again: {lines}"
    assert "Result #1 is this same job" in lines[-1] and "pays twice" in lines[-1]


@pytest.mark.parametrize("after", [
    Step.still_running(),
    Step.raises(BadResponse("The server's answer has no image in it."))],
    ids=["still-running", "bad-response"])
def test_a_billed_job_left_at_the_server_counts_against_the_dollar_cap(
        after: Step, aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,  # noqa: F811
        backend: ScriptedBackend) -> None:
    knobs.settings = dataclasses.replace(knobs.settings, live_cap_dollars=0.005)
    hold = backend.hold()
    backend.script(Step.submitted("req-1"), after)   # billed, result later
    backend.script_resume(hold, Step.done())
    lines: list[str] = []

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: len(backend.runs) == 1 and not rig.live.busy)
        lines.append(rig.live.line)
        rig.stroke()  # a second job: about $0.003 more on top of the first, past $0.005
        await until(lambda: rig.live.state is LiveState.PAUSED or len(backend.runs) == 2)
        await rig.idle()
        hold.release()

    run(aloop, scenario())
    assert len(backend.runs) == 1, "a second live job went out past the $0.005 cap"
    assert rig.live.cost == pytest.approx(0.003)
    assert "paid" in lines[0] and "collected later" in lines[0]
    assert "failed" not in lines[0]
    if after.kind == "raise" and isinstance(after.error, BadResponse):  # (stayed on)
        assert "$0.005" in rig.live.line


def test_a_job_of_the_last_session_cancelled_late_leaves_the_new_count_alone(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,  # noqa: F811
        backend: ScriptedBackend) -> None:
    gate = backend.hold()
    backend.script(gate, Step.offline())   # held in the outbox's send, then never left
    counts: list[int] = []

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await gate.reached.wait()
        counts.append(rig.live.jobs)
        rig.live.set_on(False)   # it may be at the server: left to finish
        rig.live.set_on(True)    # a new live session, its count from 0
        counts.append(rig.live.jobs)
        gate.release()
        await until(lambda: rig.live.state is LiveState.PAUSED)
        await rig.idle()

    run(aloop, scenario())
    assert states(rig) == [State.CANCELLED]
    assert counts == [1, 0]
    assert rig.live.jobs == 0, "the new session's count went below 0 (its cap + 1)"
