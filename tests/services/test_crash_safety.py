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
import dataclasses
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scribble_studio.domain.job_state import JobState
from scribble_studio.services.history import DB_FILE, HistoryStore
from tests.fakes.segmind_server import FakeSegmind
from tests.fakes.sketches import drawn_sketch
from tests.services.crash_lanes import REPO, Lane, cli, env_for, outbox_list, summary

# (name, kind, server, kills): 100 kills in all, one sender at a time in each lane.
LANES = (("cli-v2", "cli", "v2", 30), ("app-v2", "app", "v2", 30),
         ("cli-v1", "cli", "v1", 20), ("app-v1", "app", "v1", 20))
# How long a sender lives before the first one has finished (then learnt).
FIRST_LIFE = {"cli": 3.5, "app": 4.5}


@pytest.mark.qt  # its app lanes run the GUI session
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


@pytest.mark.qt  # its app lanes run the GUI session
@pytest.mark.timeout(300)
def test_kill_minus_9_of_senders_side_by_side_in_one_data_folder(tmp_path: Path) -> None:
    """Two CLIs and the app's process sending from one data folder at once, killed at
    random: they settle, adopt and collect each other's jobs; still nothing is
    submitted twice and every job ends done or correctly unknown."""
    home = tmp_path / "shared" / "home"
    home.mkdir(parents=True)
    drawn_sketch((256, 256)).save(home.parent / "sketch.png")
    rng = random.Random(11)
    with FakeSegmind(credits=1e9, job_seconds=0.5) as server:
        lanes = [Lane(name, kind, server, home, 1_000_000 * (n + 10), 10,
                      random.Random(rng.random()), FIRST_LIFE[kind], shared=True)
                 for n, (name, kind) in enumerate((("cli-a", "cli"), ("cli-b", "cli"),
                                                   ("app", "app")))]
        with concurrent.futures.ThreadPoolExecutor(len(lanes)) as pool:
            for future in [pool.submit(lane.run) for lane in lanes]:
                future.result()
        print(summary(lanes))
        cli(home, server, "outbox", "send")
        merged = dataclasses.replace(lanes[0], known={k: v for lane in lanes
                                                      for k, v in lane.known.items()})
        check_outcome(merged, done_at_least=10)
        submits = collections.Counter(job.seed for job in server.submits)
        assert max(submits.values(), default=1) == 1, "a seed was submitted twice"
        assert max(collections.Counter(server.billed_seeds).values(), default=1) == 1


def check_outcome(lane: Lane, done_at_least: int | None = None) -> None:
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
            if entry.state is JobState.DONE:  # with its own job's images
                assert submits == 1 and entry.images, (lane.name, entry)
                job = next(j for j in lane.server.submits if j.seed == seed)
                assert (entry.request_id or "").replace("-", "") == \
                    job.request_id.replace("-", ""), (lane.name, entry)
                assert all(store.image_path(i.sha256).is_file() for i in entry.images)
            else:
                assert entry.state in (JobState.UNKNOWN, JobState.WAITING), (lane.name, entry)
                assert submits == 0, f"{lane.name}: #{entry.id} reached the server but is " \
                                     f"{entry.state}: {entry.error}"
        # Real work happened in every lane (not only kills before anything was sent).
        wanted = lane.kills_wanted // 3 if done_at_least is None else done_at_least
        assert states[JobState.DONE] >= wanted, (lane.name, states)
    finally:
        store.close()



def listed_when(home: Path, server: FakeSegmind,
                ready: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """Poll ``outbox list --json`` until what it lists is ``ready``."""
    deadline = time.monotonic() + 60
    while True:
        listed = outbox_list(home, server) if (home / DB_FILE).exists() else []
        if ready(listed):
            return listed
        assert time.monotonic() < deadline, listed
        time.sleep(0.05)


def sender(home: Path, server: FakeSegmind, seed: int) -> subprocess.Popen[bytes]:
    """``scribble-studio generate`` of one job."""
    return subprocess.Popen(
        [sys.executable, "-m", "scribble_studio", "generate", str(home.parent / "sketch.png"),
         "-p", f"orphan {seed}", "--seed", str(seed), "--out", str(home.parent / "out")],
        cwd=REPO, env=env_for(home, server), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def submitted_by(seed: int) -> Callable[[list[dict[str, Any]]], bool]:
    """Its job has a request id, and the living sender is listed as working on it."""
    return lambda listed: any(i["seed"] == seed and i["state"] == "submitted"
                              and i["in_progress_elsewhere"] for i in listed)


@pytest.mark.qt  # its app lanes run the GUI session
@pytest.mark.timeout(180)
def test_a_job_whose_sender_is_gone_is_recognised_at_once(tmp_path: Path) -> None:
    """By ``outbox list --json`` in a fresh process within a second of the death, and by
    the app's first start after it; while the sender lives it is listed as its."""
    home = tmp_path / "home"
    home.mkdir()
    drawn_sketch((256, 256)).save(tmp_path / "sketch.png")
    with FakeSegmind(credits=1e6, job_seconds=600) as server:  # it stays at the server
        child = sender(home, server, 4242)
        alive = listed_when(home, server, submitted_by(4242))[0]
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        died = time.monotonic()
        listed = outbox_list(home, server)
        listed_by = time.monotonic() - died
        assert [(i["id"], i["state"], i["request_id"], i["in_progress_elsewhere"])
                for i in listed] == [(alive["id"], "submitted", alive["request_id"], False)]
        assert listed_by < 1.0, f"listed {listed_by:.2f} s after the death"

        child = sender(home, server, 4243)  # and by the app, at its first start after one
        second = next(i for i in listed_when(home, server, submitted_by(4243))
                      if i["seed"] == 4243)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        died = time.monotonic()
        app = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.crash_worker", str(home), server.base_url,
             server.history_base, "1", "0"], cwd=REPO, env=env_for(home, server),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert app.stdout is not None
            lines = []
            for line in app.stdout:
                lines.append(line.split())
                if line.startswith("ready"):
                    break
            started_by = time.monotonic() - died
        finally:
            os.kill(app.pid, signal.SIGKILL)
            app.wait()
    pending = {int(words[1]): words[2:] for words in lines if words[0] == "pending"}
    assert pending == {alive["id"]: ["submitted", alive["request_id"], "False"],
                       second["id"]: ["submitted", second["request_id"], "False"]}, lines
    print(f"listed by the CLI {listed_by:.2f} s after the death; the app had started and "
          f"listed it {started_by:.2f} s after")
