"""What live mode works with: a drawing's export is the exact bytes Generate would send
(plain or inverted, gray or RGB) with their hash, and a state's fingerprint changes with
the drawing and with every parameter, the live seed included, and with nothing else."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import threading

import pytest
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.live_state import (
    export_drawing,
    fingerprint_of,
    loop_running,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import UploadEncoding, export_scribble

pytestmark = pytest.mark.usefixtures("qapp")


def drawn(points: list[tuple[float, float]]) -> CanvasDocument:
    doc = CanvasDocument(QSize(512, 512))
    doc.begin_stroke(QPointF(*points[0]), 6)
    for point in points[1:]:
        doc.extend_stroke(QPointF(*point), 6)
    doc.end_stroke()
    return doc


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("encoding", list(UploadEncoding))
def test_the_export_is_the_bytes_generate_would_send(invert: bool,
                                                     encoding: UploadEncoding) -> None:
    doc = drawn([(20, 20), (400, 300), (100, 480)])
    export = export_drawing(doc.image, invert, encoding)
    sent = export_scribble(doc.darkness_image(), invert=invert, encoding=encoding)
    assert export.scribble.png == sent.png and export.scribble.has_ink
    assert export.digest == hashlib.sha256(sent.png).hexdigest()
    assert export.sketch.getpixel((20, 20)) == 0  # dark ink on white, as Generate takes it


def test_the_export_runs_on_a_worker_thread() -> None:
    # It is made off the GUI thread: from a copy of the layer, with no Qt paint device.
    ink = drawn([(10, 10), (200, 200)]).image.copy()
    made: list[str] = []
    worker = threading.Thread(target=lambda: made.append(
        export_drawing(ink, False, UploadEncoding.GRAY).digest))
    worker.start()
    worker.join()
    assert made == [export_drawing(ink, False, UploadEncoding.GRAY).digest]


def test_a_blank_drawing_exports_without_ink() -> None:
    export = export_drawing(CanvasDocument(QSize(256, 256)).image, False, UploadEncoding.GRAY)
    assert not export.scribble.has_ink


def test_the_fingerprint_is_the_same_for_the_same_drawing_and_parameters() -> None:
    params = GenerationParams("a lighthouse", seed=5)
    first = export_drawing(drawn([(20, 20), (300, 300)]).image, False, UploadEncoding.GRAY)
    again = export_drawing(drawn([(20, 20), (300, 300)]).image, False, UploadEncoding.GRAY)
    assert fingerprint_of(first, params) == fingerprint_of(again, dataclasses.replace(params))


def test_the_fingerprint_changes_with_the_drawing_the_map_and_each_parameter() -> None:
    params = GenerationParams("a lighthouse", seed=5)
    doc = drawn([(20, 20), (300, 300)])
    export = export_drawing(doc.image, False, UploadEncoding.GRAY)
    base = fingerprint_of(export, params)
    other_drawing = export_drawing(drawn([(20, 20), (300, 310)]).image, False,
                                   UploadEncoding.GRAY)
    inverted = export_drawing(doc.image, True, UploadEncoding.GRAY)
    changed = [fingerprint_of(other_drawing, params), fingerprint_of(inverted, params)]
    for change in ({"seed": 6}, {"seed": None}, {"prompt": "a lighthouse at night"},
                   {"negative_prompt": "fog"}, {"steps": params.steps + 1},
                   {"guidance": params.guidance + 0.5}, {"strength": 0.5},
                   {"samples": 2}):
        changed.append(fingerprint_of(export, dataclasses.replace(params, **change)))
    assert base not in changed and len(set(changed)) == len(changed)


def test_a_stroke_too_faint_for_the_threshold_leaves_the_fingerprint_as_it_was() -> None:
    # The state is what is sent: ink the threshold drops does not count as a change.
    params = GenerationParams("a lighthouse", seed=5)
    doc = drawn([(20, 20), (300, 300)])
    before = fingerprint_of(export_drawing(doc.image, False, UploadEncoding.GRAY), params)
    faint = doc.image.copy()
    faint.setPixelColor(400, 400, QColor(0, 0, 0, 40))
    after = fingerprint_of(export_drawing(faint, False, UploadEncoding.GRAY), params)
    assert after == before


def test_loop_running_tells_whether_there_is_a_running_loop() -> None:
    async def inside() -> bool:
        return loop_running()

    assert not loop_running()
    assert asyncio.run(inside())

