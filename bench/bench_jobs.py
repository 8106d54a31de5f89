"""The job API's cost to a user (issue 11). Printed, not asserted.

- v2 overhead: the wall time of a job through the app's own path (Outbox: record,
  claim, submit, poll, fetch, download, store) against a fake whose jobs take 3 s, v2
  against v1 in the same run (v1: one blocking call of 3 s). The first v2 job of a
  history polls near SD 1.5's usual 3.8 s; later ones near the time the server reported
  for the last jobs, which is what a user sees after the first job.
- polls: status requests per 3 s job (the free tier may allow 5 requests a minute).
- connection reuse: 10 sequential jobs against a TLS fake (a self-signed certificate on
  loopback), one shared backend (one HTTP client) against a backend per job, as the
  first release built a client per job: time per job and TLS handshakes.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench._table import print_table
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.backends import create_backend
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.outbox import Outbox
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.fakes.sketches import drawn_sketch

JOB_SECONDS = 3.0
JOBS = 5
REUSE_JOBS = 10
SCRIBBLE = export_scribble(drawn_sketch())


def settings(server: FakeSegmind, api: ApiChoice) -> ClientSettings:
    return ClientSettings(server.base_url, history_base=server.history_base, api=api)


async def timed_jobs(server: FakeSegmind, api: ApiChoice, home: Path) -> list[float]:
    """Wall time of each of JOBS sequential jobs through one backend and one history."""
    store = HistoryStore(home)
    outbox = Outbox(store)
    backend = create_backend(ApiKey(API_KEY), settings(server, api))
    times = []
    try:
        for n in range(JOBS):
            started = time.perf_counter()
            gen_id = await outbox.record(GenerationParams("a lighthouse", seed=n), SCRIBBLE,
                                         "bench")
            await outbox.send(backend, gen_id)
            times.append(time.perf_counter() - started)
    finally:
        await backend.aclose()
        outbox.lock.release()
        store.close()
    return times


def overhead_rows() -> list[list[object]]:
    with tempfile.TemporaryDirectory() as folder, \
            FakeSegmind(credits=1e6, job_seconds=JOB_SECONDS, delay=JOB_SECONDS) as server:
        v1 = asyncio.run(timed_jobs(server, ApiChoice.V1, Path(folder) / "v1"))
        before = server.polls
        v2 = asyncio.run(timed_jobs(server, ApiChoice.V2, Path(folder) / "v2"))
        polls = (server.polls - before) / JOBS
        polls_later = [server.polls_for(job.request_id) for job in server.submits
                       if job.api == "v2"][1:]
    first, later = v2[0], statistics.median(v2[1:])
    reference = statistics.median(v1)
    return [
        ["one 3 s job, v2, first of a history (polls near SD 1.5's 3.8 s)", 1,
         f"{first:.2f} s", f"{reference:.2f} s (v1)", f"{first / reference:.2f}×", "—"],
        [f"one 3 s job, v2, median of the next {JOBS - 1}", JOBS - 1, f"{later:.2f} s",
         f"{reference:.2f} s (v1, median of {JOBS})", f"{later / reference:.2f}×",
         "≤ 1.15×"],
        ["status polls per 3 s job (all / after the first)", JOBS,
         f"{polls:.1f} / {statistics.median(polls_later):.0f}", "—", "—", "≤ 4"],
    ]


async def reuse(server: FakeSegmind, shared: bool) -> list[float]:
    tls = server.client_ssl_context()
    config = settings(server, ApiChoice.V2)
    one = create_backend(ApiKey(API_KEY), config, tls=tls) if shared else None
    times = []
    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore(Path(folder))
        outbox = Outbox(store)
        for n in range(REUSE_JOBS):
            backend = one or create_backend(ApiKey(API_KEY), config, tls=tls)
            gen_id = await outbox.record(GenerationParams("a boat", seed=n), SCRIBBLE, "bench")
            started = time.perf_counter()
            await outbox.send(backend, gen_id)
            times.append(time.perf_counter() - started)
            if one is None:
                await backend.aclose()
        outbox.lock.release()
        store.close()
    if one is not None:
        await one.aclose()
    return times


def reuse_rows() -> list[list[object]]:
    rows = []
    results = {}
    for shared in (True, False):
        with FakeSegmind(credits=1e6, tls=True) as server:
            times = asyncio.run(reuse(server, shared))
            results[shared] = (statistics.median(times), server.tls_handshakes["api"])
    (ours, ours_hs), (ref, ref_hs) = results[True], results[False]
    rows.append([f"{REUSE_JOBS} jobs over TLS: time per job", REUSE_JOBS,
                 f"{ours * 1000:.1f} ms", f"{ref * 1000:.1f} ms (a client per job)",
                 f"{ours / ref:.2f}×", "—"])
    rows.append([f"{REUSE_JOBS} jobs over TLS: TLS handshakes with the API", REUSE_JOBS,
                 str(ours_hs), f"{ref_hs} (a client per job)", "—", "1"])
    return rows


def main() -> None:
    print_table("Job API (medians; reference measured in the same run)",
                ["measure", "runs", "Scribble Studio", "reference", "ratio", "target"],
                overhead_rows() + reuse_rows())


if __name__ == "__main__":
    main()
