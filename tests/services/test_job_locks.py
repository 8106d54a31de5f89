"""Settling the jobs whose sender is gone: what is settled, and what is left alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.job_locks import SenderLock
from scribble_studio.services.outbox import Outbox

SCRIBBLE = b"\x89PNG not really"


def test_only_jobs_of_a_gone_sender_are_settled(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gone = SenderLock(tmp_path)
    owner = gone.hold()
    params = GenerationParams("a boat", seed=1)
    sending = store.record(params, SCRIBBLE, (64, 64), JobState.QUEUED, owner=owner)
    assert store.claim(sending, owner, frozenset({JobState.QUEUED}), owner)
    collected_later = store.record(params, SCRIBBLE, (64, 64), JobState.QUEUED, owner=owner)
    assert store.claim(collected_later, owner, frozenset({JobState.QUEUED}), owner)
    store.mark_submitted(collected_later, "req-1", "v2")
    store.release(collected_later, JobState.SUBMITTED, "The connection dropped.")
    before = store.get(collected_later)
    gone.release()  # as a process that dies: its lock can be taken

    settled = Outbox(store).recover()

    assert [(e.id, e.state) for e in settled] == [(sending, JobState.UNKNOWN)]
    after = store.get(collected_later)
    assert after == before, "a job let go of before was written again"
    assert Outbox(store).recover() == []
    store.close()


class BrokenBackend:
    """A backend with a bug: the submit goes out, then something that is not a
    StudioError escapes."""

    features = None
    api = "v2"
    last_credits = None

    async def run(self, request: object, events: object) -> object:
        raise RuntimeError("a bug")


def test_a_bug_while_sending_leaves_the_job_in_doubt_not_owned(tmp_path: Path) -> None:
    """Not ``submitting`` under a living owner, which nothing could look up, resend or
    discard until the process exits."""
    store = HistoryStore(tmp_path)
    outbox = Outbox(store)

    async def scenario() -> None:
        from scribble_studio.domain.scribble_spec import ScribbleExport

        gen_id = await outbox.record(GenerationParams("a boat", seed=2),
                                     ScribbleExport(SCRIBBLE, 64, 64, True), "test")
        with pytest.raises(RuntimeError):
            await outbox.send(BrokenBackend(), gen_id)  # type: ignore[arg-type]
        entry = store.get(gen_id)
        assert entry is not None and entry.state is JobState.UNKNOWN and entry.owner is None
        assert [e.id for e, busy in outbox.pending() if not busy] == [gen_id]

    asyncio.run(scenario())
    outbox.lock.release()
    store.close()


class BackendBrokenBeforeSending(BrokenBackend):
    """A backend that fails before anything is sent (reading its last balance)."""

    @property
    def last_credits(self) -> None:  # type: ignore[override]
        raise RuntimeError("a bug before the submit")


def test_a_failure_before_anything_is_sent_puts_the_job_back_to_waiting(
        tmp_path: Path) -> None:
    """Claimed, then stopped before the request went out: not 'submitting' (which the
    next start would take for one that may have been billed), but waiting again."""
    store = HistoryStore(tmp_path)
    outbox = Outbox(store)

    async def scenario() -> None:
        from scribble_studio.domain.scribble_spec import ScribbleExport

        gen_id = await outbox.record(GenerationParams("a boat", seed=3),
                                     ScribbleExport(SCRIBBLE, 64, 64, True), "test")
        with pytest.raises(RuntimeError, match="before the submit"):
            await outbox.send(BackendBrokenBeforeSending(), gen_id)  # type: ignore[arg-type]
        entry = store.get(gen_id)
        assert entry is not None and entry.state is JobState.WAITING and entry.owner is None
        assert entry.state.safe_to_send

    asyncio.run(scenario())
    outbox.lock.release()
    store.close()
