"""The machinery of the kill -9 tests: start a real sender (the CLI's ``generate`` or the
app's process, :mod:`tests.fakes.crash_worker`), kill it at a random moment, then look
at what it left the way a fresh process would."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scribble_studio.domain.job_state import OPEN, JobState, after_crash
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.outbox import Outbox
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault, Recorded

REPO = Path(__file__).resolve().parents[2]
# Of the open jobs a dead sender leaves, the furthest along names the kill's phase.
PHASES = ("download", "polling", "lookup", "submit", "queued", "waiting")


def env_for(home: Path, server: FakeSegmind) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "SCRIBBLE_STUDIO_HOME": str(home),
            "SCRIBBLE_STUDIO_API_BASE": server.base_url,
            "SCRIBBLE_STUDIO_HISTORY_BASE": server.history_base,
            "SEGMIND_API_KEY": API_KEY, "QT_QPA_PLATFORM": "offscreen",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}


def cli(home: Path, server: FakeSegmind, *args: str,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scribble_studio", *args], cwd=REPO,
                          env=env_for(home, server), capture_output=True, text=True,
                          timeout=timeout)


def outbox_list(home: Path, server: FakeSegmind) -> list[dict[str, Any]]:
    """``scribble-studio outbox list --json`` in a fresh process."""
    done = cli(home, server, "outbox", "list", "--json", timeout=30)
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)
    return listed


def phase_of(entry: Entry, requests: list[Recorded]) -> str:
    """Where the sender of this open job was when it died."""
    if entry.state is JobState.SUBMITTED:
        rid = entry.request_id or "?"
        fetched = any(r.path == f"/v2/requests/{rid}" or r.path.startswith(f"/outputs/{rid}/")
                      for r in requests)
        return "download" if fetched or entry.api == "v1" else "polling"
    return {JobState.UNKNOWN: "lookup", JobState.SUBMITTING: "submit",
            JobState.QUEUED: "queued"}.get(entry.state, "waiting")


@dataclasses.dataclass
class Kill:
    lane: str
    phase: str
    jobs: list[str]               # the phase of each open job the sender left
    seen_after: float             # seconds from the death until a fresh outbox saw them


@dataclasses.dataclass
class Lane:
    """One data folder, one kind of sender, one sender at a time, against one server."""

    name: str
    kind: str                     # "cli" or "app"
    server: FakeSegmind
    home: Path
    first_seed: int
    kills_wanted: int
    rng: random.Random
    life: float                   # how long a sender usually lives (learnt as it goes)
    app_jobs: int = 2
    # Other lanes send from the same data folder at the same time: a living sender may
    # settle, adopt or collect a dead one's jobs first, so only the database and the
    # records are checked after a kill (the outcome and the submits at the end).
    shared: bool = False
    kills: list[Kill] = dataclasses.field(default_factory=list)
    finished: int = 0             # senders that ended before their kill
    known: dict[int, int] = dataclasses.field(default_factory=dict)  # id -> seed
    seeds: list[int] = dataclasses.field(default_factory=list)
    cli_checks: int = 0

    def spawn(self, log: Any) -> tuple[subprocess.Popen[bytes], set[int]]:
        first = self.first_seed + len(self.seeds)
        if self.kind == "cli":
            seeds = [first]
            sketch = self.home.parent / "sketch.png"
            command = ["-m", "scribble_studio", "generate", str(sketch), "-p",
                       f"crash cli {first}", "--seed", str(first), "--json", "--out",
                       str(self.home.parent / f"{self.name}-out")]
        else:
            seeds = list(range(first, first + self.app_jobs))
            command = ["-m", "tests.fakes.crash_worker", str(self.home), self.server.base_url,
                       self.server.history_base, str(first), str(self.app_jobs)]
        self.seeds.extend(seeds)
        child = subprocess.Popen([sys.executable, *command], cwd=REPO,
                                 env=env_for(self.home, self.server),
                                 stdout=subprocess.DEVNULL, stderr=log)
        return child, set(seeds)

    def run(self) -> None:
        with open(self.home.parent / f"{self.name}.log", "ab") as log:
            while len(self.kills) < self.kills_wanted:
                self.maybe_slow_download()
                started = time.monotonic()
                child, seeds = self.spawn(log)
                try:  # the experiment: a random moment in the sender's life
                    child.wait(timeout=self.rng.uniform(0.0, self.life))
                except subprocess.TimeoutExpired:
                    os.kill(child.pid, signal.SIGKILL)
                    child.wait()
                    self.after_kill(child.pid, seeds, time.monotonic())
                else:
                    self.finished += 1
                    assert child.returncode == 0, f"{self.name}: sender failed, see its log"
                    self.life = max(self.life, 1.2 * (time.monotonic() - started))

    def maybe_slow_download(self) -> None:
        """Now and then a slow result or image answer, so that kills land in downloads
        too (the fake's images come back in a few ms otherwise), and a v1 call that has
        made its job before it answers."""
        if self.server.v2 and self.rng.random() < 0.25:
            self.server.script_for("result", Fault.slow(self.rng.uniform(0.2, 0.8)))
        if self.rng.random() < 0.25:
            self.server.script_for("image", Fault.slow(self.rng.uniform(0.2, 0.8)))
        if not self.server.v2 and self.rng.random() < 0.5:
            # The fake's v1 ``delay`` creates no job for a client that leaves during it;
            # at Segmind a v1 call in progress runs and is billed: so is this one.
            self.server.script_for("v1", Fault.after_job_created(
                f"slow:{self.rng.uniform(0.2, 0.8):.2f}"))

    def after_kill(self, pid: int, seeds: set[int], died: float) -> None:
        store = HistoryStore(self.home)
        try:  # as the kill left it: nothing has settled its jobs yet
            assert store.recovered_from is None, f"{self.name}: the database was replaced"
            assert store.integrity() == "ok", self.name
            entries = store.page(0, 1_000_000)
        finally:
            store.close()
        by_id = {e.id: e for e in entries}
        for gen_id, seed in self.known.items():  # every committed record survived
            assert gen_id in by_id and by_id[gen_id].params.seed == seed, (self.name, gen_id)
        self.known.update({e.id: e.params.seed or 0 for e in entries})
        if self.shared:
            self.kills.append(Kill(self.name, "side by side", [], 0.0))
            return
        owned = [e for e in entries if e.state in OPEN and (e.owner or "").startswith(f"{pid}-")]
        requests = list(self.server.requests)
        jobs = sorted((phase_of(e, requests) for e in owned), key=PHASES.index)
        if jobs:
            phase = jobs[0]
        elif any(e.params.seed in seeds for e in entries):
            phase = "after done"
        else:
            phase = "start"
        use_cli = self.kind == "cli" and len(self.kills) % 5 == 4
        seen_after = self.orphans_seen(owned, died, use_cli)
        self.kills.append(Kill(self.name, phase, jobs, seen_after))

    def orphans_seen(self, owned: list[Entry], died: float, use_cli: bool) -> float:
        """A fresh outbox (or ``outbox list --json`` in a fresh process) lists the dead
        sender's jobs as nobody's, in what a crash leaves, with their request ids."""
        # A fresh process on two loaded cores can take longer than a second to start;
        # the one-second bound for the CLI is test_orphan_is_listed_within_a_second's.
        deadline = died + (10.0 if use_cli else 1.0)
        while True:
            if use_cli:
                self.cli_checks += 1
                listed = {item["id"]: (item["state"], item["request_id"],
                                       item["in_progress_elsewhere"])
                          for item in outbox_list(self.home, self.server)}
            else:
                outbox = Outbox(HistoryStore(self.home))
                try:
                    listed = {e.id: (e.state.value, e.request_id, busy)
                              for e, busy in outbox.pending()}
                finally:
                    outbox.store.close()
            wanted = {e.id: (after_crash(e.state).value, e.request_id, False) for e in owned}
            if all(listed.get(i) == want for i, want in wanted.items()):
                return time.monotonic() - died
            assert time.monotonic() < deadline, (self.name, wanted, listed)
            time.sleep(0.01)


def summary(lanes: list[Lane]) -> str:
    kills = [k for lane in lanes for k in lane.kills]
    by_phase = collections.Counter(k.phase for k in kills)
    by_job = collections.Counter(p for k in kills for p in k.jobs)
    by_kind: collections.Counter[str] = collections.Counter()
    for lane in lanes:
        by_kind[lane.kind] += len(lane.kills)
    worst = max((k.seen_after for k in kills), default=0.0)
    return (f"{len(kills)} kills; by kind {dict(by_kind)}; by lane "
            f"{ {lane.name: len(lane.kills) for lane in lanes} }; by phase {dict(by_phase)}; "
            f"open jobs left by phase {dict(by_job)}; senders that finished first "
            f"{sum(lane.finished for lane in lanes)}; CLI listings "
            f"{sum(lane.cli_checks for lane in lanes)}; slowest recognition {worst:.3f} s")
