"""Live jobs in the outbox, without Qt, over a real history: one that did not leave is
cancelled (never waiting, never sent later); at a start the live jobs a gone process
never sent are cancelled while others' waiting jobs still wait; the history's lists
leave out live images nobody kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scribble_studio.domain import errors
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.outbox import Outbox
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch((64, 64)))
GONE = "99999-deadbeef"   # a process that holds no lock


def live(store: HistoryStore, state: State, owner: str | None = None, seed: int = 1) -> int:
    return store.record(GenerationParams("live", seed=seed), SCRIBBLE.png, (64, 64), state,
                        "live", owner, live=True)


@pytest.mark.parametrize("step", [Step.offline(), Step.rate_limited()])
def test_a_live_job_that_did_not_leave_is_cancelled_not_left_waiting(
        tmp_path: Path, step: Step) -> None:
    store = HistoryStore(tmp_path)
    box = Outbox(store)
    backend = ScriptedBackend()
    backend.script(step)

    async def send() -> None:
        gen_id = await box.record(GenerationParams("live", seed=3), SCRIBBLE, "live",
                                  live=True)
        with pytest.raises((errors.Offline, errors.RateLimited)):
            await box.send(backend, gen_id)  # type: ignore[arg-type]

    asyncio.run(send())
    [row] = store.read("SELECT state, live FROM generations")
    assert (row["state"], row["live"]) == ("cancelled", 1)
    assert store.outbox() == [] and box.pending() == []
    box.lock.release()


def test_a_start_cancels_live_jobs_never_sent_and_keeps_the_rest(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    box = Outbox(store)
    mine = live(store, State.QUEUED, box.lock.hold(), seed=1)  # being sent by this process
    gone = live(store, State.QUEUED, GONE, seed=2)
    ownerless = live(store, State.WAITING, None, seed=3)
    paid = live(store, State.SUBMITTED, None, seed=4)
    store.mark_submitted(paid, "req-paid", "v2")
    drawn = store.record(GenerationParams("drawn", seed=5), SCRIBBLE.png, (64, 64),
                         State.WAITING, "app")
    box.recover()
    states = {i: e.state for i in (mine, gone, ownerless, paid, drawn)
              if (e := store.get(i)) is not None}
    assert states == {mine: State.QUEUED, gone: State.CANCELLED, ownerless: State.CANCELLED,
                      paid: State.SUBMITTED, drawn: State.WAITING}
    assert sorted(e.id for e, _busy in box.pending()) == [paid, drawn]
    box.lock.release()


def test_the_lists_leave_out_live_images_not_kept(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    shown = store.record(GenerationParams("drawn", seed=1), SCRIBBLE.png, (64, 64),
                         State.DONE, "app")
    hidden = live(store, State.DONE, seed=2)
    kept = live(store, State.DONE, seed=3)
    assert store.keep(kept)
    assert sorted(e.id for e in store.page()) == [shown, kept] and store.count() == 2
    assert sorted(e.id for e in store.page(live=True)) == [shown, hidden, kept]
    assert store.count(live=True) == 3
    entry = store.get(hidden)
    assert entry is not None and entry.live and not entry.kept
