"""Settling the jobs whose sender is gone: what is settled, and what is left alone."""

from __future__ import annotations

from pathlib import Path

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
