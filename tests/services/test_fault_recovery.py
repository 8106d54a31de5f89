"""Connection drops and timeouts at every step of a job, through the real Outbox and
SegmindBackend against the fake: the submit (before and after the job exists), status
polls, the result GET, the image download and the request-history lookups, on v2 and
on v1. Each job is then recovered as the app and the CLI do (collect what the server has,
look up what is in doubt, send what waits) and ends done with its images, or unknown
only if the server never accepted a submit for it; never submitted twice."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import time
from pathlib import Path

import pytest

from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.outbox import COLLECTABLE, Outbox
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch

READ_TIMEOUT = 1.0
LATE = 2.0  # seconds: past the read timeout
QUICK = RetryPolicy(attempts=3, wait_initial=0.05, wait_max=0.2, wait_jitter=0.05,
                    rate_limit_fallback_wait=0.2, first_poll=0.1, poll_initial=0.1,
                    poll_max=0.3, network_wait_max=0.2)
SCRIBBLE = export_scribble(drawn_sketch((256, 256)))
SEEDS = itertools.count(7_000_000)

DONE, UNKNOWN, EITHER = "done", "unknown", "either"
# (api, [(kind, fault), ...], outcome): what the job must end as (EITHER: the rule below).
CASES: dict[str, tuple[str, list[tuple[str, Fault]], str]] = {
    "submit closed after the job exists": ("v2", [("submit", Fault.after_job_created(
        "close"))], DONE),
    "submit cut after the job exists": ("v2", [("submit", Fault.after_job_created("drop"))],
                                        DONE),
    "submit timed out after the job exists": ("v2", [("submit", Fault.after_job_created(
        f"slow:{LATE}"))], DONE),
    "submit closed before any job": ("v2", [("submit", Fault.close_without_answer())],
                                     UNKNOWN),
    "submit timed out before any job": ("v2", [("submit", Fault.slow(LATE))], EITHER),
    "submit 503": ("v2", [("submit", Fault.status_code(503, {"error": "busy"}))], DONE),
    "submit 429": ("v2", [("submit", Fault.rate_limited(0.2))], DONE),
    "status closed": ("v2", [("status", Fault.close_without_answer())], DONE),
    "status cut": ("v2", [("status", Fault.drop_mid_body())], DONE),
    "status timed out": ("v2", [("status", Fault.slow(LATE))], DONE),
    "status 502 three times": ("v2", [("status", Fault.status_code(502))] * 3, DONE),
    "status 429": ("v2", [("status", Fault.rate_limited(0.2))], DONE),
    "status garbage": ("v2", [("status", Fault.garbage(b"{not json", "application/json"))],
                       DONE),
    "result closed": ("v2", [("result", Fault.close_without_answer())], DONE),
    "result cut": ("v2", [("result", Fault.drop_mid_body())], DONE),
    "result timed out": ("v2", [("result", Fault.slow(LATE))], DONE),
    "result garbage": ("v2", [("result", Fault.garbage(b"{not json", "application/json"))],
                       DONE),
    "image closed": ("v2", [("image", Fault.close_without_answer())], DONE),
    "image cut": ("v2", [("image", Fault.drop_mid_body())], DONE),
    "image timed out": ("v2", [("image", Fault.slow(LATE))], DONE),
    "image truncated": ("v2", [("image", Fault.truncated_image())], DONE),
    "image cut four times": ("v2", [("image", Fault.drop_mid_body())] * 4, DONE),
    "lookup closed": ("v2", [("submit", Fault.after_job_created("close")),
                             ("history", Fault.close_without_answer())], DONE),
    "lookup cut": ("v2", [("submit", Fault.after_job_created("drop")),
                          ("history", Fault.drop_mid_body())], DONE),
    "lookup timed out": ("v2", [("submit", Fault.after_job_created("close")),
                                ("history", Fault.slow(LATE))], DONE),
    "lookup 500 for a job never made": ("v2", [("submit", Fault.close_without_answer()),
                                               ("history", Fault.status_code(500))], UNKNOWN),
    "v1 closed after the job exists": ("v1", [("v1", Fault.after_job_created("close"))],
                                       DONE),
    "v1 cut after the job exists": ("v1", [("v1", Fault.after_job_created("drop"))], DONE),
    "v1 timed out after the job exists": ("v1", [("v1", Fault.after_job_created(
        f"slow:{LATE}"))], DONE),
    "v1 closed before any job": ("v1", [("v1", Fault.close_without_answer())], UNKNOWN),
    "v1 timed out before any job": ("v1", [("v1", Fault.slow(LATE))], EITHER),
    "v1 lookup closed": ("v1", [("v1", Fault.after_job_created("close")),
                                ("history", Fault.close_without_answer())], DONE),
    "v1 history image cut": ("v1", [("v1", Fault.after_job_created("drop")),
                                    ("image", Fault.drop_mid_body())], DONE),
}


async def send_and_recover(server: FakeSegmind, home: Path, seed: int) -> Entry:
    """Send once, then recover as the app and the CLI do, a few rounds at most."""
    store = HistoryStore(home)
    outbox = Outbox(store)
    settings = ClientSettings(server.base_url, connect_timeout=READ_TIMEOUT,
                              read_timeout=READ_TIMEOUT, history_base=server.history_base)
    backend = SegmindBackend(ApiKey(API_KEY), settings, retry=QUICK, follow_deadline=20)
    try:
        gen_id = await outbox.record(GenerationParams(f"faults {seed}", seed=seed), SCRIBBLE,
                                     "test")
        with contextlib.suppress(StudioError):  # kept waiting, submitted or unknown
            await outbox.send(backend, gen_id)
        for _ in range(4):
            await asyncio.to_thread(outbox.recover)
            entry = store.get(gen_id)
            assert entry is not None
            if entry.state.finished:
                break
            with contextlib.suppress(StudioError):  # looked at again in the next round
                if entry.state in COLLECTABLE:
                    await outbox.collect(backend, gen_id)
                elif entry.state.safe_to_send:
                    await outbox.send(backend, gen_id)
        final = store.get(gen_id)
        assert final is not None and final.owner is None
        assert store.integrity() == "ok"
        return final
    finally:
        await backend.aclose()
        outbox.lock.release()
        store.close()


@pytest.mark.parametrize("case", list(CASES))
def test_a_fault_at_any_step_ends_collected_or_correctly_unknown(case: str,
                                                                 tmp_path: Path) -> None:
    api, faults, outcome = CASES[case]
    seed = next(SEEDS)
    with FakeSegmind(credits=1e6, job_seconds=0.2, v2=api == "v2", delay=0.1) as server:
        for kind, fault in faults:
            server.script_for(kind, fault)
        entry = asyncio.run(send_and_recover(server, tmp_path, seed))
        unused = [kind for kind, _ in faults if server.next_fault(kind) is not None]
        submits = server.submits_for_seed(seed)
        billed = collections.Counter(server.billed_seeds)[seed]
    assert not unused, f"faults never reached: {unused}"
    assert submits <= 1 and billed <= 1, (submits, billed)
    if entry.state is JobState.DONE:
        assert submits == 1 and entry.images and entry.request_id, entry
        assert all((tmp_path / "images" / f"{i.sha256}.png").is_file() for i in entry.images)
    else:
        assert entry.state is JobState.UNKNOWN and submits == 0, (entry.state, entry.error,
                                                                  submits)
    if outcome != EITHER:
        assert entry.state.value == outcome, (entry.state, entry.error)


@pytest.mark.parametrize("history_ids", ["dashed", "hex"])
def test_a_lookup_does_not_take_another_jobs_request_with_the_same_prompt_and_seed(
        tmp_path: Path, history_ids: str) -> None:
    """A retry keeps the seed (so does the CLI with --seed): when the retry's submit is
    lost before any job exists, the request history's only match is the first job's,
    which must not be collected a second time as the retry's."""
    with FakeSegmind(credits=1e6, job_seconds=0.2, history_ids=history_ids) as server:
        first = asyncio.run(send_and_recover(server, tmp_path, 5))
        server.script_for("submit", Fault.close_without_answer())
        retry = asyncio.run(send_and_recover(server, tmp_path, 5))
        assert server.submits_for_seed(5) == 1
    assert first.state is JobState.DONE
    assert retry.state is JobState.UNKNOWN and retry.request_id is None, retry


