"""Cold start with 10,000 history entries against an empty history (issue 5). Printed,
not asserted. Each start is a fresh process: process start to the gallery's first page
shown (its thumbnails loaded), and the memory (RSS) once idle."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._table import print_table
from bench.bench_app import child_env, rss_mb, thumbnails_shown

RUNS = 5
ENTRIES = 10_000
REPO = Path(__file__).resolve().parent.parent


def child(home: Path) -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from scribble_studio.main import build_window, start

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = build_window(home, {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}, None)
    gallery = window.studio.gallery
    reset = {"seen": False}
    gallery.reset.connect(lambda _items: reset.update(seen=True))
    window.show()

    def page_shown() -> bool:  # the first page, its thumbnails in view drawn
        return reset["seen"] and (not gallery.items or (
            window.gallery.rows.rowCount() > 0 and thumbnails_shown(window.gallery)))

    async def life() -> None:
        start(window)
        while not page_shown():
            await asyncio.sleep(0.002)
        print("shown", flush=True)
        await asyncio.sleep(0.5)
        print(json.dumps({"rss_mb": rss_mb()}), flush=True)
        await window.studio.session.shutdown()

    with loop:
        loop.run_until_complete(life())


def measure(home: Path) -> tuple[float, float]:
    env = child_env()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bench.bench_history", "--child",
                                str(home)], stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "shown"
    elapsed = time.perf_counter() - started
    memory = json.loads(process.stdout.readline())["rss_mb"]
    process.wait()
    return elapsed, memory


def main() -> None:
    from tests.fakes.history_data import seed_history

    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        seed_history(Path(full), ENTRIES)
        measure(Path(empty))  # discarded: writes the .pyc files (see bench_app.child_env)
        results: dict[str, list[tuple[float, float]]] = {"empty": [], "full": []}
        for _ in range(RUNS):
            results["empty"].append(measure(Path(empty)))
            results["full"].append(measure(Path(full)))
    t_empty, t_full = (statistics.median(r[0] for r in results[k]) for k in ("empty", "full"))
    m_empty, m_full = (statistics.median(r[1] for r in results[k]) for k in ("empty", "full"))
    print_table(f"Cold start: {ENTRIES:,} history entries against an empty history "
                f"(median of {RUNS})",
                ["measure", f"{ENTRIES:,} entries", "empty", "extra", "target"],
                [["process start → first page shown", f"{t_full * 1000:.0f} ms",
                  f"{t_empty * 1000:.0f} ms", f"{(t_full - t_empty) * 1000:+.0f} ms",
                  "≤ +300 ms"],
                 ["memory (RSS) once idle", f"{m_full:.0f} MB", f"{m_empty:.0f} MB",
                  f"{m_full - m_empty:+.0f} MB", "≤ +50 MB"]])


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(Path(sys.argv[-1]))
    else:
        main()
