"""Kill -9 at random moments during history writes, outbox steps and draft saves, 100
times. Afterwards: the database is intact, no recorded item is lost, none was sent twice
(the fake server counts every seed it was sent), and the last draft opens."""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from scribble_studio.services.drafts import DraftStore
from scribble_studio.services.history import HistoryStore, State
from tests.fakes.segmind_server import FakeSegmind

REPO = Path(__file__).resolve().parents[2]
KILLS = 100


def _complete(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def test_kill_minus_9_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rng = random.Random(2026)
    recorded: dict[int, int] = {}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with FakeSegmind(credits=1e9, delay=0.01) as server:
        for run in range(KILLS):
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.fakes.crash_worker", str(home), server.base_url,
                 str(run)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            assert child.stdout is not None and child.stderr is not None
            first = child.stdout.readline().strip()
            assert first == "ready", f"run {run}: {first!r} {child.stderr.read()[-2000:]}"
            time.sleep(rng.uniform(0.0, 0.3))
            child.send_signal(signal.SIGKILL)
            output, errors = child.communicate()
            for line in output.splitlines():
                if line.startswith("recorded "):
                    _, gen_id, seed = line.split()
                    recorded[int(gen_id)] = int(seed)
            store = HistoryStore(home)
            assert store.recovered_from is None, f"run {run}: database replaced; {errors[-500:]}"
            assert store.integrity() == "ok", f"run {run}"
            for gen_id, seed in recorded.items():  # every committed record survived
                entry = store.get(gen_id)
                assert entry is not None and entry.params.seed == seed, gen_id
            store.close()
            drafts = DraftStore(home)
            current = drafts.current_id()
            if current is not None:
                drafts.load(current)  # the last draft opens
        # A worker killed while writing its request leaves a cut-off body, which the
        # server cannot read, let alone run: only complete requests count as sent.
        complete = [r.json() for r in server.generate_requests if _complete(r.body)]
        sent = collections.Counter(request["seed"] for request in complete)
        charged = collections.Counter(server.billed_seeds)
    twice = {seed: n for seed, n in sent.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"
    assert max(charged.values(), default=1) == 1, "charged twice"
    store = HistoryStore(home)
    store.recover_after_crash()
    states = collections.Counter(e.state for e in store.page(0, 100_000))
    # Real work happened (how much depends on the machine; this only rules out a run
    # in which the workers were killed before doing anything).
    assert sum(states.values()) >= len(recorded) >= KILLS // 2, (len(recorded), states)
    assert set(states) <= {State.DONE, State.WAITING, State.UNKNOWN}, states
    assert states[State.DONE] >= KILLS // 4, states
