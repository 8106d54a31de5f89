"""The history store and the outbox's steps: claim, crash recovery by sender lock, paging,
search, star, delete, corruption, migration of a database written by the first release."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from scribble_studio.domain import errors
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services import outbox
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.history_db import MIGRATIONS
from scribble_studio.services.job_locks import SenderLock
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch())
FAST = RetryPolicy(attempts=1, first_poll=0.02, poll_initial=1.0, poll_max=0.1)


def store_with(tmp_path: Path, n: int = 3) -> tuple[HistoryStore, list[int]]:
    store = HistoryStore(tmp_path)
    ids = [store.record(GenerationParams(f"prompt {i}", seed=i), SCRIBBLE.png, (512, 512),
                        State.WAITING) for i in range(n)]
    return store, ids


async def send(store: HistoryStore, server: FakeSegmind, gen_id: int, force: bool = False,
               box: outbox.Outbox | None = None):
    settings = ClientSettings(server.base_url, connect_timeout=2,
                              history_base=server.history_base)
    backend = SegmindBackend(ApiKey(API_KEY), settings, retry=FAST)
    try:
        return await (box or outbox.Outbox(store)).send(backend, gen_id, force=force)
    finally:
        await backend.aclose()


def test_the_schema_is_versioned_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    assert not (tmp_path / "history.sqlite3").exists()  # opened on first use (a worker's)
    store.open()
    db = sqlite3.connect(tmp_path / "history.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.integrity() == "ok"


def test_a_sent_item_goes_waiting_submitting_done(tmp_path: Path,
                                                  fake_api: FakeSegmind) -> None:
    store, (first, *_) = store_with(tmp_path)
    result = asyncio.run(send(store, fake_api, first))
    entry = store.get(first)
    assert entry is not None and entry.state is State.DONE and entry.owner is None
    assert entry.credits_after == result.credits and entry.request_id == result.request_id
    assert entry.request_id == fake_api.submits[0].request_id and entry.api == result.api
    assert entry.sent_at is not None
    assert len(entry.images) == 1
    stored = store.read_file(entry.images[0].sha256)
    assert stored is not None and stored.startswith(b"\x89PNG")
    assert store.image_path(entry.images[0].sha256).name == f"{entry.images[0].sha256}.png"
    assert store.read_file(entry.scribble) == SCRIBBLE.png  # the exact bytes sent
    assert [job.seed for job in fake_api.submits] == [0]


def test_offline_puts_it_back_to_waiting(tmp_path: Path) -> None:
    server = FakeSegmind().start()
    server.stop()
    store, (first, *_) = store_with(tmp_path)
    with pytest.raises(errors.Offline):
        asyncio.run(send(store, server, first))
    entry = store.get(first)
    assert entry is not None and entry.state is State.WAITING and "connect" in (entry.error or "")


def test_a_500_leaves_it_failed_and_it_is_not_resent(tmp_path: Path,
                                                     fake_api: FakeSegmind) -> None:
    store, (first, *_) = store_with(tmp_path)
    fake_api.script(Fault.status_code(500, {"error": "boom"}))
    with pytest.raises(errors.ServerError):
        asyncio.run(send(store, fake_api, first))
    assert store.get(first).state is State.FAILED  # type: ignore[union-attr]
    with pytest.raises(outbox.NotSendable):
        asyncio.run(send(store, fake_api, first))
    assert [r.method for r in fake_api.requests] == ["POST"]


def test_an_item_can_be_claimed_only_once(tmp_path: Path, fake_api: FakeSegmind) -> None:
    """Two senders (two processes: two sender locks) race for one item: one sends it."""
    store, (first, *_) = store_with(tmp_path)
    fake_api.script(Fault.slow(0.5))
    boxes = [outbox.Outbox(store, SenderLock(tmp_path)) for _ in range(2)]

    async def both() -> list[object]:
        return await asyncio.gather(*(send(store, fake_api, first, box=box) for box in boxes),
                                    return_exceptions=True)

    outcomes = asyncio.run(both())
    assert sum(isinstance(o, outbox.NotSendable) for o in outcomes) == 1, outcomes
    assert len(fake_api.submits) == 1 and fake_api.billed == 1


def test_a_job_is_settled_only_once_its_sender_is_gone(tmp_path: Path) -> None:
    store, (gone, living, _) = store_with(tmp_path)
    dead, alive = SenderLock(tmp_path), SenderLock(tmp_path)
    for gen_id, lock in ((gone, dead), (living, alive)):
        assert store.claim(gen_id, lock.hold(), frozenset({State.WAITING}), None)
    dead.release()  # what the kernel does when a process dies
    settled = outbox.Outbox(store).recover()
    assert [e.id for e in settled] == [gone]
    assert store.get(gone).state is State.UNKNOWN  # type: ignore[union-attr]
    assert store.get(living).state is State.SUBMITTING  # type: ignore[union-attr]
    alive.release()


def test_after_a_crash_submitting_is_unknown_and_never_sent_by_itself(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    store, (a, b, c) = store_with(tmp_path)
    crashed = SenderLock(tmp_path)
    store.claim(a, crashed.hold(), frozenset({State.WAITING}), None)
    store.set_state(b, State.QUEUED)
    crashed.release()
    store.close()
    reopened = HistoryStore(tmp_path)
    box = outbox.Outbox(reopened)
    assert [e.id for e in box.recover()] == [a, b]
    assert reopened.get(a).state is State.UNKNOWN  # type: ignore[union-attr]
    assert reopened.get(b).state is State.WAITING  # type: ignore[union-attr]
    assert [e.id for e in reopened.outbox()] == [a, b, c]
    with pytest.raises(outbox.NotSendable, match="unknown"):
        asyncio.run(send(reopened, fake_api, a))
    assert fake_api.requests == []
    asyncio.run(send(reopened, fake_api, a, force=True))  # the user's decision
    assert reopened.get(a).state is State.DONE  # type: ignore[union-attr]


def test_a_database_of_the_first_release_migrates_without_loss(tmp_path: Path) -> None:
    """tests/fakes/data/history-release-1.sqlite3 was written by the first release: one job
    of each state, the done one with an image, credits and a request id, starred."""
    (tmp_path / "history.sqlite3").write_bytes(
        (Path(__file__).parents[1] / "fakes" / "data" / "history-release-1.sqlite3").read_bytes())
    store = HistoryStore(tmp_path)
    assert store.recovered_from is None
    entries = {e.params.prompt.split()[1]: e for e in store.page(0, 10)}
    assert set(entries) == {"done", "waiting", "unknown", "sending", "failed", "cancelled"}
    done = entries["done"]
    assert (done.state, done.request_id, done.credits_after, done.starred) == (
        State.DONE, "req-1", 99.75, True)
    assert len(done.images) == 1 and done.params.steps == 25 and done.cost is None
    # "sending" may have reached the server: now "submitting", settled as in doubt.
    assert entries["sending"].state is State.SUBMITTING
    assert entries["waiting"].state is State.WAITING
    assert entries["unknown"].state is State.UNKNOWN
    settled = outbox.Outbox(store).recover()
    assert [e.id for e in settled] == [entries["sending"].id]
    assert settled[0].state is State.UNKNOWN
    assert store.integrity() == "ok"


def test_paging_search_and_star(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    for i in range(120):
        store.record(GenerationParams("a red fox" if i % 3 == 0 else f"tree {i}", seed=i),
                     SCRIBBLE.png, (512, 512), State.DONE)
    first = store.page(0, 50)
    assert len(first) == 50 and first[0].params.seed == 119
    assert [e.params.seed for e in store.page(100, 50)] == list(range(19, -1, -1))
    assert store.count("RED fox") == 40 and store.count("100%") == 0
    store.star(first[0].id, True)
    assert [e.id for e in store.page(starred=True)] == [first[0].id]


def test_the_search_rule_is_one_in_sql_and_for_an_entry_not_read_back(
        tmp_path: Path) -> None:
    """What the gallery asks of a new result (or the trash) is what the SQL finds."""
    store = HistoryStore(tmp_path)
    prompts = ["a Red fox", "tree 42", "100% cotton", "under_score", "fox 7"]
    for i, prompt in enumerate(prompts):
        store.record(GenerationParams(prompt, seed=[7, 8, 42, 9, 10][i]), SCRIBBLE.png,
                     (512, 512), State.DONE)
    entries = store.page(0, 50)
    for search in ["", "red FOX", "42", "7", "100%", "_", "under_", "fox", "nothing", " 8 "]:
        found = {e.id for e in store.page(0, 50, search)}
        assert found == {e.id for e in entries if store.matches(e.params, search)}, search


def test_delete_removes_files_no_longer_referenced(tmp_path: Path,
                                                   fake_api: FakeSegmind) -> None:
    store, (a, b, _) = store_with(tmp_path)
    asyncio.run(send(store, fake_api, a))
    images = [store.image_path(i.sha256) for i in store.get(a).images]  # type: ignore[union-attr]
    scribble = store.image_path(store.get(a).scribble)  # type: ignore[union-attr]
    store.delete(a)
    assert store.get(a) is None and not any(p.exists() for p in images)
    assert scribble.exists()  # b and c still use the same scribble
    store.delete(b)
    store.delete(_)
    assert not scribble.exists()


def test_a_corrupt_database_is_moved_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    store, _ = store_with(tmp_path)
    store.close()
    (tmp_path / "history.sqlite3").write_bytes(b"this is not a database at all" * 100)
    for extra in ("-wal", "-shm"):
        (tmp_path / f"history.sqlite3{extra}").unlink(missing_ok=True)
    fresh = HistoryStore(tmp_path)
    assert fresh.recovered_from is not None and fresh.recovered_from.exists()
    assert fresh.count() == 0 and fresh.integrity() == "ok"


def test_a_full_disk_fails_cleanly_and_keeps_the_previous_state(tmp_path: Path) -> None:
    import subprocess
    import sys
    import textwrap
    store, _ = store_with(tmp_path, 1)
    store.close()
    # RLIMIT_FSIZE makes writes past 100 kB fail (EFBIG), as a full disk would.
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from pathlib import Path
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from scribble_studio.domain.params import GenerationParams
        from scribble_studio.services.history import HistoryStore, State, DiskFull
        store = HistoryStore(Path({str(tmp_path)!r}))
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            store.record(GenerationParams("big", seed=1), bytes(300_000), (512, 512),
                         State.WAITING)
        except DiskFull as exc:
            print("DiskFull:", exc.message)
            sys.exit(0)
        sys.exit(1)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("DiskFull: Cannot write to")
    after = HistoryStore(tmp_path)
    assert after.count() == 1 and after.integrity() == "ok"
    assert not list((tmp_path / "images").glob(".*.tmp"))


def test_the_usual_time_is_the_servers_not_ours(tmp_path: Path) -> None:
    """The first poll of the next job goes near the time the server reported for the last
    ones; our own elapsed time ends at the poll that saw the job done and would only ever
    push the polls later."""
    store, (first, second, _) = store_with(tmp_path)
    assert store.usual_seconds("v2", "sd15-scribble") is None
    with FakeSegmind(job_seconds=0.2) as server:
        for gen_id in (first, second):
            asyncio.run(send(store, server, gen_id))
    entries = [store.get(i) for i in (first, second)]
    assert all(e is not None and e.timings["total_time"] == 0.2 for e in entries)
    assert all(e is not None and (e.elapsed or 0) > 0.2 for e in entries)
    assert store.usual_seconds("v2", "sd15-scribble") == 0.2
    assert store.usual_seconds("v1", "sd15-scribble") is None
    assert store.usual_seconds("v2", "sdxl-scribble") is None  # each model its own time


def test_the_search_finds_seeds_too(tmp_path: Path) -> None:
    store, _ = store_with(tmp_path, 3)  # prompts "prompt 0..2", seeds 0..2
    store.record(GenerationParams("seed in the words 2", seed=99), SCRIBBLE.png, (512, 512),
                 State.DONE)
    assert sorted(e.params.seed for e in store.page(search="2")) == [2, 99]
    assert [e.params.seed for e in store.page(search="99")] == [99]
    assert store.count(search="1") == 1