def test_a_resend_cut_short_does_not_show_the_failed_requests_id(tmp_path: Path) -> None:
    """A failed job sent again on the user's word is a new request: if the app quits
    while that submit is out, the job left in doubt carries no request id (not the
    failed one's, which ``outbox list`` would show as if it were this request)."""

    async def scenario(server: FakeSegmind) -> tuple[str | None, Entry]:
        store = HistoryStore(tmp_path)
        outbox = Outbox(store)
        settings = ClientSettings(server.base_url, read_timeout=30,
                                  history_base=server.history_base)
        backend = SegmindBackend(ApiKey(API_KEY), settings, retry=QUICK, follow_deadline=20)
        try:
            gen_id = await outbox.record(GenerationParams("resent", seed=99), SCRIBBLE, "test")
            server.fail_job()
            with contextlib.suppress(StudioError):
                await outbox.send(backend, gen_id)
            failed = store.get(gen_id)
            assert failed is not None and failed.state is JobState.FAILED, failed
            server.script_for("submit", Fault.slow(30))
            sending = asyncio.ensure_future(outbox.send(backend, gen_id, force=True))
            deadline = time.monotonic() + 10
            while sum(r.path.startswith("/v2/sd") for r in server.requests) < 2:
                assert time.monotonic() < deadline, "the resend never went out"
                await asyncio.sleep(0.01)
            sending.cancel()  # the app quits (GenerationSession.shutdown)
            await asyncio.gather(sending, return_exceptions=True)
        finally:
            await backend.aclose()
            outbox.lock.release()
            store.close()
        fresh = Outbox(HistoryStore(tmp_path))
        try:
            [(left, busy)] = fresh.pending()
        finally:
            fresh.store.close()
        assert not busy
        return failed.request_id, left

    with FakeSegmind(credits=1e6, job_seconds=0.2) as server:
        failed_id, left = asyncio.run(scenario(server))
    assert failed_id is not None
    assert left.state is JobState.UNKNOWN and left.request_id is None, left
