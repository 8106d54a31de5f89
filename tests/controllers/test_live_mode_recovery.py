"""Live mode and what outlives it: after a crash a live job that was submitted is
collected (kept, live, hidden) and ones never sent are cancelled, never sent; a live job
the server has is collected later out of sight; and live mode over real HTTP to the
fake."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.gallery import GalleryModel
from scribble_studio.controllers.live_mode import LiveState
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.settings_store import AppSettings
from tests.asyncqt import run, until
from tests.conftest import REPO, png_bytes
from tests.controllers.conftest import Knobs, MakeSession, params
from tests.controllers.test_live_mode import Rig
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.fakes.sketches import drawn_sketch


def _live_row(store: HistoryStore, state: State, owner: str | None, seed: int) -> int:
    return store.record(params(seed=seed), png_bytes(drawn_sketch((64, 64))), (64, 64),
                        state, "live", owner, live=True)


def test_after_a_crash_a_submitted_live_job_is_collected_and_unsent_ones_cancelled(
        aloop: asyncio.AbstractEventLoop, history_folder: Path,
        make_session: MakeSession) -> None:
    store = HistoryStore(history_folder)
    dead = "99999-deadbeef"   # a process that is gone (it holds no lock)
    submitted = _live_row(store, State.SUBMITTING, dead, 1)
    store.mark_submitted(submitted, "req-paid", "v2")
    waiting = _live_row(store, State.WAITING, None, 2)
    queued = _live_row(store, State.QUEUED, dead, 3)
    backend = ScriptedBackend()
    session = make_session(backend)
    gallery = GalleryModel(session.store, BackgroundRunner(), CanvasDocument(), session)

    async def scenario() -> None:
        session.outbox.recover()
        session.load_outbox(session.outbox.pending())
        await until(lambda: all(not j.active for j in session.jobs), what="collecting")

    run(aloop, scenario())
    assert gallery.items == []   # collected, and still out of the gallery
    states = {i: e.state for i in (submitted, waiting, queued)
              if (e := session.store.get(i)) is not None}
    assert states == {submitted: State.DONE, waiting: State.CANCELLED, queued: State.CANCELLED}
    assert backend.runs == [] and [c.ticket.request_id for c in backend.of("resume")
                                   if c.ticket] == ["req-paid"]
    paid = session.store.get(submitted)
    assert paid is not None and paid.live and len(paid.images) == 1
    assert session.store.page() == []   # kept, live, hidden


def test_a_live_job_the_server_has_is_collected_later_out_of_sight(
        aloop: asyncio.AbstractEventLoop, knobs: Knobs, history_folder: Path) -> None:
    backend = ScriptedBackend()
    backend.script(Step.submitted("req-late"), Step.still_running())
    session = GenerationSession(lambda: knobs.settings, lambda: knobs.key,
                                HistoryStore(history_folder), backend_factory=backend.factory,
                                lookup_waits=(0.01,))
    rig = Rig(session, knobs)

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await until(lambda: rig.live.state is LiveState.PAUSED)
        await until(lambda: backend.of("resume"), what="the job collected later")
        await until(lambda: rig.live_rows() == [(State.DONE, True)])

    run(aloop, scenario())
    assert "collected" in rig.live.line and rig.results == []
    assert session.jobs == [] and session.store.page() == []


def test_kill_minus_9_after_a_live_submit_the_next_start_collects_it_billed_once(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with FakeSegmind(job_seconds=60.0) as server:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.live_crash_worker", str(home),
             server.base_url, server.history_base], cwd=REPO, stdout=subprocess.PIPE,
            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                [str(REPO / "app"), str(REPO)])})
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("submitted "), line
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        gen_id = int(line.split()[1])
        [submit] = server.submits
        submit.started -= 120.0  # it finishes at the server meanwhile
        settings = AppSettings(api_base=server.base_url, history_base=server.history_base)
        session = GenerationSession(lambda: settings, lambda: ApiKey(API_KEY),
                                    HistoryStore(home))

        async def scenario() -> None:  # a start, as main.open_history does it
            await asyncio.to_thread(session.outbox.recover)
            session.load_outbox(await asyncio.to_thread(session.outbox.pending))
            await until(lambda: session.jobs and all(not j.active for j in session.jobs),
                        timeout=20, what="the live job collected")
            await session.shutdown()

        run(aloop, scenario(), timeout=40)
        assert len(server.submits) == 1 and server.billed == 1
    entry = session.store.get(gen_id)
    assert entry is not None and entry.state is State.DONE and entry.live and entry.images
    assert entry.request_id == submit.request_id and session.store.page() == []


def test_quitting_with_a_live_job_at_the_server_does_not_wait_for_it(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession, knobs: Knobs,
        backend: ScriptedBackend, make_session: MakeSession) -> None:
    rig = Rig(session, knobs)
    gate = backend.hold()   # (never released: the server is still working on it)
    backend.script(Step.submitted("req-at-quit"), gate, Step.done())

    async def scenario() -> None:
        rig.live.set_on(True)
        rig.stroke()
        await gate.reached.wait()
        await rig.live.shutdown()
        await session.shutdown()

    run(aloop, scenario())
    [(state, live)] = rig.live_rows()
    assert (state, live) == (State.SUBMITTED, True)
    later = make_session(ScriptedBackend())   # the next start collects it
    [(entry, busy)] = later.outbox.pending()
    assert entry.request_id == "req-at-quit" and not busy


@pytest.fixture
def http_rig(fake_api: FakeSegmind, tmp_path: Path) -> Iterator[Rig]:
    from tests.ui.conftest import quick_polls

    # (the fake bills more than the model's page says: no dollar cap here)
    knobs = Knobs(settings=AppSettings(api_base=fake_api.base_url,
                                       history_base=fake_api.history_base,
                                       live_cap_dollars=0),
                  key=ApiKey(API_KEY))
    session = GenerationSession(lambda: knobs.settings, lambda: knobs.key,
                                HistoryStore(tmp_path / "h"), probe_wait=(0.05, 0.2),
                                backend_factory=quick_polls)
    yield Rig(session, knobs)


def test_live_over_http_to_the_fake(aloop: asyncio.AbstractEventLoop, http_rig: Rig,
                                    fake_api: FakeSegmind) -> None:
    async def scenario() -> None:
        http_rig.live.set_on(True)
        http_rig.stroke()
        await until(lambda: http_rig.results, timeout=20)
        http_rig.stroke()
        await until(lambda: len(http_rig.results) == 2, timeout=20)
        await http_rig.idle()
        await http_rig.session.shutdown()

    run(aloop, scenario(), timeout=40)
    assert http_rig.live_rows() == [(State.DONE, True), (State.DONE, True)]
    assert http_rig.results[1].image.width() > 0
    assert len({r.params.seed for r in http_rig.results}) == 1
    assert http_rig.session.store.page() == []
