"""Lineage (issue 13): what restoring a sketch and overlaying it on a result cost, at
the result sizes the models give. Printed, not asserted.

- worker: the overlay layer (decode the stored result and scribble, scale the ink to the
  result, colour it), and the restore's ink (decode the scribble, two levels, Alpha8);
- GUI thread: one repaint of the large view with the overlay on (what each step of the
  opacity slider costs), the first paint of a result (both images scaled to the view),
  and the restore's undoable edit (``replace_ink``).

Run: ``PYTHONPATH=app:. QT_QPA_PLATFORM=offscreen python -m bench.bench_lineage``."""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from bench._table import median_ms, p95_ms, print_table
from scribble_studio.controllers import lineage
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryStore
from scribble_studio.ui.result_viewer import ResultCanvas
from tests.fakes.segmind_server import result_jpeg
from tests.fakes.sketches import drawn_sketch

SIDES = (512, 1024, 2048)
RUNS = 20


def timed(action: Callable[[], object], runs: int = RUNS) -> list[float]:
    action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    app = QApplication.instance() or QApplication([])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore(Path(folder))
        for side in SIDES:
            scribble = export_scribble(drawn_sketch((side, side)))
            gen_id = store.record(GenerationParams("bench", seed=1), scribble.png,
                                  (scribble.width, scribble.height), JobState.QUEUED)
            png = io.BytesIO()
            Image.open(io.BytesIO(result_jpeg(side, side, 1, 0))).save(png, format="PNG")
            digest = store.put_file(png.getvalue())
            entry = store.get(gen_id)
            assert entry is not None
            layer = lineage.overlay_layer(store, entry, digest)
            overlay = timed(lambda e=entry, d=digest: lineage.overlay_layer(store, e, d))
            ink = timed(lambda e=entry: lineage.ink_to_qimage(lineage.scribble_ink(store, e)))
            canvas = ResultCanvas()
            canvas.resize(880, 680)
            canvas.image = QImage.fromData(png.getvalue())
            canvas.overlay = layer
            target = QImage(canvas.size(), QImage.Format.Format_ARGB32_Premultiplied)

            def repaint(c: ResultCanvas = canvas, t: QImage = target) -> None:
                c.opacity = 0.3 if c.opacity > 0.4 else 0.6
                c.render(t)

            paint = timed(repaint)

            def first_paint(c: ResultCanvas = canvas, t: QImage = target) -> None:
                c._scaled.clear()  # a new result shown: both scaled to the view again
                c.render(t)

            first = timed(first_paint)
            restored = lineage.ink_to_qimage(lineage.scribble_ink(store, entry))
            document = CanvasDocument()
            edit = timed(lambda d=document, r=restored: d.replace_ink(r, "Restore sketch"))
            for what, samples in (("overlay layer (worker)", overlay),
                                  ("restore ink (worker)", ink),
                                  ("repaint with overlay (GUI)", paint),
                                  ("first paint of a result (GUI)", first),
                                  ("replace_ink edit (GUI)", edit)):
                rows.append((f"{side}²", what, f"{median_ms(samples):.1f}",
                             f"{p95_ms(samples):.1f}"))
        store.close()
    print_table("Lineage: restore and overlay", ("result", "step", "median ms", "p95 ms"),
                rows)
    del app


if __name__ == "__main__":
    main()
