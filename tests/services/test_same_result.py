"""The history's duplicate lookup: a finished result of the same scribble bytes and the
same parameters, sent through the real outbox to the HTTP fake."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services import outbox
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore, State, sha256
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.fakes.sketches import drawn_sketch, lines_sketch

SCRIBBLE = export_scribble(drawn_sketch())
FAST = RetryPolicy(attempts=1, first_poll=0.02, poll_initial=1.0, poll_max=0.1)
PARAMS = GenerationParams("a lighthouse at dusk", negative_prompt="blurry", seed=7, samples=2)


def finished(store: HistoryStore, server: FakeSegmind, params: GenerationParams = PARAMS,
             png: bytes = SCRIBBLE.png) -> int:
    gen_id = store.record(params, png, (512, 512), State.QUEUED)
    settings = ClientSettings(server.base_url, connect_timeout=2,
                              history_base=server.history_base)

    async def send() -> None:
        backend = SegmindBackend(ApiKey(API_KEY), settings, retry=FAST)
        try:
            await outbox.Outbox(store).send(backend, gen_id)
        finally:
            await backend.aclose()

    asyncio.run(send())
    entry = store.get(gen_id)
    assert entry is not None and entry.state is State.DONE and len(entry.images) == 2
    return gen_id


def test_the_same_sketch_and_parameters_find_the_result(tmp_path: Path,
                                                        fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    gen_id = finished(store, fake_api)
    found = store.same_result(sha256(SCRIBBLE.png), PARAMS)
    assert found is not None
    assert (found.id, found.params, len(found.images)) == (gen_id, PARAMS, 2)
    # The newest of two identical results is the one offered.
    again = finished(store, fake_api)
    found = store.same_result(sha256(SCRIBBLE.png), PARAMS)
    assert found is not None and found.id == again


def test_any_difference_is_a_new_job(tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    finished(store, fake_api)
    digest = sha256(SCRIBBLE.png)
    other_sketch = sha256(export_scribble(lines_sketch((512, 512), width=4)).png)
    assert store.same_result(other_sketch, PARAMS) is None
    for change in ({"prompt": "a lighthouse at dawn"}, {"negative_prompt": ""},
                   {"seed": 8}, {"model": "sdxl-scribble"}, {"steps": PARAMS.steps + 1},
                   {"guidance": PARAMS.guidance + 0.5}, {"strength": 0.5}, {"samples": 1},
                   {"scheduler": "euler"}):
        assert store.same_result(digest, dataclasses.replace(PARAMS, **change)) is None, change
    # A random seed is drawn as the job goes out: it never repeats a result.
    assert store.same_result(digest, dataclasses.replace(PARAMS, seed=None)) is None


def test_only_finished_results_with_images_outside_the_trash_count(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    digest = sha256(SCRIBBLE.png)
    store.record(PARAMS, SCRIBBLE.png, (512, 512), State.QUEUED)  # not sent: no result
    store.record(PARAMS, SCRIBBLE.png, (512, 512), State.FAILED)
    assert store.same_result(digest, PARAMS) is None
    gen_id = finished(store, fake_api)
    store.write("UPDATE images SET deleted_at=1 WHERE generation_id=? AND position=0",
                (gen_id,))
    found = store.same_result(digest, PARAMS)
    assert found is not None and len(found.images) == 1  # the one not in the trash
    store.write("UPDATE images SET deleted_at=1 WHERE generation_id=?", (gen_id,))
    assert store.same_result(digest, PARAMS) is None
    store.write("UPDATE images SET deleted_at=NULL WHERE generation_id=?", (gen_id,))
    store.write("UPDATE generations SET deleted_at=1 WHERE id=?", (gen_id,))
    assert store.same_result(digest, PARAMS) is None


def test_a_live_result_counts_it_was_paid_for(tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    gen_id = finished(store, fake_api)
    store.write("UPDATE generations SET live=1, kept=0 WHERE id=?", (gen_id,))
    found = store.same_result(sha256(SCRIBBLE.png), PARAMS)
    assert found is not None and found.id == gen_id


def test_a_job_segmind_still_has_is_the_same_job(tmp_path: Path) -> None:
    """Submitting, submitted or unknown: paid (or maybe), its result still to come; a
    second send pays twice. Never sent (queued, waiting) or cancelled: not a repeat."""
    store = HistoryStore(tmp_path)
    digest = sha256(SCRIBBLE.png)
    for state in (State.QUEUED, State.WAITING, State.CANCELLED):
        store.record(PARAMS, SCRIBBLE.png, (512, 512), state)
    assert store.same_result(digest, PARAMS) is None
    for state in (State.SUBMITTING, State.SUBMITTED, State.UNKNOWN):
        gen_id = store.record(PARAMS, SCRIBBLE.png, (512, 512), state)
        found = store.same_result(digest, PARAMS)
        assert found is not None and (found.id, found.state, found.images) == (
            gen_id, state, ())
        assert store.same_result(digest, dataclasses.replace(PARAMS, seed=8)) is None
        store.write("UPDATE generations SET deleted_at=1 WHERE id=?", (gen_id,))
    assert store.same_result(digest, PARAMS) is None   # (in the trash: not offered)


def test_the_checks_name_a_job_at_segmind_in_their_own_words() -> None:
    from scribble_studio.domain.scribble_checks import SAME_AS_JOB, same_as_result

    working = same_as_result(4, State.SUBMITTED)
    collected = same_as_result(4, State.UNKNOWN)
    assert (working.code, working.result_id) == (SAME_AS_JOB, 4)
    assert "#4 is this same job" in working.message
    assert "Segmind is still working on it" in working.message
    assert "it is being collected" in collected.message
    assert "pays twice" in working.message and "pays twice" in collected.message
    assert same_as_result(4).message.startswith("Result #4 is this same job")
