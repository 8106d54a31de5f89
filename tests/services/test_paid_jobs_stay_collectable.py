"""What a review found could pay twice or drop a paid image, through the real outbox,
backend and history against the fake: each of these failed before its fix."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scribble_studio.domain import errors
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services import outbox
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore, State
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch())
QUICK = RetryPolicy(attempts=1, first_poll=0.02, poll_initial=1.0, poll_max=0.05,
                    wait_initial=0.01, network_wait_max=0.02, history_wait_initial=0.02,
                    history_wait_max=0.05)


def backend_for(server: FakeSegmind, **kwargs: Any) -> SegmindBackend:
    settings = ClientSettings(server.base_url, connect_timeout=1, read_timeout=5,
                              history_base=server.history_base)
    return SegmindBackend(ApiKey(API_KEY), settings, retry=QUICK,
                          follow_deadline=kwargs.pop("follow_deadline", 10.0), **kwargs)


def record(store: HistoryStore, prompt: str = "a lighthouse", seed: int = 7) -> int:
    return store.record(GenerationParams(prompt, seed=seed), SCRIBBLE.png, (512, 512),
                        State.WAITING)


async def send(box: outbox.Outbox, server: FakeSegmind, gen_id: int, collect: bool = False,
               **kwargs: Any) -> Any:
    backend = backend_for(server, **kwargs)
    try:
        if collect:
            return await box.collect(backend, gen_id)
        return await box.send(backend, gen_id)
    finally:
        await backend.aclose()


def test_a_billed_job_whose_image_host_is_unreachable_is_not_put_back_to_waiting(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    box = outbox.Outbox(store)
    gen_id = record(store)
    # The result names an image on a port where nothing listens: Offline, after billing.
    fake_api.script_for("result", Fault.status_code(200, {
        "status": "COMPLETED", "output": "http://127.0.0.1:1/gone.jpg", "metrics": {}}))
    with pytest.raises(errors.Offline):
        asyncio.run(send(box, fake_api, gen_id))
    entry = store.get(gen_id)
    assert entry is not None and entry.state is State.SUBMITTED  # never "waiting": paid
    assert not entry.state.safe_to_send and entry.request_id == fake_api.submits[0].request_id
    asyncio.run(send(box, fake_api, gen_id, collect=True))  # later: collected, not sent
    assert store.get(gen_id).state is State.DONE  # type: ignore[union-attr]
    assert len(fake_api.submits) == 1 and fake_api.billed == 1


def test_a_rate_limited_request_history_is_waited_for_not_a_reason_to_send_again(
        tmp_path: Path) -> None:
    with FakeSegmind(record_ttl=0.0) as server:  # the v2 record is gone: the history only
        store = HistoryStore(tmp_path)
        gen_id = record(store)
        server.script_for("history", Fault.rate_limited(reset_in_s=0.1))
        asyncio.run(send(outbox.Outbox(store), server, gen_id))
        assert store.get(gen_id).state is State.DONE  # type: ignore[union-attr]
        assert len(server.submits) == 1 and server.billed == 1


def test_an_earlier_failed_job_with_the_same_prompt_and_seed_is_not_taken_for_a_lost_one(
        tmp_path: Path) -> None:
    """A retry keeps the seed. The retry's answer is lost while its own history row lags:
    the first job's FAILED row is not this one's (before: the retry was marked failed
    and its paid image never collected)."""
    with FakeSegmind(history_lag=1000) as server:
        store = HistoryStore(tmp_path)
        box = outbox.Outbox(store)
        server.fail_job(message="NSFW content detected")
        first = record(store)
        with pytest.raises(errors.JobFailed):
            asyncio.run(send(box, server, first))
        server.submits[0].created -= 2000  # its row has landed; the retry's will lag
        retry = record(store)
        server.script_for("submit", Fault.after_job_created("close"))
        with pytest.raises(outbox.NotInHistory):
            asyncio.run(send(box, server, retry))
        entry = store.get(retry)
        assert entry is not None and entry.state is State.UNKNOWN  # looked up again later
        server.history_lag = 0.0  # now the retry's own row lands
        asyncio.run(send(box, server, retry, collect=True))
        done = store.get(retry)
        assert done is not None and done.state is State.DONE
        assert done.request_id == server.submits[1].request_id and len(server.submits) == 2


def test_two_matching_requests_from_elsewhere_are_not_guessed_between(tmp_path: Path,
                                                                      fake_api: FakeSegmind
                                                                      ) -> None:
    body = {"image": SCRIBBLE.base64(), "prompt": "a lighthouse", "seed": 7, "base64": False}
    for _ in range(2):  # another machine sent the same prompt and seed twice
        httpx.post(f"{fake_api.api_origin}/v2/sd1.5-controlnet-scribble", json=body,
                   headers={"x-api-key": API_KEY}).raise_for_status()
    store = HistoryStore(tmp_path)
    gen_id = record(store)
    fake_api.script_for("submit", Fault.close_without_answer())  # no job comes of ours
    with pytest.raises(errors.SubmitInDoubt, match="2 requests") as caught:
        asyncio.run(send(outbox.Outbox(store), fake_api, gen_id))
    assert not isinstance(caught.value, outbox.NotInHistory)  # no grounds to send again
    assert store.get(gen_id).state is State.UNKNOWN  # type: ignore[union-attr]


class _FirstFailedWrite(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "storing request id" in record.getMessage():
            self.seen.set()


def test_a_locked_database_when_the_request_id_arrives_loses_nothing(tmp_path: Path) -> None:
    """Another process holds a write lock longer than SQLite's busy timeout just as the
    request id arrives: the id is kept, the job followed, its images stored."""
    with FakeSegmind() as server:
        store = HistoryStore(tmp_path)
        gen_id = record(store)
        store.open()
        # The job exists at once; its answer comes a second later, into a locked database.
        server.script_for("submit", Fault.after_job_created("slow:1"))
        failed_write = _FirstFailedWrite()
        logging.getLogger("scribble_studio.services.outbox").addHandler(failed_write)
        other = sqlite3.connect(tmp_path / "history.sqlite3", timeout=1,
                                check_same_thread=False)

        def hold_the_lock() -> None:
            deadline = time.monotonic() + 10
            while not server.submits and time.monotonic() < deadline:
                time.sleep(0.001)  # (polling for the submit, with a deadline)
            other.execute("BEGIN IMMEDIATE")
            failed_write.seen.wait(30)  # until the first write of the id has failed
            other.execute("ROLLBACK")

        holder = threading.Thread(target=hold_the_lock, daemon=True)
        holder.start()
        try:
            result = asyncio.run(send(outbox.Outbox(store), server, gen_id))
        finally:
            holder.join(40)
            other.close()
            logging.getLogger("scribble_studio.services.outbox").removeHandler(failed_write)
        assert failed_write.seen.is_set()  # the write really met the lock
        entry = store.get(gen_id)
        assert entry is not None and entry.state is State.DONE
        assert entry.request_id == server.submits[0].request_id == result.request_id
        assert len(server.submits) == 1


def test_a_result_that_keeps_failing_is_left_to_collect_later(tmp_path: Path,
                                                             fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    box = outbox.Outbox(store)
    gen_id = record(store)
    fake_api.script_for("result", *[Fault.status_code(500)] * 12)
    with pytest.raises(errors.StillRunning):
        asyncio.run(send(box, fake_api, gen_id, follow_deadline=None))
    assert store.get(gen_id).state is State.SUBMITTED  # type: ignore[union-attr]
    asyncio.run(send(box, fake_api, gen_id, collect=True))
    assert store.get(gen_id).state is State.DONE  # type: ignore[union-attr]
    assert len(fake_api.submits) == 1


def test_a_damaged_scribble_file_is_not_sent(tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    gen_id = record(store)
    entry = store.get(gen_id)
    assert entry is not None
    store.image_path(entry.scribble).write_bytes(b"\x89PNG\r\n\x1a\n not what was recorded")
    with pytest.raises(outbox.NotSendable, match="damaged"):
        asyncio.run(send(outbox.Outbox(store), fake_api, gen_id))
    assert fake_api.requests == [] and store.get(gen_id).state is State.FAILED  # type: ignore[union-attr]


def test_a_write_into_a_database_another_process_locks_is_a_message(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    store.open()
    other = sqlite3.connect(tmp_path / "history.sqlite3", timeout=1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(errors.HistoryLocked, match="locked by another program"):
            record(store)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert record(store) > 0  # once the lock goes, writing works again
