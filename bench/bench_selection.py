"""Moving a selection (issue 14). Printed, not asserted.

A 1024×1024 selection full of ink on a 2048×2048 document at 100%, dragged with 300
pointer moves: the whole cycle per event (event → transform of the floating ink →
update → paint of what changed). Then applying it (Enter): after a move by whole pixels
(a copy) and after a scale (resampled and thresholded), each with its undo step.
Reference, same run: the stroke reference of bench_canvas (Qt's scribble example, one
4 px segment per event on a 1024×1024 image).
"""

from __future__ import annotations

import math
import os
import random
import sys
import time

from bench._table import median_ms, p95_ms, print_table
from bench.bench_canvas import measure, reference_scribble

DOC_SIDE = 2048
SELECTION = 1024
MOVES = 300
APPLIES = 7


def main() -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # as the other benches: no window shown
    from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QSize, Qt
    from PySide6.QtGui import QKeyEvent, QMouseEvent
    from PySide6.QtWidgets import QApplication

    from scribble_studio.controllers.canvas_document import CanvasDocument
    from scribble_studio.ui.canvas_view import CanvasView, Tool

    app = QApplication(sys.argv[:1])
    doc = CanvasDocument(QSize(DOC_SIDE, DOC_SIDE), undo_budget_bytes=1 << 40)
    view = CanvasView(doc)
    view.resize(1400, 1400)
    view.show()
    app.processEvents()
    view.zoom_actual()
    view.horizontalScrollBar().setValue(0)
    view.verticalScrollBar().setValue(0)
    rng = random.Random(14)
    for _ in range(120):  # a busy drawing inside the area to select
        x, y = rng.uniform(60, 1060), rng.uniform(60, 1060)
        doc.begin_stroke(QPointF(x, y), rng.uniform(1, 8))
        for _ in range(12):
            x, y = x + rng.uniform(-40, 40), y + rng.uniform(-40, 40)
            doc.extend_stroke(QPointF(x, y), rng.uniform(1, 8))
        doc.end_stroke()
    view.set_tool(Tool.SELECT)
    port = view.viewport()
    painted: list[int] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                rect = event.rect()  # type: ignore[attr-defined]
                painted.append(rect.width() * rect.height())
            return False

    spy = PaintSpy()
    port.installEventFilter(spy)
    left = Qt.MouseButton.LeftButton

    def send_mouse(kind: QEvent.Type, doc_x: float, doc_y: float) -> None:
        point = view.to_view(QPointF(doc_x, doc_y))
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else left
        QApplication.sendEvent(port, QMouseEvent(kind, point, port.mapToGlobal(point), left,
                                                 buttons, Qt.KeyboardModifier.NoModifier))

    def enter() -> float:
        started = time.perf_counter()
        QApplication.sendEvent(view, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                                               Qt.KeyboardModifier.NoModifier))
        app.processEvents()
        return time.perf_counter() - started

    move_times: list[float] = []
    areas: list[int] = []
    apply_move: list[float] = []
    apply_scale: list[float] = []
    for round_ in range(APPLIES):
        doc.selection.select_rect(QRect(40, 40, SELECTION, SELECTION))
        app.processEvents()
        send_mouse(QEvent.Type.MouseButtonPress, 500, 500)
        app.processEvents()
        for i in range(1, MOVES + 1):
            # A loop of a few pixels per event, as a hand drags.
            dx, dy = 40 * math.sin(i / 15), 40 * (1 - math.cos(i / 15))
            painted.clear()
            started = time.perf_counter()
            send_mouse(QEvent.Type.MouseMove, 500 + dx, 500 + dy)
            app.processEvents()
            if round_ == 0:
                move_times.append(time.perf_counter() - started)
                areas.append(sum(painted))
        send_mouse(QEvent.Type.MouseButtonRelease, 500 + dx, 500 + dy)
        apply_move.append(enter())
        # Scale it by a corner handle to 90%, then apply: resample and threshold.
        doc.selection.select_rect(QRect(40, 40, SELECTION, SELECTION))
        doc.selection.set_geometry(QPointF(-51.2, -51.2), (0.9, 0.9), 0.0)
        apply_scale.append(enter())
        doc.undo_stack.undo()
        doc.undo_stack.undo()
    view.close()

    reference = reference_scribble()
    reference.resize(1024, 1024)
    reference.show()
    app.processEvents()
    ref = measure(reference, reference, lambda x, y: (x / 2, y / 2))
    ref_median = ref["median"]
    move_median = median_ms(move_times)
    rows = [
        ["drag a 1024² selection: event → preview → repaint", MOVES,
         f"{move_median:.2f} ms", f"{p95_ms(move_times):.2f} ms", f"{ref_median:.3f} ms",
         f"{move_median / ref_median:.0f}×", "≤ 8 ms"],
        ["apply after a move (Enter → ink down, undo step, repaint)", APPLIES,
         f"{median_ms(apply_move):.1f} ms", f"{p95_ms(apply_move):.1f} ms",
         f"{ref_median:.3f} ms", f"{median_ms(apply_move) / ref_median:.0f}×", "≤ 50 ms"],
        ["apply after a scale (resample + threshold too)", APPLIES,
         f"{median_ms(apply_scale):.1f} ms", f"{p95_ms(apply_scale):.1f} ms",
         f"{ref_median:.3f} ms", f"{median_ms(apply_scale) / ref_median:.0f}×", "≤ 50 ms"],
    ]
    print_table(f"Selection on a {DOC_SIDE}×{DOC_SIDE} document at 100% (reference: a "
                "stroke event of bench_canvas, same run; median area repainted per move"
                f" {sorted(areas)[len(areas) // 2]:,} px²)",
                ["measure", "n", "median", "p95", "stroke reference median", "ratio",
                 "target"], rows)


if __name__ == "__main__":
    main()
