"""Kill -9 at random moments across submit, polling and download, in the CLI
(``scribble-studio generate``) and in the app's process (the real GenerationSession on a
qasync loop, started as the app starts), over v2 and over v1 (a server without v2).

After each kill: the database is intact, no committed record is lost, and within a
second a fresh outbox sees the dead sender's jobs as nobody's, in what a crash leaves,
with their request ids. At the end, recovered as the CLI does (``outbox send``): every
job is done with its images, or unknown / waiting only if the server never accepted a
submit for its seed; no seed was submitted or billed twice."""

from __future__ import annotations

import collections
import concurrent.futures
import random
from pathlib import Path

import pytest

from scribble_studio.domain.job_state import JobState
from scribble_studio.services.history import HistoryStore
from tests.fakes.segmind_server import FakeSegmind
from tests.fakes.sketches import drawn_sketch
from tests.services.crash_lanes import Lane, cli, summary

# (name, kind, server, kills): 100 kills in all, one sender at a time in each lane.
LANES = (("cli-v2", "cli", "v2", 30), ("app-v2", "app", "v2", 30),
         ("cli-v1", "cli", "v1", 20), ("app-v1", "app", "v1", 20))
# How long a sender lives before the first one has finished (then learnt).
FIRST_LIFE = {"cli": 3.5, "app": 4.5}


@pytest.mark.timeout(400)
def test_kill_minus_9_loses_nothing_and_submits_nothing_twice(tmp_path: Path) -> None:
    drawn_sketch((256, 256)).save(tmp_path / "sketch.png")
    rng = random.Random(2026)
    with FakeSegmind(credits=1e9, job_seconds=0.5) as v2, \
            FakeSegmind(credits=1e9, v2=False, delay=0.5) as v1:
        servers = {"v2": v2, "v1": v1}
        lanes = [Lane(name, kind, servers[api], tmp_path / name / "home", 1_000_000 * (n + 1),
                      kills, random.Random(rng.random()), FIRST_LIFE[kind])
                 for n, (name, kind, api, kills) in enumerate(LANES)]
        for lane in lanes:
            lane.home.mkdir(parents=True)
            (lane.home.parent / "sketch.png").write_bytes((tmp_path / "sketch.png").read_bytes())
        with concurrent.futures.ThreadPoolExecutor(len(lanes)) as pool:
            for future in [pool.submit(lane.run) for lane in lanes]:
                future.result()
        print(summary(lanes))
        assert sum(len(lane.kills) for lane in lanes) >= 100

        for lane in lanes:  # recovered the way the CLI does it
            cli(lane.home, lane.server, "outbox", "send")
        for lane in lanes:
            check_outcome(lane)
        for server in servers.values():
            submits = collections.Counter(job.seed for job in server.submits)
            assert max(submits.values(), default=1) == 1, "a seed was submitted twice"
            billed = collections.Counter(server.billed_seeds)
            assert max(billed.values(), default=1) == 1, "a seed was billed twice"


def check_outcome(lane: Lane) -> None:
    store = HistoryStore(lane.home)
    try:
        assert store.integrity() == "ok"
        entries = store.page(0, 1_000_000)
        states = collections.Counter(e.state for e in entries)
        print(f"{lane.name}: {len(lane.seeds)} jobs started, {len(entries)} recorded, "
              f"{dict(states)}")
        for gen_id, seed in lane.known.items():
            entry = store.get(gen_id)
            assert entry is not None and entry.params.seed == seed
        for entry in entries:
            seed = entry.params.seed or 0
            submits = lane.server.submits_for_seed(seed)
            assert submits <= 1, (lane.name, entry.id, submits)
            if entry.state is JobState.DONE:
                assert submits == 1 and entry.images, (lane.name, entry)
                assert all(store.image_path(i.sha256).is_file() for i in entry.images)
            else:
                assert entry.state in (JobState.UNKNOWN, JobState.WAITING), (lane.name, entry)
                assert submits == 0, f"{lane.name}: #{entry.id} reached the server but is " \
                                     f"{entry.state}: {entry.error}"
        # Real work happened in every lane (not only kills before anything was sent).
        assert states[JobState.DONE] >= lane.kills_wanted // 3, (lane.name, states)
    finally:
        store.close()
