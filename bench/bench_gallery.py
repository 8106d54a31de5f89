"""Memory of the gallery scrolled through a 10,000-entry history (issue 15). Printed, not
asserted. Each run is a fresh process: the real window over a real history of 10,000
finished generations (one small distinct image each, its thumbnail stored as the history
stores it), offscreen. RSS is taken before the window is built (the reference), once the
first page is shown with its thumbnails, and after scrolling to the end with the real
scroll bar, a page at a time, each page's rows painted and their thumbnails in."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._table import print_table
from bench.bench_app import child_env, rss_mb, thumbnails_shown

RUNS = 3
ENTRIES = 10_000
REPO = Path(__file__).resolve().parent.parent


def seed(home: Path) -> None:
    """``ENTRIES`` finished generations, one distinct 256 × 192 PNG each (and its stored
    thumbnail), written straight into the database."""
    from PIL import Image

    from scribble_studio.domain.params import GenerationParams
    from scribble_studio.domain.scribble import export_scribble
    from scribble_studio.services.history import HistoryStore
    from tests.fakes.sketches import drawn_sketch

    store = HistoryStore(home)
    store.open()
    scribble = store.put_file(export_scribble(drawn_sketch()).png)
    now = time.time()
    rows, images = [], []
    for n in range(ENTRIES):
        out = io.BytesIO()
        Image.new("RGB", (256, 192), (n % 251, n // 251 % 251, 90)).save(out, "PNG")
        data = out.getvalue()
        digest = store.put_file(data)
        store.files.put_thumbnail(digest, data)
        params = GenerationParams(f"a garden number {n}", seed=n)
        rows.append((n + 1, now - ENTRIES + n, now, "done", "app",
                     json.dumps(params.to_dict()), params.prompt, n, scribble, 512, 512))
        images.append((n + 1, 0, digest, 256, 192))
    store.close()
    db = sqlite3.connect(home / "history.sqlite3")
    with db:
        db.executemany("INSERT INTO generations (id, created, updated, state, source, params,"
                       " prompt, seed, scribble, width, height) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       rows)
        db.executemany("INSERT INTO images (generation_id, position, sha256, width, height)"
                       " VALUES (?,?,?,?,?)", images)
    db.close()


def child(home: Path) -> None:
    from PySide6.QtCore import QEventLoop, QSize, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    from scribble_studio.main import build_window, start

    reference = rss_mb()  # Qt and the app's modules loaded, no window yet
    window = build_window(home, {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}, None)
    window.resize(QSize(1600, 1000))
    window.show()
    window.resizeDocks([window.gallery_dock], [700], Qt.Orientation.Vertical)
    gallery, model = window.gallery, window.studio.gallery
    wait = QEventLoop.ProcessEventsFlag.WaitForMoreEvents

    def settle(condition: object) -> None:
        deadline = time.monotonic() + 60
        while not condition():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise SystemExit("timed out")
            app.processEvents(wait)

    start(window)
    settle(lambda: gallery.rows.rowCount() > 0 and thumbnails_shown(gallery))
    app.processEvents()
    first = rss_mb()
    bar = gallery.list.verticalScrollBar()
    steps = 0
    while True:
        at_end = bar.value() >= bar.maximum()
        if at_end and not model.has_more:
            break
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        steps += 1
        app.processEvents()  # painted: the rows in view ask for their thumbnails
        settle(lambda: thumbnails_shown(gallery) and not gallery.rows.fetching
               and not (bar.value() >= bar.maximum() and gallery.rows.canFetchMore()))
    app.processEvents()
    last = rss_mb()
    print(json.dumps({"reference": reference, "first": first, "last": last, "steps": steps,
                      "rows": gallery.rows.rowCount(), "cached": len(gallery.thumbs),
                      "cache_mb": gallery.thumbs.size_bytes / 2**20}), flush=True)
    window.studio.runner.shutdown()


def measure(home: Path) -> dict[str, float]:
    env = child_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get(
        "PYTHONPATH", "")) if p)  # (a checkout's app/ first when the caller says so)
    done = subprocess.run([sys.executable, "-m", "bench.bench_gallery", "--child", str(home)],
                          capture_output=True, text=True, env=env, check=True, cwd=REPO)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        seed(Path(folder))
        runs = [measure(Path(folder)) for _ in range(RUNS)]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    rows, steps = int(median("rows")), int(median("steps"))
    print_table(f"Gallery: scrolled through {ENTRIES:,} history entries (median of {RUNS}; "
                f"{steps:,} page steps, {rows:,} rows)",
                ["measure", "RSS", "reference", "extra", "target"],
                [["first page shown (against: before the window)", f"{median('first'):.0f} MB",
                  f"{median('reference'):.0f} MB",
                  f"{median('first') - median('reference'):+.0f} MB", "—"],
                 ["scrolled to the end (against: first page)", f"{median('last'):.0f} MB",
                  f"{median('first'):.0f} MB", f"{median('last') - median('first'):+.0f} MB",
                  "≤ +30 MB"],
                 ["thumbnail cache at the end (its bound: 8 MB)",
                  f"{median('cache_mb'):.1f} MB", "", f"{int(median('cached'))} thumbnails",
                  "bounded"]])


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(Path(sys.argv[-1]))
    else:
        main()
