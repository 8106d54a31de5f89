"""Money safety (review 2, e): only a finished job goes to the trash, "Discard" cancels
and trashes in one step, and emptying the trash frees a discarded job's scribble file.
Real SQLite history, real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryStore, State
from tests.fakes.sketches import drawn_sketch
from tests.services.test_trash import done_generation, four

SCRIBBLE = export_scribble(drawn_sketch((64, 64)))
OPEN = (State.QUEUED, State.WAITING, State.SUBMITTING, State.SUBMITTED, State.UNKNOWN)


def stored(store: HistoryStore, state: State, seed: int = 1) -> int:
    return store.record(GenerationParams("a fox", seed=seed), SCRIBBLE.png, (64, 64), state)


@pytest.mark.parametrize("state", OPEN, ids=lambda s: s.value)
def test_a_job_still_open_never_goes_to_the_trash(tmp_path: Path, state: State) -> None:
    store = HistoryStore(tmp_path)
    gen = stored(store, state)
    assert not store.trash_generation(gen)
    assert not store.trash_image(gen, 0)
    assert store.trash() == []


def test_a_finished_job_still_goes_to_the_trash(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    done, failed = done_generation(store, 1, four(1)), stored(store, State.FAILED, 2)
    assert store.trash_image(done, 1) and store.trash_generation(failed)
    assert [t.entry.id for t in store.trash()] == [done]   # (one with no image: unlisted)
    assert store.read("SELECT deleted_at FROM generations WHERE id=?", (failed,))[0][0]


def test_discard_of_a_job_found_at_the_server_neither_cancels_nor_trashes(
        tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = stored(store, State.UNKNOWN)
    store.mark_submitted(gen, "req-found", "v2")     # the request history found it
    assert not store.discard_generation(gen)
    entry = store.get(gen)
    assert entry is not None and entry.state is State.SUBMITTED and store.trash() == []


@pytest.mark.parametrize("state", (State.UNKNOWN, State.FAILED, State.WAITING,
                                   State.CANCELLED), ids=lambda s: s.value)
def test_discard_of_a_stopped_job_cancels_and_trashes_it(tmp_path: Path,
                                                         state: State) -> None:
    store = HistoryStore(tmp_path)
    gen = stored(store, state)
    assert store.discard_generation(gen)
    entry = store.get(gen)
    assert entry is not None and entry.state is State.CANCELLED
    assert store.read("SELECT deleted_at FROM generations WHERE id=?", (gen,))[0][0]


def test_emptying_the_trash_frees_a_discarded_jobs_scribble(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = stored(store, State.UNKNOWN)
    entry = store.get(gen)
    assert entry is not None
    scribble = store.image_path(entry.scribble)
    assert scribble.exists()
    assert store.discard_generation(gen)
    removed = store.empty_trash()
    assert scribble in removed and not scribble.exists()


def test_a_scribble_a_retry_still_uses_stays(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = stored(store, State.FAILED)
    retry = stored(store, State.QUEUED, 2)             # same scribble, sent again
    assert store.discard_generation(gen)
    store.empty_trash()
    entry = store.get(retry)
    assert entry is not None and store.image_path(entry.scribble).exists()
