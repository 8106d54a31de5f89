"""Run in a child process with QT_SCALE_FACTOR=2: draws on the canvas with real events
and prints what a device-pixel-ratio-2 screen shows, as JSON."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QPointF, QSize
from PySide6.QtWidgets import QApplication

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.ui.canvas_view import CanvasView
from tests.pointer import drag


def main() -> None:
    app = QApplication(sys.argv)
    view = CanvasView(CanvasDocument(QSize(512, 512)))
    view.resize(600, 600)
    view.show()
    app.processEvents()
    view.set_zoom(1.5)
    trips = []
    for x, y in [(0.0, 0.0), (100.25, 300.5), (511.0, 7.0)]:
        back = view.to_document(view.to_view(QPointF(x, y)))
        trips.append(max(abs(back.x() - x), abs(back.y() - y)))
    start, end = view.to_view(QPointF(100, 200)), view.to_view(QPointF(300, 200))
    drag(view.viewport(), [(start.x(), start.y()), (end.x(), end.y())])
    app.processEvents()
    shot = view.viewport().grab().toImage()
    mid = view.to_view(QPointF(200, 200))
    off = view.to_view(QPointF(200, 260))
    print(json.dumps({
        "dpr": view.devicePixelRatioF(),
        "shot_dpr": shot.devicePixelRatio(),
        "shot_width": shot.width(), "viewport_width": view.viewport().width(),
        "round_trip_error": max(trips),
        "ink_on_document": view.document.image.pixelColor(200, 200).alpha(),
        "screen_on_stroke": shot.pixelColor(round(mid.x() * 2), round(mid.y() * 2)).red(),
        "screen_off_stroke": shot.pixelColor(round(off.x() * 2), round(off.y() * 2)).red(),
    }))


if __name__ == "__main__":
    main()
