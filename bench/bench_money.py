"""Spend figures over a 10,000-job history (issue 12). Printed, not asserted.

The history is tests/fakes/history_data.seed_history's, spread over ~70 days (a job every
10 minutes), a third of it SDXL, every job with a cost and a balance, one in fifty
estimated and one in two hundred a billed failure. Measured in-process on a warm
connection (what the app's worker and the CLI do once their database is open):

- ``spend``: the totals by day and model and the billed failures (what ``scribble-studio
  spend`` prints), and the whole ledger as CSV text;
- the status bar's figures: today's and this month's spend, the last balance and the
  next job's estimate (the median of the same model, steps and samples);
- reference: one gallery page (``HistoryStore.page(0, 50)``), which the app already does
  at start.

Also ``scribble-studio spend --json`` as a fresh process, with ``scribble-studio
--version`` as its reference (the interpreter and the CLI's imports)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._table import median_ms, p95_ms, print_table
from scribble_studio.domain.models import builtin_catalog
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.budget import Budget, Limits
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.ledger import Ledger
from tests.fakes.history_data import seed_history

JOBS = 10_000
RUNS = 30
PROCESS_RUNS = 7


def make_history(home: Path) -> None:
    seed_history(home, JOBS)
    db = sqlite3.connect(home / "history.sqlite3")
    now = time.time()
    with db:
        db.execute("UPDATE generations SET created = ? - (? - id) * 600", (now, JOBS))
        db.execute("UPDATE generations SET params = json_set(params, '$.model', "
                   "'sdxl-scribble', '$.steps', 30) WHERE id % 3 = 0")
        db.execute("UPDATE generations SET cost = CASE WHEN id % 3 = 0 THEN 0.012 ELSE "
                   "0.003 END, credits_after = 500 - id * 0.006, credits_before = 500 - "
                   "(id - 1) * 0.006, cost_estimated = (id % 50 = 0)")
        db.execute("UPDATE generations SET state = 'failed', billed_failure = 1 "
                   "WHERE id % 200 = 0")
    db.close()


def timed(action: Callable[[], object], runs: int = RUNS) -> list[float]:
    action()  # warm: the first call pays for the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def process_ms(args: list[str], home: Path) -> list[float]:
    env = {**os.environ, "SCRIBBLE_STUDIO_HOME": str(home)}
    samples = []
    for _ in range(PROCESS_RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scribble_studio", *args], env=env, check=True,
                       capture_output=True)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        make_history(home)
        store = HistoryStore(home)
        store.open()
        ledger = Ledger(store)
        models = builtin_catalog()
        budget = Budget(ledger, models, lambda: Limits(day=5.0, month=50.0))
        sdxl = GenerationParams.for_model(models.get("sdxl-scribble"), "x")

        def spend() -> object:
            return ledger.totals(), ledger.billed_failures()

        def status_bar() -> object:
            return budget.state(), ledger.last_balance(), budget.estimate(sdxl)

        rows = []
        for name, action in (("spend: totals by day and model + billed failures", spend),
                             ("spend --csv: the whole ledger as CSV text", ledger.csv_text),
                             ("status bar: today, month, balance, next estimate", status_bar),
                             ("reference: one gallery page (50 entries)",
                              lambda: store.page(0, 50))):
            samples = timed(action)
            rows.append((name, f"{median_ms(samples):.1f}", f"{p95_ms(samples):.1f}"))
        store.close()
        for name, args in (("scribble-studio spend --json (fresh process)", ["spend", "--json"]),
                           ("reference: scribble-studio --version (fresh process)",
                            ["--version"])):
            samples = process_ms(args, home)
            rows.append((name, f"{median_ms(samples):.0f}", f"{p95_ms(samples):.0f}"))
    print_table(f"Spend over a {JOBS:,}-job history (ms; target ≤ 50 for spend and the "
                "status bar)", ("what", "median", "p95"), rows)


if __name__ == "__main__":
    main()
