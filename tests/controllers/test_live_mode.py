"""Live mode over a real session and a real history, with the scripted backend (jobs move
when the test releases them): the debounce, one job in flight with one follow-up for the
latest state, nothing sent twice for the same state, the cap, pausing on what stops it,
nothing ever left in the outbox. (A crash and real HTTP: test_live_mode_recovery.py.)
Time is the debounce timer's, set short; nothing sleeps."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import pytest
from PySide6.QtCore import QPointF, QSize

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.live_mode import LiveMode, LiveResult, LiveState
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain.errors import AuthenticationFailed
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import State
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs, MakeSession, params
from tests.fakes.scripted_backend import ScriptedBackend, Step


@dataclasses.dataclass
class Panel:
    """What the parameter panel would say."""

    params: GenerationParams = dataclasses.field(default_factory=lambda: params(seed=None))


class Rig:
    def __init__(self, session: GenerationSession, knobs: Knobs) -> None:
        self.session, self.knobs, self.panel = session, knobs, Panel()
        self.document = CanvasDocument(QSize(128, 128))
        self.live = LiveMode(session, self.document, lambda: self.panel.params,
                             lambda: knobs.settings, debounce_ms=5)
        self.results: list[LiveResult] = []
        self.live.result_ready.connect(self.results.append)
        self.strokes = 0

    def stroke(self) -> None:
        """One stroke, somewhere new (pen down, moves, pen up)."""
        self.strokes += 1
        y = 10 + 7 * self.strokes
        self.document.begin_stroke(QPointF(10, y), 3)
        self.document.extend_stroke(QPointF(100, y), 3)
        self.document.end_stroke()

    def prompt(self, text: str) -> None:
        self.panel.params = dataclasses.replace(self.panel.params, prompt=text)
        self.live.schedule()

    async def idle(self) -> None:
        """Until nothing is scheduled or running."""
        await until(lambda: not self.live._timer.isActive() and not self.live.busy,
                    what="live mode to be idle")

    def live_rows(self) -> list[tuple[State, bool]]:
        return [(State(r["state"]), bool(r["live"])) for r in self.session.store.read(
            "SELECT state, live FROM generations ORDER BY id")]


@pytest.fixture
def rig(session: GenerationSession, knobs: Knobs) -> Rig:
    return Rig(session, knobs)


def test_a_still_drawing_is_sent_once_live_and_hidden(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    async def scenario() -> None:
        rig.live.set_on(True)
        for _ in range(3):  # one burst of strokes: one job, for the drawing as it ends
            rig.stroke()
        await until(lambda: rig.results, what="a live result")
        await rig.idle()

    run(aloop, scenario())
    assert len(backend.runs) == 1 and backend.runs[0].params is not None
    assert backend.runs[0].params.seed == rig.live.seed is not None
    result = rig.results[0]
    assert result.image.width() == backend.image_side and result.seconds >= 0
    entry = rig.session.store.get(result.history_id)
    assert entry is not None and entry.state is State.DONE and entry.live and not entry.kept
    assert entry.source == "live" and len(entry.images) == 1
    store = rig.session.store
    assert store.page(states=(State.DONE,)) == [] and store.count() == 0  # not in the gallery
    assert [e.id for e in store.page(live=True)] == [entry.id]
    assert rig.session.jobs == [] and rig.session.outbox.pending() == []
    assert rig.live.jobs == 1 and rig.live.cost == pytest.approx(0.003)


def test_the_same_state_is_not_sent_again_and_a_change_is(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: len(rig.results) == 1)
        rig.document.undo()   # and back: the same scribble bytes and parameters
        rig.document.redo()
        await rig.idle()
        assert len(backend.runs) == 1
        rig.prompt("a lighthouse at dusk")
        await until(lambda: len(rig.results) == 2)

    run(aloop, scenario())
    assert [c.params.prompt for c in backend.runs if c.params] == [
        "a lighthouse", "a lighthouse at dusk"]


def test_no_job_goes_while_the_pen_is_down(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    fired = []
    rig.live._timer.timeout.connect(lambda: fired.append(1))

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.document.begin_stroke(QPointF(5, 5), 3)
        rig.document.extend_stroke(QPointF(90, 90), 3)
        rig.live.schedule()   # (a parameter edit while the pen is held still)
        await until(lambda: len(fired) >= 3, what="the debounce to pass a few times")
        assert backend.runs == [] and not rig.live.busy
        rig.document.end_stroke()
        await until(lambda: rig.results)

    run(aloop, scenario())
    assert len(backend.runs) == 1


def test_one_job_in_flight_and_one_follow_up_for_the_latest_state(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    gate = backend.hold()
    backend.script(Step.submitted(), gate, Step.done())
    fired = []
    rig.live._timer.timeout.connect(lambda: fired.append(1))

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await gate.reached.wait()
        for text in ("two", "three", "four"):  # each still long enough to be sent...
            rig.prompt(text)
            count = len(fired)
            await until(lambda c=count: len(fired) > c)  # type: ignore[misc]
        assert len(backend.runs) == 1   # ...but one job is running
        gate.release()
        await until(lambda: len(rig.results) == 2)
        await rig.idle()

    run(aloop, scenario())
    assert [c.params.prompt for c in backend.runs if c.params] == ["a lighthouse", "four"]
    assert backend.max_in_flight == 1
    assert [r.number for r in rig.results] == sorted(r.number for r in rig.results)
    assert rig.results[-1].params.prompt == "four"


def test_turned_off_while_at_the_server_the_job_finishes_and_is_kept(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    gate = backend.hold()
    backend.script(Step.submitted("req-live"), gate, Step.done())

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await gate.reached.wait()
        rig.live.set_on(False)
        gate.release()
        await until(lambda: rig.results)
        await rig.idle()

    run(aloop, scenario())
    entry = rig.session.store.get(rig.results[0].history_id)
    assert entry is not None and entry.state is State.DONE and entry.request_id == "req-live"
    assert rig.live.state is LiveState.OFF


def test_keep_moves_the_result_into_the_gallery(
        aloop: asyncio.AbstractEventLoop, rig: Rig) -> None:
    kept: list[object] = []
    rig.live.kept.connect(kept.append)

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.results)
        rig.live.keep()
        await until(lambda: kept)

    run(aloop, scenario())
    store = rig.session.store
    assert [e.id for e in store.page(states=(State.DONE,))] == [rig.results[0].history_id]
    entry = kept[0]
    assert getattr(entry, "kept", False) and getattr(entry, "live", False)


def test_new_seed_sends_the_same_drawing_with_another_seed(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: len(rig.results) == 1)
        seed = rig.live.seed
        while rig.live.seed == seed:
            rig.live.new_seed()
        await until(lambda: len(rig.results) == 2)

    run(aloop, scenario())
    seeds = [c.params.seed for c in backend.runs if c.params]
    assert len(set(seeds)) == 2 and seeds[1] == rig.live.seed


def test_the_job_cap_pauses_live_mode(aloop: asyncio.AbstractEventLoop, rig: Rig,
                                      knobs: Knobs, backend: ScriptedBackend) -> None:
    knobs.settings = dataclasses.replace(knobs.settings, live_cap_jobs=2)

    async def scenario() -> None:
        rig.live.set_on(True)
        for n in range(3):
            rig.stroke()
            await until(lambda n=n: len(rig.results) == n + 1 or rig.live.state  # type: ignore[misc]
                        is LiveState.PAUSED)
        await rig.idle()

    run(aloop, scenario())
    assert len(backend.runs) == 2 and rig.live.state is LiveState.PAUSED
    assert "2 jobs" in rig.live.line and "Ctrl+Shift+L" in rig.live.line


def test_the_dollar_cap_pauses_before_a_job_that_would_pass_it(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.settings = dataclasses.replace(knobs.settings, live_cap_dollars=0.005)

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.results)
        rig.stroke()  # a second job would cost about $0.003 more: past $0.005
        await until(lambda: rig.live.state is LiveState.PAUSED)

    run(aloop, scenario())
    assert len(backend.runs) == 1 and "$0.005" in rig.live.line
    assert rig.live_rows() == [(State.DONE, True)]  # the paused one was never recorded


@pytest.mark.parametrize("step, words", [
    (Step.offline(), "Cannot reach Segmind"),
    (Step.rate_limited(), "Too many requests"),
    (Step.raises(AuthenticationFailed("The API key was rejected.")), "key"),
])
def test_what_stops_a_send_pauses_and_leaves_nothing_to_send_later(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend,
        make_session: MakeSession, step: Step, words: str) -> None:
    backend.script(step)

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED)
        await rig.idle()

    run(aloop, scenario())
    assert words in rig.live.line and "Ctrl+Shift+L" in rig.live.line
    [(state, live)] = rig.live_rows()
    assert live and state in (State.CANCELLED, State.FAILED)   # never waiting
    assert rig.live.jobs == (0 if state is State.CANCELLED else 1)  # (what may be billed)
    assert rig.session.store.outbox() == [] and rig.session.jobs == []
    later = make_session(ScriptedBackend())   # the next start sends nothing of it
    assert later.outbox.pending() == []


def test_no_key_pauses_before_anything_is_recorded(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.key = None

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED)

    run(aloop, scenario())
    assert "key" in rig.live.line and backend.runs == [] and rig.live_rows() == []


def test_the_budget_pauses_and_the_job_is_cancelled_not_queued(
        aloop: asyncio.AbstractEventLoop, rig: Rig, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    knobs.settings = dataclasses.replace(knobs.settings, budget_day=0.001)

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED)
        await rig.idle()

    run(aloop, scenario())
    assert "budget" in rig.live.line and backend.runs == []
    assert rig.live_rows() == [(State.CANCELLED, True)]
    assert rig.session.outbox.pending() == []


def test_going_offline_elsewhere_pauses_live_mode(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    backend.online = False

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.session.refresh_credits()   # (the status bar's credits call finds no network)
        await until(lambda: rig.live.state is LiveState.PAUSED)

    run(aloop, scenario())
    assert "cannot be reached" in rig.live.line


def test_a_check_that_objects_pauses_and_on_again_sends_that_state_anyway(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    seen: list[tuple[int, int]] = []

    def checks(sketch: object, p: GenerationParams) -> str | None:
        seen.append(getattr(sketch, "size", (0, 0)))
        return "Nearly nothing is drawn."   # (it objects to every state)

    rig.live.checks = checks

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED)
        assert backend.runs == [] and rig.live_rows() == []
        assert "Nearly nothing is drawn." in rig.live.line and "anyway" in rig.live.line
        rig.live.set_on(True)   # "send anyway": on again, for this state
        await until(lambda: rig.results)
        rig.stroke()            # another state is checked again
        await until(lambda: rig.live.state is LiveState.PAUSED)

    run(aloop, scenario())
    # (checked again when sent anyway: "anyway" is for the words the user saw only)
    assert seen[0] == (128, 128) and len(seen) == 3 and len(backend.runs) == 1
    assert rig.live_rows() == [(State.DONE, True)]


class _Ready:
    """A check that waits for the test: the job is stopped before it is recorded."""

    def __init__(self) -> None:
        self.asked, self.go = threading.Event(), threading.Event()

    def __call__(self, sketch: object, p: GenerationParams) -> str | None:
        self.asked.set()
        self.go.wait(10)
        return None


def test_turned_off_before_it_is_sent_nothing_is_sent(
        aloop: asyncio.AbstractEventLoop, rig: Rig, backend: ScriptedBackend) -> None:
    ready = _Ready()
    rig.live.checks = ready

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(ready.asked.is_set)
        rig.live.set_on(False)
        ready.go.set()
        await rig.idle()

    run(aloop, scenario())
    assert backend.runs == [] and rig.live_rows() == [] and rig.results == []
