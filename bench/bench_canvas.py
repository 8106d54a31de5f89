"""Canvas responsiveness (issue 3). Printed, not asserted.

10,000 pointer moves on a 1024×1024 document at 100% zoom, at device pixel ratio 1 and
2: the whole cycle per event (event → draw → update of the changed rectangle → paint),
and the area repainted per event. Reference, same run and same events: a minimal widget
that only draws lines into a QImage and repaints the changed rectangle, the pattern of
Qt's own scribble example. Each ratio runs in a child process, because the device
pixel ratio is fixed when the QApplication starts.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from typing import Any

from bench._table import median_ms, p95_ms, print_table

MOVES = 10_000
SIDE = 1024


def scribble_path(n: int) -> list[tuple[float, float]]:
    """A lissajous scribble of n samples, a few pixels apart, inside the document."""
    return [(512 + 420 * math.sin(i * 0.0093), 512 + 420 * math.sin(i * 0.0062 + 0.5))
            for i in range(n)]


def measure(widget: Any, target: Any, to_widget: Any) -> dict[str, float]:
    from PySide6.QtCore import QEvent, QObject, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    areas: list[int] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                rect = event.rect()  # type: ignore[attr-defined]
                areas.append(rect.width() * rect.height())
            return False

    spy = PaintSpy()
    target.installEventFilter(spy)
    points = [to_widget(x, y) for x, y in scribble_path(MOVES + 1)]
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QEvent.Type, x: float, y: float, button: Qt.MouseButton) -> None:
        point = QPointF(x, y)
        QApplication.sendEvent(target, QMouseEvent(kind, point, target.mapToGlobal(point),
                                                   button, left, Qt.KeyboardModifier.NoModifier))

    app = QApplication.instance()
    assert app is not None
    app.processEvents()
    areas.clear()
    send(QEvent.Type.MouseButtonPress, *points[0], left)
    app.processEvents()
    times, painted = [], []
    for x, y in points[1:]:
        areas.clear()
        started = time.perf_counter()
        send(QEvent.Type.MouseMove, x, y, none)
        app.processEvents()  # delivers the update request: the paint of the dirty rect
        times.append(time.perf_counter() - started)
        painted.append(sum(areas))
    send(QEvent.Type.MouseButtonRelease, *points[-1], left)
    app.processEvents()
    return {"median": median_ms(times), "p95": p95_ms(times),
            "area": sorted(painted)[len(painted) // 2], "paints": sum(1 for a in painted if a)}


def reference_scribble(side: int = SIDE) -> Any:
    """The reference widget (built on call: Qt is imported in the child process only)."""
    from PySide6.QtCore import QPointF, QRect, Qt
    from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
    from PySide6.QtWidgets import QWidget

    class ReferenceScribble(QWidget):
        """Qt's scribble example, reduced to its drawing path."""

        def __init__(self) -> None:
            super().__init__()
            self.image = QImage(side, side, QImage.Format.Format_RGB32)
            self.image.fill(QColor("white"))
            self.last = QPointF()
            self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

        def mousePressEvent(self, event: QMouseEvent) -> None:
            self.last = event.position()

        def mouseMoveEvent(self, event: QMouseEvent) -> None:
            painter = QPainter(self.image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor("black"), 4, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            painter.drawLine(self.last, event.position())
            painter.end()
            rad = 4
            self.update(QRect(self.last.toPoint(), event.position().toPoint()).normalized()
                        .adjusted(-rad, -rad, rad, rad))
            self.last = event.position()

        def paintEvent(self, event: QPaintEvent) -> None:
            painter = QPainter(self)
            painter.drawImage(event.rect(), self.image, event.rect())
            painter.end()

    return ReferenceScribble()


def child() -> None:
    from PySide6.QtCore import QPointF, QSize
    from PySide6.QtWidgets import QApplication

    from scribble_studio.controllers.canvas_document import CanvasDocument
    from scribble_studio.ui.canvas_view import CanvasView

    app = QApplication(sys.argv[:1])
    view = CanvasView(CanvasDocument(QSize(SIDE, SIDE)))
    view.resize(SIDE + 40, SIDE + 40)
    view.show()
    app.processEvents()
    view.zoom_actual()

    def view_point(x: float, y: float) -> tuple[float, float]:
        p = view.to_view(QPointF(x, y))
        return p.x(), p.y()

    ours = measure(view, view.viewport(), view_point)
    view.close()
    reference = reference_scribble()
    reference.resize(SIDE, SIDE)
    reference.show()
    app.processEvents()
    ref = measure(reference, reference, lambda x, y: (x, y))
    print(json.dumps({"dpr": view.devicePixelRatioF(), "ours": ours, "reference": ref}))


def main() -> None:
    rows = []
    for scale in ("1", "2"):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
        done = subprocess.run([sys.executable, "-m", "bench.bench_canvas", "--child"], env=env,
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        ours, ref = result["ours"], result["reference"]
        rows.append([f"{result['dpr']:g}", MOVES, f"{ours['median']:.3f}", f"{ours['p95']:.3f}",
                     f"{ref['median']:.3f}", f"{ref['p95']:.3f}",
                     f"{ours['median'] / ref['median']:.2f}×", f"{ours['area']:,} px²",
                     f"{ref['area']:,} px²"])
    print_table("Canvas: pointer move → draw → update → paint, 1024×1024 at 100% "
                "(targets: ratio ≤ 1.5, p95 ≤ 0.5 ms)",
                ["DPR", "moves", "median ms", "p95 ms", "ref median ms", "ref p95 ms",
                 "ratio", "repainted/event", "ref repainted/event"], rows)


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
