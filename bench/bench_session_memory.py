"""What a long session's jobs hold in memory (issue 15). Printed, not asserted.

JOBS Generate presses of a 1024² canvas (the real CanvasDocument's snapshot, as the
window takes it) through a real session, a real history in a temporary folder and the
scripted backend (one 512² result each). Counted: the snapshots (PIL images), the
scribble bytes and the thumbnails the session's job list still holds, and the process's
resident memory after a collection. Runs against any checkout (``PYTHONPATH=<tree>/app``):
a tree without the job queue keeps every job and its snapshot.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPointF, QSize
from PySide6.QtWidgets import QApplication

from bench._table import print_table
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.settings_store import AppSettings
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY

JOBS = int(os.environ.get("BENCH_JOBS", "200"))


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def press_generate(home: Path) -> GenerationSession:
    backend = ScriptedBackend()
    backend.image_side = 512
    settings = AppSettings(concurrency=2)
    session = GenerationSession(lambda: settings, lambda: ApiKey(API_KEY), HistoryStore(home),
                                backend_factory=backend.factory)
    document = CanvasDocument(QSize(1024, 1024))
    made = []
    for n in range(JOBS):
        document.begin_stroke(QPointF(10, 10 + 4 * n), 3)
        document.extend_stroke(QPointF(1000, 10 + 4 * n), 3)
        document.end_stroke()
        made.append(session.generate(document.darkness_image(),
                                     GenerationParams("a lighthouse", seed=n + 1)))
        while any(job.active for job in made):  # (one press after the other finished)
            await asyncio.sleep(0.005)
    del made
    return session


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    import qasync

    loop = qasync.QEventLoop(app)
    before = rss_mb()
    with tempfile.TemporaryDirectory() as home:
        session = loop.run_until_complete(press_generate(Path(home)))
        gc.collect()
        jobs = session.jobs
        sketches = [job.sketch for job in jobs if job.sketch is not None]
        sketch_mb = sum(len(s.tobytes()) for s in sketches) / 2**20
        scribble_kb = sum(len(s.png) for job in jobs
                          if (s := getattr(job, "scribble", None)) is not None) / 2**10
        done = sum(job.state is JobState.DONE for job in jobs)
        print_table(f"{JOBS} jobs of a 1024² canvas, one after the other", (
            "jobs listed", "done", "snapshots held", "snapshot MB", "scribble kB",
            "RSS growth MB"),
            [(len(jobs), done, len(sketches), f"{sketch_mb:.1f}", f"{scribble_kb:.0f}",
              f"{rss_mb() - before:.0f}")])
        loop.run_until_complete(session.shutdown())
    loop.close()


if __name__ == "__main__":
    main()
